// Cooperative scheduler: a fixed ready queue of run-to-completion tasks, fixed timer slots, a per-tick budget.
//
// Every callback the firmware runs (UART data handling, timer expiry, application requests) goes
// through `post`, so no task runs inside another and no tick runs long: after `maxTasksPerTick`
// tasks or `maxTickMs` milliseconds the scheduler yields to the runtime's idle loop (which drains
// the UART receive buffer, 256–1024 bytes on real boards) and continues on the next tick.
// Timer expiries are just tasks posted to the ready queue. Sizes are fixed at construction.
import { Clock, TimerHandle } from "./hal";

export interface SchedulerOptions {
  /** Ready-queue slots (tasks waiting to run). Posting into a full queue is a programmer error. */
  readyQueueSize: number;
  /** Timer slots (timers armed at once). Arming more is a programmer error. */
  timerSlots: number;
  /** Tasks run per tick at most before yielding. */
  maxTasksPerTick: number;
  /** Milliseconds a tick may run before yielding (checked between tasks). */
  maxTickMs: number;
}

export const defaultSchedulerOptions: SchedulerOptions = {
  readyQueueSize: 64,
  timerSlots: 32,
  maxTasksPerTick: 16,
  maxTickMs: 20,
};

/** Identifies an armed timer; 0 is never a valid id. */
export type TimerId = number;

export interface SchedulerStats {
  ticks: number;
  tasksRun: number;
  /** Ticks that ended on the budget with work left. */
  yields: number;
  /** Highest ready-queue depth seen. */
  maxQueued: number;
  /** Tasks that threw. */
  taskErrors: number;
}

export class Scheduler {
  readonly options: SchedulerOptions;
  readonly stats: SchedulerStats = { ticks: 0, tasksRun: 0, yields: 0, maxQueued: 0, taskErrors: 0 };
  /** Called with whatever a task threw; when unset, the error is rethrown after the tick is re-armed. */
  onError: ((err: unknown) => void) | undefined = undefined;

  private clock: Clock;
  private queue: Array<(() => void) | undefined>;
  private qHead = 0;
  private qCount = 0;
  private tickHandle: TimerHandle | undefined = undefined;

  private tDeadline: number[];
  private tFn: Array<(() => void) | undefined>;
  private tGen: number[];
  private tArmed = 0;
  private halTimer: TimerHandle | undefined = undefined;
  private halDeadline = Infinity;

  /** Throws RangeError on options that are not positive integers (programmer error). */
  constructor(clock: Clock, options: SchedulerOptions) {
    const keys: Array<keyof SchedulerOptions> = ["readyQueueSize", "timerSlots", "maxTasksPerTick", "maxTickMs"];
    for (let i = 0; i < keys.length; i++) {
      const v = options[keys[i]];
      if (!(v >= 1) || Math.floor(v) !== v) throw new RangeError("Scheduler option " + keys[i] + " must be a positive integer");
    }
    this.clock = clock;
    this.options = options;
    this.queue = new Array(options.readyQueueSize);
    this.tDeadline = new Array(options.timerSlots);
    this.tFn = new Array(options.timerSlots);
    this.tGen = new Array(options.timerSlots);
    for (let i = 0; i < options.timerSlots; i++) {
      this.tDeadline[i] = Infinity;
      this.tFn[i] = undefined;
      this.tGen[i] = 0;
    }
  }

  /** Milliseconds from the HAL clock. */
  now(): number {
    return this.clock.now();
  }

  /** Tasks waiting in the ready queue. */
  queued(): number {
    return this.qCount;
  }

  /** Timers armed and not yet expired or cleared. */
  armedTimers(): number {
    return this.tArmed;
  }

  /** Run `task` soon, after the tasks already queued. Throws RangeError when the queue is full. */
  post(task: () => void): void {
    if (this.qCount === this.queue.length) {
      throw new RangeError("Scheduler ready queue full (" + this.queue.length + " slots): raise readyQueueSize");
    }
    let tail = this.qHead + this.qCount;
    if (tail >= this.queue.length) tail -= this.queue.length;
    this.queue[tail] = task;
    this.qCount++;
    if (this.qCount > this.stats.maxQueued) this.stats.maxQueued = this.qCount;
    this.armTick();
  }

