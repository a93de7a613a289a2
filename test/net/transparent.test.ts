// Transparent mode (the transparent part) on the scripted module: link 0 is the UART; module-like payload stays data; escapes with guard silences, commands, ATO; CLOSED ends it.
import * as assert from "assert";
import { bytes, connectTcp, listen, makeRig, record } from "./rig";
import { Socket } from "../../firmware/app/sockets";

function traced(rig: ReturnType<typeof makeRig>): string[] {
  const lines: string[] = [];
  rig.modem.trace((l: string) => lines.push(l));
  return lines;
}

/** Queue AT+CSQ (it makes the part escape); the getter gives its answer lines, "" until it completes. */
function askCsq(rig: ReturnType<typeof makeRig>): () => string {
  let csq = "";
  rig.engine.submit({ request: "AT+CSQ", timeout: 5000, match: "+CSQ:" }, (res) => (csq = res.lines.join()));
  return () => csq;
}

/** Virtual time at which our `+++` was written (waits up to 3 s for it). */
function plusWrittenAt(rig: ReturnType<typeof makeRig>): number {
  assert.ok(rig.until(() => rig.hal.wire.hostLog.some((w) => w.data === "+++"), 3000));
  return (rig.hal.wire.hostLog.find((w) => w.data === "+++") as { t: number }).t;
}

