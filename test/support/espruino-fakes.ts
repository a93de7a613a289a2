// Fakes of the Espruino globals the HAL uses, for running the built bundle in a bare `vm` context.
//
// Serial ports are wired to a SimUart (the modem end stays in the test's hands); timers and getTime
// run on the test's VirtualClock; pins record digitalWrite calls. Nothing from Node leaks into the
// context: only these names plus the JavaScript built-ins exist there.
import * as vm from "vm";
import { SimUart } from "../../hal/host/sim-uart";
import { VirtualClock } from "../../hal/host/virtual-clock";

export interface FakeSerialCall {
  method: "setup" | "write" | "on" | "removeAllListeners";
  args: unknown[];
}

export interface EspruinoFakes {
  context: vm.Context;
  clock: VirtualClock;
  /** Calls made on each SerialN, keyed by name ("Serial1"…). */
  serialCalls: { [name: string]: FakeSerialCall[] };
  /** digitalWrite calls: pin name and level (0/1). */
  pinWrites: Array<{ t: number; pin: string; value: number }>;
  /** Runtime timers armed (setTimeout) and not yet run or cleared. */
  pendingTimers(): number;
  /** Lines printed with console.log. */
  printed: string[];
}

/**
 * A bare context with Serial1..Serial3, digitalWrite/digitalRead, setWatch/clearWatch, getTime,
 * setTimeout/clearTimeout and E.toUint8Array/E.toString. `wires` maps a SerialN name to the SimUart
 * whose host end it drives.
 */
export function createEspruinoContext(clock: VirtualClock, wires: { [serial: string]: SimUart }): EspruinoFakes {
  const serialCalls: { [name: string]: FakeSerialCall[] } = {};
  const pinWrites: Array<{ t: number; pin: string; value: number }> = [];
  const timers = new Set<unknown>();
  const sandbox: { [k: string]: unknown } = {};

  for (const name of ["Serial1", "Serial2", "Serial3"]) {
    const calls: FakeSerialCall[] = (serialCalls[name] = []);
    const wire = wires[name];
    const listeners: Array<(s: string) => void> = [];
    if (wire) wire.host.onData((chunk) => listeners.forEach((l) => l(chunk)));
    sandbox[name] = {
      path: "",
      setup(baud: number, opts: unknown) {
        calls.push({ method: "setup", args: [baud, opts] });
        if (wire) wire.host.setup(baud);
      },
      write(data: string) {
        calls.push({ method: "write", args: [data] });
        if (wire) wire.host.write(String(data));
      },
      on(event: string, fn: (s: string) => void) {
        calls.push({ method: "on", args: [event] });
        if (event === "data") listeners.push(fn);
      },
      removeAllListeners(event: string) {
        calls.push({ method: "removeAllListeners", args: [event] });
        if (event === "data") listeners.length = 0;
      },
    };
  }
  sandbox.digitalWrite = (pin: string, value: number) => pinWrites.push({ t: clock.now(), pin: String(pin), value: value ? 1 : 0 });
  sandbox.digitalRead = () => 0;
  // Pins by name as on an ESP32 (D0..D39): an unknown name makes an empty Pin, as on the interpreter.
  sandbox.Pin = function Pin(this: { toString?: () => string }, name: string) {
    if (/^D([0-9]|[1-3][0-9])$/.test(String(name))) this.toString = () => String(name);
  };
  sandbox.setWatch = () => 1;
  sandbox.clearWatch = () => undefined;
  sandbox.getTime = () => clock.now() / 1000;
  sandbox.setTimeout = (fn: () => void, ms: number) => {
    let handle: unknown;
    handle = clock.setTimeout(() => {
      timers.delete(handle);
      fn();
    }, ms);
    timers.add(handle);
    return handle;
  };
  sandbox.clearTimeout = (h: unknown) => {
    timers.delete(h);
    clock.clearTimeout(h);
  };
  sandbox.E = {
    toUint8Array(s: string): Uint8Array {
      const b = Buffer.from(String(s), "latin1");
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    },
    toString(u8: Uint8Array): string {
      return Buffer.from(u8.buffer, u8.byteOffset, u8.length).toString("latin1");
    },
  };
  const printed: string[] = [];
  sandbox.console = { log: (...a: unknown[]) => printed.push(a.map(String).join(" ")) };
  sandbox.setInterval = (fn: () => void, ms: number) => {
    const tick = () => {
      handle.h = clock.setTimeout(tick, ms);
      fn();
    };
    const handle = { h: clock.setTimeout(tick, ms) as unknown };
    timers.add(handle);
    return handle;
  };
  sandbox.clearInterval = (h: { h: unknown }) => {
    if (!h) return;
    timers.delete(h);
    clock.clearTimeout(h.h);
  };
  const context = vm.createContext(sandbox);
  return { context, clock, serialCalls, pinWrites, pendingTimers: () => timers.size, printed };
}
