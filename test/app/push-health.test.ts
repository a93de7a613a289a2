// Push mode keeps a long download going: pushes prove the module alive, so the health check does not send a command whose answer would wait behind them.
import * as assert from "assert";
import { boot, closeAll, peer, record } from "./sim-world";

const closers: Array<() => unknown> = [];

describe("push mode and the health check", function () {
  this.timeout(60000);
  afterEach(() => closeAll(closers));

  it("a 256 KB download at 115200 baud (23 s of pushes, longer than healthCheckMs) arrives whole and closes remote, with no AT command sent meanwhile", async () => {
    let data = "";
    for (let i = 0; data.length < 256 * 1024; i++) data += String.fromCharCode((i * 7 + (i >> 8)) & 255);
    const p = await peer(closers, false, (s) => s.end(Buffer.from(data, "latin1")));
    const w = await boot({ mode: "push", baud: 115200, opts: { healthCheckMs: 5000 }, trace: true }, closers);
    const n0 = w.trace.length; // the bring-up's commands are before this
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(w, sock);
    assert.ok(await w.until(() => r.closedAt >= 0, 120000), "closed: " + r.log.join());
    assert.strictEqual(r.data.length, data.length, "bytes received: " + r.log.join() + " / " + w.events.join());
    assert.ok(r.data === data, "the bytes are the peer's, in order");
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    const sent = w.trace.slice(n0).filter((l) => / > AT\+C(SQ|MEE)/.test(" " + l));
    assert.deepStrictEqual(sent, [], "no health check or probe while the pushes flowed: " + sent.join(" | "));
  });
});
