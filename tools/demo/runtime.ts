// The runtime globals device code sees in the demo: setTimeout/setInterval on the session's virtual clock and console.log into the demo log.
//
// On a board the application's timers and the driver's HAL clock are the same runtime's. Here the
// driver runs on a VirtualClock, so an example's `setInterval(send, 2000)` must run on that clock
// too, or it would wait 2 real seconds while virtual time races ahead. Device code — every callback
// the firmware gets from its Clock or UART, every runtime timer, and the apps' main() — therefore runs
// inside `run()`, which installs the device's timer functions and console as globals and restores
// Node's afterwards. Host code (the simulator, the loopback servers, the pump) never sees them.
import { Clock, TimerHandle, Uart } from "../../firmware/core/hal";
import { VirtualClock } from "../../hal/host/virtual-clock";

type Callback = () => void;

interface Globals {
  setTimeout: unknown;
  setInterval: unknown;
  clearTimeout: unknown;
  clearInterval: unknown;
  log: unknown;
}

export class DeviceRuntime {
  /** Device timers armed and not yet fired or cleared. */
  private timers = new Map<number, TimerHandle>();
  private nextId = 1;
  private depth = 0;
  private saved: Globals | undefined = undefined;

  /** `print` receives each console.log line of device code. */
  constructor(private clock: VirtualClock, private print: (line: string) => void) {}

  /** Run device code with the device's globals installed (re-entrant). */
  run<T>(fn: () => T): T {
    if (this.depth++ === 0) this.install();
    try {
      return fn();
    } finally {
      if (--this.depth === 0) this.restore();
    }
  }

  /** The Clock to hand the firmware: its callbacks run as device code. */
  deviceClock(): Clock {
    const clock = this.clock;
    return {
      now: () => clock.now(),
      setTimeout: (fn: Callback, ms: number): TimerHandle => clock.setTimeout(() => this.run(fn), ms),
      clearTimeout: (h: TimerHandle) => clock.clearTimeout(h),
    };
  }

  /** The Uart to hand the firmware: its receive handler runs as device code. */
  deviceUart(uart: Uart): Uart {
    return {
      setup: (baud: number) => uart.setup(baud),
      write: (data: string) => uart.write(data),
      onData: (handler: (chunk: string) => void) => uart.onData((chunk) => this.run(() => handler(chunk))),
      close: () => uart.close(),
    };
  }

  setTimeout(fn: Callback, ms: number): number {
    const id = this.nextId++;
    this.timers.set(
      id,
      this.clock.setTimeout(() => {
        this.timers.delete(id);
        this.run(fn);
      }, ms),
    );
    return id;
  }

  setInterval(fn: Callback, ms: number): number {
    const id = this.nextId++;
    const arm = (): void => {
      this.timers.set(
        id,
        this.clock.setTimeout(() => {
          arm(); // re-armed first, so that fn can clear it
          this.run(fn);
        }, ms),
      );
    };
    arm();
    return id;
  }

  clear(id: unknown): void {
    const h = this.timers.get(id as number);
    if (h === undefined) return;
    this.clock.clearTimeout(h);
    this.timers.delete(id as number);
  }

  /** Cancel every timer device code left armed. */
  clearAll(): void {
    for (const h of this.timers.values()) this.clock.clearTimeout(h);
    this.timers.clear();
  }

  private install(): void {
    const g = globalThis as unknown as { [k: string]: unknown };
    this.saved = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval, log: console.log };
    g.setTimeout = (fn: Callback, ms?: number) => this.setTimeout(fn, ms || 0);
    g.setInterval = (fn: Callback, ms?: number) => this.setInterval(fn, ms || 0);
    g.clearTimeout = (id: unknown) => this.clear(id);
    g.clearInterval = (id: unknown) => this.clear(id);
    console.log = (...args: unknown[]) => this.print(args.map((a) => (typeof a === "string" ? a : String(a))).join(" "));
  }

  private restore(): void {
    const s = this.saved;
    if (!s) return;
    const g = globalThis as unknown as { [k: string]: unknown };
    g.setTimeout = s.setTimeout;
    g.setInterval = s.setInterval;
    g.clearTimeout = s.clearTimeout;
    g.clearInterval = s.clearInterval;
    console.log = s.log as typeof console.log;
    this.saved = undefined;
  }
}
