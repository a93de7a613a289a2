// The hardware abstraction every firmware module depends on: UART, pins, clock and byte codec, as interfaces only.
// Implementations live in hal/ (one per runtime); nothing in firmware/ touches a runtime global.

/** Opaque handle returned by Clock.setTimeout. */
export type TimerHandle = unknown;

/** Time source. All times are milliseconds (may be fractional). */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Call `fn` once after at least `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer; cancelling one that already ran is a no-op. */
  clearTimeout(handle: TimerHandle): void;
}

/** A UART carrying 8-bit strings (one char = one byte, 0..255), 8N1. */
export interface Uart {
  /** Open or re-open at `baud` bits per second. Nothing is sent or received before this. */
  setup(baud: number): void;
  /** Queue bytes for transmission (8-bit string). May block on a full transmit buffer. */
  write(data: string): void;
  /** Register the one receiver of incoming chunks. Chunks are 8-bit strings of any length ≥ 1. */
  onData(handler: (chunk: string) => void): void;
  /** Stop receiving and release the port; `setup` may open it again. */
  close(): void;
}

/** A digital output. `active` is the logical level; the HAL maps it to the board's electrical level. */
export interface OutputPin {
  write(active: boolean): void;
}

/** A digital input with the same logical-level convention as OutputPin. */
export interface InputPin {
  read(): boolean;
  /** Call `handler` on every change; returns a function that stops watching. */
  watch(handler: (active: boolean) => void): () => void;
}

/** Converts between 8-bit strings and bytes with native operations (no per-byte JavaScript loop). */
export interface ByteCodec {
  /** Bytes of an 8-bit string (chars above 255 are a programmer error). */
  toBytes(s: string): Uint8Array;
  /** 8-bit string of `bytes[start, end)`. */
  fromBytes(bytes: Uint8Array, start: number, end: number): string;
  /**
   * True when every character of `s` is a byte (code ≤ 0xFF), natively checked. A string with
   * wider characters cannot go out as one byte per character (Espruino keeps it as UTF-8 and its
   * UART would send more bytes than `s.length`): the driver refuses it.
   */
  is8bit(s: string): boolean;
}

/**
 * The REPL console, for the bring-up passthrough: while taken, keystrokes go to the handler instead
 * of the interpreter and `write` sends raw bytes to the user's terminal.
 */
export interface ConsolePort {
  /** Route console input to `handler` (8-bit strings) until release(). */
  take(handler: (chunk: string) => void): void;
  /** Give the console back to the REPL. */
  release(): void;
  /** Raw bytes to the user's terminal. */
  write(data: string): void;
}

/** Everything a runtime hands to the firmware. Optional pins are absent when the board lacks them. */
export interface Hal {
  uart: Uart;
  clock: Clock;
  codec: ByteCodec;
  pwrkey?: OutputPin;
  dtr?: OutputPin;
  reset?: OutputPin;
  powerEnable?: OutputPin;
  status?: InputPin;
  ri?: InputPin;
  /** The REPL console, where the runtime has one (passthrough needs it). */
  console?: ConsolePort;
  /** Prints one line for a person (console.log on Espruino and Node); the bring-up helpers use it. */
  log?: (line: string) => void;
}