  /** Post `fn` after `ms` milliseconds. Returns an id for clearTimer. Throws RangeError when no slot is free. */
  setTimer(ms: number, fn: () => void): TimerId {
    const slots = this.tFn.length;
    for (let i = 0; i < slots; i++) {
      if (this.tFn[i] === undefined) {
        this.tFn[i] = fn;
        this.tDeadline[i] = this.clock.now() + (ms > 0 ? ms : 0);
        this.tGen[i]++;
        this.tArmed++;
        this.armHalTimer();
        return this.tGen[i] * slots + i + 1;
      }
    }
    throw new RangeError("Scheduler timer slots exhausted (" + slots + "): raise timerSlots");
  }

  /** Cancel a timer. Clearing 0, an expired or an already-cleared id is a no-op. */
  clearTimer(id: TimerId): void {
    if (!id) return;
    const slots = this.tFn.length;
    const i = (id - 1) % slots;
    const gen = (id - 1 - i) / slots;
    if (this.tGen[i] !== gen || this.tFn[i] === undefined) return;
    this.tFn[i] = undefined;
    this.tDeadline[i] = Infinity;
    this.tArmed--;
    if (this.tArmed === 0 && this.halTimer !== undefined) {
      this.clock.clearTimeout(this.halTimer);
      this.halTimer = undefined;
      this.halDeadline = Infinity;
    }
  }

  private armTick(): void {
    if (this.tickHandle !== undefined) return;
    const self = this;
    this.tickHandle = this.clock.setTimeout(() => self.tick(), 0);
  }

  private tick(): void {
    this.tickHandle = undefined;
    this.stats.ticks++;
    const start = this.clock.now();
    let ran = 0;
    let failure: unknown = undefined;
    let failed = false;
    while (this.qCount > 0) {
      if (ran >= this.options.maxTasksPerTick || this.clock.now() - start >= this.options.maxTickMs) {
        this.stats.yields++;
        break;
      }
      const task = this.queue[this.qHead] as () => void;
      this.queue[this.qHead] = undefined;
      this.qHead++;
      if (this.qHead === this.queue.length) this.qHead = 0;
      this.qCount--;
      ran++;
      this.stats.tasksRun++;
      try {
        task();
      } catch (e) {
        this.stats.taskErrors++;
        if (this.onError) {
          this.onError(e);
        } else {
          failure = e;
          failed = true;
          break;
        }
      }
    }
    if (this.qCount > 0) this.armTick();
    if (failed) throw failure;
  }

  private armHalTimer(): void {
    let earliest = Infinity;
    for (let i = 0; i < this.tDeadline.length; i++) if (this.tDeadline[i] < earliest) earliest = this.tDeadline[i];
    if (earliest === this.halDeadline) return;
    if (this.halTimer !== undefined) this.clock.clearTimeout(this.halTimer);
    this.halTimer = undefined;
    this.halDeadline = earliest;
    if (earliest === Infinity) return;
    const delay = earliest - this.clock.now();
    const self = this;
    this.halTimer = this.clock.setTimeout(() => self.expire(), delay > 0 ? delay : 0);
  }

  private expire(): void {
    this.halTimer = undefined;
    this.halDeadline = Infinity;
    const now = this.clock.now();
    // Post expired timers in deadline order (few slots: a selection pass per expiry is cheap).
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.tDeadline.length; i++) {
        if (this.tDeadline[i] <= now && (best < 0 || this.tDeadline[i] < this.tDeadline[best])) best = i;
      }
      if (best < 0) break;
      const fn = this.tFn[best] as () => void;
      this.tFn[best] = undefined;
      this.tDeadline[best] = Infinity;
      this.tArmed--;
      this.post(fn);
    }
    this.armHalTimer();
  }
}
