// `make size` (after `make lib-bundle` built and checked dist/): the device bundles' sizes (the core minified and gzipped, each part, the total), each top-level module's share and the largest functions of the core; with the interpreters set, the heap figures (JerryScript, Espruino, a Pico's fixed heap); last, issue 12's figures against their aims.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { LIBRARY, ROOT } from "./build";
import { bundleUnits } from "./attribute";
import { jerrySizeLines } from "../jerry/size";
import { listApps } from "./app";
import { BOARD_HEAP_LIMIT, boardHeap, ESP32_BOARDS, HEAP_BOARDS } from "../device/board-heap";
import { FIXED_FREE_TARGET, fixedEcho } from "../device/fixed";
import { memoryReport } from "../device/memory";
import { defaultPoolSize, Pool } from "../device/pool";
import { runtimeFromEnv, runtimeMissing } from "../device/runtimes";

/** Issue 12's byte aims: the core alone, and the core with every optional part. */
export const CORE_BYTES_AIM = 32 * 1024;
export const ALL_BYTES_AIM = 60 * 1024;

/** Group an input path into its top-level module: firmware/at, firmware/core, hal/espruino, boards … */
function moduleOf(input: string): string {
  const parts = input.split("/");
  if (parts[0] === "firmware" && parts.length > 2) return parts[0] + "/" + parts[1];
  if (parts[0] === "hal" && parts.length > 2) return parts[0] + "/" + parts[1];
  return parts[0];
}

/** One figure of the summary: what, its aim, what was measured (or why not), met (undefined when not measured). */
interface Figure {
  what: string;
  aim: string;
  now: string;
  met: boolean | undefined;
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  // The bundles `make lib-bundle` (this target's prerequisite) built and device-checked in dist/.
  const files = LIBRARY.map((l) => path.join(ROOT, "dist", l.name + ".js"));
  const code = fs.readFileSync(files[0]);
  const gz = zlib.gzipSync(code, { level: 9 }).length;
  // Each module's share and the largest functions, from one source-mapped build of the core.
  const units = await bundleUnits(LIBRARY[0]);
  const shares: { [m: string]: number } = {};
  let attributed = 0;
  for (const u of units) {
    if (u.file === "(wrapper)") continue;
    const m = moduleOf(u.file);
    shares[m] = (shares[m] || 0) + u.bytes;
    attributed += u.bytes;
  }
  console.log(`dist/a76xx.js: ${code.length} bytes minified, ${gz} bytes gzip`);
  console.log("per module (minified bytes in the bundle):");
  const names = Object.keys(shares).sort((a, b) => shares[b] - shares[a]);
  for (const m of names) {
    const pct = ((100 * shares[m]) / code.length).toFixed(1);
    console.log(`  ${m.padEnd(18)} ${String(shares[m]).padStart(7)}  ${pct.padStart(5)}%`);
  }
  console.log(`  ${"(wrapper, lift)".padEnd(18)} ${String(code.length - attributed).padStart(7)}`);
  console.log("largest functions of the core (minified bytes before the top-level lift, which adds a suffix to each top-level name):");
  for (const u of units.filter((x) => x.file !== "(wrapper)").slice(0, 15)) console.log(`  ${String(u.bytes).padStart(6)}  ${u.file} ${u.name}`);
  let total = code.length;
  const parts: { file: string; bytes: number }[] = [];
  console.log("optional parts:");
  for (const f of files.slice(1)) {
    const bytes = fs.statSync(f).size;
    total += bytes;
    parts.push({ file: path.basename(f), bytes });
    console.log(`  ${path.basename(f).padEnd(22)} ${String(bytes).padStart(7)}`);
  }
  console.log(`  core + every part      ${String(total).padStart(7)}`);
  console.log(JSON.stringify({ bench: "size", bytes: code.length, gzip: gz, modules: shares, parts, total }));
  figures.push({ what: "core bundle, minified", aim: `<= ${CORE_BYTES_AIM} B`, now: `${code.length} B`, met: code.length <= CORE_BYTES_AIM });
  figures.push({ what: "core + every optional part", aim: `<= ${ALL_BYTES_AIM} B`, now: `${total} B`, met: total <= ALL_BYTES_AIM });
  // JerryScript: the heap after loading the core, when JERRY_SDK is set.
  const jerry = await jerrySizeLines();
  for (const line of jerry.lines) console.log(line);
  if (!jerry.forms.length) figures.push({ what: "JerryScript heap after loading the core", aim: `<= ${jerry.limit} B`, now: "not measured (JERRY_SDK)", met: undefined });
  for (const f of jerry.forms) figures.push({ what: `JerryScript heap after loading the core ${f.form}`, aim: `<= ${jerry.limit} B`, now: `${f.live} B`, met: f.live <= jerry.limit });
  await deviceMemory(figures);
  console.log("");
  console.log("issue 12's figures:");
  const w = Math.max(...figures.map((f) => f.what.length));
  for (const f of figures) console.log(`  ${f.what.padEnd(w)}  ${f.aim.padEnd(16)} ${f.now.padEnd(24)} ${f.met === undefined ? "" : f.met ? "met" : "NOT met"}`);
}

