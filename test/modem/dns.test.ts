// Tests of name resolution through the simulated modem's AT+CDNSGIP: the cache in front, names checked before any byte, answers checked before use.
import * as assert from "assert";
import { createModem } from "../../firmware/app/index";
import { Resolver } from "../../firmware/modem/dns";
import { ModemError } from "../../firmware/modem/errors";
import { BoardDef } from "../../firmware/core/board";
import { createTestHal } from "../../hal/host/test-hal";
import { findBoard } from "../../boards/index";
import { A76xxSim } from "../../tools/sim/index";
import { advance, makeRig, Rig, runUntil, runUntilState, stateOf } from "./rig";

const NAMES = { "example.com": "93.184.216.34", "a.test": "10.1.1.1", "b.test": "10.2.2.2", "c.test": "10.3.3.3" };

describe("DNS through AT+CDNSGIP", () => {
  let sim: A76xxSim;
  let rig: Rig;
  let resolver: Resolver;

  function setup(entries: number, ttlMs: number): void {
    rig = makeRig({ healthCheckMs: 0 });
    sim = new A76xxSim({ clock: rig.hal.clock, startPoweredOn: true, dns: NAMES });
    sim.attach(rig.hal.wire.modem, {}, { toHost: rig.hal.wire.toHost });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    resolver = new Resolver(rig.engine, rig.sched, entries, ttlMs);
  }

  afterEach(() => sim.close());

  /** Resolve `host`; the answer is never given inside the call (it comes from a task or the engine). */
  function resolve(host: string): { err: ModemError | null; ip: string } {
    let out: { err: ModemError | null; ip: string } | undefined;
    resolver.resolve(host, (err, ip) => (out = { err, ip }));
    assert.strictEqual(out, undefined, "answered inside resolve()");
    assert.ok(runUntil(rig.hal.clock, () => out !== undefined, 80000), "no answer for " + JSON.stringify(host));
    return out!;
  }

  function cdnsgipSent(): number {
    return rig.hal.wire.hostLog.filter((r) => r.data.indexOf("AT+CDNSGIP=") === 0).length;
  }

  it("resolves a name once and answers repeats from the cache without a round trip, until the entry expires", () => {
    setup(4, 60000);
    assert.deepStrictEqual(resolve("example.com"), { err: null, ip: "93.184.216.34" });
    assert.deepStrictEqual(resolve("EXAMPLE.com"), { err: null, ip: "93.184.216.34" });
    assert.strictEqual(cdnsgipSent(), 1);
    assert.strictEqual(resolver.hits, 1);
    assert.strictEqual(resolver.queries, 1);
    advance(rig, 61000);
    assert.deepStrictEqual(resolve("example.com"), { err: null, ip: "93.184.216.34" });
    assert.strictEqual(cdnsgipSent(), 2, "an expired entry is looked up again");
  });

  it("needs no look-up for an IPv4 literal", () => {
    setup(4, 60000);
    assert.deepStrictEqual(resolve("127.0.0.1"), { err: null, ip: "127.0.0.1" });
    assert.strictEqual(cdnsgipSent(), 0);
  });

  it("reports a failed look-up with the modem's error code, and caches nothing", () => {
    setup(4, 60000);
    sim.fault.dnsFails(true);
    const r = resolve("example.com");
    assert.strictEqual(r.err!.kind, "dns");
    assert.strictEqual(r.err!.code, 10);
    assert.strictEqual(r.ip, "");
    sim.fault.dnsFails(false);
    assert.deepStrictEqual(resolve("example.com"), { err: null, ip: "93.184.216.34" });
    assert.strictEqual(cdnsgipSent(), 2);
  });

  it("rejects a name that would inject a command, an empty one and an over-long one before any byte is sent", () => {
    setup(4, 60000);
    const before = rig.hal.wire.hostLog.length;
    for (const bad of ['evil"\rAT+CRESET', "", "a".repeat(254), "ex ample.com", "caf\u00e9.fr"]) {
      const r = resolve(bad);
      assert.strictEqual(r.err!.kind, "invalid", JSON.stringify(bad));
      assert.strictEqual(r.ip, "");
    }
    assert.strictEqual(rig.hal.wire.hostLog.length, before);
  });

  it("gives a 'dns' error, never a throw, for a damaged answer (control byte, flipped bit, not an address), and caches nothing (issue 16 item 11)", () => {
    setup(4, 60000);
    const damages: Array<[string, number | undefined]> = [["control", undefined], ["control", 0], ["bit", 7], ["bit", 0], ["10.0.0.256", undefined], ["1.2.3", undefined], ["", undefined]];
    for (const [how, arg] of damages) {
      sim.fault.corruptDns(how, arg);
      const r = resolve("example.com");
      assert.ok(r.err, "damage " + how + " " + arg + " gave " + JSON.stringify(r));
      assert.strictEqual(r.err!.kind, "dns", JSON.stringify(r.err));
      assert.ok(/not an IPv4 address/.test(r.err!.text), r.err!.text);
      assert.strictEqual(r.ip, "");
    }
    assert.strictEqual(rig.sched.stats.errors, 0, "nothing thrown into the scheduler");
    assert.strictEqual(rig.engine.stats.errors, 0, "nothing thrown into the engine");
    assert.deepStrictEqual(resolve("example.com"), { err: null, ip: "93.184.216.34" }, "the damaged answers were not cached");
    assert.strictEqual(cdnsgipSent(), damages.length + 1);
    assert.strictEqual(stateOf(rig), "online", "the modem stays online");
  });

  it("never holds more than its fixed number of entries, replacing the one that expires first", () => {
    setup(2, 60000);
    resolve("a.test");
    advance(rig, 10);
    resolve("b.test");
    advance(rig, 10);
    resolve("c.test"); // replaces a.test, which expires first
    assert.strictEqual(cdnsgipSent(), 3);
    assert.deepStrictEqual(resolve("b.test"), { err: null, ip: "10.2.2.2" });
    assert.deepStrictEqual(resolve("c.test"), { err: null, ip: "10.3.3.3" });
    assert.strictEqual(cdnsgipSent(), 3, "b and c from the cache");
    assert.deepStrictEqual(resolve("a.test"), { err: null, ip: "10.1.1.1" });
    assert.strictEqual(cdnsgipSent(), 4, "a was dropped");
    // Expired names looked up again refresh their own entries: neither pushes the other out.
    advance(rig, 61000);
    resolve("c.test");
    resolve("a.test");
    assert.strictEqual(cdnsgipSent(), 6);
    resolve("c.test");
    resolve("a.test");
    assert.strictEqual(cdnsgipSent(), 6, "both from the cache");
  });

  it("forgets what it knew when clear() is called", () => {
    setup(4, 60000);
    resolve("example.com");
    resolver.clear();
    resolve("example.com");
    assert.strictEqual(cdnsgipSent(), 2);
  });
});

