// Script runner: a multi-step exchange (bring-up, open-and-configure…) as data, run step by step on the engine.
//
// In the manner of Zephyr's modem_chat scripts: a script is a list of steps, each an AtCommand
// (request, matches, timeoutMs, …) plus retry and optional flags, and a script-wide abort table.
// The runner submits one step at a time (one queue slot), retries a failed step after a Scheduler
// timer, and reports each step's result and the script's outcome as values.
import { AtCommand, AtResult } from "./command";
import { AtError, engineError } from "./errors";
import { AtEngine } from "./engine";
import { Scheduler, TimerId } from "../core/scheduler";

/** One step: a command plus what to do when it fails. */
export interface AtScriptStep extends AtCommand {
  /** Extra attempts after a failure (default 0). */
  retries?: number;
  /** Wait between attempts in ms (default 0). */
  retryDelayMs?: number;
  /** A failure (after retries) does not stop the script. */
  optional?: boolean;
}

export interface AtScript {
  /** For logs. */
  name: string;
  steps: AtScriptStep[];
  /** Abort prefixes applied to every step that has none of its own. */
  abort?: string[];
}

/** After each attempt: step index, attempt number (0 = first) and its result. */
export type AtStepHook = (index: number, attempt: number, result: AtResult) => void;

/** The outcome: null and -1 on success, else the failing step's error and index. */
export type AtScriptDone = (error: AtError | null, failedStep: number) => void;

export class AtScriptRunner {
  private engine: AtEngine;
  private sched: Scheduler;
  private script: AtScript | undefined = undefined;
  private onStep: AtStepHook | undefined = undefined;
  private done: AtScriptDone | undefined = undefined;
  private index = 0;
  private attempt = 0;
  private gen = 0;
  private timer: TimerId = 0;

  constructor(engine: AtEngine, scheduler: Scheduler) {
    this.engine = engine;
    this.sched = scheduler;
  }

  /** True while a script runs. */
  running(): boolean {
    return this.script !== undefined;
  }

  /**
   * Start `script`; `done` is called exactly once unless the script is cancelled. Returns false
   * (and calls nothing) when a script is already running.
   */
  run(script: AtScript, onStep: AtStepHook | undefined, done: AtScriptDone): boolean {
    if (this.script) return false;
    this.script = script;
    this.onStep = onStep;
    this.done = done;
    this.index = 0;
    this.attempt = 0;
    this.gen++;
    this.next();
    return true;
  }

  /** Stop without calling `done`; a step already submitted still completes in the engine. */
  cancel(): void {
    this.gen++;
    this.sched.clearTimer(this.timer);
    this.timer = 0;
    this.script = undefined;
    this.done = undefined;
    this.onStep = undefined;
  }

  private end(error: AtError | null, failedStep: number): void {
    const done = this.done;
    this.cancel();
    if (done) {
      try {
        done(error, failedStep);
      } catch (e) {
        // callbacks must not throw; nothing to undo here
      }
    }
  }

  private next(): void {
    const script = this.script;
    if (!script) return;
    if (this.index >= script.steps.length) {
      this.end(null, -1);
      return;
    }
    const step = script.steps[this.index];
    const cmd: AtCommand = step.abort || !script.abort ? step : Object.assign({}, step, { abort: script.abort });
    const g = this.gen;
    const self = this;
    const accepted = this.engine.submit(cmd, (res) => self.stepDone(g, res));
    if (!accepted) {
      this.end(engineError(this.engine.stalled() ? "stalled" : "aborted", "engine refused step " + this.index), this.index);
    }
  }

  private stepDone(g: number, res: AtResult): void {
    if (g !== this.gen || !this.script) return;
    const step = this.script.steps[this.index];
    const hook = this.onStep;
    if (hook) {
      try {
        hook(this.index, this.attempt, res);
      } catch (e) {
        // ignored: hooks must not throw
      }
    }
    if (g !== this.gen) return; // the hook cancelled the script
    if (res.error === null) {
      this.index++;
      this.attempt = 0;
      this.next();
      return;
    }
    if (this.attempt < (step.retries || 0) && res.error.kind !== "stalled" && res.error.kind !== "reset") {
      this.attempt++;
      const self = this;
      this.timer = this.sched.setTimer(step.retryDelayMs || 0, () => {
        if (g !== self.gen) return;
        self.timer = 0;
        self.next();
      });
      return;
    }
    if (step.optional) {
      this.index++;
      this.attempt = 0;
      this.next();
      return;
    }
    this.end(res.error, this.index);
  }
}
