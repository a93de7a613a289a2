// Simulated pins for host tests: outputs record every change with its time; inputs are driven by the test.
import { Clock, InputPin, OutputPin } from "../../firmware/core/hal";

export interface PinRecord {
  t: number;
  pin: string;
  active: boolean;
}

export class SimOutputPin implements OutputPin {
  /** Current logical level; undefined until first written. */
  level: boolean | undefined = undefined;
  private listeners: Array<(active: boolean, at: number) => void> = [];

  constructor(readonly name: string, private clock: Clock, private log: PinRecord[]) {}

  write(active: boolean): void {
    this.level = active;
    const t = this.clock.now();
    this.log.push({ t, pin: this.name, active });
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i](active, t);
  }

  /** The modem side (simulator) listens to the wire. */
  onChange(listener: (active: boolean, at: number) => void): void {
    this.listeners.push(listener);
  }
}

export class SimInputPin implements InputPin {
  private handlers: Array<(active: boolean) => void> = [];

  constructor(readonly name: string, private level = false) {}

  read(): boolean {
    return this.level;
  }

  watch(handler: (active: boolean) => void): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Number of active watches (tests check none are left behind). */
  watchers(): number {
    return this.handlers.length;
  }

  /** Drive the input from the test or the simulator. */
  set(active: boolean): void {
    if (active === this.level) return;
    this.level = active;
    const hs = this.handlers.slice();
    for (let i = 0; i < hs.length; i++) hs[i](active);
  }
}
