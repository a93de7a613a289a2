// End to end through the A76XX simulator with real loopback peers: each data mode with 1 MB both ways (hashed), 10 links, 4 servers,
// slow consumers, shortfalls, every close reason exactly once, and the wire lies of issue 16 — all through the public API (createModem).
import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { Socket } from "../../firmware/app/index";
import type { Server } from "../../firmware/parts/index";
import { TcpClient, UdpPeer } from "../../tools/sim/index";
import { bytes } from "../net/rig";
import { boot, BootOptions, closeAll, closes, MB, peer, record, Rec, sha, World, writeAll } from "./sim-world";

const BAUD = 3000000;
const closers: Array<() => unknown> = [];

function start(mode: BootOptions["mode"], opts?: { [k: string]: unknown }, sim?: { [k: string]: unknown }): Promise<World> {
  return boot({ mode, baud: BAUD, opts: Object.assign({ sendChunkBytes: 1460 }, opts || {}), sim }, closers);
}

describe("e2e through the simulator", function () {
  this.timeout(60000);
  afterEach(() => closeAll(closers));

  for (const mode of ["buffer", "push", "transparent"] as const) {
    it(`${mode} mode: 1 MB to an echo server and back, byte for byte (sha256)`, async () => {
      const p = await peer(closers, true);
      const w = await start(mode, { txQueueBytes: 8192 });
      const sock = w.modem.connect("127.0.0.1", p.port);
      const r = record(w, sock);
      const data = bytes(MB, 1234);
      const v0 = w.hal.clock.now();
      writeAll(sock, data, 4096);
      assert.ok(await w.until(() => r.data.length >= MB || r.closedAt >= 0, 600000, 50000), "echoed " + r.data.length + " " + r.log.join());
      const virtMs = w.hal.clock.now() - v0;
      assert.strictEqual(sha(p.all()), sha(data), "the peer got every byte in order");
      assert.strictEqual(sha(r.data), sha(data), "every byte came back in order");
      assert.deepStrictEqual(r.errors, []);
      const st = sock.stats();
      assert.ok(st && st.drops === 0);
      sock.end();
      assert.ok(await w.until(() => sock.state === "closed", 30000));
      assert.strictEqual(sock.closeReason, "local");
      console.log(`      ${mode}: 1 MiB each way in ${Math.round(virtMs)} virtual ms (${Math.round((2 * MB) / 1024 / (virtMs / 1000))} KiB/s both ways at ${BAUD} baud)`);
    });
  }

  for (const mode of ["buffer", "push"] as const) {
    it(`${mode} mode, field-quirks profile: 256 kB echoed intact, the module never frozen`, async () => {
      const p = await peer(closers, true);
      const w = await start(mode, { txQueueBytes: 8192 }, { profile: "field-quirks" });
      const sock = w.modem.connect("127.0.0.1", p.port);
      const r = record(w, sock);
      const data = bytes(256 * 1024, 4321);
      writeAll(sock, data, 4096);
      assert.ok(await w.until(() => r.data.length >= data.length || sock.state === "closed", 600000, 30000), "echoed " + r.data.length + " " + r.log.join() + " " + w.events.join());
      assert.strictEqual(sha(r.data), sha(data));
      assert.strictEqual(w.sim.hung, false);
    });
  }

  it("10 links at once, each echoing 20 kB; the 11th gets no-link", async () => {
    const p = await peer(closers, true);
    const w = await start("buffer");
    const socks: Array<{ s: Socket; r: Rec; d: string }> = [];
    for (let i = 0; i < 10; i++) {
      const s = w.modem.connect("127.0.0.1", p.port);
      const d = bytes(20000, 100 + i);
      socks.push({ s, r: record(w, s), d });
      writeAll(s, d, 2000);
    }
    assert.deepStrictEqual(
      socks.map((x) => x.s.link),
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], // ours are taken from the top (accepted clients get the lowest)
    );
    const extra = record(w, w.modem.connect("127.0.0.1", p.port));
    assert.ok(await w.until(() => socks.every((x) => x.r.data.length >= x.d.length), 300000, 30000), socks.map((x) => x.r.data.length).join());
    for (const x of socks) assert.strictEqual(sha(x.r.data), sha(x.d));
    assert.deepStrictEqual(extra.log, ["error no-link", "close error"]);
  });

  it("4 servers, each with clients from real TCP connections, echoing through the application; a fifth gets no-server", async () => {
    const w = await start("buffer");
    const servers: Server[] = [];
    for (let i = 0; i < 4; i++) {
      servers.push(
        w.modem.listen(9000 + i, (c: Socket) => {
          c.on("data", (d: string) => c.write(d));
        }),
      );
    }
    assert.ok(await w.until(() => servers.every((s) => s.state === "listening"), 5000));
    const clients: TcpClient[] = [];
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < 2; k++) {
        const c = await TcpClient.connect(w.sim.serverPort(i) as number);
        closers.push(() => c.close());
        clients.push(c);
      }
    }
    const payloads = clients.map((_, i) => bytes(5000, 300 + i));
    assert.ok(await w.until(() => servers.every((s) => s.accepted === 2), 10000), servers.map((s) => s.accepted).join());
    clients.forEach((c, i) => c.send(payloads[i]));
    assert.ok(await w.until(() => clients.every((c, i) => c.received.length >= payloads[i].length), 60000, 20000), clients.map((c) => c.received.length).join());
    clients.forEach((c, i) => assert.strictEqual(sha(c.received), sha(payloads[i])));
    const fifth = w.modem.listen(9100);
    const errs: string[] = [];
    fifth.on("error", (e: { kind: string }) => errs.push(e.kind));
    await w.until(() => errs.length > 0, 100);
    assert.deepStrictEqual(errs, ["no-server"]);
  });

  it("an allowlist closes other clients at once and counts them", async () => {
    const w = await start("buffer");
    const srv = w.modem.listen(9200, () => undefined, { allow: ["10.9.9.9"] });
    assert.ok(await w.until(() => srv.state === "listening", 5000));
    const c = await TcpClient.connect(w.sim.serverPort(0) as number);
    closers.push(() => c.close());
    assert.ok(await w.until(() => srv.rejected === 1, 10000));
    assert.ok(await w.until(() => w.sim.link(0).state === "closed", 10000));
    assert.strictEqual(srv.accepted, 0);
  });

  it("buffer mode, slow consumer: 300 kB arrive intact while the application reads 16 kB every 20 ms", async () => {
    const p = await peer(closers, false);
    const w = await start("buffer", { rxRingBytes: 4096 });
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(w, sock);
    assert.ok(await w.until(() => sock.state === "open" && p.conns.length === 1, 10000));
    const data = bytes(300000, 55);
    p.send(data);
    // the application processes what it got, then pauses for 20 ms
    sock.on("data", () => {
      sock.pause();
      w.hal.clock.setTimeout(() => sock.resume(), 20);
    });
    assert.ok(await w.until(() => r.data.length >= data.length, 600000, 30000), "got " + r.data.length);
    assert.strictEqual(sha(r.data), sha(data));
    const st = sock.stats();
    assert.ok(st && st.drops === 0);
    assert.deepStrictEqual(r.errors, []);
  });

  it("push mode, slow consumer: the overflow is counted and reported, never silent", async () => {
    const p = await peer(closers, false);
    const w = await start("push", { rxRingBytes: 4096 });
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(w, sock);
    assert.ok(await w.until(() => sock.state === "open" && p.conns.length === 1, 10000));
    sock.pause();
    p.send(bytes(100000, 66));
    await w.until(() => (sock.stats() as { bytesIn: number; drops: number }).drops + 4096 >= 100000, 5000);
    const st = sock.stats();
    assert.ok(st && st.drops === 100000 - 4096, "drops " + (st && st.drops));
    assert.ok(r.errors.length >= 1 && r.errors[0].kind === "overflow");
    sock.resume();
    await w.pump(100);
    assert.strictEqual(r.data, bytes(100000, 66).substr(0, 4096));
  });

  it("reconnecting from the online handler after a network drop closes the module's lost link first, then connects", async () => {
    const w = await start("buffer", { backoffMinMs: 100 });
    const p = await peer(closers, true);
    const first = record(w, w.modem.connect("127.0.0.1", p.port));
    assert.ok(await w.until(() => first.log.indexOf("connect") >= 0, 10000));
    let again: Rec | undefined;
    let againSock: Socket | undefined;
    w.modem.once("online", () => {
      againSock = w.modem.connect("127.0.0.1", p.port);
      again = record(w, againSock);
    });
    w.sim.fault.dropNetwork();
    assert.ok(await w.until(() => !!again && again.log.indexOf("connect") >= 0, 60000), again ? again.log.join(",") : w.events.join(","));
    againSock!.write("after the drop");
    assert.ok(await w.until(() => again!.data === "after the drop", 10000), again!.data);
    assert.deepStrictEqual(again!.errors, []);
    assert.deepStrictEqual(closes(first), ["close network"]);
    assert.ok(w.modem.table.stats.orphansClosed >= 1, "the lost link was closed on the module first");
  });

  it("a peer that stops reading for a while: sends wait (short confirmations retried after pauses), nothing lost", async () => {
    const w = await start("buffer");
    const p = await peer(closers, false);
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(w, sock);
    assert.ok(await w.until(() => r.log.indexOf("connect") >= 0, 10000));
    w.sim.fault.sendBufferFull(sock.link, 3000); // the module takes nothing for 3 s
    const data = bytes(200000, 9);
    const writer = writeAll(sock, data, 1024);
    assert.ok(await w.until(() => writer.done() && p.all().length >= data.length, 120000), p.all().length + " of " + data.length);
    assert.ok(p.all() === data, "the peer got every byte in order");
    assert.deepStrictEqual(r.errors, []);
    assert.ok(w.modem.table.stats.shortfalls > 0, "the shortfall path was taken");
  });

  it("a peer that never reads again: the socket reports short-send and closes, never silently", async () => {
    const w = await start("buffer", { sendRetries: 3 });
    const p = await peer(closers, false);
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(w, sock);
    assert.ok(await w.until(() => r.log.indexOf("connect") >= 0, 10000));
    w.sim.fault.sendBufferFull(sock.link, 3600000);
    sock.write(bytes(5000, 3));
    assert.ok(await w.until(() => r.log.indexOf("close error") >= 0, 60000), r.log.join(","));
    assert.strictEqual(r.errors[0].kind, "short-send");
  });

  it("UDP through a real peer: send and message with the sender (push mode)", async () => {
    const up = await UdpPeer.bind({ echo: true });
    closers.push(() => up.close());
    const w = await start("push");
    const u = w.modem.udp(5000);
    const got: string[] = [];
    u.on("message", (d: string, info: { address: string; port: number }) => got.push(d + "@" + info.address + ":" + info.port));
    u.on("listening", () => u.send("hello udp", "127.0.0.1", up.port));
    assert.ok(await w.until(() => got.length > 0, 10000, 5000), "no datagram");
    assert.deepStrictEqual(got, ["hello udp@127.0.0.1:" + up.port]);
  });

  describe("close reasons, each told exactly once", () => {
    async function openOne(mode: "buffer" | "push" | "transparent" = "buffer"): Promise<{ w: World; sock: Socket; r: Rec; p: Awaited<ReturnType<typeof peer>> }> {
      const p = await peer(closers, true);
      const w = await start(mode, { backoffMinMs: 100 });
      const sock = w.modem.connect("127.0.0.1", p.port);
      const r = record(w, sock);
      assert.ok(await w.until(() => sock.state === "open" && p.conns.length === 1, 10000));
      return { w, sock, r, p };
    }

    for (const mode of ["buffer", "push", "transparent"] as const) {
      it(`remote (${mode}): the peer closes after its last data`, async () => {
        const { w, sock, r, p } = await openOne(mode);
        sock.write("last");
        assert.ok(await w.until(() => r.data === "last", 5000));
        p.end();
        assert.ok(await w.until(() => sock.state === "closed", 10000));
        await w.pump(200);
        assert.deepStrictEqual(closes(r), ["close remote"]);
        assert.deepStrictEqual(r.errors, []);
      });

      it(`local (${mode}): end()`, async () => {
        const { w, sock, r, p } = await openOne(mode);
        sock.end("bye");
        assert.ok(await w.until(() => sock.state === "closed", 20000), r.log.join());
        assert.deepStrictEqual(closes(r), ["close local"]);
        assert.strictEqual(p.all(), "bye", "exactly the payload reached the peer (no +++ in it)");
        assert.ok(!w.modem.engine.borrowed());
      });
    }

    it("timeout: +IPCLOSE: <l>,2 after a send timeout", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.sendTimeout(sock.link, 500);
      sock.write("stuck");
      assert.ok(await w.until(() => sock.state === "closed", 20000), r.log.join());
      assert.deepStrictEqual(closes(r), ["close timeout"]);
    });

    it("network: the data network drops; the module's dead link is closed and connecting works again", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.dropNetwork();
      assert.ok(await w.until(() => sock.state === "closed", 10000));
      assert.ok(await w.until(() => w.events.filter((e) => e === "online").length === 2, 60000), w.events.join());
      assert.deepStrictEqual(closes(r), ["close network"]);
      const lostLink = sock.link;
      assert.ok(await w.until(() => w.sim.links[lostLink] === undefined, 10000), "the lost link was closed on the module");
      const p2 = await peer(closers, true);
      const again = w.modem.connect("127.0.0.1", p2.port);
      const r2 = record(w, again);
      assert.ok(await w.until(() => r2.log.indexOf("connect") >= 0, 10000), r2.log.join(","));
    });

    it("network: +CIPERROR on a send after a PDN loss", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.pdnLoss(false);
      sock.write("into the void");
      assert.ok(await w.until(() => sock.state === "closed", 20000), r.log.join());
      assert.deepStrictEqual(closes(r), ["close network"]);
    });

    it("reboot: the module reboots on its own", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.reboot();
      assert.ok(await w.until(() => sock.state === "closed", 60000), w.events.join());
      assert.deepStrictEqual(closes(r), ["close reboot"]);
    });

    it("reset: the module hangs and is reset", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.hang();
      sock.write("x");
      const ok = await w.until(() => sock.state === "closed", 300000);
      assert.ok(ok, w.events.join() + " state " + w.modem.status().state + " sock " + sock.state + " " + r.log.join() + " t=" + w.hal.clock.now());
      assert.deepStrictEqual(closes(r), ["close reset"]);
    });

    it("stop: the application stops the modem", async () => {
      const { w, sock, r } = await openOne();
      w.modem.stop();
      assert.ok(await w.until(() => sock.state === "closed", 10000));
      assert.deepStrictEqual(closes(r), ["close stop"]);
    });
  });
});

