// Tests of the cooperative scheduler on the virtual clock: order, budget, timers, fixed slots.
import * as assert from "assert";
import { Scheduler } from "../../firmware/core/scheduler";
import { VirtualClock } from "../../hal/host/virtual-clock";

function make(opts?: Partial<{ readyQueueSize: number; timerSlots: number; maxTasksPerTick: number; maxTickMs: number }>) {
  const clock = new VirtualClock();
  const s = new Scheduler(clock, Object.assign({ readyQueueSize: 8, timerSlots: 4, maxTasksPerTick: 3, maxTickMs: 20 }, opts || {}));
  return { clock, s };
}

describe("Scheduler", () => {
  it("runs posted tasks in order, never inside the caller", () => {
    const { clock, s } = make();
    const log: string[] = [];
    s.post(() => {
      log.push("a");
      s.post(() => log.push("c"));
    });
    s.post(() => log.push("b"));
    assert.deepStrictEqual(log, [], "post must not run the task synchronously");
    clock.flush();
    assert.deepStrictEqual(log, ["a", "b", "c"]);
  });

  it("yields to the runtime after maxTasksPerTick tasks and continues on the next tick", () => {
    const { clock, s } = make({ maxTasksPerTick: 3 });
    let ran = 0;
    for (let i = 0; i < 7; i++) s.post(() => ran++);
    clock.step();
    assert.strictEqual(ran, 3);
    clock.step();
    assert.strictEqual(ran, 6);
    clock.step();
    assert.strictEqual(ran, 7);
    assert.strictEqual(s.stats.yields, 2);
  });

  it("yields when a tick has used its time budget", () => {
    const { clock, s } = make({ maxTasksPerTick: 100, maxTickMs: 5 });
    let ran = 0;
    // Each task "takes" 2 ms of (virtual) time.
    const slow = () => {
      ran++;
      (clock as unknown as { t: number }).t += 2;
    };
    for (let i = 0; i < 6; i++) s.post(slow);
    clock.step();
    assert.strictEqual(ran, 3, "2+2+2 ms reaches the 5 ms budget after three tasks");
    clock.flush();
    assert.strictEqual(ran, 6);
  });

  it("fires timers in deadline order at their deadlines, as tasks", () => {
    const { clock, s } = make();
    const log: string[] = [];
    s.setTimer(30, () => log.push("30@" + clock.now()));
    s.setTimer(10, () => log.push("10@" + clock.now()));
    s.setTimer(20, () => log.push("20@" + clock.now()));
    clock.advance(15);
    assert.deepStrictEqual(log, ["10@10"]);
    clock.advance(100);
    assert.deepStrictEqual(log, ["10@10", "20@20", "30@30"]);
    assert.strictEqual(s.armedTimers(), 0);
    assert.strictEqual(clock.pending(), 0, "no runtime timer is left behind");
  });

  it("cancels a timer, and ignores stale or repeated cancels", () => {
    const { clock, s } = make({ timerSlots: 1 });
    let fired = 0;
    const a = s.setTimer(10, () => fired++);
    s.clearTimer(a);
    s.clearTimer(a);
    const b = s.setTimer(10, () => fired++); // reuses the slot with a new generation
    s.clearTimer(a); // stale id must not cancel b
    clock.advance(20);
    assert.strictEqual(fired, 1);
    assert.notStrictEqual(a, b);
    assert.strictEqual(clock.pending(), 0);
  });

  it("refuses more timers than slots and more tasks than queue slots (programmer errors)", () => {
    const { s } = make({ timerSlots: 2, readyQueueSize: 2 });
    s.setTimer(1, () => undefined);
    s.setTimer(1, () => undefined);
    assert.throws(() => s.setTimer(1, () => undefined), RangeError);
    s.post(() => undefined);
    s.post(() => undefined);
    assert.throws(() => s.post(() => undefined), RangeError);
  });

  it("reports a task that throws to onError and keeps running the others", () => {
    const { clock, s } = make();
    const errors: unknown[] = [];
    s.onError = (e) => errors.push(e);
    let after = false;
    s.post(() => {
      throw new Error("boom");
    });
    s.post(() => (after = true));
    clock.flush();
    assert.strictEqual(errors.length, 1);
    assert.ok(after);
    assert.strictEqual(s.stats.taskErrors, 1);
  });

  it("rejects options that are not positive integers", () => {
    const clock = new VirtualClock();
    assert.throws(() => new Scheduler(clock, { readyQueueSize: 0, timerSlots: 1, maxTasksPerTick: 1, maxTickMs: 1 }), RangeError);
  });
});
