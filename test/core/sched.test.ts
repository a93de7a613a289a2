// Tests of the cooperative scheduler on the virtual clock: coalescing tasks in order, the per-tick budget, timers, errors caught.
import * as assert from "assert";
import { Scheduler } from "../../firmware/core/sched";
import { VirtualClock } from "../../hal/host/virtual-clock";

function make(maxTasks = 3, maxMs = 20) {
  const clock = new VirtualClock();
  return { clock, s: new Scheduler(clock, maxTasks, maxMs) };
}

describe("Scheduler", () => {
  it("runs posted tasks in the order first posted, never inside the caller", () => {
    const { clock, s } = make(10);
    const log: string[] = [];
    const c = s.task(() => log.push("c"));
    const a = s.task(() => {
      log.push("a");
      s.post(c);
    });
    const b = s.task(() => log.push("b"));
    s.post(a);
    s.post(b);
    assert.deepStrictEqual(log, [], "post must not run the task synchronously");
    assert.strictEqual(s.pending(), 2);
    clock.flush();
    assert.deepStrictEqual(log, ["a", "b", "c"]);
    assert.strictEqual(s.pending(), 0);
  });

  it("coalesces wake-ups: posting a task that is already waiting keeps its place and runs it once", () => {
    const { clock, s } = make(10);
    const log: string[] = [];
    const a = s.task(() => log.push("a"));
    const b = s.task(() => log.push("b"));
    s.post(a);
    s.post(b);
    s.post(a);
    s.post(a);
    assert.strictEqual(s.pending(), 2);
    clock.flush();
    assert.deepStrictEqual(log, ["a", "b"]);
    // Once it has run it can be posted again; posting from inside itself queues one more run.
    let n = 0;
    const self = s.task(() => {
      if (++n < 3) s.post(self);
    });
    s.post(self);
    clock.flush();
    assert.strictEqual(n, 3);
  });

  it("cannot overflow: 10000 distinct tasks posted in one go all run, in order", () => {
    const { clock, s } = make(16);
    const ran: number[] = [];
    for (let i = 0; i < 10000; i++) {
      const k = i;
      s.post(s.task(() => ran.push(k)));
    }
    clock.flush();
    assert.strictEqual(ran.length, 10000);
    assert.ok(ran.every((v, i) => v === i));
    assert.strictEqual(s.stats.tasks, 10000);
  });

  it("yields to the runtime after maxTasks tasks and continues on the next tick", () => {
    const { clock, s } = make(3);
    let ran = 0;
    for (let i = 0; i < 7; i++) s.post(s.task(() => ran++));
    clock.step();
    assert.strictEqual(ran, 3);
    clock.step();
    assert.strictEqual(ran, 6);
    clock.step();
    assert.strictEqual(ran, 7);
    assert.strictEqual(s.stats.yields, 2);
    assert.strictEqual(s.stats.ticks, 3);
    assert.strictEqual(clock.pending(), 0, "no tick armed once the list is empty");
  });

  it("yields when a tick has used its time budget", () => {
    const { clock, s } = make(100, 5);
    let ran = 0;
    // Each task "takes" 2 ms of (virtual) time.
    const slow = () => {
      ran++;
      (clock as unknown as { t: number }).t += 2;
    };
    for (let i = 0; i < 6; i++) s.post(s.task(slow));
    clock.step();
    assert.strictEqual(ran, 3, "2+2+2 ms reaches the 5 ms budget after three tasks");
    clock.flush();
    assert.strictEqual(ran, 6);
  });

  it("fires timers at their deadlines in deadline order and counts the armed ones", () => {
    const { clock, s } = make();
    const log: string[] = [];
    s.after(30, () => log.push("30@" + clock.now()));
    s.after(10, () => log.push("10@" + clock.now()));
    s.after(20, () => log.push("20@" + clock.now()));
    s.after(-5, () => log.push("now@" + clock.now()));
    assert.strictEqual(s.armed, 4);
    clock.advance(15);
    assert.deepStrictEqual(log, ["now@0", "10@10"]);
    assert.strictEqual(s.armed, 2);
    clock.advance(100);
    assert.deepStrictEqual(log, ["now@0", "10@10", "20@20", "30@30"]);
    assert.strictEqual(s.armed, 0);
    assert.strictEqual(clock.pending(), 0, "no runtime timer is left behind");
  });

  it("cancels a timer; cancelling it again, after it fired, or undefined does nothing", () => {
    const { clock, s } = make();
    let fired = 0;
    const a = s.after(10, () => fired++);
    s.cancel(a);
    s.cancel(a);
    s.cancel(undefined);
    assert.strictEqual(s.armed, 0);
    assert.strictEqual(clock.pending(), 0, "the runtime timer is cleared");
    const b = s.after(10, () => fired++);
    clock.advance(20);
    s.cancel(b);
    assert.strictEqual(fired, 1);
    assert.strictEqual(s.armed, 0, "a late cancel does not count twice");
  });

  it("reports whatever a task or timer throws to onError, counts it, and keeps running the others", () => {
    const { clock, s } = make();
    const errors: unknown[] = [];
    s.onError = (e: unknown) => errors.push(e);
    let after = false;
    s.post(
      s.task(() => {
        throw new Error("boom");
      }),
    );
    s.post(s.task(() => (after = true)));
    s.after(5, () => {
      throw new Error("timer boom");
    });
    clock.advance(10);
    assert.deepStrictEqual(
      errors.map((e) => (e as Error).message),
      ["boom", "timer boom"],
    );
    assert.ok(after);
    assert.strictEqual(s.stats.errors, 2);
  });

  it("survives an onError hook that throws itself, and a throw with no hook", () => {
    const { clock, s } = make();
    s.onError = () => {
      throw new Error("hook bug");
    };
    let ran = false;
    s.post(
      s.task(() => {
        throw new Error("x");
      }),
    );
    s.post(s.task(() => (ran = true)));
    clock.flush();
    s.onError = undefined;
    s.call(() => {
      throw new Error("y");
    });
    assert.ok(ran);
    assert.strictEqual(s.stats.errors, 2);
  });

  it("now() is the clock's time", () => {
    const { clock, s } = make();
    clock.advance(1234.5);
    assert.strictEqual(s.now(), 1234.5);
  });
});
