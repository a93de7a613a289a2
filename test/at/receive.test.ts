// Tests that a burst of UART chunks arriving before the scheduler runs is parsed in order, losing nothing, with no task per chunk.
import * as assert from "assert";
import { Scheduler } from "../../firmware/core/sched";
import { AtEngine } from "../../firmware/at/engine";
import { AtResult } from "../../firmware/at/command";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { ENGINE_DEFAULTS, EventLog } from "./helpers";

describe("AT engine receive path", () => {
  it("takes 1-byte chunks delivered in one go before any tick, in order, losing nothing, without a scheduler hop per chunk", () => {
    const clock = new VirtualClock();
    const sched = new Scheduler(clock, 4, 20);
    let handler: ((c: string) => void) | undefined;
    const written: string[] = [];
    let handlers = 0;
    const uart = {
      setup() {},
      write: (d: string) => written.push(d),
      onData: (h: (c: string) => void) => {
        handlers++;
        handler = h;
      },
      close() {},
    };
    const engine = new AtEngine(uart, sched, ENGINE_DEFAULTS, new EventLog());
    engine.start();
    engine.start();
    assert.strictEqual(handlers, 1, "start() takes the UART once");
    assert.strictEqual(handler, engine.parser.feed, "the parser's feed is the UART handler: no hop in between");
    let result: AtResult | undefined;
    engine.submit({ request: "ATI", match: "", timeout: 1000 }, (r) => (result = r));
    clock.flush();
    assert.deepStrictEqual(written, ["ATI\r"]);
    let answer = "\r\n";
    for (let i = 0; i < 5; i++) answer += "Line " + i + " of the module's identification\r\n";
    answer += "\r\n+IPD40\r\n" + "p".repeat(40) + "\r\nOK\r\n";
    const tasksBefore = sched.stats.tasks;
    // The runtime hands over one byte at a time before any scheduler task can run.
    clock.advance(2);
    for (let i = 0; i < answer.length; i++) handler!(answer.charAt(i));
    assert.ok(answer.length > 200);
    assert.ok(result, "completed inside the burst, from the parser's events");
    assert.ok(sched.pending() <= 1, "no task per chunk");
    clock.flush();
    assert.ok(sched.stats.tasks - tasksBefore <= 1);
    assert.strictEqual(result!.error, null);
    assert.deepStrictEqual(result!.lines, [0, 1, 2, 3, 4].map((i) => "Line " + i + " of the module's identification"));
  });
});
