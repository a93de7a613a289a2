// Every supported board, looked up by id. Boards are functions returning their definition, so a device keeps only the one it uses.
import { BoardDef } from "../firmware/core/board";
import { esp32Devkit } from "./esp32-devkit";
import { lilygoTA7670 } from "./lilygo-t-a7670";
import { espruinoPico } from "./espruino-pico";
import { linux } from "./linux";

/** Board ids, in the order `allBoards()` lists them. */
export const BOARD_IDS = "esp32 t-a7670 pico linux";
const MAKERS = [esp32Devkit, lilygoTA7670, espruinoPico, linux];

/** The board with this id (a fresh copy), or undefined. */
export function findBoard(id: string): BoardDef | undefined {
  const i = BOARD_IDS.split(" ").indexOf(id);
  return i < 0 ? undefined : MAKERS[i]();
}

/** Every board definition (fresh copies). */
export function allBoards(): BoardDef[] {
  const out: BoardDef[] = [];
  for (let i = 0; i < MAKERS.length; i++) out.push(MAKERS[i]());
  return out;
}