describe("net: transparent mode", () => {
  it("moves data both ways on link 0 byte-exact, payloads containing +++, OK and CLOSED included", () => {
    const rig = makeRig({ mode: "transparent", opts: { idleProbeMs: 0 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    assert.strictEqual(sock.link, 0);
    assert.ok(rig.engine.borrowed(), "in data mode");
    const up = "a+++b\r\nOK\r\nc\r\nCLOSED\r\nd" + bytes(20000, 8) + "+++";
    sock.write(up);
    rig.run(3000);
    assert.strictEqual(rig.fake.links[0].sent, up);
    const down = "x+++y\r\nOK\r\n" + bytes(20000, 9) + "\r\nCLOS";
    rig.fake.peerSend(0, down);
    rig.run(1000);
    assert.strictEqual(r.data, down, "a partial marker at the end is delivered after the hold-back time");
    assert.strictEqual(rig.fake.escapes.length, 0, "no escape happened");
    assert.deepStrictEqual(r.log, ["connect", "drain"]);
  });

  it("a lone +++ write is spaced out so that it can never form an escape", () => {
    const rig = makeRig({ mode: "transparent", opts: { idleProbeMs: 0 } });
    const { sock } = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(2000);
    sock.write("+++");
    rig.run(5000);
    assert.strictEqual(rig.fake.escapes.length, 0);
    assert.strictEqual(rig.fake.links[0].sent, "+++");
  });

  it("leaves data mode with guard silences and +++ to run a command, then returns with ATO", () => {
    const rig = makeRig({ mode: "transparent" });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    const trace = traced(rig);
    sock.write("before");
    rig.run(10);
    // somebody (a tool, a query) needs the AT channel
    const csq = askCsq(rig);
    rig.run(500);
    rig.fake.peerSend(0, "while escaping");
    rig.run(5000);
    assert.strictEqual(csq(), "+CSQ: 20,99");
    assert.strictEqual(rig.fake.escapes.length, 1);
    assert.ok(rig.fake.escapes[0].quietBefore >= 1000, "guard silence before +++: " + rig.fake.escapes[0].quietBefore);
    assert.ok(rig.fake.commands.lastIndexOf("ATO") > rig.fake.commands.lastIndexOf("AT+CSQ"));
    assert.ok(rig.engine.borrowed(), "back in data mode");
    sock.write("after");
    rig.fake.peerSend(0, "more");
    rig.run(200);
    assert.strictEqual(rig.fake.links[0].sent, "beforeafter");
    assert.strictEqual(r.data, "while escapingmore");
    assert.deepStrictEqual(
      trace.filter((l) => / \* data mode/.test(l)).map((l) => l.replace(/^[\d.]+ /, "")),
      ["* data mode off", "* data mode on"],
      "every transition is in the trace",
    );
  });

  it("a quiet line is probed every idleProbeMs with the escape; the module answers OK and the link goes on with ATO", () => {
    const rig = makeRig({ mode: "transparent" });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(10500);
    assert.strictEqual(rig.fake.escapes.length, 2, "two probes in 10.5 s of silence (idleProbeMs 4000, each about 1 s)");
    assert.strictEqual(rig.fake.commands.filter((c) => c === "ATO").length, 2);
    assert.ok(rig.engine.borrowed());
    sock.write("alive");
    rig.fake.peerSend(0, "yes");
    rig.run(100);
    assert.strictEqual(rig.fake.links[0].sent, "alive");
    assert.strictEqual(r.data, "yes");
    assert.deepStrictEqual(r.log, ["connect"]);
  });

  it("end() escapes, closes link 0 with AT+CIPCLOSE=0 and reports close(local) once", () => {
    const rig = makeRig({ mode: "transparent" });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    sock.write("bye");
    sock.end();
    rig.run(6000);
    assert.strictEqual(rig.fake.links[0].sent, "bye");
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=0") >= 0);
    assert.deepStrictEqual(r.closes, ["local"]);
    assert.ok(!rig.engine.borrowed());
  });

  it("end() while the driver is out of data mode for a command: back in data mode with ATO, escape again, AT+CIPCLOSE=0 to the module, never to the peer", () => {
    const rig = makeRig({ mode: "transparent" });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(2000);
    const csq = askCsq(rig);
    assert.ok(rig.until(() => csq() !== "", 5000));
    sock.end(); // ATO is queued: the module goes back to data mode before the close can be sent
    assert.ok(rig.until(() => r.closes.length > 0, 10000), r.log.join());
    assert.deepStrictEqual(r.log, ["connect", "close local"]);
    assert.strictEqual(rig.fake.links[0].sent, "", "no command reached the peer");
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=0") > rig.fake.commands.lastIndexOf("ATO"));
    assert.strictEqual(rig.fake.dataMode, false);
    assert.ok(!rig.engine.borrowed());
  });

  it("the peer closing while the driver is out of data mode for a command: close(remote), no error, no ATO into a closed link", () => {
    const rig = makeRig({ mode: "transparent" });
    const { r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(2000);
    rig.fake.latencyMs = 300; // a slow answer: the driver is in command mode for a while
    const csq = askCsq(rig);
    assert.ok(rig.until(() => rig.fake.commands[rig.fake.commands.length - 1] === "AT+CSQ", 5000));
    rig.fake.remoteClose(0); // CLOSED, in command mode
    assert.ok(rig.until(() => r.closes.length > 0, 10000), r.log.join());
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    rig.run(2000);
    assert.strictEqual(csq(), "+CSQ: 20,99");
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    assert.ok(!rig.engine.borrowed());
    assert.deepStrictEqual(rig.events, ["online 10.0.0.2"]);
  });

  it("CLOSED from the module in data mode ends the socket with reason remote after its last data, and the link opens again", () => {
    const rig = makeRig({ mode: "transparent" });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.peerSend(0, "last words");
    rig.fake.remoteClose(0);
    assert.ok(rig.until(() => r.closes.length > 0, 10000));
    assert.strictEqual(r.data, "last words");
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    assert.ok(!rig.engine.borrowed());
    assert.strictEqual(sock.state, "closed");
    const b = connectTcp(rig, "10.1.1.1", 7000);
    assert.strictEqual(b.sock.link, 0);
    b.sock.write("again");
    rig.run(100);
    assert.strictEqual(rig.fake.links[0].sent, "again");
  });

  it("refuses a second socket (one link in transparent mode) and UDP with a clear error, sending nothing", () => {
    const rig = makeRig({ mode: "transparent" });
    connectTcp(rig, "10.1.1.1", 7000);
    const before = rig.written();
    const r = record(rig.modem.connect("10.1.1.2", 80));
    const u: string[] = [];
    const us = rig.modem.udp(5000);
    us.on("error", (e: { kind: string }) => u.push("error " + e.kind));
    rig.run(100);
    assert.deepStrictEqual(r.log, ["error no-link", "close error"]);
    assert.deepStrictEqual(u, ["error invalid"]);
    assert.strictEqual(rig.written(), before);
  });
});

describe("net: transparent mode, payload that looks like the module (issue 16 items 1 and 3)", () => {
  const tails = ["\r\nCLOSED\r\n", "\r\nOK\r\n", "\r\nRDY\r\n", "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n", "\r\nCLOSED\r\n\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n", "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n", "+++"];
  for (const tail of tails) {
    it(`a chunk ending in ${JSON.stringify(tail)} is delivered intact and the link stays open`, () => {
      const rig = makeRig({ mode: "transparent" });
      const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
      const payload = "payload" + tail;
      rig.fake.peerSend(0, payload);
      rig.run(5000);
      assert.strictEqual(r.data, payload);
      assert.deepStrictEqual(r.log, ["connect"]);
      assert.ok(rig.engine.borrowed(), "back in data mode");
      assert.strictEqual(sock.state, "open");
      assert.deepStrictEqual(rig.events, ["online 10.0.0.2"], "the modem did not go offline");
      sock.write("still here");
      rig.fake.peerSend(0, "me too");
      rig.run(200);
      assert.strictEqual(rig.fake.links[0].sent, "still here");
      assert.strictEqual(r.data, payload + "me too");
    });
  }

  it("module lines cut anywhere by the UART (one byte a chunk): the peer's CLOSED stays data, the module's CLOSED ends the link", () => {
    const rig = makeRig({ mode: "transparent", chunk: 1 });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.peerSend(0, "data\r\nCLOSED\r\n");
    rig.run(5000);
    assert.strictEqual(r.data, "data\r\nCLOSED\r\n");
    assert.strictEqual(sock.state, "open");
    assert.ok(rig.engine.borrowed());
    rig.fake.peerSend(0, "last");
    rig.fake.remoteClose(0);
    assert.ok(rig.until(() => r.closes.length > 0, 10000), r.log.join());
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    assert.strictEqual(r.data, "data\r\nCLOSED\r\nlast");
  });

  it("a peer that ends its data with banner-like lines, then closes: close(remote), not reboot (the module's last line decides)", () => {
    const rig = makeRig({ mode: "transparent" });
    const { r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.peerSend(0, "bye\r\nRDY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    rig.fake.remoteClose(0);
    assert.ok(rig.until(() => r.closes.length > 0, 10000), r.log.join());
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
    rig.run(5000);
    assert.deepStrictEqual(rig.events, ["online 10.0.0.2"], "no reboot was reported");
  });

  for (const [stray, answer] of [
    ["AT+CIPSEND=5,1\r", "ERROR"],
    ["AT\r", "OK"],
  ]) {
    it(`payload that reached the module just after it left data mode: its ${answer} answer is not data, and the close is remote`, () => {
      const rig = makeRig({ mode: "transparent" });
      const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
      rig.fake.peerSend(0, "last");
      rig.run(10);
      rig.fake.remoteClose(0); // CLOSED is on its way while we write: the module runs our bytes as a command
      sock.write(stray);
      assert.ok(rig.until(() => r.closes.length > 0, 10000), r.log.join());
      assert.strictEqual(r.data, "last", "neither CLOSED nor the module's answer reached the socket");
      assert.deepStrictEqual(r.log, ["connect", "close remote"]);
      assert.ok(rig.fake.commands.indexOf(stray.substr(0, stray.length - 1)) >= 0, "the race this test is about happened");
    });
  }

  it("the peer's OK arriving just before the module's own (950..1000 ms after our +++) is data, and no command reaches the peer", () => {
    const rig = makeRig({ mode: "transparent" });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(2000);
    const csq = askCsq(rig);
    const plusAt = plusWrittenAt(rig);
    rig.run(plusAt + 975 - rig.hal.clock.now());
    rig.fake.peerSend(0, "x\r\nOK\r\n"); // still in data mode: the module forwards it before its own OK
    rig.run(5000);
    assert.strictEqual(csq(), "+CSQ: 20,99");
    assert.strictEqual(r.data, "x\r\nOK\r\n");
    assert.strictEqual(rig.fake.links[0].sent, "", "no command went to the peer");
    assert.strictEqual(sock.state, "open");
    assert.ok(rig.engine.borrowed());
  });

  it("a peer's OK still on the wire when the module's guard ends (a backlogged line) is data; only the OK followed by quiet answers the escape", () => {
    const rig = makeRig({ mode: "transparent", chunk: 1 });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(2000);
    const csq = askCsq(rig);
    const plusAt = plusWrittenAt(rig);
    rig.run(plusAt + 995 - rig.hal.clock.now());
    // 2 kB forwarded just before the module escapes: its "\r\nOK\r\n" reaches us after the guard, the rest after it.
    const burst = "A".repeat(1000) + "\r\nOK\r\n" + "B".repeat(1000);
    rig.fake.peerSend(0, burst);
    rig.run(5000);
    assert.strictEqual(csq(), "+CSQ: 20,99");
    assert.strictEqual(r.data, burst);
    assert.strictEqual(rig.fake.links[0].sent, "", "no command went to the peer");
    assert.strictEqual(sock.state, "open");
    assert.ok(rig.engine.borrowed() && rig.fake.dataMode, "both back in data mode");
  });

  it("the peer's OK while we wait to escape is data, never the escape's answer", () => {
    const rig = makeRig({ mode: "transparent" });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(2000);
    const csq = askCsq(rig);
    rig.run(300); // inside the guard silence before our +++
    rig.fake.peerSend(0, "hello\r\nOK\r\n");
    rig.run(5000);
    assert.strictEqual(csq(), "+CSQ: 20,99");
    assert.strictEqual(r.data, "hello\r\nOK\r\n");
    assert.strictEqual(rig.fake.escapes.length, 1);
    assert.ok(rig.fake.commands.indexOf("AT+CSQ") > 0 && rig.fake.commands.lastIndexOf("ATO") > rig.fake.commands.indexOf("AT+CSQ"));
    assert.ok(rig.engine.borrowed());
    assert.strictEqual(sock.state, "open");
  });

  it("a server listened on from the online handler: no command follows AT+SERVERSTART, so a client arriving at once gets only the app's bytes", () => {
    const rig = makeRig({ mode: "transparent", offline: true, opts: { idleProbeMs: 0 } });
    let first = "";
    rig.modem.on("online", () => {
      const { srv } = listen(rig, 8080);
      srv.on("listening", () => {
        // The client connects right as the server listens: the module enters data mode at once.
        rig.fake.acceptClient(0, 0, "10.0.0.9", 4000);
      });
      srv.on("connection", (c: Socket) => {
        c.write("hello\r\n");
        c.on("data", (d: string) => (first += d));
      });
    });
    rig.modem.start();
    assert.ok(rig.until(() => rig.modem.isOnline(), 30000));
    rig.run(500);
    const at = rig.fake.commands.lastIndexOf("AT+SERVERSTART=8080,0");
    assert.ok(at >= 0, "commands: " + rig.fake.commands.join(" | "));
    assert.deepStrictEqual(rig.fake.commands.slice(at + 1), [], "commands after AT+SERVERSTART");
    assert.strictEqual(rig.fake.links[0].sent, "hello\r\n", "what the client received");
    rig.fake.peerSend(0, "ping");
    rig.run(200);
    assert.strictEqual(first, "ping");
  });

  it("a client the app writes to between the module's +CLIENT and its CONNECT: the bytes wait for data mode (no AT+CIPSEND, no escape)", () => {
    const rig = makeRig({ mode: "transparent", opts: { idleProbeMs: 0 } });
    const { r: s } = listen(rig, 8080);
    rig.run(50);
    assert.deepStrictEqual(s.log, ["listening"]);
    rig.fake.acceptClient(0, 0, "10.0.0.9", 4000, true);
    rig.run(20);
    assert.deepStrictEqual(s.log, ["listening", "client 0 10.0.0.9:4000"]);
    s.clients[0].sock.write("hello\r\n");
    rig.run(20);
    rig.fake.enterDataMode();
    rig.run(3000);
    assert.deepStrictEqual(rig.fake.commands.filter((c) => /^AT\+CIPSEND/.test(c)), [], "CIPSEND commands");
    assert.strictEqual(rig.fake.escapes.length, 0, "escapes");
    assert.strictEqual(rig.fake.links[0].sent, "hello\r\n", "what the client received");
    assert.ok(rig.engine.borrowed(), "in data mode");
  });
});
