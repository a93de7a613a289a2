// Espruino's Linux build (Raspberry Pi or desktop): the modem on a serial device, no pins by default.
import { BoardDef } from "../firmware/core/board";

/** A fresh copy on each call: on the device, board data takes heap only for the board in use. */
export function linux(): BoardDef {
  return {
    id: "linux",
    name: "Espruino Linux build (serial device, e.g. USB-UART adapter or simulator PTY)",
    uart: { port: 1, baud: 115200, path: "/dev/ttyUSB0" },
    atRxRingBytes: 1024,
    socketRxRingBytes: 4096,
    links: 10,
  };
}
