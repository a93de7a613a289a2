// Generic ESP32 DevKit wired to an A7670 breakout on UART2 (Serial2); see README for the wiring table.
import { BoardDef } from "../firmware/core/board";

/** A fresh copy on each call: on the device, board data takes heap only for the board in use. */
export function esp32Devkit(): BoardDef {
  return {
    id: "esp32",
    name: "ESP32 DevKit + A7670 breakout",
    uart: { port: 2, baud: 115200, rx: "D16", tx: "D17" },
    // Breakouts drive PWRKEY through an NPN transistor: GPIO high = PWRKEY pulled low = pressed.
    pwrkey: { pin: "D4", activeHigh: true, onPressMs: 100, offPressMs: 3000 },
    // DTR is asserted (host ready, module kept awake) by driving the TTL line low.
    dtr: { pin: "D25", activeHigh: false },
    ri: { pin: "D33", activeHigh: false },
    atRxRingBytes: 1024,
    socketRxRingBytes: 2048,
    links: 4,
  };
}
