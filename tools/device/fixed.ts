// The core on a small board's heap: dist/a76xx.js with a user's echo script as boot code on Espruino's Linux build with the Espruino Pico's fixed 5,100 JsVars, setup(findBoard("pico") without its control pins, …) against the simulator, and the lowest free heap seen through the transfer.
//
// The boot code (library + script, what `make flash` writes as .bootcde) runs from flash, so its
// source takes no heap. Storage is written by the release build in the run's directory (the fixed
// build could not hold the ~60 KB file in its heap to write it); both builds share the file format.
// The script compares the echo as it arrives (nothing kept) and samples process.memory().free,
// which runs a garbage collection first, in every data callback and every 250 ms.
import { patternAt } from "../../examples/echo-check";
import { DataMode, DeviceEnv, libraryCode } from "./env";
import { Runtime } from "./runtimes";

/** The lowest free heap the script must keep, in JsVars: what the project aims at on a Pico. */
export const FIXED_FREE_TARGET = 1000;

export interface FixedRun {
  mode: DataMode;
  bytes: number;
  /** The transfer completed and the echo was identical on the device and at the server. */
  ok: boolean;
  failures: string[];
  /** Free JsVars right after the boot code loaded, and after setup(). */
  freeAtBoot: number | undefined;
  freeAfterSetup: number | undefined;
  /** Free JsVars when the modem came online, and once the first writes were queued. */
  freeOnline: number | undefined;
  freeWritten: number | undefined;
  /** The lowest free JsVars any sample saw, and where (boot, setup, data, timer). */
  lowestFree: number | undefined;
  lowestAt: string;
  /** Samples taken (data callbacks and timer). */
  samples: number;
  /** E.getErrorFlags() at the end (none about memory when ok), comma-separated. */
  errorFlags: string;
  lines: string[];
}

/** The user's script (plain ES5), appended to the library in the boot code. */
export function fixedScript(o: { serial: string; mode: DataMode; baud: number; port: number; bytes: number; modem?: { [k: string]: unknown } }): string {
  const opts = Object.assign({ apn: "internet", serial: o.serial, dataMode: o.mode, baud: o.baud }, o.modem || {});
  return [
    "var a76xx = A76XX;",
    'var low = 1e9, lowAt = "", samples = 0;',
    "function free(where) { var f = process.memory().free; samples++; if (f < low) { low = f; lowAt = where; } return f; }",
    'print("@@boot free=" + free("boot"));',
    // The Pico's sizes and option defaults; its control pins do not exist on the Linux build (setup would refuse them).
    'var board = a76xx.findBoard("pico");',
    'delete board.pwrkey; delete board.dtr; delete board.ri; delete board.status; delete board.reset;',
    `var modem = a76xx.setup(board, ${JSON.stringify(opts)});`,
    'print("@@setup free=" + free("setup"));',
    'var B = "OK\\r\\n+IPD5\\r\\n+++\\r\\nCLOSED\\r\\n";',
    "for (var i = 0; i < 256; i++) B += String.fromCharCode(i);",
    'function pat(off, len) { var out = "", at = off % B.length; while (out.length < len) { out += B.substr(at, len - out.length); at = 0; } return out; }',
    `var total = ${o.bytes}, sent = 0, got = 0, done = false;`,
    'var tick = setInterval(function () { free("timer"); }, 250);',
    "function finish(ok, text) {",
    "  if (done) return;",
    "  done = true;",
    "  clearInterval(tick);",
    '  print("echo-check " + (ok ? "passed: " : "FAILED: ") + text);',
    '  print("@@low free=" + low + " at=" + lowAt + " samples=" + samples);',
    '  print("@@flags " + E.getErrorFlags().join(","));',
    "}",
    'modem.on("error", function (e) { print("modem error:", e.kind, e.text); });',
    'modem.on("online", function (ip) {',
    '  print("online as", ip);',
    '  print("@@online free=" + free("online"));',
    `  var s = modem.connect("127.0.0.1", ${o.port});`,
    "  function pump() { while (sent < total) { var n = total - sent < 1024 ? total - sent : 1024; var piece = pat(sent, n); sent += n; if (!s.write(piece)) return; } }",
    '  s.on("connect", function () { print("@@connect free=" + free("connect")); pump(); print("@@written free=" + free("written")); });',
    '  s.on("drain", pump);',
    '  s.on("data", function (d) {',
    '    free("data");',
    "    if (done) return;",
    '    if (got + d.length > total || d !== pat(got, d.length)) { finish(false, "echo differs at byte " + got); s.end(); return; }',
    "    got += d.length;",
    '    if (got === total) { finish(true, total + " bytes sent and echoed byte for byte"); s.end(); }',
    "  });",
    '  s.on("error", function (e) { print("socket error:", e.kind, e.text); });',
    '  s.on("close", function (why) { print("closed:", why); finish(false, "closed (" + why + ") after " + got + " bytes"); });',
    "});",
    "modem.start();",
  ].join("\n");
}

