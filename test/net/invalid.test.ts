// Invalid inputs: a clear error value before any byte reaches the UART; nonsense sizes are RangeErrors at construction.
import * as assert from "assert";
import { SocketTable } from "../../firmware/net/table";
import { socketOptionsWithDefaults } from "../../firmware/net/options";
import { connectTcp, makeRig, Owner, SrvOwner } from "./rig";

describe("net: invalid inputs", () => {
  const badHosts = ['a"b', "a\rAT+CRESET", "a\nb", "a\x00b", "a\x1bb", "", "x".repeat(254), 'host",80\rAT+CPOF'];
  for (const host of badHosts) {
    it(`rejects host ${JSON.stringify(host).substr(0, 30)} before any byte is sent`, () => {
      const rig = makeRig();
      const before = rig.hal.wire.hostLog.length;
      const r = rig.table.openTcp(host, 80, new Owner(rig));
      assert.strictEqual(typeof r === "object" && r.kind, "invalid");
      rig.run(100);
      assert.strictEqual(rig.hal.wire.hostLog.length, before, "nothing written to the UART");
    });
  }

  it("rejects ports out of range for connect, UDP bind, listen and datagram destinations", () => {
    const rig = makeRig();
    const before = rig.hal.wire.hostLog.length;
    for (const p of [0, -1, 65536, 1.5, NaN, "80" as unknown as number]) {
      const a = rig.table.openTcp("10.0.0.1", p, new Owner(rig));
      assert.strictEqual(typeof a === "object" && a.kind, "invalid", "connect port " + p);
      const b = rig.table.openUdp(p, new Owner(rig));
      assert.strictEqual(typeof b === "object" && b.kind, "invalid", "udp port " + p);
      const c = rig.table.listen(p, new SrvOwner(rig), undefined);
      assert.strictEqual(typeof c === "object" && c.kind, "invalid", "listen port " + p);
    }
    rig.run(100);
    assert.strictEqual(rig.hal.wire.hostLog.length, before);
  });

  it("rejects datagram lengths out of 1..1500, bad destinations and bad allowlists", () => {
    const rig = makeRig();
    const u = new Owner(rig, true);
    u.link = rig.table.openUdp(5000, u) as number;
    rig.run(50);
    const before = rig.hal.wire.hostLog.length;
    for (const [data, host, port] of [
      ["x".repeat(1501), "10.0.0.1", 53],
      ["ok", 'a"b', 53],
      ["ok", "10.0.0.1", 0],
    ] as Array<[string, string, number]>) {
      const r = rig.table.write(u.link, u, data, host, port);
      assert.strictEqual(typeof r === "object" && r.kind, "invalid");
    }
    const l = rig.table.listen(8080, new SrvOwner(rig), ["10.0.0.1", "bad\rip"]);
    assert.strictEqual(typeof l === "object" && l.kind, "invalid");
    rig.run(100);
    assert.strictEqual(rig.hal.wire.hostLog.length, before);
  });

  it("opens 10 links at once and refuses the 11th with no-link before any byte is sent", () => {
    const rig = makeRig();
    const owners: Owner[] = [];
    for (let i = 0; i < 10; i++) owners.push(connectTcp(rig, "10.0.0." + (i + 1), 80));
    assert.deepStrictEqual(
      owners.map((o) => o.link),
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], // ours are taken from the top (accepted clients get the lowest)
    );
    const before = rig.hal.wire.hostLog.length;
    const r = rig.table.openTcp("10.0.0.99", 80, new Owner(rig));
    assert.strictEqual(typeof r === "object" && r.kind, "no-link");
    rig.run(100);
    assert.strictEqual(rig.hal.wire.hostLog.length, before);
  });

  it("refuses requests while offline with kind offline, sending nothing", () => {
    const rig = makeRig({ offline: true });
    const r = rig.table.openTcp("10.0.0.1", 80, new Owner(rig));
    assert.strictEqual(typeof r === "object" && r.kind, "offline");
    rig.run(100);
    assert.strictEqual(rig.hal.wire.hostLog.length, 0);
  });

  it("throws RangeError for nonsense sizes (programmer error)", () => {
    const rig = makeRig();
    for (const bad of [{ rxRingBytes: 10 }, { sendChunkBytes: 1501 }, { readChunkBytes: 0 }, { txQueueSlots: 0.5 }, { escapeGuardMs: 500 }]) {
      assert.throws(() => new SocketTable(rig.engine, rig.hal.uart, rig.hal.codec, rig.sched, socketOptionsWithDefaults(bad), { resolve() {}, networkError() {}, baud: () => 115200 }, undefined), RangeError, JSON.stringify(bad));
    }
  });
});
