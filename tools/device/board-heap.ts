// The heap a board's modem takes on Espruino: dist/a76xx.js as boot code, then setup(findBoard(id), …) with that board's links and ring sizes, JsVars in use after each (issue 12's ESP32 figure).
//
// What it measures is what an app on an ESP32 pays before its own code: the library resident from
// flash plus every buffer and object createModem allocates for the board (rings, send queues,
// engine, supervisor, table). The modem is not started, so nothing is in flight. The Linux build
// has no pin D33 and no Pxx pins of an STM32: wiring that names a pin the build lacks is removed
// before setup (a pin costs a few JsVars; the run says which it removed).
import { DeviceEnv, libraryCode } from "./env";
import { Runtime } from "./runtimes";

/** JsVars the library and an ESP32 board's modem may take together: the project's aim for ESP32 boards. */
export const BOARD_HEAP_LIMIT = 5000;

/** Boards the figure is measured for: the two ESP32 boards (held to the limit) and the Pico (for comparison). */
export const HEAP_BOARDS = ["esp32", "t-a7670", "pico"];

/** Boards the limit applies to. */
export const ESP32_BOARDS = ["esp32", "t-a7670"];

export interface BoardHeap {
  board: string;
  /** JsVars in use with the library loaded as boot code, and after setup() (each after a garbage collection). */
  library: number | undefined;
  modem: number | undefined;
  /** Links the board provisions (from the modem's own options after setup). */
  links: number | undefined;
  /** Wiring removed because the Linux build lacks its pin (e.g. "ri D33"). */
  removed: string[];
  failures: string[];
  lines: string[];
}

/** The boot code's script after the library (plain ES5). */
export function boardHeapScript(board: string, serial: string): string {
  return [
    "var a76xx = A76XX;",
    'print("@@library used=" + process.memory().usage);',
    `var board = a76xx.findBoard(${JSON.stringify(board)});`,
    'var removed = [];',
    '["pwrkey", "dtr", "ri", "status", "reset", "powerEnable"].forEach(function (k) {',
    "  var w = board[k];",
    "  if (w && String(new Pin(w.pin)) !== w.pin) { removed.push(k + \" \" + w.pin); delete board[k]; }",
    "});",
    `var modem = a76xx.setup(board, { apn: "internet", serial: ${JSON.stringify(serial)} });`,
    'print("@@modem used=" + process.memory().usage + " links=" + modem.options.links + " removed=" + removed.join(","));',
  ].join("\n");
}

const TIMEOUT_MS = 30000;

/** Store the library and the script as boot code with `rt` and run it once for `board`. */
export async function boardHeap(rt: Runtime, board: string): Promise<BoardHeap> {
  const r: BoardHeap = { board, library: undefined, modem: undefined, links: undefined, removed: [], failures: [], lines: [] };
  try {
    await DeviceEnv.with({ label: `heap-${board}`, baud: 115200 }, async (env) => {
      env.writeScript("main.js", env.withEpilogue(await libraryCode(), [boardHeapScript(board, env.sim.path)]));
      const notStored = await env.storeBootCode(rt);
      if (notStored) {
        r.failures.push(notStored);
        return;
      }
      const child = env.launch(rt, undefined);
      const found = await child.waitLine((l) => /^@@modem /.test(l), TIMEOUT_MS);
      r.lines = child.lines.slice();
      await child.kill();
      for (const l of r.lines) {
        for (const re of rt.def.fatal) if (re.test(l)) r.failures.push("the interpreter failed: " + l);
        if (/error/i.test(l) && !/^@@/.test(l)) r.failures.push("printed: " + l);
      }
      if (!found) {
        r.failures.push(`no "@@modem" line within ${TIMEOUT_MS / 1000} s: ${child.tail(5)}`);
        return;
      }
      const lib = /^@@library used=(\d+)/.exec(r.lines.filter((l) => /^@@library /.test(l))[0] || "");
      const m = /^@@modem used=(\d+) links=(\d+) removed=(.*)$/.exec(found);
      if (lib) r.library = Number(lib[1]);
      if (m) {
        r.modem = Number(m[1]);
        r.links = Number(m[2]);
        r.removed = m[3] ? m[3].split(",") : [];
      } else r.failures.push("unreadable line: " + found);
    });
  } catch (e) {
    r.failures.push("harness error: " + (e instanceof Error ? e.message : String(e)));
  }
  return r;
}
