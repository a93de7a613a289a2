// Tests the simulator's drift-free clock: chained line timers that each fire late still keep the line at baud/10 in the long run.
import * as assert from "assert";
import { Clock, TimerHandle } from "../../firmware/core/hal";
import { PacedLine } from "../../hal/host/paced-line";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { DriftFreeClock } from "../../tools/sim/pty";

/** A clock whose timers all fire `lateMs` after they are due, as on a loaded machine. */
function lateClock(v: VirtualClock, lateMs: number): Clock {
  return {
    now: () => v.now(),
    setTimeout: (fn: () => void, ms: number): TimerHandle => v.setTimeout(fn, ms + lateMs),
    clearTimeout: (h: TimerHandle) => v.clearTimeout(h),
  };
}

describe("sim: drift-free clock for the PTY's line", () => {
  const chunkMs = (64 * 10000) / 115200;

  function deliveredAfter(clock: Clock, v: VirtualClock, ms: number): { bytes: number; at: number[] } {
    const at: number[] = [];
    const line = new PacedLine(clock, { baud: 115200, chunk: 64 }, (_c, t) => at.push(t));
    line.send("z".repeat(64 * 100));
    v.advance(ms);
    return { bytes: line.delivered, at };
  }

  it("keeps 100 chunks on their schedule when every timer fires 3 ms late: all out after 100 chunk times, each stamped with its due time", () => {
    const v = new VirtualClock();
    const r = deliveredAfter(new DriftFreeClock(lateClock(v, 3)), v, 100 * chunkMs + 3 + 0.5);
    assert.strictEqual(r.bytes, 6400);
    r.at.forEach((t, i) => assert.ok(Math.abs(t - (i + 1) * chunkMs) < 1e-6, `chunk ${i} stamped ${t}, due ${(i + 1) * chunkMs}`));
  });

  it("without it the same late timers add up: a third of the line time is lost", () => {
    const v = new VirtualClock();
    const r = deliveredAfter(lateClock(v, 3), v, 100 * chunkMs + 3 + 0.5);
    assert.ok(r.bytes < 6400 * 0.7, "late timers alone let out " + r.bytes + " bytes");
  });

  it("re-anchors to the real time after a lag above maxLagMs instead of bursting to catch up", () => {
    const v = new VirtualClock();
    const r = deliveredAfter(new DriftFreeClock(lateClock(v, 30), 20), v, 10 * (chunkMs + 30) + 1);
    // Each timer 30 ms late (above 20): the schedule restarts from the real time, so one chunk per (chunk time + lag).
    assert.ok(r.bytes <= 64 * 10 && r.bytes >= 64 * 9, "bytes " + r.bytes);
  });
});
