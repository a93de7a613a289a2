// Buffer-access receive: windowed AT+CIPRXGET reads that never over-ask, pause on a full ring, resume on consumption, lose nothing.
import * as assert from "assert";
import { bytes, connectTcp, makeRig } from "./rig";

describe("net: buffer-access receive", () => {
  it("delivers 100 kB byte-exact with reads ≤ min(ring free, module count, 1500) and never over-asks", () => {
    const rig = makeRig({ socket: { rxRingBytes: 2048 } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    const data = bytes(100000, 7);
    rig.modem.peerSend(o.link, data);
    assert.ok(rig.until(() => o.data.length === data.length, 60000), "got " + o.data.length);
    assert.strictEqual(o.data, data);
    assert.strictEqual(rig.modem.overAsks, 0);
    assert.strictEqual(rig.modem.closedReads, 0);
    for (const n of rig.modem.readSizes) assert.ok(n >= 1 && n <= 1500, "read size " + n);
    assert.ok(rig.modem.commands.indexOf("AT+CIPRXGET=4," + o.link) >= 0, "the module's count is asked first");
    assert.strictEqual(rig.table.status(o.link).counters.drops, 0);
  });

  it("stops reading when the ring is full and resumes when the application consumes: nothing lost", () => {
    const rig = makeRig({ socket: { rxRingBytes: 1000 } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    o.auto = false; // a stalled consumer
    const data = bytes(10000, 3);
    rig.modem.peerSend(o.link, data);
    rig.run(2000);
    assert.strictEqual(rig.table.buffered(o.link), 1000, "the ring is full");
    const readsWhenFull = rig.modem.readSizes.length;
    rig.run(2000);
    assert.strictEqual(rig.modem.readSizes.length, readsWhenFull, "no read while the ring is full");
    assert.strictEqual(rig.modem.links[o.link].held.length, 9000, "the module keeps the rest");
    // the slow application takes 300 bytes every 50 ms
    let got = "";
    for (let i = 0; i < 400 && got.length < data.length; i++) {
      got += rig.table.read(o.link, o, 300);
      rig.run(50);
    }
    assert.strictEqual(got, data);
    assert.strictEqual(rig.modem.overAsks, 0);
    for (const n of rig.modem.readSizes) assert.ok(n <= 1000, "never more than the ring's room");
  });

  it("shares the reads fairly between links", () => {
    const rig = makeRig({ socket: { rxRingBytes: 4096 } });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const b = connectTcp(rig, "10.1.1.2", 7000);
    const da = bytes(20000, 11);
    const db = bytes(20000, 12);
    rig.modem.peerSend(a.link, da);
    rig.modem.peerSend(b.link, db);
    rig.run(100);
    assert.ok(rig.until(() => a.data.length === da.length && b.data.length === db.length, 30000));
    assert.strictEqual(a.data, da);
    assert.strictEqual(b.data, db);
  });

  it("never reads a link after the module closed it and reports bytes it could not read", () => {
    const rig = makeRig({ socket: { rxRingBytes: 256 } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    o.auto = false;
    rig.modem.peerSend(o.link, bytes(2000, 5));
    rig.run(200);
    rig.modem.remoteClose(o.link);
    rig.run(200);
    o.auto = true;
    o.drainRing();
    rig.run(200);
    assert.strictEqual(rig.modem.closedReads, 0);
    assert.deepStrictEqual(o.closes, ["remote"]);
    assert.ok(o.errors.some((e) => e.kind === "lost"), "the unread rest is reported: " + JSON.stringify(o.errors));
    assert.strictEqual(o.data.length, 256, "what was in the ring is delivered before close");
  });
});

describe("net: buffer-access receive after the module closed the link (readAfterRemoteClose)", () => {
  it("reads exactly what the module said it holds, then closes with the peer's reason", () => {
    const rig = makeRig({ socket: { rxRingBytes: 1024, readAfterRemoteClose: true } });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    const data = bytes(5000, 42);
    rig.modem.peerSend(o.link, data);
    rig.modem.remoteClose(o.link);
    rig.run(1000);
    assert.strictEqual(o.data, data);
    assert.deepStrictEqual(o.closes, ["remote"]);
    assert.strictEqual(rig.modem.overAsks, 0);
    assert.deepStrictEqual(o.errors, []);
  });
});
