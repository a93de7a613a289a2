// Script runner: command sequences as data (bring-up, attach, recovery…), run one step at a time on the engine.
//
// In the manner of Zephyr's modem_chat scripts: a script is a list of steps. A step is a command
// (or a function building one from the context, e.g. with the APN), an optional condition (`when`:
// skip the step when false), a verdict function (`check`: the answer is good, try this step
// again, restart the script, or fail) and its retry policy (`retries` attempts `wait` ms apart,
// or until `until` ms after the step began). A failure after the retries fails the script at
// that step unless the step is `optional`. The runner reports "done" or "failed at step N with
// this error" as a value; it never throws and keeps no state outside the run in progress.
import { Scheduler, Timer } from "../core/sched";
import { AtCommand, AtResult } from "./command";
import { AtError } from "./errors";
import { AtEngine } from "./engine";

/** Verdicts of a step's `check`. */
export const NEXT = 0;
export const RETRY = 1;
export const RESTART = 2;
export const FAIL = 3;

export interface Step<C> {
  /** The command, or a function of the context that builds it. */
  cmd: AtCommand | ((ctx: C) => AtCommand);
  /** Run the step only when this is true (default: always). */
  when?: (ctx: C) => boolean;
  /** The verdict on an answer (default: NEXT on success, RETRY on error). May store what it read in ctx. */
  check?: (r: AtResult, ctx: C) => number;
  /** Attempts after the first on RETRY (default 0), `wait` ms apart (default 0). */
  retries?: number;
  wait?: number;
  /** Retry until this many ms after the step's first attempt instead of counting (a function: read when the step starts). */
  until?: number | ((ctx: C) => number);
  /** A failure does not fail the script. */
  optional?: boolean;
}

export interface Script<C> {
  name: string;
  steps: Array<Step<C>>;
  /** Pause before a RESTART, ms. */
  restartWait?: number | ((ctx: C) => number);
}

/** Outcome: error null and step -1 when done; else the failing step and its error (the last answer's, or the check's). */
export type ScriptDone = (error: AtError | null, step: number) => void;

export class ScriptRunner<C> {
  private engine: AtEngine;
  private sched: Scheduler;
  private ctx: C;
  private script: Script<C> | undefined = undefined;
  private done: ScriptDone | undefined = undefined;
  private index = 0;
  private attempt = 0;
  private stepEnd = 0;
  private gen = 0;
  private timer: Timer | undefined = undefined;
  /** The error a check reported with FAIL (its text), for the done callback. */
  failText = "";

  constructor(engine: AtEngine, sched: Scheduler, ctx: C) {
    this.engine = engine;
    this.sched = sched;
    this.ctx = ctx;
  }

  running(): boolean {
    return this.script !== undefined;
  }

  /** The step in progress (for progress reports). */
  step(): number {
    return this.index;
  }

  /** Start `script` (cancelling one in progress without calling its done). */
  run(script: Script<C>, done: ScriptDone): void {
    this.cancel();
    this.script = script;
    this.done = done;
    this.index = 0;
    this.begin();
  }

  /** Stop without calling done; a command already in the engine still completes there (its answer is ignored). */
  cancel(): void {
    this.gen++;
    this.sched.cancel(this.timer);
    this.timer = undefined;
    this.script = undefined;
    this.done = undefined;
  }

  private end(error: AtError | null, step: number): void {
    const d = this.done;
    this.cancel();
    if (d) d(error, step);
  }

  /** Enter step `index` (skipping those whose condition is false). */
  private begin(): void {
    const s = this.script as Script<C>;
    while (this.index < s.steps.length) {
      const st = s.steps[this.index];
      if (!st.when || st.when(this.ctx)) break;
      this.index++;
    }
    if (this.index >= s.steps.length) {
      this.end(null, -1);
      return;
    }
    const st = s.steps[this.index];
    this.attempt = 0;
    const u = st.until;
    this.stepEnd = u === undefined ? -1 : this.sched.now() + (typeof u === "function" ? u(this.ctx) : u);
    this.send();
  }

  private send(): void {
    const s = this.script as Script<C>;
    const st = s.steps[this.index];
    const c = typeof st.cmd === "function" ? st.cmd(this.ctx) : st.cmd;
    const g = this.gen;
    const self = this;
    const ok = this.engine.submit(c, function (r: AtResult): void {
      if (g === self.gen) self.answered(r);
    });
    if (!ok) this.end({ kind: this.engine.stalled() ? "stalled" : "reset", code: -1, text: "the AT engine refused " + c.request }, this.index);
  }

  private later(ms: number, fn: () => void): void {
    const g = this.gen;
    const self = this;
    this.timer = this.sched.after(ms, function () {
      self.timer = undefined;
      if (g === self.gen) fn();
    });
  }

  private answered(r: AtResult): void {
    const s = this.script as Script<C>;
    const st = s.steps[this.index];
    this.failText = "";
    let v = st.check ? st.check(r, this.ctx) : r.error ? RETRY : NEXT;
    const e = r.error;
    if (e && (e.kind === "stalled" || e.kind === "reset")) v = FAIL;
    const self = this;
    if (v === NEXT) {
      this.index++;
      this.begin();
      return;
    }
    if (v === RESTART) {
      const w = s.restartWait;
      this.index = 0;
      this.later(typeof w === "function" ? w(this.ctx) : w || 0, function () {
        self.begin();
      });
      return;
    }
    if (v === RETRY) {
      const more = this.stepEnd >= 0 ? this.sched.now() + (st.wait || 0) < this.stepEnd : this.attempt < (st.retries || 0);
      if (more) {
        this.attempt++;
        this.later(st.wait || 0, function () {
          self.send();
        });
        return;
      }
    }
    if (st.optional) {
      this.index++;
      this.begin();
      return;
    }
    const fe: AtError = e ? { kind: e.kind, code: e.code, text: this.failText ? this.failText + ": " + e.text : e.text } : { kind: "error", code: -1, text: this.failText || "unexpected answer" };
    this.end(fe, this.index);
  }
}
