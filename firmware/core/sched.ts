// Cooperative scheduler: coalescing tasks in an intrusive FIFO (it cannot overflow), timers on the HAL clock, a per-tick budget.
//
// A Task is an object its owner creates once and posts whenever it has work; posting a task that
// is already waiting does nothing (wake-ups coalesce), so the ready list never holds a task twice
// and needs no capacity of its own: it is linked through the tasks themselves. Tasks run from one
// runtime timer ("a tick") in the order they were first posted; after `maxTasks` tasks or `maxMs`
// milliseconds the tick yields to the runtime's idle loop (which drains the UART receive buffer)
// and the rest runs on the next tick. A timer expiry is a callback run from its own runtime timer.
// Whatever a task or timer throws is caught, counted and handed to `onError`: never to the runtime.
import { Clock, TimerHandle } from "./hal";

/** A unit of deferred work owned by one object; `post` it whenever that object has something to do. */
export class Task {
  /** Next task in the ready list. */
  next: Task | null = null;
  queued = 0;
  fn: () => void;

  constructor(fn: () => void) {
    this.fn = fn;
  }
}

/** A timer armed with `Scheduler.after`; pass it to `cancel`. */
export interface Timer {
  h: TimerHandle;
  live: boolean;
}

export interface SchedStats {
  ticks: number;
  tasks: number;
  /** Ticks that ended on the budget with work left. */
  yields: number;
  /** Tasks and timer callbacks that threw (caught). */
  errors: number;
}

export class Scheduler {
  readonly clock: Clock;
  readonly stats: SchedStats = { ticks: 0, tasks: 0, yields: 0, errors: 0 };
  /** Timers armed and not yet fired or cancelled (tests check nothing is left behind). */
  armed = 0;
  /** Receives whatever a task or timer threw. */
  onError: ((e: unknown) => void) | undefined = undefined;
  private head: Task | null = null;
  private tail: Task | null = null;
  private ticking = 0;
  private maxTasks: number;
  private maxMs: number;

  /** `maxTasks` tasks or `maxMs` milliseconds per tick at most (integers ≥ 1). */
  constructor(clock: Clock, maxTasks: number, maxMs: number) {
    this.clock = clock;
    this.maxTasks = maxTasks;
    this.maxMs = maxMs;
  }

  /** Milliseconds from the HAL clock. */
  now(): number {
    return this.clock.now();
  }

  /** A task that runs `fn` each time it is posted (once per post burst). */
  task(fn: () => void): Task {
    return new Task(fn);
  }

  /** Run `t` soon, after the tasks already waiting; a task already waiting keeps its place. */
  post(t: Task): void {
    if (t.queued) return;
    t.queued = 1;
    t.next = null;
    if (this.tail) this.tail.next = t;
    else this.head = t;
    this.tail = t;
    if (!this.ticking) this.arm();
  }

  /** Tasks waiting to run. */
  pending(): number {
    let n = 0;
    for (let t = this.head; t; t = t.next) n++;
    return n;
  }

  /** Call `fn` once after `ms` milliseconds (from a runtime timer, errors caught). */
  after(ms: number, fn: () => void): Timer {
    const self = this;
    const t: Timer = { h: undefined, live: true };
    this.armed++;
    t.h = this.clock.setTimeout(function () {
      if (!t.live) return;
      t.live = false;
      self.armed--;
      self.call(fn);
    }, ms > 0 ? ms : 0);
    return t;
  }

  /** Cancel a timer; cancelling one that fired, was cancelled or is undefined does nothing. */
  cancel(t: Timer | undefined): void {
    if (!t || !t.live) return;
    t.live = false;
    this.armed--;
    this.clock.clearTimeout(t.h);
  }

  /** Run `fn`, catching and reporting what it throws. */
  call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failed(e);
    }
  }

  /** A task or timer threw `e`: counted and handed to onError. */
  private failed(e: unknown): void {
    this.stats.errors++;
    const h = this.onError;
    if (h) {
      try {
        h(e);
      } catch (e2) {
        // the error hook itself failed: counted above, nothing more to do
      }
    }
  }

  private arm(): void {
    this.ticking = 1;
    const self = this;
    this.clock.setTimeout(function () {
      self.tick();
    }, 0);
  }

  private tick(): void {
    this.stats.ticks++;
    const start = this.clock.now();
    let ran = 0;
    while (this.head) {
      if (ran >= this.maxTasks || this.clock.now() - start >= this.maxMs) {
        this.stats.yields++;
        break;
      }
      const t = this.head;
      this.head = t.next;
      if (!this.head) this.tail = null;
      t.next = null;
      t.queued = 0;
      ran++;
      this.stats.tasks++;
      try {
        t.fn();
      } catch (e) {
        this.failed(e);
      }
    }
    if (this.head) this.arm();
    else this.ticking = 0;
  }
}
