// Virtual clock for host tests: time moves only when the test moves it; timers fire in deadline order.
import { Clock, TimerHandle } from "../../firmware/core/hal";

interface VTimer {
  id: number;
  due: number;
  seq: number;
  fn: () => void;
}

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: VTimer[] = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    const timer: VTimer = { id, due: this.t + (ms > 0 ? ms : 0), seq: id, fn };
    // Keep the list sorted by (due, seq): equal deadlines fire in the order they were set.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].due > timer.due) i--;
    this.timers.splice(i, 0, timer);
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    for (let i = 0; i < this.timers.length; i++) {
      if (this.timers[i].id === handle) {
        this.timers.splice(i, 1);
        return;
      }
    }
  }

  /** Timers armed and not yet fired. */
  pending(): number {
    return this.timers.length;
  }

  /** Deadline of the next timer, or Infinity. */
  nextDue(): number {
    return this.timers.length ? this.timers[0].due : Infinity;
  }

  /** Run the next due timer (moving time to its deadline). Returns false when none is armed. */
  step(): boolean {
    const timer = this.timers.shift();
    if (!timer) return false;
    if (timer.due > this.t) this.t = timer.due;
    timer.fn();
    return true;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.timers.length && this.timers[0].due <= end) this.step();
    this.t = end;
  }

  /** Fire timers due now (including zero-delay chains) without moving time. */
  flush(maxSteps = 100000): void {
    let n = 0;
    while (this.timers.length && this.timers[0].due <= this.t) {
      if (++n > maxSteps) throw new Error("VirtualClock.flush: more than " + maxSteps + " timers at one instant");
      this.step();
    }
  }

  /**
   * Advance timer by timer until `done()` is true; returns true if it became true within `maxMs`
   * of virtual time (time then stops at that moment), false otherwise (time then moved by `maxMs`).
   */
  runUntil(done: () => boolean, maxMs: number): boolean {
    const end = this.t + maxMs;
    if (done()) return true;
    while (this.timers.length && this.timers[0].due <= end) {
      this.step();
      if (done()) return true;
    }
    this.t = end;
    return done();
  }
}