describe("e2e: a server that closes right after its answer (buffer mode; issue 16 item 14, changed on purpose)", function () {
  this.timeout(30000);
  afterEach(() => closeAll(closers));

  for (const profile of ["clean", "field-quirks"]) {
    it(`${profile}: every byte sent before the close is read from the closed link, then close(remote), no error, the module never frozen`, async () => {
      const data = bytes(50000, 9);
      const srvPeer = await peer(closers, false, (s) => s.end(Buffer.from(data, "latin1")));
      const w = await boot({ mode: "buffer", baud: BAUD, opts: { rxRingBytes: 4096 }, sim: { profile } }, closers);
      const sock = w.modem.connect("127.0.0.1", srvPeer.port);
      const r = record(w, sock);
      assert.ok(await w.until(() => sock.state === "closed", 30000), r.log.join());
      assert.strictEqual(sha(r.data), sha(data));
      assert.deepStrictEqual(r.log, ["connect", "close remote"]);
      assert.strictEqual(w.sim.hung, false);
    });
  }

  it("an HTTP GET against a server that answers with Connection: close reads the whole body, then close(remote)", async () => {
    const body = bytes(20000, 3).replace(/[^\x20-\x7e]/g, "x");
    const srv = http.createServer((req, res) => {
      res.writeHead(200, { Connection: "close", "Content-Type": "text/plain" });
      res.end(body);
    });
    await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", () => ok()));
    closers.push(() => new Promise((ok) => srv.close(ok)));
    const w = await boot({ mode: "buffer", baud: 921600 }, closers);
    const port = (srv.address() as AddressInfo).port;
    const sock = w.modem.connect("127.0.0.1", port);
    const r = record(w, sock);
    sock.on("connect", () => sock.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert.ok(await w.until(() => sock.state === "closed", 30000), r.log.join());
    assert.ok(/^HTTP\/1\.1 200 OK\r\n/.test(r.data), JSON.stringify(r.data.substr(0, 40)));
    assert.strictEqual(r.data.substr(r.data.indexOf("\r\n\r\n") + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$|\r\n[0-9a-f]+\r\n/g, ""), body);
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
  });
});

describe("e2e: wire lies and strangers (issue 16 items 8, 9)", function () {
  this.timeout(30000);
  afterEach(() => closeAll(closers));

  for (const delta of [+7, -7]) {
    it(`a +CIPRXGET: 2 header announcing ${delta > 0 ? "more" : "fewer"} bytes than follow: the socket gets lost and close, never garbage; other links go on`, async () => {
      const p = await peer(closers, false);
      const w = await boot({ mode: "buffer", baud: BAUD }, closers);
      const a = w.modem.connect("127.0.0.1", p.port);
      const ra = record(w, a);
      const b = w.modem.connect("127.0.0.1", p.port);
      const rb = record(w, b);
      assert.ok(await w.until(() => p.conns.length === 2 && a.state === "open" && b.state === "open", 10000));
      const first = bytes(3000, 1);
      p.send(first, 0);
      assert.ok(await w.until(() => ra.data.length === first.length, 10000));
      w.sim.fault.lieRxLength(delta);
      p.send(bytes(3000, 2), 0);
      assert.ok(await w.until(() => a.state === "closed", 20000), ra.log.join());
      assert.strictEqual(ra.data.substr(0, first.length), first);
      const extra = ra.data.substr(first.length);
      assert.ok(bytes(3000, 2).indexOf(extra) === 0, "only true bytes, in order, before the hole");
      assert.ok(extra.indexOf("OK") < 0 && extra.indexOf("+CIPRXGET") < 0, "no module text delivered as data");
      assert.deepStrictEqual(ra.log, ["connect", "error lost", "close error"]);
      p.send("b still works", 1);
      b.write("and back");
      assert.ok(await w.until(() => rb.data === "b still works" && p.received[1] === "and back", 10000), rb.data);
      assert.ok(w.modem.isOnline());
      assert.strictEqual(w.sim.hung, false);
    });
  }

  it("push mode: an unknown sender's push and a rejected client's GET /evil reach no socket and are counted", async () => {
    const p = await peer(closers, false);
    const w = await boot({ mode: "push", baud: BAUD }, closers);
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(w, sock);
    assert.ok(await w.until(() => sock.state === "open" && p.conns.length === 1, 10000));
    const srv = w.modem.listen(8080, () => undefined, { allow: ["10.9.9.9"] });
    assert.ok(await w.until(() => srv.state === "listening", 5000));
    assert.ok(w.sim.fault.pushFrom("GET /evil", "203.0.113.66", 40000));
    const evil = await TcpClient.connectAndSend(w.sim.serverPort(0) as number, "GET /evil");
    closers.push(() => evil.close());
    assert.ok(await w.until(() => srv.rejected === 1 && w.modem.table.stats.unmatchedBytes >= 18, 10000), "rejected " + srv.rejected + " unmatched " + w.modem.table.stats.unmatchedBytes);
    p.send("mine");
    assert.ok(await w.until(() => r.data.length >= 4, 5000));
    await w.pump(200);
    assert.strictEqual(r.data, "mine");
    assert.strictEqual(w.modem.table.stats.unmatchedBytes, 18);
    assert.strictEqual(srv.accepted, 0);
    assert.deepStrictEqual(r.errors, []);
  });
});
