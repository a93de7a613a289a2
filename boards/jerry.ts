// Boards of the JerryScript host (jhost, hal/jerryscript): a serial device path and, where wired, Linux GPIO lines as "gpiochipN:LINE".
// Kept apart from the Espruino boards (boards/index.ts): their pin names mean nothing to jhost and these mean nothing to Espruino.
// Both provision 4 links, as the ESP32 boards do: the engine's heap is fixed when it is built (a
// microcontroller port has 150-250 KB for it), and each link costs its 8 KB receive ring and send
// queue in that heap. Pass `links` (up to 10) in the options for more.
// Like the Espruino boards, each is a function returning a fresh definition: the heap holds only the board in use.
import { BoardDef } from "../firmware/core/board";

/** Any Linux machine: the modem on a serial device (USB-UART adapter or the simulator's PTY), no pins. */
export function jerryLinux(): BoardDef {
  return {
    id: "jerry-linux",
    name: "JerryScript host on Linux (serial device, e.g. USB-UART adapter or simulator PTY; no pins)",
    uart: { port: 1, baud: 115200, path: "/dev/ttyUSB0" },
    atRxRingBytes: 4096,
    socketRxRingBytes: 8192,
    links: 4,
  };
}

/**
 * Raspberry Pi (40-pin header) + A7670 breakout: the modem on the header UART (GPIO14 TXD, GPIO15
 * RXD = /dev/serial0, with the serial console disabled), PWRKEY through an NPN transistor on GPIO17,
 * DTR on GPIO27, RI on GPIO22. The header is gpiochip0 on the Pi 1-4 and on the Pi 5 with a kernel
 * from 6.6.47 on (older Pi 5 kernels call it gpiochip4: override the pins). 3.3 V logic on both sides.
 */
export function jerryRaspberryPi(): BoardDef {
  return {
    id: "jerry-rpi",
    name: "JerryScript host on a Raspberry Pi + A7670 breakout (header UART, GPIO17 PWRKEY, GPIO27 DTR, GPIO22 RI)",
    uart: { port: 1, baud: 115200, path: "/dev/serial0" },
    pwrkey: { pin: "gpiochip0:17", activeHigh: true, onPressMs: 100, offPressMs: 3000 },
    dtr: { pin: "gpiochip0:27", activeHigh: false },
    ri: { pin: "gpiochip0:22", activeHigh: false },
    atRxRingBytes: 4096,
    socketRxRingBytes: 8192,
    links: 4,
  };
}

/** JerryScript board ids, in the order `allJerryBoards()` lists them. */
export const JERRY_BOARD_IDS = "jerry-linux jerry-rpi";
const MAKERS = [jerryLinux, jerryRaspberryPi];

/** The JerryScript board with this id (a fresh copy), or undefined. */
export function findJerryBoard(id: string): BoardDef | undefined {
  const i = JERRY_BOARD_IDS.split(" ").indexOf(id);
  return i < 0 ? undefined : MAKERS[i]();
}

/** Every JerryScript board definition (fresh copies). */
export function allJerryBoards(): BoardDef[] {
  const out: BoardDef[] = [];
  for (let i = 0; i < MAKERS.length; i++) out.push(MAKERS[i]());
  return out;
}
