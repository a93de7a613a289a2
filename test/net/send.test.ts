// Send path: fixed-length AT+CIPSEND chunks, confirmations, shortfall retries and reports, backpressure with drain, SUB sends, PDN loss.
import * as assert from "assert";
import { TX_OK, TX_REFUSED, TX_WAIT } from "../../firmware/net/txqueue";
import { bytes, connectTcp, makeRig, Owner } from "./rig";

describe("net: send path", () => {
  it("sends in chunks of sendChunkBytes, each exactly as announced, and the module gets every byte", () => {
    const rig = makeRig({ socket: { sendChunkBytes: 1000, txQueueBytes: 8192 } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    const data = bytes(4500, 21);
    assert.strictEqual(rig.table.write(o.link, o, data, "", 0), TX_OK);
    rig.run(500);
    assert.deepStrictEqual(rig.modem.sendSizes, [1000, 1000, 1000, 1000, 500]);
    assert.strictEqual(rig.modem.links[o.link].sent, data);
    assert.strictEqual(rig.table.status(o.link).counters.bytesOut, 4500);
  });

  it("resends the unconfirmed rest of a chunk when +CIPSEND confirms less, after a pause that doubles", () => {
    const rig = makeRig({ socket: { sendChunkBytes: 1000 } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.modem.confirm.push(600, 0);
    const data = bytes(1000, 5);
    rig.table.write(o.link, o, data, "", 0);
    rig.run(2000);
    assert.deepStrictEqual(rig.modem.sendSizes, [1000, 400, 400]);
    const sends = rig.hal.wire.hostLog.filter((r) => r.data.indexOf("AT+CIPSEND=") === 0).map((r) => r.t);
    assert.ok(sends[1] - sends[0] >= 250 && sends[2] - sends[1] >= 500, "paused 250 ms, then 500 ms: " + sends.join(","));
    assert.strictEqual(rig.modem.links[o.link].sent, data);
    assert.strictEqual(rig.table.stats.shortfalls, 2);
    assert.deepStrictEqual(o.errors, []);
  });

  it("reports a persistent shortfall as a short-send error and closes the socket", () => {
    const rig = makeRig({ socket: { sendRetries: 2 } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.modem.confirm.push(0, 0, 0);
    rig.table.write(o.link, o, "hello", "", 0);
    rig.run(2000);
    assert.deepStrictEqual(rig.modem.sendSizes, [5, 5, 5]);
    assert.deepStrictEqual(o.log, ["connect", "error short-send", "close error"]);
    assert.ok(rig.modem.commands.indexOf("AT+CIPCLOSE=" + o.link) >= 0);
  });

  it("write() says when to wait, refuses what cannot be queued and emits drain when it may go on (Node semantics)", () => {
    const rig = makeRig({ socket: { txQueueBytes: 1000, txQueueSlots: 4 } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    const t = rig.table;
    assert.strictEqual(t.write(o.link, o, bytes(400, 1), "", 0), TX_OK);
    assert.strictEqual(t.write(o.link, o, bytes(600, 2), "", 0), TX_WAIT, "at the bound: wait");
    assert.strictEqual(t.write(o.link, o, "x", "", 0), TX_REFUSED, "over the bound: refused, not dropped silently");
    assert.strictEqual(o.drains, 0);
    rig.run(500);
    assert.strictEqual(o.drains, 1);
    assert.strictEqual(rig.modem.links[o.link].sent, bytes(400, 1) + bytes(600, 2));
    // one big write into an empty queue is accepted whole (the application already holds it)
    assert.strictEqual(t.write(o.link, o, bytes(5000, 3), "", 0), TX_WAIT);
    rig.run(1000);
    assert.strictEqual(o.drains, 2);
    assert.strictEqual(rig.modem.links[o.link].sent.length, 6000);
  });

  it("uses <SUB>-terminated sends only when enabled and the chunk holds neither 0x1A nor 0x1B", () => {
    const rig = makeRig({ socket: { subTerminated: true } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.table.write(o.link, o, "plain text", "", 0);
    rig.run(200);
    rig.table.write(o.link, o, "with \x1a inside", "", 0);
    rig.run(200);
    // <ESC> would cancel a variable-length send and let the rest run as commands.
    rig.table.write(o.link, o, 'key=\x1bAT+CGDCONT=1,"IP","evil"\r', "", 0);
    rig.run(200);
    assert.deepStrictEqual(rig.modem.sendSizes, [-1, 13, 30]);
    assert.strictEqual(rig.modem.links[o.link].sent, 'plain textwith \x1a insidekey=\x1bAT+CGDCONT=1,"IP","evil"\r');
  });

  it("sends each UDP datagram with its destination, resolving names first", () => {
    const rig = makeRig();
    rig.modem.dns["time.example"] = "10.5.5.5";
    const u = new Owner(rig, true);
    u.link = rig.table.openUdp(6000, u) as number;
    rig.run(50);
    rig.table.write(u.link, u, "a", "10.1.1.1", 53);
    rig.table.write(u.link, u, "bb", "time.example", 123);
    rig.run(300);
    assert.deepStrictEqual(rig.modem.links[u.link].datagrams, [
      { data: "a", ip: "10.1.1.1", port: 53 },
      { data: "bb", ip: "10.5.5.5", port: 123 },
    ]);
  });

  it("reports +CIPERROR: 4 (PDN lost) to the supervisor hook and as an error with the modem's code", () => {
    const rig = makeRig();
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.modem.sendFailure = "\r\n+CIPERROR: 4\r\n";
    rig.table.write(o.link, o, "hello", "", 0);
    rig.run(3000);
    assert.strictEqual(rig.networkErrors, 1);
    assert.strictEqual(o.errors[0].kind, "cip");
    assert.strictEqual(o.errors[0].code, 4);
  });
});
