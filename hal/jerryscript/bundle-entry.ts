// Entry of the JerryScript library bundle dist/a76xx-jerry.js: publishes the library as the global A76XX for the jhost program.
// Loading it defines functions and data and the missing runtime globals (console, timers); no UART or pin is touched until setup().
import { createJerryHal, JerryHalOptions } from "./index";
import { installGlobals } from "./globals";
import { jerryBoards, findJerryBoard } from "../../boards/jerry";
import { BoardDef } from "../../firmware/core/board";
import { createModem, CreateOptions, Modem } from "../../firmware/app/index";

declare var A76XX: unknown;

/** setup's options: the modem's (apn, dataMode, baud, ...) plus the serial device. */
export interface JerrySetupOptions extends CreateOptions {
  /** Serial device of the modem; the board's uart.path when absent. */
  path?: string;
}

/**
 * The usual start: the modem on board `boardId` (jerry-linux, jerry-rpi) with `options`. The rate
 * is options.baud or the board's. Throws Error on an unknown board id (a programmer error).
 */
function setup(boardId: string, options?: JerrySetupOptions): Modem {
  const board = findJerryBoard(boardId) as BoardDef;
  if (!board) throw new Error("a76xx: unknown board " + boardId + " (jerry-linux, jerry-rpi)");
  const o = options || {};
  const modemOptions: CreateOptions = {};
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== "path") (modemOptions as { [k: string]: unknown })[keys[i]] = (o as { [k: string]: unknown })[keys[i]];
  }
  const halOptions: JerryHalOptions = { path: o.path };
  return createModem(createJerryHal(board, halOptions), board, modemOptions);
}

installGlobals();

A76XX = {
  /** Library version (semver). */
  version: "0.1.0",
  setup: setup,
  createModem: createModem,
  createJerryHal: createJerryHal,
  boards: jerryBoards,
  findBoard: findJerryBoard,
};
