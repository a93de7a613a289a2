// `make bench`: runs every benchmark, prints a table for people and one JSON object per line for tools.
import { benchAtEngine } from "./at-engine";
import { benchGoodput, DataMode, GoodputReport, GoodputResult } from "./goodput";

interface Row {
  name: string;
  figure: string;
  json: object;
}

/** The aims: goodput as a fraction of the line rate, per data mode. */
const AIMS: { [mode in DataMode]: number } = { buffer: 0.9, push: 0.95, transparent: 0.97 };

function num(x: number, digits: number): string {
  return typeof x === "number" && isFinite(x) ? x.toFixed(digits) : "-";
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w)))].concat(rows.map(fmt));
}

function aimCell(r: GoodputResult): string {
  if (!r.verified) return "FAILED: " + r.problem;
  const aim = AIMS[r.mode];
  return (r.ratio >= aim ? "meets " : "below ") + "≥" + aim.toFixed(2);
}

function printGoodput(rep: GoodputReport): void {
  console.log("");
  console.log("goodput: 256 KB per run through the firmware and the simulator (virtual time; real loopback peer)");
  console.log("  ratio = bytes / seconds / (baud/10) = framing (payload share of the wire) × busy (share of the time the line carried bytes)");
  console.log("  defaults: ESP32 DevKit rings (AT 2048 B, socket 2048 B), sendChunkBytes 1024, readChunkBytes 1500, txQueueBytes 2048, module command latency 2 ms");
  console.log("  AT cmds = commands during the transfer; idle/cmd = line idle time per command (its round trip: command bytes + module latency + answer)");
  const main = rep.main.map((r) => [
    r.mode, String(r.baud), r.direction, String(r.bytes), num(r.seconds, 3), num(r.ratio, 3), num(r.framing, 3), num(r.busy, 3),
    String(r.commands), num(r.idleMsPerCommand, 2), num(r.cpuUsPerKb, 1), aimCell(r),
  ]);
  const head = ["mode", "baud", "dir", "bytes", "seconds", "ratio", "framing", "busy", "AT cmds", "idle/cmd ms", "CPU µs/KB", "aim"];
  for (const l of table(head, main)) console.log(l);

  console.log("");
  console.log("receive memory (buffer mode, 921600): fixed allocations = AT parser ring + 10 socket rings; peak = highest socket-ring fill");
  const mem = rep.memory.map((r) => [String(r.bytes), String(r.rxMemoryBytes), String(r.ringPeakBytes), r.verified ? "yes" : "NO: " + r.problem]);
  for (const l of table(["bytes", "fixed rx bytes", "ring peak", "verified"], mem)) console.log(l);
  const fixed = rep.memory.map((r) => r.rxMemoryBytes);
  console.log(fixed.every((b) => b === fixed[0]) ? `  the same ${fixed[0]} bytes for 1 KB and 1 MB` : "  DIFFERENT for 1 KB and 1 MB: " + fixed.join(" vs "));

  console.log("");
  console.log(`device bundle: ${rep.bundle.file} ${rep.bundle.bytes} bytes minified, ${rep.bundle.gzip} bytes gzip`);

  console.log("");
  console.log("settings: one group at a time from the defaults (sim.* = the simulated module, not a firmware option)");
  const sweep = rep.sweep.map((r) => [
    r.mode, String(r.baud), r.direction, r.settings, num(r.ratio, 3), num(r.framing, 3), num(r.busy, 3), String(r.commands), num(r.idleMsPerCommand, 2),
    r.verified ? "yes" : "NO: " + r.problem,
  ]);
  for (const l of table(["mode", "baud", "dir", "settings", "ratio", "framing", "busy", "AT cmds", "idle/cmd ms", "verified"], sweep)) console.log(l);
}

function goodputJson(r: GoodputResult, run: string): object {
  // The fields first, in its order; then the rest.
  return {
    bench: r.bench, mode: r.mode, baud: r.baud, direction: r.direction, bytes: r.bytes, seconds: r.seconds, ratio: r.ratio,
    run, settings: r.settings, framing: r.framing, busy: r.busy, cpuUsPerKb: r.cpuUsPerKb, rxMemoryBytes: r.rxMemoryBytes,
    ringPeakBytes: r.ringPeakBytes, commands: r.commands, idleMsPerCommand: r.idleMsPerCommand, verified: r.verified, problem: r.problem || undefined,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const at = benchAtEngine();
  rows.push({
    name: "AT engine, host, mixed stream",
    figure: `${at.mbPerSec.toFixed(1)} MB/s (${(at.bytes / 1048576).toFixed(1)} MB in ${at.seconds.toFixed(2)} s)`,
    json: { bench: "at-engine", bytes: at.bytes, seconds: at.seconds, mbPerSec: at.mbPerSec },
  });
  console.log("benchmark".padEnd(44) + "result");
  for (const r of rows) console.log(r.name.padEnd(44) + r.figure);
  for (const r of rows) console.log(JSON.stringify(r.json));

  const rep = await benchGoodput();
  printGoodput(rep);
  console.log("");
  for (const r of rep.main) console.log(JSON.stringify(goodputJson(r, "main")));
  for (const r of rep.memory) console.log(JSON.stringify(goodputJson(r, "memory")));
  for (const r of rep.sweep) console.log(JSON.stringify(goodputJson(r, "settings")));
  console.log(JSON.stringify(rep.bundle));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
