// End to end through the A76XX simulator with real loopback peers: each data mode with 1 MB both ways (hashed), 10 links,
// 4 servers, slow consumers, and every close reason, all through the public API (createModem).
import * as assert from "assert";
import { createHash } from "crypto";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem, Server, Socket } from "../../firmware/app/index";
import { SocketError } from "../../firmware/net/errors";
import { A76xxSim, pumpUntil, TcpClient, TcpPeer, UdpPeer } from "../../tools/sim/index";
import { bytes } from "../net/rig";

const BAUD = 3000000;
const MB = 1 << 20;

const board: BoardDef = {
  id: "sim",
  name: "host test HAL + simulator",
  uart: { port: 1, baud: BAUD },
  atRxRingBytes: 4096,
  socketRxRingBytes: 16384,
};

function sha(s: string): string {
  return createHash("sha256").update(Buffer.from(s, "latin1")).digest("hex");
}

interface World {
  hal: TestHal;
  sim: A76xxSim;
  modem: Modem;
  events: string[];
}

let world: World | undefined;
const closers: Array<() => unknown> = [];

async function boot(mode: "buffer" | "push" | "transparent", extra?: object, simExtra?: object): Promise<World> {
  const hal = createTestHal({ baud: BAUD, toHostChunk: 512, toModemChunk: 512 });
  const sim = new A76xxSim(Object.assign({ clock: hal.clock, startPoweredOn: true, commandLatencyMs: 1 }, simExtra || {}));
  sim.attach(hal.wire.modem, { pwrkey: hal.pwrkey, dtr: hal.dtr, reset: hal.reset }, { toHost: hal.wire.toHost });
  const modem = createModem(hal, board, Object.assign({ apn: "internet", dataMode: mode, healthCheckMs: 0, sendChunkBytes: 1460 }, extra || {}));
  const events: string[] = [];
  modem.on("online", () => events.push("online"));
  modem.on("offline", (r) => events.push("offline " + r));
  modem.on("error", (e) => events.push("error " + e.kind + " " + e.text));
  world = { hal, sim, modem, events };
  modem.start();
  assert.ok(await until(() => modem.isOnline(), 60000), "online: " + events.join("; "));
  return world;
}

function until(done: () => boolean, maxVirtualMs: number, maxRealMs = 20000): Promise<boolean> {
  return pumpUntil((world as World).hal.clock, done, { maxVirtualMs, maxRealMs, stepMs: 2 });
}

function record(sock: Socket): { log: string[]; data: string; errors: SocketError[] } {
  const r = { log: [] as string[], data: "", errors: [] as SocketError[] };
  sock.on("connect", () => r.log.push("connect"));
  sock.on("data", (d: string) => (r.data += d));
  sock.on("error", (e: SocketError) => {
    r.errors.push(e);
    r.log.push("error " + e.kind);
  });
  sock.on("close", (why: string) => r.log.push("close " + why));
  return r;
}

/** Write `data` with backpressure (write/drain), in pieces of `piece` bytes. */
function writeAll(sock: Socket, data: string, piece: number): { done: () => boolean } {
  let off = 0;
  function pump(): void {
    while (off < data.length) {
      const p = data.substr(off, piece);
      off += p.length;
      if (!sock.write(p)) return;
    }
  }
  sock.on("drain", pump);
  if (sock.state === "open") pump();
  else sock.on("connect", pump);
  return { done: () => off >= data.length };
}

async function peer(echo: boolean): Promise<TcpPeer> {
  const p = await TcpPeer.listen({ echo });
  closers.push(() => p.close());
  return p;
}

