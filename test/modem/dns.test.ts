// Tests of name resolution through the simulated modem's AT+CDNSGIP, with the cache in front.
import * as assert from "assert";
import { Resolver } from "../../firmware/modem/dns";
import { DnsCache } from "../../firmware/modem/dns-cache";
import { ModemError } from "../../firmware/modem/errors";
import { ModemState } from "../../firmware/modem/supervisor";
import { A76xxSim } from "../../tools/sim/index";
import { makeRig, Rig, runUntilState } from "./rig";

describe("DNS through AT+CDNSGIP", () => {
  let sim: A76xxSim;
  let rig: Rig;
  let resolver: Resolver;

  beforeEach(() => {
    rig = makeRig({ healthCheckMs: 0 });
    sim = new A76xxSim({ clock: rig.hal.clock, startPoweredOn: true, dns: { "example.com": "93.184.216.34" } });
    sim.attach(rig.hal.wire.modem, {}, { toHost: rig.hal.wire.toHost });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    resolver = new Resolver(rig.engine, rig.sched, new DnsCache(4, 60000));
  });

  afterEach(() => sim.close());

  function resolve(host: string): { err: ModemError | null; ip: string } {
    let out: { err: ModemError | null; ip: string } | undefined;
    resolver.resolve(host, (err, ip) => (out = { err, ip }));
    assert.ok(rig.hal.clock.runUntil(() => out !== undefined, 80000), "no answer for " + host);
    return out!;
  }

  function cdnsgipSent(): number {
    return rig.hal.wire.hostLog.filter((r) => r.data.indexOf("AT+CDNSGIP=") === 0).length;
  }

  it("resolves a name once and answers repeats from the cache without a round trip", () => {
    assert.deepStrictEqual(resolve("example.com"), { err: null, ip: "93.184.216.34" });
    assert.deepStrictEqual(resolve("EXAMPLE.com"), { err: null, ip: "93.184.216.34" });
    assert.strictEqual(cdnsgipSent(), 1);
    assert.strictEqual(resolver.cache.hits, 1);
    rig.hal.clock.advance(61000);
    assert.deepStrictEqual(resolve("example.com"), { err: null, ip: "93.184.216.34" });
    assert.strictEqual(cdnsgipSent(), 2, "an expired entry is looked up again");
  });

  it("needs no look-up for an IPv4 literal", () => {
    assert.deepStrictEqual(resolve("127.0.0.1"), { err: null, ip: "127.0.0.1" });
    assert.strictEqual(cdnsgipSent(), 0);
  });

  it("reports a failed look-up with the modem's error code", () => {
    sim.fault.dnsFails(true);
    const r = resolve("example.com");
    assert.strictEqual(r.err!.kind, "dns");
    assert.strictEqual(r.err!.code, 10);
  });

  it("rejects a name that would inject a command before any byte is sent", () => {
    const before = rig.hal.wire.hostLog.length;
    const r = resolve('evil"\rAT+CRESET');
    assert.strictEqual(r.err!.kind, "invalid");
    assert.strictEqual(rig.hal.wire.hostLog.length, before);
  });
});
