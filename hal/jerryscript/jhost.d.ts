// Types of the `jhost` global that the native JerryScript host (hal/jerryscript/*.c) provides.
// Errors are values: an error message string (or, from fromBytes, whose result is a string, a negative number).
// The bundler never shortens a member name declared here (tools/bundle/mangle.ts): code outside the bundle uses them.

interface JHostHeapStats {
  /** Heap size in bytes (the engine's --mem-heap). */
  size: number;
  /** Bytes allocated now (live objects and garbage not yet collected). */
  allocated: number;
  /** Most bytes ever allocated since the engine started. */
  peak: number;
}

interface JHost {
  /** Monotonic milliseconds since the host started (fractional). */
  now(): number;
  /** Run `fn` once after `ms` (>= 0); a timer id > 0, or an error string when all timers are in use. */
  setTimer(fn: () => void, ms: number): number | string;
  /** Cancel a pending timer; an unknown or fired id is a no-op. */
  clearTimer(id: number): void;
  /** Pending timers. */
  timers(): number;
  /** Size of the host's timer table. */
  maxTimers: number;

  /** Open a serial device raw 8N1; `onData(chunk)` with 8-bit strings, `onData(null, message)` once when the device fails. */
  uartOpen(path: string, baud: number, onData: (chunk: string | null, error?: string) => void): number | string;
  /** Change the rate of an open UART: 0 or an error string. */
  uartBaud(handle: number, baud: number): number | string;
  /** Send an 8-bit string (one byte per char): bytes written, or an error string. */
  uartWrite(handle: number, data: string): number | string;
  /** Close a UART: 0 or an error string. */
  uartClose(handle: number): number | string;

  /** Request a GPIO line as an output driven at `level` (electrical): handle or error string. */
  gpioOutput(chip: string, line: number, level: number): number | string;
  /** Request a GPIO line as an input; with `onEdge`, `onEdge(level)` runs on every edge: handle or error string. */
  gpioInput(chip: string, line: number, onEdge?: (level: number) => void, debounceUs?: number): number | string;
  /** Drive an output line: 0 or an error string. */
  gpioWrite(handle: number, level: number): number | string;
  /** Electrical level of a line (0 or 1), or an error string. */
  gpioRead(handle: number): number | string;
  /** Release a line: 0 or an error string. */
  gpioClose(handle: number): number | string;

  /** Bytes of an 8-bit string, or an error string (a char above 255). */
  toBytes(s: string): Uint8Array | string;
  /** 8-bit string of `bytes[start, end)` (clamped like subarray); errors are numbers (-1 not a Uint8Array, -2 no memory). */
  fromBytes(bytes: Uint8Array, start: number, end: number): string | number;
  /** Whether every char of `s` is a byte (code <= 0xFF); false for a wider char or a non-string. */
  is8bit(s: string): boolean;

  /** One line to standard output / standard error. */
  print(line: string): void;
  log(line: string): void;
  /** Heap figures, or undefined when the engine was built without mem-stats. */
  heapStats(): JHostHeapStats | undefined;
  /** A full garbage collection. */
  gc(): void;
  /** Arguments after `--` on the host's command line. */
  argv: string[];
  /** End the program with `code` at once (the loop stops; no JavaScript catch sees it). */
  exit(code: number): never;
  /** Exceptions thrown by callbacks so far (each was printed; the loop went on). */
  errors(): number;
  /** `fn("SIGINT" | "SIGTERM")` on the first such signal, instead of exiting at once. */
  onSignal(fn: (signal: string) => void): void;
}

declare var jhost: JHost;

/** The console the JerryScript library installs where the runtime has none (globals.ts): user code calls it by name. */
interface JHostConsole {
  log(...args: unknown[]): void;
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

/** The runtime globals the library installs where missing (globals.ts), by name. */
interface JHostGlobals {
  console: JHostConsole;
  setTimeout(fn: () => void, ms?: number): unknown;
  clearTimeout(id: unknown): void;
  setInterval(fn: () => void, ms?: number): unknown;
  clearInterval(id: unknown): void;
}
