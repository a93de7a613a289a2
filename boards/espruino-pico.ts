// Espruino Pico (STM32F401) wired to an A7670 breakout on Serial1; two links with 1.5 KB rings for its 5,100 JsVars.
import { BoardDef } from "../firmware/core/board";

/** A fresh copy on each call: on the device, board data takes heap only for the board in use. */
export function espruinoPico(): BoardDef {
  return {
    id: "pico",
    name: "Espruino Pico (STM32F401) + A7670 breakout",
    uart: { port: 1, baud: 115200, rx: "B7", tx: "B6" },
    pwrkey: { pin: "B3", activeHigh: true, onPressMs: 100, offPressMs: 3000 },
    dtr: { pin: "B4", activeHigh: false },
    ri: { pin: "B5", activeHigh: false },
    atRxRingBytes: 512,
    socketRxRingBytes: 1536,
    links: 2,
    // Read and queue less at a time: a 1,460-byte read alone is ~120 JsVars of a 5,100 heap.
    options: { readChunkBytes: 512, txQueueBytes: 1024 },
  };
}