/** With ESPRUINO set: heap in use on the real interpreter after loading the library and each app, and the peak through a 256 KB echo per mode. */
async function deviceMemory(figures: Figure[]): Promise<void> {
  const missing = runtimeMissing("espruino");
  console.log("");
  if (missing) {
    console.log(`memory on the real interpreter: skipped, ${missing} (the path of Espruino's Linux build)`);
    figures.push({ what: "ESP32: library as boot code + setup()", aim: `<= ${BOARD_HEAP_LIMIT} JsVars`, now: "not measured (ESPRUINO)", met: undefined });
    figures.push({ what: "Pico fixed heap, 64 KB echo, lowest free", aim: `>= ${FIXED_FREE_TARGET} JsVars`, now: "not measured (ESPRUINO)", met: undefined });
    return;
  }
  const rt = runtimeFromEnv("espruino")!;
  const bytes = 256 * 1024;
  const baud = 921600;
  console.log(`memory on the real interpreter (${rt.exe}), in JsVars (process.memory().usage, after a garbage collection):`);
  const pool = new Pool(defaultPoolSize());
  const r = await memoryReport(rt, listApps(), ["buffer", "push", "transparent"], bytes, baud, (fn) => pool.run(fn));
  const fmt = (n: number | undefined) => (n === undefined ? "-" : String(n));
  const w = Math.max(...r.loads.map((l) => l.what.length), 8);
  console.log(`  ${"".padEnd(w)}  ${"as a script file".padStart(17)}  ${"as boot code (Storage)".padStart(22)}`);
  console.log(`  ${"loaded".padEnd(w)}  ${"loading".padStart(8)} ${"resident".padStart(8)}  ${"loading".padStart(11)} ${"resident".padStart(10)}`);
  for (const l of r.loads) {
    console.log(
      `  ${l.what.padEnd(w)}  ${fmt(l.asFile.loaded).padStart(8)} ${fmt(l.asFile.resident).padStart(8)}  ${fmt(l.asBootCode.loaded).padStart(11)} ${fmt(l.asBootCode.resident).padStart(10)}` +
        (l.failures.length ? "  (" + l.failures.join("; ") + ")" : ""),
    );
  }
  console.log("  loading = right after the code ran (its source text still held); resident = from the first timer after.");
  console.log("  apps: the bundle for the linux board in buffer mode; loading runs main(), which creates the modem (every buffer) and starts it.");
  console.log(`  ${bytes / 1024} KB echo (examples/echo-check) at ${baud} baud, sampled every 4 KB received and every 250 ms; quarters compared after the first ${bytes / 4096} KB (warm-up):`);
  console.log(`  ${"mode".padEnd(11)}  ${"peak".padStart(6)}  ${"first quarter".padStart(13)}  ${"last quarter".padStart(12)}  ${"growth".padStart(7)}  transfer`);
  for (const t of r.transfers) {
    const f = t.flat;
    console.log(
      `  ${t.mode.padEnd(11)}  ${String(t.peak).padStart(6)}  ${f.firstQuarterMean.toFixed(0).padStart(13)}  ${f.lastQuarterMean.toFixed(0).padStart(12)}  ${((f.growthPct >= 0 ? "+" : "") + f.growthPct.toFixed(2) + "%").padStart(7)}  ${t.ok ? "ok" : "FAILED: " + t.failures.join("; ")}`,
    );
  }
  for (const l of r.loads) {
    console.log(JSON.stringify({ bench: "device-memory-load", runtime: r.runtime, what: l.what, fileLoading: l.asFile.loaded, fileResident: l.asFile.resident, bootLoading: l.asBootCode.loaded, bootResident: l.asBootCode.resident, unit: "JsVars" }));
  }
  for (const t of r.transfers) {
    console.log(JSON.stringify({ bench: "device-memory-transfer", runtime: r.runtime, mode: t.mode, baud: t.baud, bytes: t.bytes, ok: t.ok, peak: t.peak, firstQuarterMean: Math.round(t.flat.firstQuarterMean), lastQuarterMean: Math.round(t.flat.lastQuarterMean), growthPct: Number(t.flat.growthPct.toFixed(2)), samples: t.flat.samples, unit: "JsVars" }));
  }
  // The library as boot code and setup() with each board's sizes (the ESP32 figure).
  console.log(`the library as boot code and setup() with a board's sizes, JsVars in use (ESP32 boards aim at <= ${BOARD_HEAP_LIMIT}):`);
  const heaps = await Promise.all(HEAP_BOARDS.map((b) => pool.run(() => boardHeap(rt, b))));
  let esp32Worst: number | undefined;
  for (const h of heaps) {
    if (h.failures.length) {
      console.log(`  ${h.board.padEnd(8)} FAILED: ${h.failures.join("; ")}`);
      continue;
    }
    if (ESP32_BOARDS.indexOf(h.board) >= 0) esp32Worst = Math.max(esp32Worst || 0, h.modem as number);
    console.log(`  ${h.board.padEnd(8)} library ${h.library}, + setup() with ${h.links} links ${h.modem}` + (h.removed.length ? ` (without ${h.removed.join(", ")}: no such pin on the Linux build)` : ""));
    console.log(JSON.stringify({ bench: "device-board-heap", runtime: r.runtime, board: h.board, links: h.links, library: h.library, modem: h.modem, unit: "JsVars" }));
  }
  figures.push({ what: "ESP32: library as boot code + setup() (worst board)", aim: `<= ${BOARD_HEAP_LIMIT} JsVars`, now: esp32Worst === undefined ? "FAILED" : `${esp32Worst} JsVars`, met: esp32Worst !== undefined && esp32Worst <= BOARD_HEAP_LIMIT });
  await picoFigure(figures);
}

