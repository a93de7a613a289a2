// Direct-push receive: +IPD mapped to links by sender, +RECEIVE by number, overflow counted and reported, UDP datagrams whole.
import * as assert from "assert";
import { bytes, connectTcp, makeRig, Owner } from "./rig";

describe("net: direct-push receive", () => {
  it("maps RECV FROM <ip>:<port> to the right link among several and delivers byte-exact", () => {
    const rig = makeRig({ mode: "push", socket: { rxRingBytes: 8192 } });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const b = connectTcp(rig, "10.1.1.1", 7001);
    const c = connectTcp(rig, "10.1.1.2", 7000);
    const da = bytes(5000, 1);
    const db = bytes(3000, 2);
    const dc = bytes(4000, 3);
    rig.modem.peerSend(b.link, db);
    rig.modem.peerSend(a.link, da);
    rig.modem.peerSend(c.link, dc);
    rig.run(500);
    assert.strictEqual(a.data, da);
    assert.strictEqual(b.data, db);
    assert.strictEqual(c.data, dc);
    assert.strictEqual(rig.table.stats.unmatchedBytes, 0);
  });

  it("accepts the +RECEIVE,<link>,<len> push some firmware sends", () => {
    const rig = makeRig({ mode: "push" });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    rig.modem.write("\r\n+RECEIVE," + a.link + ",6\r\nhello\n");
    rig.run(50);
    assert.strictEqual(a.data, "hello\n");
  });

  it("counts the bytes a full ring drops and raises one overflow error per incident, never silently", () => {
    const rig = makeRig({ mode: "push", socket: { rxRingBytes: 1024 } });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    a.auto = false; // slow consumer
    rig.modem.peerSend(a.link, bytes(5000, 9));
    rig.run(200);
    const st = rig.table.status(a.link);
    assert.strictEqual(st.counters.drops, 5000 - 1024);
    assert.strictEqual(st.counters.bytesIn, 1024);
    const overflows = a.errors.filter((e) => e.kind === "overflow");
    assert.strictEqual(overflows.length, 1);
    assert.ok(/dropped/.test(overflows[0].text));
    a.drainRing();
    assert.strictEqual(a.data, bytes(5000, 9).substr(0, 1024), "what fitted is intact");
    // a second incident is reported again
    rig.modem.peerSend(a.link, bytes(3000, 4));
    rig.run(200);
    assert.strictEqual(a.errors.filter((e) => e.kind === "overflow").length, 2);
  });

  it("delivers UDP datagrams whole with their sender, and drops a datagram that does not fit whole", () => {
    const rig = makeRig({ mode: "push", socket: { rxRingBytes: 1024, udpRxSlots: 4 } });
    const u = new Owner(rig, true);
    const l = rig.table.openUdp(5000, u);
    assert.strictEqual(typeof l, "number");
    u.link = l as number;
    rig.run(50);
    assert.strictEqual(u.connectedCount, 1);
    u.auto = false;
    rig.modem.peerSend(u.link, "one", "10.9.9.9", 53);
    rig.modem.peerSend(u.link, "two!", "10.9.9.8", 54);
    rig.modem.peerSend(u.link, bytes(1200, 1), "10.9.9.8", 54);
    rig.run(100);
    u.drainRing();
    assert.deepStrictEqual(u.datagrams, [
      { data: "one", ip: "10.9.9.9", port: 53 },
      { data: "two!", ip: "10.9.9.8", port: 54 },
    ]);
    assert.strictEqual(rig.table.status(u.link).counters.drops, 1200);
    assert.ok(u.errors.some((e) => e.kind === "overflow"));
  });

  it("refuses a second link to the same ip:port, which push data could not tell apart, before any byte is sent", () => {
    const rig = makeRig({ mode: "push" });
    const a = connectTcp(rig, "10.1.1.1", 80);
    const before = rig.hal.wire.hostLog.length;
    const b = new Owner(rig);
    b.link = rig.table.openTcp("10.1.1.1", 80, b) as number;
    rig.run(100);
    assert.strictEqual(rig.hal.wire.hostLog.length, before, "no AT+CIPOPEN for the second link");
    assert.strictEqual(b.errors[0].kind, "invalid");
    assert.ok(/buffer mode/.test(b.errors[0].text));
    rig.modem.peerSend(a.link, "for-A");
    rig.run(100);
    assert.strictEqual(a.data, "for-A");
  });
});
