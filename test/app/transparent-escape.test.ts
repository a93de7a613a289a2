// Tests that transparent mode never lets payload or a rejected client turn into AT commands, and that it always gets back to command mode.
import * as assert from "assert";
import { createTestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Socket } from "../../firmware/app/index";
import { A76xxSim, pumpUntil, TcpPeer } from "../../tools/sim/index";
import { FakeA76xx } from "../net/fake-a76xx";
import { makeRig, SrvOwner } from "../net/rig";

const board: BoardDef = { id: "sim", name: "sim", uart: { port: 1, baud: 115200 }, atRxRingBytes: 4096, socketRxRingBytes: 16384 };
const closers: Array<() => unknown> = [];

async function transparentSession(peerEcho: boolean) {
  const peer = await TcpPeer.listen({ echo: peerEcho });
  const hal = createTestHal({ baud: 115200, toHostChunk: 64, toModemChunk: 64 });
  const sim = new A76xxSim({ clock: hal.clock, startPoweredOn: true, commandLatencyMs: 1 });
  sim.attach(hal.wire.modem, { pwrkey: hal.pwrkey, dtr: hal.dtr, reset: hal.reset }, { toHost: hal.wire.toHost });
  closers.push(() => sim.close(), () => peer.close());
  const modem = createModem(hal, board, { apn: "internet", dataMode: "transparent", healthCheckMs: 0 });
  const until = (f: () => boolean, ms: number) => pumpUntil(hal.clock, f, { maxVirtualMs: ms, maxRealMs: 10000, stepMs: 2 });
  modem.start();
  assert.ok(await until(() => modem.isOnline(), 60000));
  const sock: Socket = modem.connect("127.0.0.1", peer.port);
  const log: string[] = [];
  let data = "";
  sock.on("connect", () => log.push("connect"));
  sock.on("data", (d: string) => (data += d));
  sock.on("close", (r: string) => log.push("close " + r));
  assert.ok(await until(() => log.length > 0, 5000));
  return { peer, hal, sim, modem, sock, log, until, got: () => data };
}