describe("e2e through the simulator", function () {
  this.timeout(60000);

  afterEach(async () => {
    if (world) world.sim.close();
    world = undefined;
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  for (const mode of ["buffer", "push", "transparent"] as const) {
    it(`${mode} mode: 1 MB to an echo server and back, byte for byte (sha256)`, async () => {
      const p = await peer(true);
      const w = await boot(mode, { txQueueBytes: 8192 });
      const sock = w.modem.connect("127.0.0.1", p.port);
      const r = record(sock);
      const data = bytes(MB, 1234);
      const t0 = Date.now();
      const v0 = w.hal.clock.now();
      writeAll(sock, data, 4096);
      assert.ok(await until(() => r.data.length >= MB || r.log.indexOf("close") >= 0, 600000, 50000), "echoed " + r.data.length + " " + r.log.join());
      const realMs = Date.now() - t0;
      const virtMs = w.hal.clock.now() - v0;
      assert.strictEqual(sha(p.all()), sha(data), "the peer got every byte in order");
      assert.strictEqual(sha(r.data), sha(data), "every byte came back in order");
      assert.deepStrictEqual(r.errors, []);
      const st = sock.stats();
      assert.ok(st && st.counters.drops === 0);
      sock.end();
      assert.ok(await until(() => sock.state === "closed", 30000));
      assert.strictEqual(sock.closeReason, "local");
      console.log(`      ${mode}: 1 MiB each way in ${virtMs} virtual ms (${Math.round((2 * MB) / 1024 / (virtMs / 1000))} KiB/s both ways at ${BAUD} baud), ${realMs} real ms`);
    });
  }

  for (const mode of ["buffer", "push"] as const) {
    it(`${mode} mode, field-quirks profile: 256 kB echoed intact, the module never frozen`, async () => {
      const p = await peer(true);
      const w = await boot(mode, { txQueueBytes: 8192 }, { profile: "field-quirks" });
      const sock = w.modem.connect("127.0.0.1", p.port);
      const r = record(sock);
      const data = bytes(256 * 1024, 4321);
      writeAll(sock, data, 4096);
      assert.ok(await until(() => r.data.length >= data.length || sock.state === "closed", 600000, 30000), "echoed " + r.data.length + " " + r.log.join() + " " + w.events.join());
      assert.strictEqual(sha(r.data), sha(data));
      assert.strictEqual(w.sim.hung, false);
    });
  }

  it("10 links at once, each echoing 20 kB", async () => {
    const p = await peer(true);
    const w = await boot("buffer");
    const socks: Array<{ s: Socket; r: ReturnType<typeof record>; d: string }> = [];
    for (let i = 0; i < 10; i++) {
      const s = w.modem.connect("127.0.0.1", p.port);
      const d = bytes(20000, 100 + i);
      socks.push({ s, r: record(s), d });
      writeAll(s, d, 2000);
    }
    assert.deepStrictEqual(
      socks.map((x) => x.s.link),
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], // ours are taken from the top (accepted clients get the lowest)
    );
    const extra = record(w.modem.connect("127.0.0.1", p.port));
    assert.ok(await until(() => socks.every((x) => x.r.data.length >= x.d.length), 300000, 30000), socks.map((x) => x.r.data.length).join());
    for (const x of socks) assert.strictEqual(sha(x.r.data), sha(x.d));
    assert.deepStrictEqual(extra.log, ["error no-link", "close error"]);
  });

  it("4 servers, each with clients from real TCP connections, echoing through the application", async () => {
    const w = await boot("buffer");
    const servers: Server[] = [];
    for (let i = 0; i < 4; i++) {
      servers.push(
        w.modem.listen(9000 + i, (c) => {
          c.on("data", (d: string) => c.write(d));
        }),
      );
    }
    assert.ok(await until(() => servers.every((s) => s.state === "listening"), 5000));
    const clients: TcpClient[] = [];
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < 2; k++) {
        const c = await TcpClient.connect(w.sim.serverPort(i) as number);
        closers.push(() => c.close());
        clients.push(c);
      }
    }
    const payloads = clients.map((_, i) => bytes(5000, 300 + i));
    assert.ok(await until(() => servers.every((s) => s.accepted === 2), 10000), servers.map((s) => s.accepted).join());
    clients.forEach((c, i) => c.send(payloads[i]));
    assert.ok(await until(() => clients.every((c, i) => c.received.length >= payloads[i].length), 60000, 20000), clients.map((c) => c.received.length).join());
    clients.forEach((c, i) => assert.strictEqual(sha(c.received), sha(payloads[i])));
    const fifth = w.modem.listen(9100);
    const errs: string[] = [];
    fifth.on("error", (e: SocketError) => errs.push(e.kind));
    await until(() => errs.length > 0, 100);
    assert.deepStrictEqual(errs, ["no-server"]);
  });

  it("an allowlist closes other clients at once and counts them", async () => {
    const w = await boot("buffer");
    const srv = w.modem.listen(9200, () => undefined, { allow: ["10.9.9.9"] });
    assert.ok(await until(() => srv.state === "listening", 5000));
    const c = await TcpClient.connect(w.sim.serverPort(0) as number);
    closers.push(() => c.close());
    assert.ok(await until(() => srv.rejected === 1, 10000));
    assert.ok(await until(() => w.sim.link(0).state === "closed", 10000));
    assert.strictEqual(srv.accepted, 0);
  });

  it("buffer mode, slow consumer: 300 kB arrive intact while the application reads 4 kB every 20 ms", async () => {
    const p = await peer(false);
    const w = await boot("buffer", { rxRingBytes: 4096 });
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(sock);
    assert.ok(await until(() => sock.state === "open" && p.conns.length === 1, 10000));
    const data = bytes(300000, 55);
    p.send(data);
    // the application processes 4 kB, then pauses for 20 ms
    sock.on("data", () => {
      sock.pause();
      w.hal.clock.setTimeout(() => sock.resume(), 20);
    });
    assert.ok(await until(() => r.data.length >= data.length, 600000, 30000), "got " + r.data.length);
    assert.strictEqual(sha(r.data), sha(data));
    const st = sock.stats();
    assert.ok(st && st.counters.drops === 0);
    assert.deepStrictEqual(r.errors, []);
  });

  it("push mode, slow consumer: the overflow is counted and reported, never silent", async () => {
    const p = await peer(false);
    const w = await boot("push", { rxRingBytes: 4096 });
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(sock);
    assert.ok(await until(() => sock.state === "open" && p.conns.length === 1, 10000));
    sock.pause();
    p.send(bytes(100000, 66));
    await until(() => false, 2000);
    const st = sock.stats();
    assert.ok(st && st.counters.drops === 100000 - 4096, "drops " + (st && st.counters.drops));
    assert.ok(r.errors.length >= 1 && r.errors[0].kind === "overflow");
    sock.resume();
    await until(() => false, 100);
    assert.strictEqual(r.data.length, 4096);
  });

  it("reconnecting from the online handler after a network drop closes the module's lost link first, then connects", async () => {
    const w = await boot("buffer", { backoffMinMs: 100 });
    const p = await peer(true);
    const first = record(w.modem.connect("127.0.0.1", p.port));
    assert.ok(await until(() => first.log.indexOf("connect") >= 0, 10000));
    let again: ReturnType<typeof record> | undefined;
    let againSock: Socket | undefined;
    w.modem.once("online", () => {
      againSock = w.modem.connect("127.0.0.1", p.port);
      again = record(againSock);
    });
    w.sim.fault.dropNetwork();
    assert.ok(await until(() => !!again && again.log.indexOf("connect") >= 0, 60000), again ? again.log.join(",") : w.events.join(","));
    againSock!.write("after the drop");
    assert.ok(await until(() => again!.data === "after the drop", 10000), again!.data);
    assert.deepStrictEqual(again!.errors, []);
    assert.ok(w.modem.table.stats.orphansClosed >= 1, "the lost link was closed on the module first");
  });

  it("a peer that stops reading for a while: sends wait (short confirmations retried after pauses), nothing lost", async () => {
    const w = await boot("buffer");
    const p = await peer(false);
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(sock);
    assert.ok(await until(() => r.log.indexOf("connect") >= 0, 10000));
    w.sim.fault.sendBufferFull(sock.link, 3000); // the module takes nothing for 3 s
    const data = bytes(200000, 9);
    const writer = writeAll(sock, data, 1024);
    assert.ok(await until(() => writer.done() && p.all().length >= data.length, 120000), p.all().length + " of " + data.length);
    assert.ok(p.all() === data, "the peer got every byte in order");
    assert.deepStrictEqual(r.errors, []);
    assert.ok(w.modem.table.stats.shortfalls > 0, "the shortfall path was taken");
  });

  it("a peer that never reads again: the socket reports short-send and closes, never silently", async () => {
    const w = await boot("buffer", { sendRetries: 3 });
    const p = await peer(false);
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(sock);
    assert.ok(await until(() => r.log.indexOf("connect") >= 0, 10000));
    w.sim.fault.sendBufferFull(sock.link, 3600000);
    sock.write(bytes(5000, 3));
    assert.ok(await until(() => r.log.indexOf("close error") >= 0, 60000), r.log.join(","));
    assert.strictEqual(r.errors[0].kind, "short-send");
  });

  it("UDP through a real peer: send and message with the sender (push mode)", async () => {
    const up = await UdpPeer.bind({ echo: true });
    closers.push(() => up.close());
    const w = await boot("push");
    const u = w.modem.udp(5000);
    const got: string[] = [];
    u.on("message", (d: string, info: { address: string; port: number }) => got.push(d + "@" + info.address + ":" + info.port));
    u.on("listening", () => u.send("hello udp", "127.0.0.1", up.port));
    assert.ok(await until(() => got.length > 0, 10000, 5000), "no datagram");
    assert.deepStrictEqual(got, ["hello udp@127.0.0.1:" + up.port]);
  });

  describe("close reasons, each told exactly once", () => {
    async function openOne(mode: "buffer" | "transparent" = "buffer"): Promise<{ w: World; sock: Socket; r: ReturnType<typeof record>; p: TcpPeer }> {
      const p = await peer(true);
      const w = await boot(mode, { backoffMinMs: 100 });
      const sock = w.modem.connect("127.0.0.1", p.port);
      const r = record(sock);
      assert.ok(await until(() => sock.state === "open" && p.conns.length === 1, 10000));
      return { w, sock, r, p };
    }

    function closes(r: { log: string[] }): string[] {
      return r.log.filter((x) => x.indexOf("close") === 0);
    }

    it("remote: the peer closes", async () => {
      const { sock, r, p } = await openOne();
      sock.write("last");
      assert.ok(await until(() => r.data === "last", 5000));
      p.end();
      assert.ok(await until(() => sock.state === "closed", 10000));
      await until(() => false, 200);
      assert.deepStrictEqual(closes(r), ["close remote"]);
    });

    it("remote in transparent mode: CLOSED", async () => {
      const { sock, r, p } = await openOne("transparent");
      sock.write("ping");
      assert.ok(await until(() => r.data === "ping", 5000));
      p.end();
      assert.ok(await until(() => sock.state === "closed", 10000));
      assert.deepStrictEqual(closes(r), ["close remote"]);
    });

    it("local: end()", async () => {
      const { sock, r } = await openOne();
      sock.end("bye");
      assert.ok(await until(() => sock.state === "closed", 10000));
      assert.deepStrictEqual(closes(r), ["close local"]);
    });

    it("local in transparent mode: end() escapes with +++ and closes link 0", async () => {
      const { w, sock, r } = await openOne("transparent");
      sock.end("bye");
      assert.ok(await until(() => sock.state === "closed", 20000));
      assert.deepStrictEqual(closes(r), ["close local"]);
      assert.ok(w.modem.table.stats.escapes >= 1 || !w.modem.engine.isDataMode());
    });

    it("timeout: +IPCLOSE: <l>,2 after a send timeout", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.sendTimeout(sock.link, 500);
      sock.write("stuck");
      assert.ok(await until(() => sock.state === "closed", 20000), r.log.join());
      assert.deepStrictEqual(closes(r), ["close timeout"]);
    });

    it("network: the data network drops", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.dropNetwork();
      assert.ok(await until(() => sock.state === "closed", 10000));
      assert.ok(await until(() => w.events.filter((e) => e === "online").length === 2, 60000), w.events.join());
      assert.deepStrictEqual(closes(r), ["close network"]);
      // The module kept the dead link listed (section 7): the driver closed it, and connecting works again.
      const lostLink = sock.link;
      assert.ok(await until(() => w.sim.links[lostLink] === undefined, 10000), "the lost link was closed on the module");
      const p2 = await peer(true);
      const again = w.modem.connect("127.0.0.1", p2.port);
      const r2 = record(again);
      assert.ok(await until(() => r2.log.indexOf("connect") >= 0, 10000), r2.log.join(","));
      assert.ok(again.link === lostLink || w.modem.status().links[lostLink].state === "free", "the driver's table has the link free again");
    });

    it("network: +CIPERROR on a send after a PDN loss", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.pdnLoss(false);
      sock.write("into the void");
      assert.ok(await until(() => sock.state === "closed", 20000), r.log.join());
      assert.deepStrictEqual(closes(r), ["close network"]);
    });

    it("reboot: the module reboots on its own", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.reboot();
      assert.ok(await until(() => sock.state === "closed", 60000), w.events.join());
      assert.deepStrictEqual(closes(r), ["close reboot"]);
    });

    it("reset: the module hangs and is reset", async () => {
      const { w, sock, r } = await openOne();
      w.sim.fault.hang();
      sock.write("x");
      const ok = await until(() => sock.state === "closed", 300000); // CIPSEND times out after 130 s, then the probes
      assert.ok(ok, w.events.join() + " state " + w.modem.status().state + " sock " + sock.state + " " + r.log.join() + " t=" + w.hal.clock.now());
      assert.deepStrictEqual(closes(r), ["close reset"]);
    });

    it("stop: the application stops the modem", async () => {
      const { w, sock, r } = await openOne();
      w.modem.stop();
      assert.ok(await until(() => sock.state === "closed", 10000));
      assert.deepStrictEqual(closes(r), ["close stop"]);
    });
  });
});

