// LilyGO T-A7670 (ESP32-WROVER and A7670 on one board), after the vendor's published pinout.
import { BoardDef } from "../firmware/core/board";

/** A fresh copy on each call: on the device, board data takes heap only for the board in use. */
export function lilygoTA7670(): BoardDef {
  return {
    id: "t-a7670",
    name: "LilyGO T-A7670 (ESP32 + A7670)",
    // Modem TXD -> GPIO27 (ESP32 RX), modem RXD <- GPIO26 (ESP32 TX).
    uart: { port: 2, baud: 115200, rx: "D27", tx: "D26" },
    pwrkey: { pin: "D4", activeHigh: true, onPressMs: 100, offPressMs: 3000 },
    // DTR asserted = line low: it must be held low or the module may sleep once AT+CSCLK=1 is set.
    dtr: { pin: "D25", activeHigh: false },
    // MODEM_RESET_LEVEL is HIGH on this board.
    reset: { pin: "D5", activeHigh: true },
    // BOARD_POWERON: raise before pressing PWRKEY.
    powerEnable: { pin: "D12", activeHigh: true },
    ri: { pin: "D33", activeHigh: false },
    atRxRingBytes: 1024,
    socketRxRingBytes: 2048,
    links: 4,
  };
}
