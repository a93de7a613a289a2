// `make host PORT=<device> [APP=<example or path>]`: the same firmware and apps on Node, against a real modem or `make sim PTY=…`.
//
// The UART is the serialport HAL (a USB-UART adapter or a pseudo-terminal); PWRKEY and DTR can be
// put on the adapter's RTS/DTR lines (PWRKEY=rts, DTRLINE=dtr; a no-op with a warning where the
// device cannot drive them). Ctrl+C closes every socket and the network (AT+NETCLOSE) before exiting.
// An app's `done(ok, summary)` ends the run the same way, with exit code 0 when ok.
//
// The port is checked and opened before the firmware is loaded: one that cannot be opened is reported as that,
// once, and the run ends at once with exit code 3. A link that stays silent is reported after
// SILENCE_S with what crossed it, and a failure to find the module is preceded by the same evidence
// (explain.ts). APP= takes an example's name or the path of your own app (tools/bundle/apps.ts).
import Module = require("module");
import type { BoardDef } from "../../firmware/core/board";
import type { Modem, Part } from "../../firmware/app/index";
import type { ControlLineMap } from "../../hal/serialport/index";
import { checkSerialPath } from "../../hal/serialport/diagnose";
import { AppRef, LIBRARY_FILE, LIBRARY_IMPORT, listApps, modemOptionsFromEnv, PARTS_FILE, parsePairs, resolveApp } from "../bundle/apps";
import { explainLink } from "./explain";
import { reportModem } from "./report";

/** Seconds without a byte from the port before the runner says so (the firmware keeps trying meanwhile). */
const SILENCE_S = 5;

type AppMain = (modem: Modem, args: { [k: string]: string }, done?: (ok: boolean, summary: string) => void) => void;

function env(name: string): string | undefined {
  const v = process.env[name];
  return v && v.trim() ? v.trim() : undefined;
}

function line(name: string, value: string | undefined): ControlLineMap | undefined {
  if (!value || value === "none") return undefined;
  if (value !== "rts" && value !== "dtr") throw new Error(`${name} must be rts, dtr or none, got ${value}`);
  // Adapters drive an asserted RTS/DTR low at the TTL pin: asserted = pressed (PWRKEY is active low) or DTR asserted.
  return { line: value, assertWhenActive: true };
}

/** Loads an app; `import … from "a76xx"` in it means the library (firmware/app/index.ts). */
function loadApp(app: AppRef): { main: AppMain; parts?: Part[] } {
  const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]): string {
    if (request === LIBRARY_IMPORT) return LIBRARY_FILE;
    if (request === LIBRARY_IMPORT + "/parts") return PARTS_FILE;
    return original.call(this, request, ...rest);
  };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const loaded = require(app.file) as { main?: AppMain; parts?: Part[] };
  if (typeof loaded.main !== "function") throw new Error(`${app.file} does not export a main(modem, args, done) function`);
  return loaded as { main: AppMain; parts?: Part[] };
}

/** Stops the modem (sockets closed, AT+NETCLOSE; no AT+CPOF: the module stays powered for the next run) and exits. */
function finish(modem: Modem, shutdown: () => Promise<void>, code: number, why: string): void {
  console.log(`a76xx-host: ${why}; closing sockets and the network`);
  let exited = false;
  const exit = () => {
    if (exited) return;
    exited = true;
    void shutdown().then(() => process.exit(code));
  };
  modem.on("state", (s: string) => {
    if (s === "off") exit();
  });
  modem.stop(true);
  setTimeout(() => {
    console.log("a76xx-host: the modem did not confirm within 10 s; exiting anyway");
    exit();
  }, 10000).unref();
}

