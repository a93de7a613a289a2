// Tests of the signal/registration parsers and the fixed-size DNS cache.
import * as assert from "assert";
import { DnsCache, isIpv4 } from "../../firmware/modem/dns-cache";
import { isRegistered, parseCsq, parseReg, Reg, rssiToDbm } from "../../firmware/modem/status";

describe("signal and registration parsing", () => {
  it("converts CSQ rssi to dBm and treats 99 as unknown", () => {
    assert.strictEqual(rssiToDbm(0), -113);
    assert.strictEqual(rssiToDbm(20), -73);
    assert.strictEqual(rssiToDbm(31), -51);
    assert.strictEqual(rssiToDbm(99), undefined);
    assert.deepStrictEqual(parseCsq("23,99"), { rssi: 23, ber: 99, dbm: -67 });
    assert.deepStrictEqual(parseCsq("99,99"), { rssi: 99, ber: 99, dbm: undefined });
    assert.strictEqual(parseCsq("garbage"), undefined);
  });

  it("reads registration from query answers and unsolicited codes, including values other than 1 and 5", () => {
    assert.strictEqual(parseReg("0,1", true), Reg.Home);
    assert.strictEqual(parseReg("2,5,\"1A2B\",\"01C3D4E5\",7", true), Reg.Roaming);
    assert.strictEqual(parseReg("0,2", true), Reg.Searching);
    assert.strictEqual(parseReg("0,3", true), Reg.Denied);
    assert.strictEqual(parseReg("0,11", true), Reg.Other);
    assert.strictEqual(parseReg("0,6", true), Reg.Other);
    assert.strictEqual(parseReg("1", false), Reg.Home);
    assert.strictEqual(parseReg("5,\"1A2B\",\"01C3\"", false), Reg.Roaming);
    assert.strictEqual(parseReg("x", false), undefined);
    assert.ok(isRegistered(Reg.Home) && isRegistered(Reg.Roaming) && !isRegistered(Reg.Other));
  });
});

describe("DnsCache", () => {
  it("answers from the cache until the entry expires", () => {
    const c = new DnsCache(4, 1000);
    c.put("Example.com", "93.184.216.34", 0);
    assert.strictEqual(c.lookup("example.com", 999), "93.184.216.34");
    assert.strictEqual(c.lookup("example.com", 1000), undefined);
    assert.strictEqual(c.hits, 1);
    assert.strictEqual(c.misses, 1);
  });

  it("never holds more than its fixed number of entries, replacing the one that expires first", () => {
    const c = new DnsCache(2, 1000);
    c.put("a", "1.1.1.1", 0);
    c.put("b", "2.2.2.2", 10);
    c.put("c", "3.3.3.3", 20);
    assert.strictEqual(c.size(), 2);
    assert.strictEqual(c.lookup("a", 30), undefined);
    assert.strictEqual(c.lookup("b", 30), "2.2.2.2");
    assert.strictEqual(c.lookup("c", 30), "3.3.3.3");
    c.put("b", "4.4.4.4", 40);
    assert.strictEqual(c.size(), 2);
    assert.strictEqual(c.lookup("b", 50), "4.4.4.4");
  });

  it("recognises IPv4 literals that need no lookup", () => {
    assert.ok(isIpv4("127.0.0.1"));
    assert.ok(!isIpv4("256.0.0.1"));
    assert.ok(!isIpv4("example.com"));
    assert.ok(!isIpv4("1.2.3"));
  });
});
