// The public API end to end on the test HAL with the scripted modem: bring-up, sockets with events, flow control, errors, recovery.
import * as assert from "assert";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem, Socket } from "../../firmware/app/index";
import { SocketError } from "../../firmware/net/errors";
import { FakeA76xx, Mode } from "../net/fake-a76xx";
import { bytes } from "../net/rig";

const board: BoardDef = {
  id: "test",
  name: "test board",
  uart: { port: 1, baud: 921600 },
  pwrkey: { pin: "D1", activeHigh: true, onPressMs: 100, offPressMs: 3000 },
  atRxRingBytes: 2048,
  socketRxRingBytes: 4096,
};

interface Setup {
  hal: TestHal;
  fake: FakeA76xx;
  modem: Modem;
  events: string[];
}

function setup(mode: Mode, extra?: object): Setup {
  const hal = createTestHal({ baud: 921600, toHostChunk: 256, toModemChunk: 256 });
  const fake = new FakeA76xx(hal, mode);
  const modem = createModem(hal, board, Object.assign({ apn: "internet", dataMode: mode, healthCheckMs: 0 }, extra || {}));
  const events: string[] = [];
  modem.on("online", (ip) => events.push("online " + ip));
  modem.on("offline", (r) => events.push("offline " + r));
  modem.on("error", (e) => events.push("error " + e.kind));
  return { hal, fake, modem, events };
}

function online(s: Setup): void {
  s.modem.start();
  assert.ok(s.hal.clock.runUntil(() => s.modem.isOnline(), 10000), "online; events " + s.events.join());
  s.hal.clock.advance(50);
}

function record(sock: Socket): { log: string[]; data: string } {
  const r = { log: [] as string[], data: "" };
  sock.on("connect", () => r.log.push("connect"));
  sock.on("data", (d: string) => (r.data += d));
  sock.on("drain", () => r.log.push("drain"));
  sock.on("error", (e: SocketError) => r.log.push("error " + e.kind));
  sock.on("close", (why: string) => r.log.push("close " + why));
  return r;
}