describe("e2e: data a server sends just before closing (buffer mode)", function () {
  this.timeout(30000);
  afterEach(async () => {
    if (world) world.sim.close();
    world = undefined;
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  it("with readAfterRemoteClose the last bytes are read from the closed link, then close(remote)", async () => {
    const data = bytes(50000, 9);
    const p = await TcpPeer.listen({ echo: false, onConnection: (s) => s.end(Buffer.from(data, "latin1")) });
    closers.push(() => p.close());
    const w = await boot("buffer", { readAfterRemoteClose: true, rxRingBytes: 4096 });
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(sock);
    assert.ok(await until(() => sock.state === "closed", 30000));
    assert.strictEqual(sha(r.data), sha(data));
    assert.deepStrictEqual(r.log, ["connect", "close remote"]);
  });

  it("without it (the default) the unread rest is reported as a lost error, never silently", async () => {
    const data = bytes(50000, 9);
    const p = await TcpPeer.listen({ echo: false, onConnection: (s) => s.end(Buffer.from(data, "latin1")) });
    closers.push(() => p.close());
    const w = await boot("buffer", { rxRingBytes: 4096 });
    const sock = w.modem.connect("127.0.0.1", p.port);
    const r = record(sock);
    assert.ok(await until(() => sock.state === "closed", 30000));
    if (r.data.length < data.length) assert.ok(r.errors.some((e) => e.kind === "lost"), r.log.join());
    assert.strictEqual(r.log[r.log.length - 1], "close remote");
  });
});