describe("DNS through the Modem (new)", () => {
  it("clears the name cache when the links are lost (the network may have changed)", () => {
    const hal = createTestHal();
    const sim = new A76xxSim({ clock: hal.clock, startPoweredOn: true, dns: NAMES });
    sim.attach(hal.wire.modem, {}, { toHost: hal.wire.toHost });
    try {
      const m = createModem(hal, findBoard("esp32") as BoardDef, { healthCheckMs: 0 });
      m.start();
      assert.ok(runUntil(hal.clock, () => m.isOnline(), 30000));
      const ask = (): string => {
        let ip = "?";
        m.resolve("example.com", (e, a) => (ip = e ? "error " + e.kind : a));
        assert.ok(runUntil(hal.clock, () => ip !== "?", 80000));
        return ip;
      };
      const sent = () => hal.wire.hostLog.filter((r) => r.data.indexOf("AT+CDNSGIP=") === 0).length;
      assert.strictEqual(ask(), "93.184.216.34");
      assert.strictEqual(ask(), "93.184.216.34");
      assert.strictEqual(sent(), 1);
      sim.fault.dropNetwork();
      assert.ok(runUntil(hal.clock, () => m.status().state === "recovering", 2000));
      assert.ok(runUntil(hal.clock, () => m.isOnline(), 20000));
      assert.strictEqual(ask(), "93.184.216.34");
      assert.strictEqual(sent(), 2);
    } finally {
      sim.close();
    }
  });
});