async function main(): Promise<void> {
  const port = env("PORT");
  if (!port) {
    console.error("usage: make host PORT=<serial device or simulator PTY> [APP=<example or path/to/app.ts>] [BAUD=115200] [APN=…] [MODE=buffer|push|transparent] [ARGS=\"k=v …\"] [MODEM=\"option=value …\"] [PWRKEY=rts|dtr|none] [DTRLINE=dtr|rts|none] [TRACE=1]");
    console.error(`examples: ${listApps().join(", ")}`);
    process.exit(2);
  }
  let app: AppRef;
  try {
    app = resolveApp(env("APP") || "diagnose");
  } catch (e) {
    console.error(`a76xx-host: ${(e as Error).message}`);
    process.exit(2);
  }
  // What the file system says comes first, before the heavier modules load: a wrong PORT fails in well under a second.
  const before = checkSerialPath(port);
  if (before !== undefined) {
    console.error(`a76xx-host: ${before}`);
    process.exit(3);
  }
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { findBoard } = require("../../boards/index") as typeof import("../../boards/index");
  const { createSerialPortHal } = require("../../hal/serialport/index") as typeof import("../../hal/serialport/index");
  /* eslint-enable @typescript-eslint/no-var-requires */
  const base = findBoard("linux") as BoardDef;
  const baud = Number(env("BAUD") || base.uart.baud);
  const hal = createSerialPortHal({
    path: port,
    pwrkey: line("PWRKEY", env("PWRKEY")),
    dtr: line("DTRLINE", env("DTRLINE")),
    onFatal: (msg) => {
      console.error(`a76xx-host: ${msg}`);
      process.exit(3);
    },
  });
  // Open first: a port that cannot be opened ends the run here, before the firmware is even loaded.
  if ((await hal.open(baud)) !== undefined) return;

  /* eslint-disable @typescript-eslint/no-var-requires */
  const { createModem } = require("../../firmware/app/index") as typeof import("../../firmware/app/index");
  const { transparent } = require("../../firmware/parts/transparent") as typeof import("../../firmware/parts/transparent");
  /* eslint-enable @typescript-eslint/no-var-requires */
  const appModule = loadApp(app);
  const board: BoardDef = Object.assign({}, base, { uart: Object.assign({}, base.uart, { path: port, baud }) });
  if (hal.pwrkey) board.pwrkey = { pin: "RTS", activeHigh: true, onPressMs: 100, offPressMs: 3000 };
  const options = modemOptionsFromEnv(process.env);
  // The app's own parts (`export const parts`), plus transparent mode's when the run asks for it.
  const parts: Part[] = (appModule.parts || []).slice();
  if (options.dataMode === "transparent") parts.push(transparent);
  options.parts = parts;
  // TRACE=1 prints the AT trace (one line per command, answer, payload and mode change).
  if (env("TRACE") === "1") options.trace = true;
  const modem = createModem(hal, board, options);

  let ending = false;
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const explain = (moduleSilent: boolean): boolean => {
    const why = explainLink(port, hal.stats(), seconds(), moduleSilent);
    if (why !== undefined) console.log(`a76xx-host: ${why}`);
    return why !== undefined;
  };
  // Early: the firmware may search bauds and press PWRKEY for a minute; silence is worth saying now.
  setTimeout(() => {
    // Not once the run is ending (Ctrl+C within the first seconds): the user has already moved on.
    if (!ending && hal.stats().received === 0) explain(true);
  }, SILENCE_S * 1000).unref();
  let explainedFailure = false;
  modem.on("error", (e: { kind: string; text: string }) => {
    // The firmware's words are about the module; the evidence of the serial link comes first.
    if (!explainedFailure && (e.kind === "power" || hal.stats().received === 0)) explainedFailure = explain(true);
    console.log(`a76xx-host: error ${e.kind}: ${e.text}`);
  });
  modem.on("state", (s: string) => {
    if (s === "failed" && !explainedFailure) explainedFailure = explain(false);
  });
  // Each state change, and progress during long waits (registration may take minutes).
  reportModem(modem, (l) => console.log(l));

  const end = (code: number, why: string) => {
    if (ending) return;
    ending = true;
    finish(modem, hal.shutdown, code, why);
  };
  process.on("SIGINT", () => end(130, "interrupted"));
  process.on("SIGTERM", () => end(143, "terminated"));
  console.log(`a76xx-host: ${app.name} on ${port} at ${baud} baud`);
  appModule.main(modem, parsePairs(env("ARGS")), (ok, summary) => end(ok ? 0 : 1, `${app.name} ${ok ? "passed" : "FAILED"}: ${summary}`));
}

main().catch((e: Error) => {
  console.error(`a76xx-host: ${e.message}`);
  process.exit(1);
});
