// Entry of the JerryScript core bundle dist/a76xx-jerry.js: publishes the library as the global A76XX for the jhost program.
// Loading it defines functions and data and the missing runtime globals (console, timers); no UART or pin is touched until setup().
//
// The optional parts are separate bundles (dist/a76xx-server.js, a76xx-transparent.js,
// a76xx-tools.js, the same files as for Espruino), run by jhost after this one; each defines its
// global (A76XX_SERVER …), passed as setup(board, {parts: [A76XX_SERVER]}).
import { createJerryHal } from "./index";
import { installGlobals } from "./globals";
import { JERRY_BOARD_IDS, findJerryBoard } from "../../boards/jerry";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem } from "../../firmware/app/index";

declare var A76XX: unknown;

/**
 * The usual start: the modem on board `board` (an id — jerry-linux, jerry-rpi — or a BoardDef)
 * with `options` (apn, dataMode, parts, trace…, and `serial`: the modem's serial device, the
 * board's uart.path when absent). The rate is options.baud or the board's. Throws Error on an
 * unknown board or an invalid option (a programmer error).
 */
function setup(board: string | BoardDef, options?: { [name: string]: unknown }): Modem {
  const b = typeof board === "string" ? findJerryBoard(board) : board;
  if (!b) throw new Error("a76xx: unknown board " + JSON.stringify(board) + "; boards: " + JERRY_BOARD_IDS);
  let o = options;
  let path: string | undefined;
  if (o && o.serial !== undefined) {
    const v = o.serial;
    if (typeof v !== "string" || !/^[A-Za-z0-9_.\/-]+$/.test(v)) throw new Error("a76xx: option serial is " + JSON.stringify(v) + "; it must be a device path such as /dev/ttyUSB0");
    path = v;
    const rest: { [name: string]: unknown } = {};
    for (const k in o) if (k !== "serial") rest[k] = o[k];
    o = rest;
  }
  return createModem(createJerryHal(b, { path: path }), b, o);
}

installGlobals();

A76XX = {
  /** Library version (semver). */
  version: "0.2.0",
  setup: setup,
  createModem: createModem,
  createJerryHal: createJerryHal,
  /** The board ids setup() knows, space-separated. */
  boards: JERRY_BOARD_IDS,
  findBoard: findJerryBoard,
};
