// Send path: fixed-length AT+CIPSEND chunks, confirmations, shortfall pauses and retries, short-send, backpressure with drain, SUB sends, UDP destinations, PDN loss.
import * as assert from "assert";
import { bytes, connectTcp, makeRig, recordUdp, sendsOf } from "./rig";

describe("net: send path", () => {
  it("sends in chunks of sendChunkBytes, each exactly as announced, and the module gets every byte", () => {
    const rig = makeRig({ opts: { sendChunkBytes: 1000, txQueueBytes: 8192 } });
    const { sock } = connectTcp(rig, "10.1.1.1", 7000);
    const data = bytes(4500, 21);
    assert.strictEqual(sock.write(data), true);
    rig.run(500);
    assert.deepStrictEqual(rig.fake.sendSizes, [1000, 1000, 1000, 1000, 500]);
    assert.strictEqual(rig.fake.links[sock.link].sent, data);
    assert.strictEqual((sock.stats() as { bytesOut: number }).bytesOut, 4500);
  });

  it("resends the unconfirmed rest of a chunk when +CIPSEND confirms less, after a pause that doubles", () => {
    const rig = makeRig({ opts: { sendChunkBytes: 1000 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.confirm.push(600, 0);
    const data = bytes(1000, 5);
    sock.write(data);
    rig.run(2000);
    assert.deepStrictEqual(rig.fake.sendSizes, [1000, 400, 400]);
    const sends = sendsOf(rig, "AT+CIPSEND=");
    assert.ok(sends[1] - sends[0] >= 250 && sends[2] - sends[1] >= 500, "paused 250 ms, then 500 ms: " + sends.join(","));
    assert.strictEqual(rig.fake.links[sock.link].sent, data);
    assert.strictEqual(rig.table.stats.shortfalls, 2);
    assert.deepStrictEqual(r.errors, []);
  });

  it("reports a persistent shortfall as a short-send error and closes the socket", () => {
    const rig = makeRig({ opts: { sendRetries: 2 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.confirm.push(0, 0, 0);
    sock.write("hello");
    rig.run(3000);
    assert.deepStrictEqual(rig.fake.sendSizes, [5, 5, 5]);
    assert.deepStrictEqual(r.log, ["connect", "error short-send", "close error"]);
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=" + sock.link) >= 0);
  });

  it("write() says when to wait, refuses what cannot be queued with a queue-full error, and emits drain when it may go on (Node semantics)", () => {
    const rig = makeRig({ opts: { txQueueBytes: 1000, txQueueSlots: 4 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    assert.strictEqual(sock.write(bytes(400, 1)), true);
    assert.strictEqual(sock.write(bytes(600, 2)), false, "at the bound: wait");
    assert.strictEqual(sock.write("x"), false, "over the bound: refused, not dropped silently");
    rig.run(500);
    assert.deepStrictEqual(r.log, ["connect", "error queue-full", "drain"]);
    assert.strictEqual(rig.fake.links[sock.link].sent, bytes(400, 1) + bytes(600, 2));
    // one big write into an empty queue is accepted whole (the application already holds it)
    assert.strictEqual(sock.write(bytes(5000, 3)), false);
    rig.run(1000);
    assert.deepStrictEqual(r.log.slice(3), ["drain"]);
    assert.strictEqual(rig.fake.links[sock.link].sent.length, 6000);
  });

  it("uses <SUB>-terminated sends only when enabled and the chunk holds neither 0x1A nor 0x1B", () => {
    const rig = makeRig({ opts: { subTerminated: true } });
    const { sock } = connectTcp(rig, "10.1.1.1", 7000);
    sock.write("plain text");
    rig.run(200);
    sock.write("with \x1a inside");
    rig.run(200);
    // <ESC> would cancel a variable-length send and let the rest run as commands.
    sock.write('key=\x1bAT+CGDCONT=1,"IP","evil"\r');
    rig.run(200);
    assert.deepStrictEqual(rig.fake.sendSizes, [-1, 13, 30]);
    assert.strictEqual(rig.fake.links[sock.link].sent, 'plain textwith \x1a insidekey=\x1bAT+CGDCONT=1,"IP","evil"\r');
  });

  it("sends each UDP datagram with its destination, resolving names first", () => {
    const rig = makeRig();
    rig.fake.dns["time.example"] = "10.5.5.5";
    const u = rig.modem.udp(6000);
    recordUdp(u);
    rig.run(50);
    u.send("a", "10.1.1.1", 53);
    u.send("bb", "time.example", 123);
    rig.run(300);
    assert.deepStrictEqual(rig.fake.links[u.link].datagrams, [
      { data: "a", ip: "10.1.1.1", port: 53 },
      { data: "bb", ip: "10.5.5.5", port: 123 },
    ]);
  });

  it("+CIPERROR: 4 (PDN lost) under a send: an error with the modem's code, then the supervisor recovers and the socket closes with network", () => {
    const rig = makeRig({ opts: { backoffMinMs: 100 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.sendFailure = "\r\n+CIPERROR: 4\r\n";
    sock.write("hello");
    assert.ok(rig.until(() => r.closes.length > 0, 10000), r.log.join());
    assert.strictEqual(r.errors[0].kind, "cip");
    assert.strictEqual(r.errors[0].code, 4);
    assert.deepStrictEqual(r.closes, ["network"]);
    assert.ok(rig.until(() => rig.events.length >= 3, 20000), rig.events.join());
    assert.deepStrictEqual(rig.events, ["online 10.0.0.2", "offline network", "online 10.0.0.2"]);
  });

  it("refuses characters above 0xFF with an invalid error and sends nothing (issue 16 item 12)", () => {
    const rig = makeRig();
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    const before = rig.written();
    assert.strictEqual(sock.write("price: 5\u20ac"), false);
    rig.run(200);
    assert.deepStrictEqual(r.log, ["connect", "error invalid"]);
    assert.ok(/0xFF/.test(r.errors[0].text));
    assert.strictEqual(rig.written(), before, "nothing reached the UART");
    // Latin-1 and byte arrays are fine
    assert.strictEqual(sock.write("caf\xe9"), true);
    assert.strictEqual(sock.write(new Uint8Array([0, 1, 0x1a, 0xff, 13, 10])), true);
    rig.run(200);
    assert.strictEqual(rig.fake.links[sock.link].sent, "caf\xe9\x00\x01\x1a\xff\r\n");
  });
});
