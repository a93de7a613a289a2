// Tests of the signal/registration parsers and of the IPv4 literal check that spares a DNS look-up.
import * as assert from "assert";
import { isIpv4 } from "../../firmware/core/validate";
import { isRegistered, parseCsq, parseReg, Reg, regName, rssiToDbm } from "../../firmware/modem/status";

describe("signal and registration parsing", () => {
  it("converts CSQ rssi to dBm and treats 99 as unknown", () => {
    assert.strictEqual(rssiToDbm(0), -113);
    assert.strictEqual(rssiToDbm(1), -111);
    assert.strictEqual(rssiToDbm(20), -73);
    assert.strictEqual(rssiToDbm(31), -51);
    assert.strictEqual(rssiToDbm(99), undefined);
    assert.deepStrictEqual(parseCsq("23,99"), { rssi: 23, ber: 99, dbm: -67 });
    assert.deepStrictEqual(parseCsq("99,99"), { rssi: 99, ber: 99, dbm: undefined });
    assert.strictEqual(parseCsq("garbage"), undefined);
    assert.strictEqual(parseCsq(",99"), undefined);
  });

  it("reads registration from query answers and unsolicited codes, including values other than 1 and 5", () => {
    assert.strictEqual(parseReg("0,1", true), Reg.Home);
    assert.strictEqual(parseReg('2,5,"1A2B","01C3D4E5",7', true), Reg.Roaming);
    assert.strictEqual(parseReg("0,2", true), Reg.Searching);
    assert.strictEqual(parseReg("0,3", true), Reg.Denied);
    assert.strictEqual(parseReg("0,11", true), Reg.Other);
    assert.strictEqual(parseReg("0,6", true), Reg.Other);
    assert.strictEqual(parseReg("1", false), Reg.Home);
    assert.strictEqual(parseReg('5,"1A2B","01C3"', false), Reg.Roaming);
    assert.strictEqual(parseReg("x", false), undefined);
    assert.strictEqual(parseReg("1", true), undefined, "a query answer without its <n> field is malformed");
    assert.ok(isRegistered(Reg.Home) && isRegistered(Reg.Roaming) && !isRegistered(Reg.Other) && !isRegistered(Reg.Searching));
    assert.deepStrictEqual([Reg.NotSearching, Reg.Home, Reg.Searching, Reg.Denied, Reg.Unknown, Reg.Roaming, Reg.Other].map(regName), ["not searching", "home", "searching", "denied", "unknown", "roaming", "other"]);
  });
});

describe("IPv4 literals", () => {
  it("recognises dotted quads that need no look-up, and nothing else", () => {
    assert.ok(isIpv4("127.0.0.1"));
    assert.ok(isIpv4("255.255.255.255"));
    assert.ok(!isIpv4("256.0.0.1"));
    assert.ok(!isIpv4("example.com"));
    assert.ok(!isIpv4("1.2.3"));
    assert.ok(!isIpv4("1.2.3.4.5"));
    assert.ok(!isIpv4("1.2.3.-4"));
    assert.ok(!isIpv4("1.2.3.4 "));
    assert.ok(!isIpv4("10.0.\x01.1"));
    assert.ok(!isIpv4("1..3.4"));
  });
});
