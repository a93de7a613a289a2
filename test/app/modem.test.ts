// The public API end to end on the test HAL with the scripted module: bring-up, sockets with events, flow control, errors, recovery.
import * as assert from "assert";
import { createTestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Socket } from "../../firmware/app/index";
import { allParts } from "../../firmware/parts/index";
import { findBoard } from "../../boards/index";
import { bytes, makeRig, record, Rig } from "../net/rig";

function online(mode: "buffer" | "push", extra?: { [k: string]: unknown }): Rig {
  return makeRig({ mode, opts: extra });
}

describe("app: Modem API", () => {
  it("comes online from a board and options and reports its status", () => {
    const rig = online("buffer");
    assert.deepStrictEqual(rig.events, ["online 10.0.0.2"]);
    const st = rig.modem.status();
    assert.strictEqual(st.state, "online");
    assert.strictEqual(st.online, true);
    assert.strictEqual(st.ip, "10.0.0.2");
    assert.strictEqual(st.dataMode, "buffer");
    assert.deepStrictEqual(st.links, [], "links are listed once bound to a socket");
    assert.strictEqual(rig.table.slots.length, 10, "the board's 10 links are provisioned");
    assert.ok(rig.fake.commands.indexOf("AT+CIPRXGET=1") >= 0);
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE?") > rig.fake.commands.indexOf("AT+IPADDR"), "reconciled once online");
    const sock = rig.modem.connect("10.1.1.1", 80);
    rig.run(50);
    assert.deepStrictEqual(
      rig.modem.status().links.map((l) => [l.link, l.state, l.remote]),
      [[sock.link, "open", "10.1.1.1:80"]],
    );
  });

  it("connects a TCP socket by name, echoes 200 kB byte for byte with write/drain/data and ends with close(local)", () => {
    const rig = online("buffer", { txQueueBytes: 4096 });
    rig.fake.dns["echo.example"] = "10.7.7.7";
    rig.fake.echo = true;
    const sock = rig.modem.connect("echo.example", 7);
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
    assert.ok(rig.until(() => r.data.length >= data.length, 120000), "echoed " + r.data.length);
    assert.strictEqual(r.data, data);
    assert.strictEqual(sock.remoteAddress, "echo.example");
    assert.ok(rig.fake.commands.indexOf('AT+CDNSGIP="echo.example"') >= 0);
    assert.ok(rig.fake.commands.indexOf("AT+CIPOPEN=" + sock.link + ',"TCP","10.7.7.7",7') >= 0);
    sock.end();
    rig.run(200);
    assert.strictEqual(r.log[0], "connect");
    assert.strictEqual(r.log[r.log.length - 1], "close local");
    assert.strictEqual(r.closes.length, 1);
    assert.ok(r.log.indexOf("drain") > 0);
    assert.strictEqual(sock.bytesRead, data.length);
  });

  it("pause() stops data events and reading from the module; resume() delivers everything (buffer mode)", () => {
    const rig = online("buffer");
    const sock = rig.modem.connect("10.1.1.1", 80);
    const r = record(sock);
    rig.run(50);
    sock.pause();
    assert.ok(sock.isPaused());
    const data = bytes(30000, 5);
    rig.fake.peerSend(sock.link, data);
    rig.run(2000);
    assert.strictEqual(r.data, "");
    assert.strictEqual(rig.fake.links[sock.link].held.length, 30000 - 4096, "the module keeps what the ring cannot take");
    sock.resume();
    rig.run(3000);
    assert.strictEqual(r.data, data);
    assert.strictEqual(rig.fake.overAsks, 0);
  });

  it("accepts Uint8Array writes and sends the same bytes", () => {
    const rig = online("buffer");
    const sock = rig.modem.connect("10.1.1.1", 80);
    rig.run(50);
    assert.strictEqual(sock.write(new Uint8Array([0, 1, 0x1a, 0xff, 13, 10])), true);
    rig.run(100);
    assert.strictEqual(rig.fake.links[sock.link].sent, "\x00\x01\x1a\xff\r\n");
  });

  it("reports invalid arguments as error then close(error), writing nothing to the UART", () => {
    const rig = online("buffer");
    const before = rig.written();
    const logs = [record(rig.modem.connect('evil"\rAT+CRESET', 80)).log, record(rig.modem.connect("10.0.0.1", 70000)).log];
    const u = rig.modem.udp(0);
    const ulog: string[] = [];
    u.on("error", (e: { kind: string }) => ulog.push("error " + e.kind));
    u.on("close", (why: string) => ulog.push("close " + why));
    const srv = rig.modem.listen(-5, () => undefined);
    const slog: string[] = [];
    srv.on("error", (e: { kind: string }) => slog.push("error " + e.kind));
    srv.on("close", (why: string) => slog.push("close " + why));
    rig.run(100);
    for (const l of logs) assert.deepStrictEqual(l, ["error invalid", "close error"]);
    assert.deepStrictEqual(ulog, ["error invalid", "close error"]);
    assert.deepStrictEqual(slog, ["error invalid", "close error"]);
    assert.strictEqual(rig.written(), before, "nothing reached the UART");
  });

  it("refuses an APN with a quote or control byte at createModem (changed on purpose: option errors throw), touching nothing", () => {
    const hal = createTestHal();
    const board: BoardDef = { id: "t", name: "t", uart: { port: 1, baud: 115200 }, atRxRingBytes: 2048, socketRxRingBytes: 4096, links: 4 };
    assert.throws(() => createModem(hal, board, { apn: 'internet"\rAT+CRESET' }), /APN/);
    assert.strictEqual(hal.wire.hostLog.length, 0);
    assert.strictEqual(hal.pinLog.length, 0);
  });

  it("refuses push mode with a receive ring smaller than one full push at createModem, before any byte is sent", () => {
    const hal = createTestHal();
    const board: BoardDef = { id: "t", name: "t", uart: { port: 1, baud: 115200 }, atRxRingBytes: 2048, socketRxRingBytes: 1024, links: 4 };
    assert.throws(() => createModem(hal, board, { dataMode: "push" }), /push mode needs at least 1500/);
    assert.throws(() => createModem(hal, board, { dataMode: "buffer", rxRingBytes: 0, parts: allParts, bogus: 1 }), /bogus/);
    assert.strictEqual(hal.wire.hostLog.length, 0);
  });

  it("takes a board's option defaults (the Pico's smaller reads and queues) and lets the application's options win", () => {
    const hal = createTestHal();
    const board: BoardDef = { id: "t", name: "t", uart: { port: 1, baud: 115200 }, atRxRingBytes: 2048, socketRxRingBytes: 4096, links: 2, options: { readChunkBytes: 512, txQueueBytes: 1024 } };
    const a = createModem(hal, board, { apn: "internet" });
    assert.strictEqual(a.options.readChunkBytes, 512);
    assert.strictEqual(a.options.txQueueBytes, 1024);
    const b = createModem(createTestHal(), board, { apn: "internet", txQueueBytes: 4096 });
    assert.strictEqual(b.options.txQueueBytes, 4096, "the application's value wins");
    assert.strictEqual(b.options.readChunkBytes, 512);
    const pico = findBoard("pico") as BoardDef;
    assert.strictEqual(createModem(createTestHal(), Object.assign(pico, { pwrkey: undefined }), {}).options.readChunkBytes, 512, "the pico board carries them");
    assert.throws(() => createModem(createTestHal(), Object.assign({}, board, { options: { readChunkBytes: 0 } }), {}), /readChunkBytes/, "a board default is checked like an option");
  });

  it("prints what an event handler or a driver task throws through the HAL's log instead of swallowing it", () => {
    const rig = online("buffer");
    const printed: string[] = [];
    rig.hal.log = (line: string) => printed.push(line);
    const sock = rig.modem.connect("10.1.1.1", 80);
    sock.on("connect", () => {
      throw new Error("bug in the app's connect handler");
    });
    let after = 0;
    sock.on("connect", () => after++);
    rig.run(100);
    assert.strictEqual(after, 1, "the next handler still ran");
    assert.strictEqual(sock.handlerErrors, 1);
    assert.ok(printed.some((l) => /an event handler threw: Error: bug in the app's connect handler/.test(l)), printed.join(" | "));
    rig.modem.sched.post(rig.modem.sched.task(() => {
      throw new Error("a broken task");
    }));
    rig.run(10);
    assert.ok(printed.some((l) => /internal error \(please report\): Error: a broken task/.test(l)), printed.join(" | "));
  });

  it("a write loop that ignores backpressure gets a bounded number of error events (the rest counted), and the driver keeps working", () => {
    const rig = online("buffer", { txQueueBytes: 1024 });
    const a = rig.modem.connect("10.1.1.1", 7000);
    const b = rig.modem.connect("10.1.1.2", 7000);
    const ra = record(a);
    const rb = record(b);
    rig.until(() => ra.log.indexOf("connect") >= 0 && rb.log.indexOf("connect") >= 0, 2000);
    const bLink = b.link;
    let refused = 0;
    for (let i = 0; i < 500; i++) if (!a.write(bytes(100, i))) refused++;
    assert.ok(refused > 400);
    assert.ok(b.write("hello from B"));
    b.end();
    rig.run(2000);
    const queueFull = ra.log.filter((l) => l === "error queue-full").length;
    assert.ok(queueFull >= 1 && queueFull <= 4, ra.log.join(","));
    assert.strictEqual(queueFull + a.errorsDropped, refused - 1, "every refused write was reported or counted (one was queued at the bound)");
    assert.strictEqual(rig.fake.links[bLink].sent, "hello from B");
    assert.deepStrictEqual(rb.log, ["connect", "close local"]);
  });

  it("end(data) right after connect() sends the data once the link opens, then closes", () => {
    const rig = online("buffer");
    rig.fake.dns["echo.example"] = "10.1.1.9";
    const a = rig.modem.connect("echo.example", 7000);
    const ra = record(a);
    a.write("first ");
    a.end("and last");
    rig.run(2000);
    assert.deepStrictEqual(ra.log, ["connect", "close local"]);
    assert.strictEqual(rig.fake.links.map((l) => l.sent).join(""), "first and last");
  });

  it("connect before the modem is online fails with kind offline", () => {
    const rig = makeRig({ offline: true });
    const r = record(rig.modem.connect("10.0.0.1", 80));
    rig.run(10);
    assert.deepStrictEqual(r.log, ["error offline", "close error"]);
    assert.strictEqual(rig.hal.wire.hostLog.length, 0);
  });

  it("UDP: send(data, host, port) and message events with the sender (push mode)", () => {
    const rig = online("push");
    const u = rig.modem.udp(5000);
    const got: string[] = [];
    u.on("listening", () => u.send("ping", "10.2.2.2", 9999));
    u.on("message", (d: string, info: { address: string; port: number; size: number }) => got.push(d + "@" + info.address + ":" + info.port + "/" + info.size));
    rig.run(100);
    assert.deepStrictEqual(rig.fake.links[u.link].datagrams, [{ data: "ping", ip: "10.2.2.2", port: 9999 }]);
    rig.fake.peerSend(u.link, "pong", "10.2.2.2", 9999);
    rig.run(50);
    assert.deepStrictEqual(got, ["pong@10.2.2.2:9999/4"]);
    u.close();
    rig.run(50);
    assert.strictEqual(u.state, "closed");
  });

  it("listen(port, onClient) hands accepted sockets to the application", () => {
    const rig = online("buffer");
    const seen: string[] = [];
    const srv = rig.modem.listen(8080, (c: Socket) => {
      seen.push(c.remoteAddress + ":" + c.remotePort);
      c.on("data", (d: string) => c.write("echo:" + d));
    });
    rig.run(50);
    assert.strictEqual(srv.state, "listening");
    rig.fake.acceptClient(2, 0, "192.168.0.9", 40000);
    rig.fake.peerSend(2, "hello");
    rig.run(200);
    assert.deepStrictEqual(seen, ["192.168.0.9:40000"]);
    assert.strictEqual(rig.fake.links[2].sent, "echo:hello");
  });

  it("a network loss closes every socket once with reason network; after recovery it reconciles and connects again", () => {
    const rig = online("buffer", { backoffMinMs: 100 });
    const a = record(rig.modem.connect("10.1.1.1", 80));
    const b = record(rig.modem.connect("10.1.1.2", 80));
    rig.run(100);
    const reconcilesBefore = rig.fake.commands.filter((c) => c === "AT+CIPCLOSE?").length;
    rig.fake.dropNetwork();
    assert.ok(rig.until(() => rig.events.length >= 3, 20000), rig.events.join());
    assert.deepStrictEqual(rig.events, ["online 10.0.0.2", "offline network", "online 10.0.0.2"]);
    assert.deepStrictEqual(a.log, ["connect", "close network"]);
    assert.deepStrictEqual(b.log, ["connect", "close network"]);
    rig.run(100);
    assert.strictEqual(rig.fake.commands.filter((c) => c === "AT+CIPCLOSE?").length, reconcilesBefore + 1);
    const c = record(rig.modem.connect("10.1.1.3", 80));
    rig.run(100);
    assert.deepStrictEqual(c.log, ["connect"]);
  });

  it("stop() on a board without PWRKEY closes every socket with stop and keeps the module powered, saying why", () => {
    const rig = online("buffer");
    const a = record(rig.modem.connect("10.1.1.1", 80));
    rig.run(100);
    rig.modem.stop();
    assert.ok(rig.until(() => rig.modem.status().state === "off", 20000), rig.modem.status().state);
    assert.deepStrictEqual(a.log, ["connect", "close stop"]);
    assert.deepStrictEqual(rig.events, ["online 10.0.0.2", "offline stop"]);
    const st = rig.modem.status();
    assert.ok(st.keptPowered.length > 0, "keptPowered says why: " + st.keptPowered);
    assert.ok(rig.fake.commands.indexOf("AT+NETCLOSE") > 0);
    assert.ok(rig.fake.commands.every((c) => c !== "AT+CPOF"), "not powered off: nothing could power it on again");
  });
});
