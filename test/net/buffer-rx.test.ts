// Buffer-access receive: windowed AT+CIPRXGET reads that never over-ask, pause on a full ring, resume on consumption, lose nothing, read what was announced after the peer closed.
import * as assert from "assert";
import { bytes, connectTcp, makeRig } from "./rig";

describe("net: buffer-access receive", () => {
  it("delivers 100 kB byte-exact with reads ≤ min(ring free, module count, 1500), asks the count first and never over-asks", () => {
    const rig = makeRig({ opts: { rxRingBytes: 2048 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    const data = bytes(100000, 7);
    rig.fake.peerSend(sock.link, data);
    assert.ok(rig.until(() => r.data.length === data.length, 60000), "got " + r.data.length);
    assert.strictEqual(r.data, data);
    assert.strictEqual(rig.fake.overAsks, 0);
    assert.strictEqual(rig.fake.closedReads, 0);
    for (const n of rig.fake.readSizes) assert.ok(n >= 1 && n <= 1460, "read size " + n);
    const cmds = rig.fake.commands;
    const count = cmds.indexOf("AT+CIPRXGET=4," + sock.link);
    assert.ok(count >= 0 && count < cmds.findIndex((c) => c.indexOf("AT+CIPRXGET=2,") === 0), "the module's count is asked before the first read");
    const st = sock.stats();
    assert.ok(st && st.drops === 0 && st.bytesIn === data.length);
    assert.deepStrictEqual(r.errors, []);
  });

  it("stops reading when the ring is full and resumes when the application consumes: nothing lost (a slow consumer)", () => {
    const rig = makeRig({ opts: { rxRingBytes: 1000 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    sock.pause(); // a stalled consumer
    const data = bytes(10000, 3);
    rig.fake.peerSend(sock.link, data);
    rig.run(2000);
    assert.strictEqual((sock.stats() as { rxBuffered: number }).rxBuffered, 1000, "the ring is full");
    assert.strictEqual(r.data, "");
    const readsWhenFull = rig.fake.readSizes.length;
    rig.run(2000);
    assert.strictEqual(rig.fake.readSizes.length, readsWhenFull, "no read while the ring is full");
    assert.strictEqual(rig.fake.links[sock.link].held.length, 9000, "the module keeps the rest");
    // the slow application takes what is there, then pauses 50 ms
    sock.on("data", () => {
      sock.pause();
      rig.hal.clock.setTimeout(() => sock.resume(), 50);
    });
    sock.resume();
    assert.ok(rig.until(() => r.data.length >= data.length, 60000), "got " + r.data.length);
    assert.strictEqual(r.data, data);
    assert.strictEqual(rig.fake.overAsks, 0);
    for (const n of rig.fake.readSizes) assert.ok(n <= 1000, "never more than the ring's room: " + n);
  });

  it("shares the reads fairly between links", () => {
    const rig = makeRig({ opts: { rxRingBytes: 4096 } });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const b = connectTcp(rig, "10.1.1.2", 7000);
    const da = bytes(20000, 11);
    const db = bytes(20000, 12);
    rig.fake.peerSend(a.sock.link, da);
    rig.fake.peerSend(b.sock.link, db);
    // after half the time each link has had about half its data
    rig.until(() => a.r.data.length + b.r.data.length >= 20000, 30000);
    assert.ok(Math.abs(a.r.data.length - b.r.data.length) <= 2 * 1460, "fair: " + a.r.data.length + " vs " + b.r.data.length);
    assert.ok(rig.until(() => a.r.data.length === da.length && b.r.data.length === db.length, 30000));
    assert.strictEqual(a.r.data, da);
    assert.strictEqual(b.r.data, db);
  });
});

describe("net: buffer-access receive when the peer closes first (changed on purpose: announced bytes are read)", () => {
  it("reads exactly what the module announced after +IPCLOSE, delivers all of it, then close(remote), with no error", () => {
    const rig = makeRig({ opts: { rxRingBytes: 1024 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    const data = bytes(5000, 42);
    rig.fake.peerSend(sock.link, data);
    rig.fake.remoteClose(sock.link);
    assert.ok(rig.until(() => r.closes.length > 0, 5000));
    assert.strictEqual(r.data, data);
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    assert.strictEqual(rig.fake.overAsks, 0);
    assert.strictEqual(rig.fake.closedReads, 0, "never reads or queries the link once it is emptied");
  });

  it("a consumer that was stalled when the peer closed still gets every announced byte, then close(remote)", () => {
    const rig = makeRig({ opts: { rxRingBytes: 256 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    sock.pause();
    const data = bytes(2000, 5);
    rig.fake.peerSend(sock.link, data);
    rig.run(200);
    rig.fake.remoteClose(sock.link);
    rig.run(2000);
    assert.deepStrictEqual(r.closes, [], "not closed while the module still holds announced bytes");
    assert.strictEqual(rig.fake.links[sock.link].held.length, 2000 - 256);
    sock.resume();
    assert.ok(rig.until(() => r.closes.length > 0, 5000));
    assert.strictEqual(r.data, data);
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    assert.strictEqual(rig.fake.closedReads, 0);
    assert.strictEqual(rig.fake.overAsks, 0);
  });

  it("closes at once when the peer closes with nothing announced, without reading the link", () => {
    const rig = makeRig();
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    const reads = rig.fake.readSizes.length;
    rig.fake.remoteClose(sock.link);
    rig.run(100);
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    assert.strictEqual(rig.fake.readSizes.length, reads);
    assert.ok(rig.fake.commands.every((c) => c !== "AT+CIPRXGET=4," + sock.link));
  });
});

describe("net: a buffer-access read whose header lies about its length (issue 16 item 8)", () => {
  for (const delta of [+5, -5]) {
    it(`announcing ${delta > 0 ? "more" : "fewer"} bytes than follow gives the socket a lost error and a close, never garbage data`, () => {
      const rig = makeRig({ opts: { rxRingBytes: 4096 } });
      const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
      const other = connectTcp(rig, "10.1.1.2", 7000);
      const good = bytes(1000, 8);
      rig.fake.peerSend(sock.link, good);
      assert.ok(rig.until(() => r.data.length === 1000, 2000));
      rig.fake.rxLies.push(delta);
      rig.fake.peerSend(sock.link, bytes(1000, 9));
      assert.ok(rig.until(() => r.closes.length > 0, 10000), r.log.join());
      assert.strictEqual(r.data, good, "nothing of the damaged read was delivered");
      assert.deepStrictEqual(r.log, ["connect", "error lost", "close error"]);
      assert.strictEqual(rig.table.stats.badReads, 1);
      // The line is in step again: the other socket still works both ways.
      rig.fake.peerSend(other.sock.link, "still fine");
      other.sock.write("me too");
      rig.run(500);
      assert.strictEqual(other.r.data, "still fine");
      assert.strictEqual(rig.fake.links[other.sock.link].sent, "me too");
      assert.ok(rig.modem.isOnline());
    });
  }
});
