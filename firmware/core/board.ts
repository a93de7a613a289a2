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
  /** Bytes of the AT engine's receive ring (must hold the longest line plus one UART burst). */
  atRxRingBytes: number;
  /** Bytes of each socket's receive ring (10 links on the module). */
  socketRxRingBytes: number;
}
