// Tests that a burst of UART chunks arriving before the scheduler runs is parsed in order without filling its ready queue.
import * as assert from "assert";
import { Scheduler } from "../../firmware/core/scheduler";
import { AtEngine, defaultAtEngineOptions } from "../../firmware/at/engine";
import { AtResult } from "../../firmware/at/command";
import { nodeCodec } from "../../hal/host/codec";
import { VirtualClock } from "../../hal/host/virtual-clock";

describe("AT engine receive path", () => {
  it("takes 200 chunks delivered in one go with a 4-slot ready queue, in order, losing nothing", () => {
    const clock = new VirtualClock();
    const sched = new Scheduler(clock, { readyQueueSize: 4, timerSlots: 8, maxTasksPerTick: 4, maxTickMs: 20 });
    let handler: ((c: string) => void) | undefined;
    const written: string[] = [];
    const uart = { setup() {}, write: (d: string) => written.push(d), onData: (h: (c: string) => void) => (handler = h), close() {} };
    const engine = new AtEngine(uart, nodeCodec, sched, defaultAtEngineOptions, {});
    engine.start();
    let result: AtResult | undefined;
    engine.submit({ request: "ATI", matches: [""], timeoutMs: 1000 }, (r) => (result = r));
    clock.flush();
    assert.deepStrictEqual(written, ["ATI\r"]);
    let answer = "\r\n";
    for (let i = 0; i < 5; i++) answer += "Line " + i + " of the module's identification\r\n";
    answer += "\r\nOK\r\n";
    // The runtime hands over one byte at a time before any scheduler task can run.
    for (let i = 0; i < answer.length; i++) handler!(answer.charAt(i));
    assert.ok(answer.length > 200);
    clock.flush();
    assert.ok(result, "completed");
    assert.strictEqual(result!.error, null);
    assert.deepStrictEqual(result!.lines, ["Line 0 of the module's identification", "Line 1 of the module's identification", "Line 2 of the module's identification", "Line 3 of the module's identification", "Line 4 of the module's identification"]);
  });
});
