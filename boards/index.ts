// Table of every supported board, looked up by id.
import { BoardDef } from "../firmware/core/board";
import { esp32Devkit } from "./esp32-devkit";
import { lilygoTA7670 } from "./lilygo-t-a7670";
import { espruinoPico } from "./espruino-pico";
import { linux } from "./linux";

export const boards: BoardDef[] = [esp32Devkit, lilygoTA7670, espruinoPico, linux];

/** The board with this id, or undefined. */
export function findBoard(id: string): BoardDef | undefined {
  for (let i = 0; i < boards.length; i++) if (boards[i].id === id) return boards[i];
  return undefined;
}
