// Tests what the host runner prints while the modem comes up: each state, and progress lines during a long registration unless the app prints them itself.
import * as assert from "assert";
import { reportModem } from "../../tools/host/report";
import { boot, World } from "../app/sim-world";

describe("host runner: progress during long waits", function () {
  this.timeout(60000);
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  async function searchingFor(ms: number, w: World): Promise<void> {
    w.sim.fault.registration("searching");
    w.modem.start();
    assert.ok(await w.until(() => w.modem.status().state === "registering", 20000));
    await w.pump(ms);
    w.sim.fault.registration("home");
    assert.ok(await w.until(() => w.modem.isOnline(), 30000), w.events.join("; "));
  }

  it("prints each state and a progress line about every 10 s while registration searches, then online", async () => {
    const w = await boot({ mode: "buffer", noStart: true }, closers);
    const printed: string[] = [];
    reportModem(w.modem, (l) => printed.push(l));
    await searchingFor(25000, w);
    const progress = printed.filter((l) => /^a76xx-host: registering: /.test(l));
    assert.ok(progress.length >= 2, printed.join("\n"));
    assert.ok(/^a76xx-host: registering: LTE searching, packet searching, 1\d s of 180 s, /.test(progress[0]), printed.join("\n"));
    assert.ok(/, 2\d s of 180 s, /.test(progress[1]), printed.join("\n"));
    const states = printed.filter((l) => /^a76xx-host: modem /.test(l)).map((l) => l.slice("a76xx-host: modem ".length));
    assert.deepStrictEqual(states, ["powering-on", "configuring", "registering", "attaching", "online"]);
    // In order: the progress lines come between registering and attaching.
    assert.ok(printed.indexOf(progress[0]) > printed.indexOf("a76xx-host: modem registering"));
    assert.ok(printed.indexOf(progress[progress.length - 1]) < printed.indexOf("a76xx-host: modem attaching"));
  });

  it("leaves the progress lines to an app that listens to them itself (no line printed twice)", async () => {
    const w = await boot({ mode: "buffer", noStart: true }, closers);
    const printed: string[] = [];
    const own: string[] = [];
    reportModem(w.modem, (l) => printed.push(l));
    w.modem.on("progress", (t: string) => own.push(t));
    await searchingFor(25000, w);
    assert.ok(own.length >= 2, "the app got the progress lines: " + own.join("; "));
    assert.deepStrictEqual(printed.filter((l) => /registering: /.test(l)), []);
    assert.ok(printed.indexOf("a76xx-host: modem online") >= 0, printed.join("\n"));
  });
});
