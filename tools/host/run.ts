// `make host PORT=<device> [APP=<example>]`: the same firmware and example apps on Node, against a real modem or `make sim PTY=…`.
//
// The UART is the serialport HAL (a USB-UART adapter or a pseudo-terminal); PWRKEY and DTR can be
// put on the adapter's RTS/DTR lines (PWRKEY=rts, DTRLINE=dtr; a no-op with a warning where the
// device cannot drive them). Ctrl+C closes every socket and the network (AT+NETCLOSE) before exiting.
// An app's `done(ok, summary)` ends the run the same way, with exit code 0 when ok.
import * as path from "path";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem, Part } from "../../firmware/app/index";
import { transparent } from "../../firmware/parts/transparent";
import { findBoard } from "../../boards/index";
import { createSerialPortHal, ControlLineMap } from "../../hal/serialport/index";
import { listApps, parsePairs } from "../bundle/app";

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

function main(): void {
  const port = env("PORT");
  const appName = env("APP") || "diagnose";
  if (!port) {
    console.error("usage: make host PORT=<serial device or simulator PTY> [APP=<app>] [BAUD=115200] [APN=…] [MODE=buffer|push|transparent] [ARGS=\"k=v …\"] [PWRKEY=rts|dtr|none] [DTRLINE=dtr|rts|none]");
    console.error(`apps: ${listApps().join(", ")}`);
    process.exit(2);
  }
  if (listApps().indexOf(appName) < 0) {
    console.error(`unknown app "${appName}"; apps: ${listApps().join(", ")}`);
    process.exit(2);
  }
  const base = findBoard("linux") as BoardDef;
  const baud = Number(env("BAUD") || base.uart.baud);
  const board: BoardDef = Object.assign({}, base, { uart: Object.assign({}, base.uart, { path: port, baud }) });
  const hal = createSerialPortHal({ path: port, pwrkey: line("PWRKEY", env("PWRKEY")), dtr: line("DTRLINE", env("DTRLINE")) });
  if (hal.pwrkey) board.pwrkey = { pin: "RTS", activeHigh: true, onPressMs: 100, offPressMs: 3000 };
  const options: { [k: string]: unknown } = {};
  const pairs = parsePairs(env("MODEM"));
  for (const k of Object.keys(pairs)) options[k] = /^[0-9]+$/.test(pairs[k]) ? Number(pairs[k]) : pairs[k];
  if (env("APN") !== undefined) options.apn = env("APN");
  if (env("MODE")) options.dataMode = env("MODE");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const app = require(path.join(__dirname, "../../examples", appName)) as { main: AppMain; parts?: Part[] };
  const parts: Part[] = (app.parts || []).slice();
  if (options.dataMode === "transparent") parts.push(transparent);
  options.parts = parts;
  if (env("TRACE") === "1") options.trace = true;
  const modem = createModem(hal, board, options);
  modem.on("state", (s: string) => console.log(`a76xx-host: modem ${s}`));
  modem.on("error", (e: { kind: string; text: string }) => console.log(`a76xx-host: error ${e.kind}: ${e.text}`));
  let ending = false;
  const end = (code: number, why: string) => {
    if (ending) return;
    ending = true;
    finish(modem, hal.shutdown, code, why);
  };
  process.on("SIGINT", () => end(130, "interrupted"));
  process.on("SIGTERM", () => end(143, "terminated"));
  console.log(`a76xx-host: ${appName} on ${port} at ${baud} baud`);
  app.main(modem, parsePairs(env("ARGS")), (ok, summary) => end(ok ? 0 : 1, `${appName} ${ok ? "passed" : "FAILED"}: ${summary}`));
}

main();