describe("transparent mode escapes", () => {
  afterEach(async () => {
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  it("sends '+' written one byte at a time after a silence as data, never as the +++ escape", async () => {
    const s = await transparentSession(false);
    await s.until(() => false, 2000); // a guard silence
    s.sock.write("+");
    await s.until(() => false, 100);
    s.sock.write("+");
    await s.until(() => false, 100);
    s.sock.write("+");
    await s.until(() => false, 3000);
    s.sock.write("ATI\r");
    assert.ok(await s.until(() => s.peer.all().length >= 7, 5000), JSON.stringify(s.peer.all()));
    assert.strictEqual(s.peer.all(), "+++ATI\r");
    assert.strictEqual(s.got(), "", "the module never answered as if in command mode");
    assert.ok(s.modem.engine.isDataMode());
  });

  it("waits for the bulk data to leave the wire before the +++ guard silence when closing", async () => {
    const s = await transparentSession(true);
    let payload = "";
    for (let i = 0; i < 8192; i++) payload += String.fromCharCode((i * 7) & 255);
    let off = 0;
    const pump = () => {
      while (off < payload.length) {
        const p = payload.substr(off, 1024);
        off += p.length;
        if (!s.sock.write(p)) return;
      }
    };
    s.sock.on("drain", pump);
    pump();
    assert.ok(await s.until(() => off === payload.length, 20000));
    s.sock.end();
    assert.ok(await s.until(() => s.log.indexOf("close local") >= 0, 30000), s.log.join(","));
    assert.strictEqual(s.peer.all(), payload, "exactly the payload reached the peer: no '+++' in it");
  });

  it("closes a client the allowlist rejects without writing any command into its data stream", () => {
    const rig = makeRig({ mode: "transparent" });
    const srv = new SrvOwner(rig);
    assert.strictEqual(rig.table.listen(8080, srv, ["10.9.9.9"]), 0);
    rig.run(100);
    rig.modem.acceptClient(0, 0, "6.6.6.6", 40000);
    rig.run(20000);
    assert.strictEqual(rig.modem.links[0].sent, "", "the rejected peer received nothing");
    assert.strictEqual(rig.modem.links[0].open, false, "the module closed the link");
    assert.ok(!rig.engine.stalled());
    assert.strictEqual(rig.table.stats.rejectedClients, 1);
  });

  it("stop() while link 0 is in data mode escapes first and reaches off", () => {
    const hal = createTestHal({ baud: 921600, toHostChunk: 256, toModemChunk: 256 });
    const fake = new FakeA76xx(hal, "transparent");
    const modem = createModem(hal, Object.assign({}, board, { uart: { port: 1, baud: 921600 } }), { apn: "internet", dataMode: "transparent", healthCheckMs: 0 });
    modem.start();
    assert.ok(hal.clock.runUntil(() => modem.isOnline(), 10000));
    const sock = modem.connect("10.1.1.1", 7000);
    const log: string[] = [];
    sock.on("connect", () => log.push("connect"));
    sock.on("close", (r: string) => log.push("close " + r));
    hal.clock.runUntil(() => log.length > 0, 2000);
    assert.ok(modem.engine.isDataMode());
    modem.stop(true);
    assert.ok(hal.clock.runUntil(() => modem.status().state === "off", 30000), modem.status().state);
    assert.deepStrictEqual(log, ["connect", "close stop"]);
    assert.strictEqual(fake.commands[fake.commands.length - 1], "AT+NETCLOSE");
  });
});

describe("transparent mode with DTR", () => {
  afterEach(async () => {
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  it("leaves data mode by dropping DTR (AT&D1 set at bring-up), without sending +++, and closes cleanly", async () => {
    const peer = await TcpPeer.listen({ echo: true });
    const hal = createTestHal({ baud: 115200, toHostChunk: 64, toModemChunk: 64 });
    const sim = new A76xxSim({ clock: hal.clock, startPoweredOn: true, commandLatencyMs: 1 });
    sim.attach(hal.wire.modem, { pwrkey: hal.pwrkey, dtr: hal.dtr, reset: hal.reset }, { toHost: hal.wire.toHost });
    closers.push(() => sim.close(), () => peer.close());
    const modem = createModem(hal, board, { apn: "internet", dataMode: "transparent", escapeWithDtr: true, healthCheckMs: 0 });
    const until = (f: () => boolean, ms: number) => pumpUntil(hal.clock, f, { maxVirtualMs: ms, maxRealMs: 10000, stepMs: 2 });
    modem.start();
    assert.ok(await until(() => modem.isOnline(), 60000));
    assert.strictEqual(sim.dtrMode, 1, "AT&D1 was set");
    const sock = modem.connect("127.0.0.1", peer.port);
    const log: string[] = [];
    let got = "";
    sock.on("connect", () => {
      log.push("connect");
      sock.write("ping +++ through DTR");
    });
    sock.on("data", (d: string) => (got += d));
    sock.on("close", (r: string) => log.push("close " + r));
    assert.ok(await until(() => got.length >= 20, 10000), JSON.stringify(got));
    const dtrDrops = () => hal.pinLog.filter((p) => p.pin === "dtr" && !p.active).length;
    const before = dtrDrops();
    sock.end();
    assert.ok(await until(() => log.indexOf("close local") >= 0, 20000), log.join(","));
    assert.strictEqual(got, "ping +++ through DTR");
    assert.strictEqual(peer.all(), "ping +++ through DTR", "no +++ reached the peer");
    assert.ok(dtrDrops() > before, "DTR was dropped to leave data mode");
    const written = hal.wire.hostWritten();
    assert.strictEqual(written.lastIndexOf("+++"), written.indexOf("ping +++") + 5, "the only +++ written was payload");
  });
});