const TIMEOUT_MS = 240000;

function figure(lines: string[], re: RegExp): RegExpExecArray | undefined {
  for (const l of lines) {
    const m = re.exec(l);
    if (m) return m;
  }
  return undefined;
}

/** Run the echo on `fixed` from boot code written by `writer` (a build with a growable heap). */
export async function fixedEcho(fixed: Runtime, writer: Runtime, o: { mode: DataMode; bytes: number; baud: number; modem?: { [k: string]: unknown } }): Promise<FixedRun> {
  const failures: string[] = [];
  let lines: string[] = [];
  let flagsSeen = "";
  try {
    await DeviceEnv.with({ label: `fixed-${o.mode}`, baud: o.baud }, async (env) => {
      const script = fixedScript({ serial: env.sim.path, mode: o.mode, baud: o.baud, port: env.servers.tcpEcho.port, bytes: o.bytes, modem: o.modem });
      env.writeScript("main.js", env.withEpilogue(await libraryCode(), [script]));
      const notStored = await env.storeBootCode(writer);
      if (notStored) {
        failures.push(notStored);
        return;
      }
      const child = env.launch(fixed, undefined);
      lines = child.lines;
      const found = await child.waitFor(() => {
        for (const l of child.lines) {
          for (const re of fixed.def.fatal) if (re.test(l)) return "fatal: " + l;
          // The flags line is the script's last: waiting for "@@low" alone raced it.
          if (/^@@flags( |$)/.test(l)) return l;
        }
        return undefined;
      }, TIMEOUT_MS);
      if (!found) failures.push(child.running ? `no result within ${TIMEOUT_MS / 1000} s` : `the interpreter exited (${child.exitCode}) early`);
      else if (found.indexOf("fatal: ") === 0) failures.push("the interpreter failed: " + found.substr(7));
      const verdict = child.lines.filter((l) => /^echo-check /.test(l))[0];
      if (verdict !== `echo-check passed: ${o.bytes} bytes sent and echoed byte for byte`) failures.push(`the script printed ${verdict === undefined ? "no verdict" : JSON.stringify(verdict)}`);
      const got = env.servers.tcpEcho.received[0] || "";
      if (got !== patternAt(0, o.bytes)) failures.push(`the echo server received ${got.length} bytes, not the ${o.bytes}-byte pattern`);
      for (const l of child.lines) if (/error/i.test(l) && !/^@@/.test(l)) failures.push("printed: " + l);
      // The interpreter's error flags since boot: MEMORY / LOW_MEMORY mean the heap ran out at some point.
      const flags = child.lines.filter((l) => /^@@flags( |$)/.test(l))[0];
      if (flags === undefined) failures.push("the script printed no error flags");
      else if (/MEMORY/.test(flags)) failures.push("the heap ran out (interpreter error flags: " + flags.substr(8) + ")");
      else flagsSeen = flags.substr(8); // "" when no flag is set (the line may come trimmed)
      await child.kill();
    });
  } catch (e) {
    failures.push("harness error: " + (e instanceof Error ? e.message : String(e)));
  }
  const boot = figure(lines, /^@@boot free=(\d+)/);
  const setup = figure(lines, /^@@setup free=(\d+)/);
  const online = figure(lines, /^@@online free=(\d+)/);
  const written = figure(lines, /^@@written free=(\d+)/);
  const low = figure(lines, /^@@low free=(\d+) at=(\S*) samples=(\d+)/);
  return {
    mode: o.mode,
    bytes: o.bytes,
    ok: failures.length === 0,
    failures: failures.filter((f, i, a) => a.indexOf(f) === i),
    freeAtBoot: boot ? Number(boot[1]) : undefined,
    freeAfterSetup: setup ? Number(setup[1]) : undefined,
    freeOnline: online ? Number(online[1]) : undefined,
    freeWritten: written ? Number(written[1]) : undefined,
    lowestFree: low ? Number(low[1]) : undefined,
    lowestAt: low ? low[2] : "",
    samples: low ? Number(low[3]) : 0,
    errorFlags: flagsSeen,
    lines: lines.slice(),
  };
}
