// Espruino Pico (STM32F401) wired to an A7670 breakout on Serial1; two links with 1.5 KB rings for its 5,100 JsVars.
import { BoardDef } from "../firmware/core/board";

export const espruinoPico: BoardDef = {
  id: "pico",
  name: "Espruino Pico (STM32F401) + A7670 breakout",
  uart: { port: 1, baud: 115200, rx: "B7", tx: "B6" },
  pwrkey: { pin: "B3", activeHigh: true, onPressMs: 100, offPressMs: 3000 },
  dtr: { pin: "B4", activeHigh: false },
  ri: { pin: "B5", activeHigh: false },
  atRxRingBytes: 512,
  socketRxRingBytes: 1536,
  links: 2,
};
