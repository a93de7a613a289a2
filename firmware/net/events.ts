// Fixed ring of socket events (connect, readable, drain, error, close, server events) handled in order by one Scheduler task.
import { Scheduler } from "../core/scheduler";

export const EV_CONNECT = 0;
export const EV_READABLE = 1;
export const EV_DRAIN = 2;
export const EV_ERROR = 3;
export const EV_CLOSE = 4;
export const EV_LISTENING = 5;
/** A server accepted a client: target = server index, arg = link index. */
export const EV_CLIENT = 6;
export const EV_SERVER_ERROR = 7;
export const EV_SERVER_CLOSE = 8;
/** A client the allowlist did not admit was closed: target = server index, arg = [ip, port]. */
export const EV_REJECTED = 9;

/** Handles one event; `gen` is the target's generation when the event was queued. */
export type EventHandler = (type: number, target: number, gen: number, arg: unknown) => void;

export class EventQueue {
  /** Events refused because the queue was full (never close events: those are handled at once then). */
  overflows = 0;
  private type: number[];
  private target: number[];
  private gen: number[];
  private arg: unknown[];
  private head = 0;
  private count = 0;
  private posted = false;
  private sched: Scheduler;
  private handler: EventHandler;
  private draining = false;

  /** `size` slots (integer ≥ 1). */
  constructor(size: number, sched: Scheduler, handler: EventHandler) {
    this.sched = sched;
    this.handler = handler;
    this.type = new Array(size);
    this.target = new Array(size);
    this.gen = new Array(size);
    this.arg = new Array(size);
  }

  length(): number {
    return this.count;
  }

  /** Queue an event; returns false when the queue is full (the caller decides). */
  push(type: number, target: number, gen: number, arg: unknown): boolean {
    const size = this.type.length;
    if (this.count === size) {
      this.overflows++;
      return false;
    }
    let tail = this.head + this.count;
    if (tail >= size) tail -= size;
    this.type[tail] = type;
    this.target[tail] = target;
    this.gen[tail] = gen;
    this.arg[tail] = arg;
    this.count++;
    if (!this.posted) {
      const self = this;
      this.sched.post(() => self.drain());
      this.posted = true;
    }
    return true;
  }

  /** Handle every queued event now (also used to settle a slot before the modem reuses it). */
  drain(): void {
    this.posted = false;
    if (this.draining) return;
    this.draining = true;
    const size = this.type.length;
    while (this.count > 0) {
      const t = this.type[this.head];
      const g = this.target[this.head];
      const n = this.gen[this.head];
      const a = this.arg[this.head];
      this.arg[this.head] = undefined;
      this.head++;
      if (this.head === size) this.head = 0;
      this.count--;
      this.handler(t, g, n, a);
    }
    this.draining = false;
  }
}
