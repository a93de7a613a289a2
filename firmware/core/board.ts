// The shape of a board definition (wiring and sizes as data); the boards themselves live in boards/.

/** A pin wired to the modem, with the electrical level that means "active". */
export interface PinWiring {
  /** Pin name as the runtime knows it, e.g. "D4" on ESP32, "B3" on STM32, a GPIO number on Linux. */
  pin: string;
  /** true: active = high; false: active = low (e.g. through an inverting transistor). */
  activeHigh: boolean;
}

/** PWRKEY wiring plus the press lengths the module needs, in milliseconds. */
export interface PwrkeyWiring extends PinWiring {
  /** Press length that powers the module on (A7670: ≥50 ms, typ. 100; SIM7600: 500; A7608: 1000). */
  onPressMs: number;
  /** Press length that powers the module off (about 3000 on A76XX). */
  offPressMs: number;
}

export interface UartWiring {
  /** Espruino serial port number: 1 = Serial1 … 6 = Serial6. */
  port: number;
  /** Default bit rate. */
  baud: number;
  rx?: string;
  tx?: string;
  /** Receive flow control pin (optional). */
  cts?: string;
  /** Device path on Espruino's Linux build (e.g. "/dev/ttyUSB0"); absent on microcontrollers. */
  path?: string;
}

export interface BoardDef {
  /** Short identifier used by `make flash BOARD=…`. */
  id: string;
  /** Human-readable description. */
  name: string;
  uart: UartWiring;
  pwrkey?: PwrkeyWiring;
  dtr?: PinWiring;
  reset?: PinWiring;
  /** Supply switch that must be raised before PWRKEY (LilyGO boards). */
  powerEnable?: PinWiring;
  status?: PinWiring;
  ri?: PinWiring;
  /** Longest line the AT parser keeps while it arrives, bytes (sizing rule in firmware/at/parser.ts; ≥ 256). */
  atRxRingBytes: number;
  /** Bytes of each provisioned link's receive ring. */
  socketRxRingBytes: number;
  /** Links provisioned by default (1..10): each costs a receive ring and a send queue. */
  links: number;
  /** Defaults for createModem's options on this board (e.g. smaller send queues on a small heap); what the application passes wins. */
  options?: { [name: string]: unknown };
}

/** Valid UART rates for the A76XX (AT+IPR), built on each call (no heap while unused). */
export function a76xxBauds(): number[] {
  return [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 3000000, 3200000, 3686400];
}

function checkSize(errors: string[], name: string, v: number, min: number, max: number): void {
  if (!(v >= min && v <= max) || Math.floor(v) !== v) errors.push(name + " must be an integer in " + min + ".." + max + ", got " + v);
}

/**
 * Problems with a board definition, as readable sentences; empty when it is usable. The driver
 * checks the board once at creation and refuses one with problems.
 */
export function validateBoard(board: BoardDef): string[] {
  const errors: string[] = [];
  if (!board || typeof board !== "object" || !board.uart) return ["it is not a board definition"];
  if (!board.id) errors.push("id is empty");
  checkSize(errors, "uart.port", board.uart.port, 1, 6);
  if (a76xxBauds().indexOf(board.uart.baud) < 0) errors.push("uart.baud " + board.uart.baud + " is not a rate the A76XX supports");
  if (board.pwrkey) {
    checkSize(errors, "pwrkey.onPressMs", board.pwrkey.onPressMs, 50, 5000);
    checkSize(errors, "pwrkey.offPressMs", board.pwrkey.offPressMs, 2500, 10000);
  }
  // The longest line the parser must see whole: a +CDNSGIP answer with a 253-byte name is ~300 B.
  checkSize(errors, "atRxRingBytes", board.atRxRingBytes, 256, 65536);
  checkSize(errors, "socketRxRingBytes", board.socketRxRingBytes, 64, 1048576);
  checkSize(errors, "links", board.links, 1, 10);
  return errors;
}

/** Throws Error naming every problem of `board` (a configuration mistake, found before anything runs). */
export function checkBoard(board: BoardDef): void {
  const e = validateBoard(board);
  if (e.length) throw new Error("a76xx: board " + (board && board.id ? board.id + " " : "") + "is not usable: " + e.join("; "));
}