describe("app: Modem API", () => {
  it("comes online from a board and options and reports its status", () => {
    const s = setup("buffer");
    online(s);
    assert.deepStrictEqual(s.events, ["online 10.0.0.2"]);
    const st = s.modem.status();
    assert.strictEqual(st.state, "online");
    assert.strictEqual(st.online, true);
    assert.strictEqual(st.links.length, 10);
    assert.strictEqual(st.servers.length, 4);
    assert.ok(s.fake.commands.indexOf("AT+CIPRXGET=1") >= 0);
    assert.ok(s.fake.commands.indexOf("AT+CIPCLOSE?") > s.fake.commands.indexOf("AT+IPADDR"), "reconciled once online");
  });

  it("connects a TCP socket by name, echoes 200 kB byte for byte with write/drain/data and ends with close(local)", () => {
    const s = setup("buffer", { txQueueBytes: 4096 });
    s.fake.dns["echo.example"] = "10.7.7.7";
    s.fake.echo = true;
    online(s);
    const sock = s.modem.connect("echo.example", 7);
    const r = record(sock);
    const data = bytes(200000, 77);
    let off = 0;
    function pump(): void {
      while (off < data.length) {
        const piece = data.substr(off, 3000);
        off += piece.length;
        if (!sock.write(piece)) return;
      }
    }
    sock.on("connect", pump);
    sock.on("drain", pump);
    assert.ok(s.hal.clock.runUntil(() => r.data.length >= data.length, 120000), "echoed " + r.data.length);
    assert.strictEqual(r.data, data);
    assert.strictEqual(sock.remoteAddress, "echo.example");
    assert.ok(s.fake.commands.indexOf('AT+CDNSGIP="echo.example"') >= 0);
    assert.ok(s.fake.commands.indexOf('AT+CIPOPEN=' + sock.link + ',"TCP","10.7.7.7",7') >= 0);
    sock.end();
    s.hal.clock.advance(200);
    assert.strictEqual(r.log[0], "connect");
    assert.strictEqual(r.log[r.log.length - 1], "close local");
    assert.strictEqual(r.log.filter((x) => x.indexOf("close") === 0).length, 1);
    assert.ok(r.log.indexOf("drain") > 0);
  });

  it("pause() stops data events and reading from the module; resume() delivers everything (buffer mode)", () => {
    const s = setup("buffer");
    online(s);
    const sock = s.modem.connect("10.1.1.1", 80);
    const r = record(sock);
    s.hal.clock.advance(50);
    sock.pause();
    const data = bytes(30000, 5);
    s.fake.peerSend(sock.link, data);
    s.hal.clock.advance(2000);
    assert.strictEqual(r.data, "");
    assert.strictEqual(s.fake.links[sock.link].held.length, 30000 - 4096, "the module keeps what the ring cannot take");
    sock.resume();
    s.hal.clock.advance(3000);
    assert.strictEqual(r.data, data);
    assert.strictEqual(s.fake.overAsks, 0);
  });

  it("accepts Uint8Array writes and sends the same bytes", () => {
    const s = setup("buffer");
    online(s);
    const sock = s.modem.connect("10.1.1.1", 80);
    s.hal.clock.advance(50);
    assert.strictEqual(sock.write(new Uint8Array([0, 1, 0x1a, 0xff, 13, 10])), true);
    s.hal.clock.advance(100);
    assert.strictEqual(s.fake.links[sock.link].sent, "\x00\x01\x1a\xff\r\n");
  });

  it("reports invalid arguments as error then close(error), writing nothing to the UART", () => {
    const s = setup("buffer");
    online(s);
    const before = s.hal.wire.hostLog.length;
    const logs = [
      record(s.modem.connect('evil"\rAT+CRESET', 80)),
      record(s.modem.connect("10.0.0.1", 70000)),
    ];
    const u = s.modem.udp(0);
    const ulog: string[] = [];
    u.on("error", (e: SocketError) => ulog.push("error " + e.kind));
    u.on("close", (why: string) => ulog.push("close " + why));
    const srv = s.modem.listen(-5, () => undefined);
    const slog: string[] = [];
    srv.on("error", (e: SocketError) => slog.push("error " + e.kind));
    s.hal.clock.advance(100);
    for (const l of logs) assert.deepStrictEqual(l.log, ["error invalid", "close error"]);
    assert.deepStrictEqual(ulog, ["error invalid", "close error"]);
    assert.deepStrictEqual(slog, ["error invalid"]);
    assert.strictEqual(s.hal.wire.hostLog.length, before, "nothing reached the UART");
  });

  it("refuses an APN with a quote or control byte at start(): an error event and no byte on the UART", () => {
    const s = setup("buffer", { apn: 'internet"\rAT+CRESET' });
    s.modem.start();
    s.hal.clock.advance(1000);
    assert.deepStrictEqual(s.events, ["error invalid"]);
    assert.strictEqual(s.hal.wire.hostLog.length, 0);
    assert.ok(s.modem.problems.length > 0);
  });

  it("refuses push mode with a receive ring smaller than one full push, before any byte is sent", () => {
    const s = setup("push", { rxRingBytes: 1024 });
    s.modem.start();
    s.hal.clock.advance(1000);
    assert.deepStrictEqual(s.events, ["error invalid"]);
    assert.strictEqual(s.hal.wire.hostLog.length, 0);
    assert.ok(s.modem.problems.some((p) => /push mode needs rxRingBytes/.test(p)));
  });

  it("a write loop that ignores backpressure gets one error event per tick, and the driver keeps working", () => {
    const s = setup("buffer", { txQueueBytes: 1024 });
    online(s);
    const a = s.modem.connect("10.1.1.1", 7000);
    const b = s.modem.connect("10.1.1.2", 7000);
    const ra = record(a);
    const rb = record(b);
    s.hal.clock.runUntil(() => ra.log.indexOf("connect") >= 0 && rb.log.indexOf("connect") >= 0, 2000);
    const bLink = b.link;
    let refused = 0;
    for (let i = 0; i < 500; i++) if (!a.write(bytes(100, i))) refused++; // far more than the 128-slot ready queue
    assert.ok(refused > 400);
    assert.ok(b.write("hello from B"));
    b.end();
    s.hal.clock.advance(2000);
    assert.deepStrictEqual(ra.log.filter((l) => l === "error queue-full").length, 1, ra.log.join(","));
    assert.strictEqual(s.fake.links[bLink].sent, "hello from B");
    assert.deepStrictEqual(rb.log, ["connect", "close local"]);
  });

  it("end(data) right after connect() sends the data once the link opens, then closes", () => {
    const s = setup("buffer");
    online(s);
    s.fake.dns["echo.example"] = "10.1.1.9";
    const a = s.modem.connect("echo.example", 7000);
    const ra = record(a);
    a.write("first ");
    a.end("and last");
    s.hal.clock.advance(2000);
    assert.deepStrictEqual(ra.log, ["connect", "close local"]);
    const sent = s.fake.links.map((l) => l.sent).join("");
    assert.strictEqual(sent, "first and last");
  });

  it("connect before the modem is online fails with kind offline", () => {
    const s = setup("buffer");
    const r = record(s.modem.connect("10.0.0.1", 80));
    s.hal.clock.advance(10);
    assert.deepStrictEqual(r.log, ["error offline", "close error"]);
    assert.strictEqual(s.hal.wire.hostLog.length, 0);
  });

  it("UDP: send(data, host, port) and message events with the sender (push mode)", () => {
    const s = setup("push");
    online(s);
    const u = s.modem.udp(5000);
    const got: string[] = [];
    u.on("listening", () => u.send("ping", "10.2.2.2", 9999));
    u.on("message", (d: string, info: { address: string; port: number; size: number }) => got.push(d + "@" + info.address + ":" + info.port + "/" + info.size));
    s.hal.clock.advance(100);
    assert.deepStrictEqual(s.fake.links[u.link].datagrams, [{ data: "ping", ip: "10.2.2.2", port: 9999 }]);
    s.fake.peerSend(u.link, "pong", "10.2.2.2", 9999);
    s.hal.clock.advance(50);
    assert.deepStrictEqual(got, ["pong@10.2.2.2:9999/4"]);
    u.close();
    s.hal.clock.advance(50);
    assert.strictEqual(u.state, "closed");
  });

  it("listen(port, onClient) hands accepted sockets to the application", () => {
    const s = setup("buffer");
    online(s);
    const seen: string[] = [];
    const srv = s.modem.listen(8080, (c) => {
      seen.push(c.remoteAddress + ":" + c.remotePort);
      c.on("data", (d: string) => c.write("echo:" + d));
    });
    s.hal.clock.advance(50);
    assert.strictEqual(srv.state, "listening");
    s.fake.acceptClient(2, 0, "192.168.0.9", 40000);
    s.fake.peerSend(2, "hello");
    s.hal.clock.advance(200);
    assert.deepStrictEqual(seen, ["192.168.0.9:40000"]);
    assert.strictEqual(s.fake.links[2].sent, "echo:hello");
  });

  it("a network loss closes every socket once with reason network; after recovery it reconciles and connects again", () => {
    const s = setup("buffer", { backoffMinMs: 100 });
    online(s);
    const a = record(s.modem.connect("10.1.1.1", 80));
    const b = record(s.modem.connect("10.1.1.2", 80));
    s.hal.clock.advance(100);
    for (let i = 0; i < 2; i++) s.fake.links[i].open = false;
    s.fake.write("\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
    const reconcilesBefore = s.fake.commands.filter((c) => c === "AT+CIPCLOSE?").length;
    assert.ok(s.hal.clock.runUntil(() => s.events.length >= 3, 20000), s.events.join());
    assert.deepStrictEqual(s.events, ["online 10.0.0.2", "offline network", "online 10.0.0.2"]);
    assert.deepStrictEqual(a.log, ["connect", "close network"]);
    assert.deepStrictEqual(b.log, ["connect", "close network"]);
    s.hal.clock.advance(100);
    assert.strictEqual(s.fake.commands.filter((c) => c === "AT+CIPCLOSE?").length, reconcilesBefore + 1);
    const c = record(s.modem.connect("10.1.1.3", 80));
    s.hal.clock.advance(100);
    assert.deepStrictEqual(c.log, ["connect"]);
  });
});
