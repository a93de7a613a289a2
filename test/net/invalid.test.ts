// Invalid inputs: an "invalid" error event before any byte reaches the UART; bad options, and parts that are missing, throw at once (programmer errors).
import * as assert from "assert";
import { createTestHal } from "../../hal/host/test-hal";
import { createModem } from "../../firmware/app/index";
import { server, transparent, tools } from "../../firmware/parts/index";
import { connectTcp, listen, makeRig, record, recordUdp, testBoard } from "./rig";

describe("net: invalid inputs", () => {
  const badHosts = ['a"b', "a\rAT+CRESET", "a\nb", "a\x00b", "a\x1bb", "", "x".repeat(254), 'host",80\rAT+CPOF', "caf\u00e9.example", "\u20ac.example"];
  for (const host of badHosts) {
    it(`rejects host ${JSON.stringify(host).substr(0, 30)} before any byte is sent`, () => {
      const rig = makeRig();
      const before = rig.written();
      const r = record(rig.modem.connect(host, 80));
      rig.run(100);
      assert.deepStrictEqual(r.log, ["error invalid", "close error"]);
      assert.strictEqual(rig.written(), before, "nothing written to the UART");
    });
  }

  it("rejects ports out of range for connect, UDP bind, listen and datagram destinations", () => {
    const rig = makeRig();
    const u = rig.modem.udp(5000);
    const ur = recordUdp(u);
    rig.run(50);
    const before = rig.written();
    const bad = [0, -1, 65536, 1.5, NaN, "80" as unknown as number];
    const logs: string[][] = [];
    for (const p of bad) {
      logs.push(record(rig.modem.connect("10.0.0.1", p)).log);
      logs.push(recordUdp(rig.modem.udp(p)).log);
      logs.push(listen(rig, p).r.log);
      u.send("x", "10.0.0.1", p);
    }
    rig.run(100);
    for (const l of logs) assert.deepStrictEqual(l, ["error invalid", "close error"]);
    // A socket keeps at most four error events waiting (the rest are counted, not queued).
    assert.strictEqual(ur.errors.length + u.errorsDropped, bad.length);
    assert.ok(ur.errors.every((e) => e.kind === "invalid"));
    assert.strictEqual(rig.written(), before);
  });

  it("rejects datagram lengths out of 1..1500 and bad destinations", () => {
    const rig = makeRig();
    const u = rig.modem.udp(5000);
    const r = recordUdp(u);
    rig.run(50);
    const before = rig.written();
    u.send("x".repeat(1501), "10.0.0.1", 53);
    u.send("", "10.0.0.1", 53);
    u.send("ok", 'a"b', 53);
    u.send("ok", "10.0.0.1", 0);
    rig.run(100);
    assert.deepStrictEqual(r.log, ["listening", "error invalid", "error invalid", "error invalid", "error invalid"]);
    assert.strictEqual(rig.written(), before);
  });

  it("rejects bad allowlists, and an empty one (issue 16 item 10: it would admit everyone), before any byte", () => {
    const rig = makeRig();
    const before = rig.written();
    const lists: unknown[] = [[], ["10.0.0.1", "bad\rip"], ['10.0.0.1",0\r'], "10.0.0.1", new Array(17).fill("10.0.0.1")];
    for (const allow of lists) {
      const { r } = listen(rig, 8080, { allow: allow as string[] });
      rig.run(50);
      assert.deepStrictEqual(r.log, ["error invalid", "close error"], JSON.stringify(allow));
    }
    assert.strictEqual(rig.written(), before);
  });

  it("opens 10 links at once (ours from the top) and refuses the 11th with no-link before any byte is sent", () => {
    const rig = makeRig();
    const socks = [];
    for (let i = 0; i < 10; i++) socks.push(connectTcp(rig, "10.0.0." + (i + 1), 80).sock);
    assert.deepStrictEqual(
      socks.map((s) => s.link),
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], // accepted clients get the lowest
    );
    const before = rig.written();
    const r = record(rig.modem.connect("10.0.0.99", 80));
    rig.run(100);
    assert.deepStrictEqual(r.log, ["error no-link", "close error"]);
    assert.strictEqual(rig.written(), before);
  });

  it("refuses requests before the modem is online with kind offline, sending nothing", () => {
    const rig = makeRig({ offline: true });
    const r = record(rig.modem.connect("10.0.0.1", 80));
    const u = recordUdp(rig.modem.udp(5000));
    const s = listen(rig, 8080).r;
    rig.run(100);
    assert.deepStrictEqual(r.log, ["error offline", "close error"]);
    assert.deepStrictEqual(u.log, ["error offline", "close error"]);
    assert.deepStrictEqual(s.log, ["error offline", "close error"]);
    assert.strictEqual(rig.hal.wire.hostLog.length, 0);
  });
});

describe("net: programmer errors throw at once", () => {
  const board = testBoard(10, 4096);
  const make = (o: { [k: string]: unknown }) => () => createModem(createTestHal(), board, Object.assign({ apn: "internet" }, o));

  it("bad or unknown options throw an Error naming the option, before any pin or byte is touched", () => {
    const cases: Array<[{ [k: string]: unknown }, RegExp]> = [
      [{ sendChunkBytes: 1501 }, /sendChunkBytes/],
      [{ readChunkBytes: 0 }, /readChunkBytes/],
      [{ txQueueSlots: 0.5 }, /txQueueSlots/],
      [{ links: 11 }, /links/],
      [{ dataMode: "fast" }, /dataMode/],
      [{ sendChunkSize: 512 }, /sendChunkBytes/], // did you mean
      [{ dataMode: "push", rxRingBytes: 1024 }, /push mode needs at least 1500/],
      [{ escapeGuardMs: 500, dataMode: "transparent", parts: [transparent] }, /escapeGuardMs/],
      [{ escapeGuardMs: 1500 }, /escapeGuardMs/], // an option of a part that is not installed
    ];
    for (const [o, re] of cases) assert.throws(make(o), (e: Error) => e instanceof Error && re.test(e.message), JSON.stringify(o));
  });

  it('dataMode "transparent" without the transparent part throws at createModem', () => {
    assert.throws(make({ dataMode: "transparent" }), /transparent part/);
    assert.throws(make({ dataMode: "transparent", parts: [server, tools] }), /transparent part/);
    assert.doesNotThrow(make({ dataMode: "transparent", parts: [transparent] }));
  });

  it("listen() without the server part throws; with it, it returns a Server", () => {
    const rig = makeRig({ parts: [tools] });
    assert.throws(() => rig.modem.listen(8080), /server part/);
    const withServer = makeRig({ parts: [server] });
    const { srv } = listen(withServer, 8080);
    withServer.run(50);
    assert.strictEqual(srv.state, "listening");
  });
});
