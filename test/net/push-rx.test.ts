// Direct-push receive: +IPD mapped to links by exact sender, +RECEIVE by number, unknown senders counted and dropped, overflow reported, UDP datagrams whole.
import * as assert from "assert";
import { bytes, connectTcp, listen, makeRig, recordUdp } from "./rig";

describe("net: direct-push receive", () => {
  it("maps RECV FROM <ip>:<port> to the right link among several and delivers byte-exact", () => {
    const rig = makeRig({ mode: "push", opts: { rxRingBytes: 8192 } });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const b = connectTcp(rig, "10.1.1.1", 7001);
    const c = connectTcp(rig, "10.1.1.2", 7000);
    const da = bytes(5000, 1);
    const db = bytes(3000, 2);
    const dc = bytes(4000, 3);
    rig.fake.peerSend(b.sock.link, db);
    rig.fake.peerSend(a.sock.link, da);
    rig.fake.peerSend(c.sock.link, dc);
    rig.run(500);
    assert.strictEqual(a.r.data, da);
    assert.strictEqual(b.r.data, db);
    assert.strictEqual(c.r.data, dc);
    assert.strictEqual(rig.table.stats.unmatchedBytes, 0);
  });

  it("accepts the +RECEIVE,<link>,<len> push some firmware sends", () => {
    const rig = makeRig({ mode: "push" });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.write("\r\n+RECEIVE," + a.sock.link + ",6\r\nhello\n");
    rig.run(50);
    assert.strictEqual(a.r.data, "hello\n");
  });

  it("counts the bytes a full ring drops and raises one overflow error per incident, never silently", () => {
    const rig = makeRig({ mode: "push", opts: { rxRingBytes: 1500 } });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    a.sock.pause(); // slow consumer
    rig.fake.peerSend(a.sock.link, bytes(5000, 9));
    rig.run(200);
    const st = a.sock.stats() as { drops: number; bytesIn: number };
    assert.strictEqual(st.drops, 5000 - 1500);
    assert.strictEqual(st.bytesIn, 1500);
    const overflows = a.r.errors.filter((e) => e.kind === "overflow");
    assert.strictEqual(overflows.length, 1);
    assert.ok(/dropped/.test(overflows[0].text));
    a.sock.resume();
    rig.run(10);
    assert.strictEqual(a.r.data, bytes(5000, 9).substr(0, 1500), "what fitted is intact");
    // a second incident is reported again
    a.sock.pause();
    rig.fake.peerSend(a.sock.link, bytes(3000, 4));
    rig.run(200);
    assert.strictEqual(a.r.errors.filter((e) => e.kind === "overflow").length, 2);
    assert.deepStrictEqual(a.r.closes, [], "an overflow does not close the socket");
  });

  it("delivers UDP datagrams whole with their sender, and drops a datagram that does not fit whole", () => {
    // One UART chunk carries all four pushes, so the application cannot read between them.
    const rig = makeRig({ mode: "push", chunk: 8192, opts: { rxRingBytes: 1500, udpRxSlots: 4 } });
    const u = rig.modem.udp(5000);
    const r = recordUdp(u);
    rig.run(50);
    assert.deepStrictEqual(r.log, ["listening"]);
    const push = (ip: string, port: number, d: string) => "\r\n+RECV FROM:" + ip + ":" + port + "\r\n+IPD" + d.length + "\r\n" + d;
    // the fourth does not fit behind the others: dropped whole
    rig.fake.write(push("10.9.9.9", 53, "one") + push("10.9.9.8", 54, "two!") + push("10.9.9.8", 54, bytes(1200, 1)) + push("10.9.9.8", 54, bytes(1500, 2)));
    rig.run(100);
    assert.deepStrictEqual(r.datagrams, [
      { data: "one", ip: "10.9.9.9", port: 53 },
      { data: "two!", ip: "10.9.9.8", port: 54 },
      { data: bytes(1200, 1), ip: "10.9.9.8", port: 54 },
    ]);
    assert.strictEqual((u.stats() as { drops: number }).drops, 1500);
    assert.ok(r.errors.some((e) => e.kind === "overflow"));
  });

  it("refuses a second link to the same ip:port, which push data could not tell apart, before any AT+CIPOPEN", () => {
    const rig = makeRig({ mode: "push" });
    const a = connectTcp(rig, "10.1.1.1", 80);
    const opens = rig.fake.commands.filter((c) => c.indexOf("AT+CIPOPEN") === 0).length;
    const b = rig.modem.connect("10.1.1.1", 80);
    const log: string[] = [];
    let text = "";
    b.on("error", (e: { kind: string; text: string }) => {
      log.push("error " + e.kind);
      text = e.text;
    });
    b.on("close", (why: string) => log.push("close " + why));
    rig.run(100);
    assert.strictEqual(rig.fake.commands.filter((c) => c.indexOf("AT+CIPOPEN") === 0).length, opens, "no AT+CIPOPEN for the second link");
    assert.deepStrictEqual(log, ["error invalid", "close error"]);
    assert.ok(/buffer mode/.test(text));
    rig.fake.peerSend(a.sock.link, "for-A");
    rig.run(100);
    assert.strictEqual(a.r.data, "for-A");
  });
});

describe("net: push data from a sender no link has (issue 16 item 9)", () => {
  it("an unknown sender's push is counted in unmatchedBytes and never delivered to the one open socket", () => {
    const rig = makeRig({ mode: "push" });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.pushFrom("203.0.113.66", 40000, "GET /evil HTTP/1.0\r\n\r\n");
    rig.fake.peerSend(a.sock.link, "mine");
    rig.run(100);
    assert.strictEqual(a.r.data, "mine");
    assert.strictEqual(rig.table.stats.unmatchedBytes, 22);
    assert.deepStrictEqual(a.r.errors, []);
  });

  it("a rejected server client's bytes (sent before it could be closed) reach no socket, and are counted", () => {
    const rig = makeRig({ mode: "push" });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const { r: s } = listen(rig, 8080, { allow: ["10.9.9.9"] });
    rig.run(50);
    rig.fake.acceptClient(0, 0, "10.6.6.6", 4000);
    rig.fake.pushFrom("10.6.6.6", 4000, "GET /evil");
    rig.run(100);
    assert.deepStrictEqual(s.rejected, ["10.6.6.6:4000"]);
    assert.deepStrictEqual(s.clients, []);
    assert.strictEqual(a.r.data, "");
    assert.strictEqual(rig.table.stats.unmatchedBytes, 9);
    assert.strictEqual(rig.fake.links[0].open, false, "the rejected client was closed");
  });

  it("with a UDP socket open, a TCP-looking push from a stranger goes to the one UDP socket only when no TCP remote matches (datagram semantics)", () => {
    // A UDP socket receives from anyone: that is what UDP is. A TCP socket never does.
    const rig = makeRig({ mode: "push" });
    const t = connectTcp(rig, "10.1.1.1", 7000);
    const u = rig.modem.udp(5000);
    const ur = recordUdp(u);
    rig.run(50);
    rig.fake.pushFrom("10.1.1.1", 7000, "tcp");
    rig.fake.pushFrom("10.7.7.7", 53, "dgram");
    rig.run(100);
    assert.strictEqual(t.r.data, "tcp");
    assert.deepStrictEqual(ur.datagrams, [{ data: "dgram", ip: "10.7.7.7", port: 53 }]);
    assert.strictEqual(rig.table.stats.unmatchedBytes, 0);
  });
});
