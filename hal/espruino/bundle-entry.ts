// Entry of the core device bundle dist/a76xx.js: builds the public library object and publishes it as A76XX (or the module's exports).
// Loading it only defines functions and data: no UART, pin or timer is touched until the user asks.
//
// The library is a plain object with plain properties on purpose: esbuild's ESM-to-CommonJS helper
// exports through getters created in a `for (let k …)` loop, which Espruino runs with one shared `k`.
import { createEspruinoHal } from "./index";
import { BOARD_IDS, findBoard } from "../../boards/index";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem } from "../../firmware/app/index";

declare var A76XX: unknown;

/**
 * The usual start: the modem on board `board` (an id — esp32, t-a7670, pico, linux — or a BoardDef)
 * with `options` (apn, dataMode, parts, trace…, and `serial`: the serial device path on the Linux
 * board). Throws Error on an unknown board or an invalid option (a programmer error at the REPL).
 */
function setup(board: string | BoardDef, options?: { [name: string]: unknown }): Modem {
  let b = typeof board === "string" ? findBoard(board) : board;
  if (!b) throw new Error("a76xx: unknown board " + JSON.stringify(board) + "; boards: " + BOARD_IDS);
  let o = options;
  let serial: Serial | undefined;
  if (o && o.serial !== undefined) {
    // A SerialN object, or the device path of a serial port on the Linux build.
    const v = o.serial;
    if (typeof v === "string") {
      if (!/^[A-Za-z0-9_.\/-]+$/.test(v)) throw new Error("a76xx: option serial is " + JSON.stringify(v) + "; it must be a device path such as /dev/ttyUSB0");
      b = Object.assign({}, b, { uart: Object.assign({}, b.uart, { path: v }) }) as BoardDef;
    } else if (v && typeof (v as Serial).setup === "function") serial = v as Serial;
    else throw new Error("a76xx: option serial must be a SerialN object or a device path");
    const rest: { [name: string]: unknown } = {};
    for (const k in o) if (k !== "serial") rest[k] = o[k];
    o = rest;
  }
  return createModem(createEspruinoHal(b, serial), b, o);
}

/**
 * Espruino's own net, http and dgram over the modem (the "a76xx-net" module): the modem on `serial`
 * with `options` (`board` — an id or a BoardDef, default "esp32" — plus setup's options), started
 * at once; `callback(err)` when it is online or has failed. See hal/espruino/part-net.ts.
 */
function connect(serial: Serial | undefined, options: { [name: string]: unknown }, callback: (err: unknown) => void): Modem {
  return require("a76xx-net").connect(serial, options, callback);
}

A76XX = {
  /** Library version (semver). */
  version: "0.2.0",
  setup: setup,
  connect: connect,
  createModem: createModem,
  createEspruinoHal: createEspruinoHal,
  /** The board ids setup() knows, space-separated. */
  boards: BOARD_IDS,
  findBoard: findBoard,
};