/** With ESPRUINO_FIXED: the Pico figure, a 64 KB echo per mode on the fixed 5,100-JsVar heap, lowest free. */
async function picoFigure(figures: Figure[]): Promise<void> {
  const what = "Pico fixed heap, 64 KB echo, lowest free (buffer / push)";
  const missing = runtimeMissing("espruino-fixed");
  if (missing) {
    console.log(`the Pico's fixed heap: skipped, ${missing} (the path of Espruino's Linux build with a fixed 5,100-JsVar heap)`);
    figures.push({ what, aim: `>= ${FIXED_FREE_TARGET} JsVars`, now: "not measured (ESPRUINO_FIXED)", met: undefined });
    return;
  }
  const fixed = runtimeFromEnv("espruino-fixed")!;
  const writer = runtimeFromEnv("espruino")!;
  console.log(`the Pico's fixed heap (${fixed.exe}): the library as boot code, setup() with the pico board, a 64 KB echo at 115200 baud, free JsVars:`);
  const lows: string[] = [];
  let met = true;
  for (const mode of ["buffer", "push"] as const) {
    const r = await fixedEcho(fixed, writer, { mode, bytes: 64 * 1024, baud: 115200 });
    if (!r.ok || r.lowestFree === undefined) {
      console.log(`  ${mode.padEnd(7)} FAILED: ${r.failures.join("; ")}`);
      lows.push("FAILED");
      met = false;
      continue;
    }
    console.log(`  ${mode.padEnd(7)} after boot ${r.freeAtBoot}, after setup ${r.freeAfterSetup}, lowest ${r.lowestFree} (at ${r.lowestAt})`);
    console.log(JSON.stringify({ bench: "device-fixed-heap", mode, bytes: r.bytes, freeAtBoot: r.freeAtBoot, freeAfterSetup: r.freeAfterSetup, lowestFree: r.lowestFree, unit: "JsVars" }));
    lows.push(String(r.lowestFree));
    if (r.lowestFree < FIXED_FREE_TARGET) met = false;
  }
  figures.push({ what, aim: `>= ${FIXED_FREE_TARGET} JsVars`, now: lows.join(" / ") + " JsVars", met });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
