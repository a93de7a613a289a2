// Entry of the device bundle dist/a76xx.js: builds the public library object and publishes it as A76XX.
// Loading it only defines functions and data: no UART, pin or timer is touched until the user asks.
//
// The library is a plain object with plain properties on purpose: esbuild's ESM-to-CommonJS helper
// exports through getters created in a `for (let k …)` loop, which Espruino runs with one shared `k`
// (every getter would return the last export). The bundle's banner declares `var A76XX`; the footer
// copies it onto `exports` when loaded as a module (Storage file or Modules.addCached).
import { createEspruinoHal } from "./index";
import { boards, findBoard } from "../../boards/index";
import { BoardDef } from "../../firmware/core/board";
import { createModem, CreateOptions, Modem } from "../../firmware/app/index";

declare var A76XX: unknown;

/** setup()'s options: the modem's, plus `serial`, the serial device of a board that has one (the Linux build: "/dev/ttyUSB0", a simulator's PTY). */
interface SetupOptions extends CreateOptions {
  serial?: string;
}

/**
 * The usual start: the modem on board `boardId` (esp32, t-a7670, pico, linux) with `options`
 * (apn, dataMode, serial, …). Throws Error on an unknown board id, or `serial` on a board whose
 * UART is not a device path (programmer errors at the REPL).
 */
function setup(boardId: string, options?: SetupOptions): Modem {
  const found = findBoard(boardId) as BoardDef;
  if (!found) throw new Error("a76xx: unknown board " + boardId);
  let board = found;
  if (options && options.serial) {
    if (!found.uart.path) throw new Error("a76xx: board " + boardId + " has no serial device path; serial is for the linux board");
    board = Object.assign({}, found, { uart: Object.assign({}, found.uart, { path: options.serial }) });
  }
  return createModem(createEspruinoHal(board), board, options);
}

A76XX = {
  /** Library version (semver). */
  version: "0.1.0",
  setup: setup,
  createModem: createModem,
  createEspruinoHal: createEspruinoHal,
  boards: boards,
  findBoard: findBoard,
};
