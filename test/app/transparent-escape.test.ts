// Transparent mode never lets payload or a rejected client turn into AT commands, and it always gets back to command mode (+++ or DTR).
import * as assert from "assert";
import { Socket } from "../../firmware/app/index";
import { listen, makeRig, record as recordFake } from "../net/rig";
import { boot, closeAll, peer, record, World } from "./sim-world";

const closers: Array<() => unknown> = [];

async function session(echo: boolean, opts?: { [k: string]: unknown }): Promise<{ w: World; sock: Socket; log: string[]; got: () => string; p: Awaited<ReturnType<typeof peer>> }> {
  const p = await peer(closers, echo);
  const w = await boot({ mode: "transparent", baud: 115200, chunk: 64, opts, trace: true }, closers);
  const sock = w.modem.connect("127.0.0.1", p.port);
  const r = record(w, sock);
  assert.ok(await w.until(() => r.log.length > 0, 5000));
  assert.deepStrictEqual(r.log, ["connect"]);
  return { w, sock, log: r.log, got: () => r.data, p };
}

describe("transparent mode escapes", function () {
  this.timeout(30000);
  afterEach(() => closeAll(closers));

  it("sends '+' written one byte at a time after a silence as data, never as the +++ escape", async () => {
    const s = await session(false);
    await s.w.pump(2000); // a guard silence
    s.sock.write("+");
    await s.w.pump(100);
    s.sock.write("+");
    await s.w.pump(100);
    s.sock.write("+");
    await s.w.pump(3000);
    s.sock.write("ATI\r");
    assert.ok(await s.w.until(() => s.p.all().length >= 7, 5000), JSON.stringify(s.p.all()));
    await s.w.pump(500);
    assert.strictEqual(s.p.all(), "+++ATI\r");
    assert.strictEqual(s.got(), "", "the module never answered as if in command mode");
    assert.ok(s.w.modem.engine.borrowed());
  });

  it("waits for the bulk data to leave the wire before the +++ guard silence when closing", async () => {
    const s = await session(true);
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
    assert.ok(await s.w.until(() => off === payload.length, 20000));
    s.sock.end();
    assert.ok(await s.w.until(() => s.log.indexOf("close local") >= 0, 30000), s.log.join(","));
    assert.ok(s.p.all() === payload, "exactly the payload reached the peer: no '+++' in it");
  });

  it("closes a client the allowlist rejects without writing any command into its data stream", () => {
    const rig = makeRig({ mode: "transparent" });
    const { srv, r } = listen(rig, 8080, { allow: ["10.9.9.9"] });
    rig.run(100);
    assert.strictEqual(srv.index, 0);
    rig.fake.acceptClient(0, 0, "6.6.6.6", 40000);
    rig.run(20000);
    assert.strictEqual(rig.fake.links[0].sent, "", "the rejected peer received nothing");
    assert.strictEqual(rig.fake.links[0].open, false, "the module closed the link");
    assert.ok(!rig.engine.stalled());
    assert.ok(!rig.engine.borrowed());
    assert.deepStrictEqual(r.rejected, ["6.6.6.6:40000"]);
    assert.strictEqual(srv.rejected, 1);
  });

  it("stop() while the link is in data mode escapes first and reaches off", () => {
    const rig = makeRig({ mode: "transparent" });
    const sock = rig.modem.connect("10.1.1.1", 7000);
    const r = recordFake(sock);
    rig.until(() => r.log.length > 0, 2000);
    assert.ok(rig.engine.borrowed());
    rig.modem.stop(true);
    assert.ok(rig.until(() => rig.modem.status().state === "off", 30000), rig.modem.status().state);
    assert.deepStrictEqual(r.log, ["connect", "close stop"]);
    assert.strictEqual(rig.fake.escapes.length, 1, "one escape, then commands");
    assert.strictEqual(rig.fake.commands[rig.fake.commands.length - 1], "AT+NETCLOSE");
    assert.strictEqual(rig.fake.links[0].sent, "", "no command went to the peer");
  });
});

describe("transparent mode with DTR", function () {
  this.timeout(30000);
  afterEach(() => closeAll(closers));

  it("leaves data mode by dropping DTR (AT&D1 set at bring-up), without sending +++, and closes cleanly", async () => {
    const s = await session(true, { escapeWithDtr: true });
    assert.strictEqual(s.w.sim.dtrMode, 1, "AT&D1 was set");
    s.sock.write("ping +++ through DTR");
    assert.ok(await s.w.until(() => s.got().length >= 20, 10000), JSON.stringify(s.got()));
    const dtrDrops = () => s.w.hal.pinLog.filter((p) => p.pin === "dtr" && !p.active).length;
    const before = dtrDrops();
    s.sock.end();
    assert.ok(await s.w.until(() => s.log.indexOf("close local") >= 0, 20000), s.log.join(","));
    assert.strictEqual(s.got(), "ping +++ through DTR");
    assert.strictEqual(s.p.all(), "ping +++ through DTR", "no +++ reached the peer");
    assert.ok(dtrDrops() > before, "DTR was dropped to leave data mode");
    const written = s.w.hal.wire.hostWritten();
    assert.strictEqual(written.lastIndexOf("+++"), written.indexOf("ping +++") + 5, "the only +++ written was payload");
  });
});
