// Tests that values headed for AT commands are rejected when they could break or inject a command.
import * as assert from "assert";
import fc from "fast-check";
import { checkApn, checkAuthField, checkHost, checkLength, checkPort, isIpv4, MAX_APN_LENGTH, MAX_AUTH_LENGTH, MAX_HOST_LENGTH } from "../../firmware/core/validate";

describe("input validation", () => {
  it("accepts ordinary host names and IP literals", () => {
    for (const h of ["example.com", "a-b.c_d.org", "117.131.85.139", "localhost", "::1", "fe80::1"]) {
      assert.strictEqual(checkHost(h), undefined, h);
    }
  });

  it("rejects a host name that would inject a second AT command", () => {
    assert.ok(checkHost('a"\rAT+CRESET'));
    assert.ok(checkHost("host\r\n"));
    assert.ok(checkHost('ev"il'));
    assert.ok(checkHost(""));
    assert.ok(checkHost("x".repeat(254)));
    assert.ok(checkHost(42));
  });

  it("rejects every host containing a quote or a control byte (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('"', "\r", "\n", "\x00", "\x1a", "\x1b", ",", " "), fc.string(), (a, bad, b) => {
        return checkHost(a + bad + b) !== undefined;
      }),
    );
  });

  it("accepts ports 1..65535 only (0 where a local port may be chosen by the modem)", () => {
    assert.strictEqual(checkPort(1, false), undefined);
    assert.strictEqual(checkPort(65535, false), undefined);
    assert.ok(checkPort(0, false));
    assert.strictEqual(checkPort(0, true), undefined);
    assert.ok(checkPort(65536, true));
    assert.ok(checkPort(80.5, false));
    assert.ok(checkPort("80", false));
    assert.ok(checkPort(NaN, false));
  });

  it("accepts empty and ordinary APNs and rejects quotes and line ends", () => {
    assert.strictEqual(checkApn(""), undefined);
    assert.strictEqual(checkApn("internet.telekom"), undefined);
    assert.strictEqual(checkApn("iot.1nce.net"), undefined);
    assert.ok(checkApn('apn"\rAT+CRESET'));
    assert.ok(checkApn("a\nb"));
    assert.ok(checkApn(undefined));
  });

  it("rejects credentials with quotes, backslashes or control bytes", () => {
    assert.strictEqual(checkAuthField("user", "guest"), undefined);
    assert.ok(checkAuthField("password", 'pa"ss'));
    assert.ok(checkAuthField("password", "pa\\ss"));
    assert.ok(checkAuthField("password", "pa\rss"));
  });

  it("accepts lengths only as integers in range", () => {
    assert.strictEqual(checkLength("len", 1500, 1, 1500), undefined);
    assert.ok(checkLength("len", 1501, 1, 1500));
    assert.ok(checkLength("len", 0, 1, 1500));
    assert.ok(checkLength("len", 1.5, 1, 1500));
  });

  it("takes only dotted quads of 0..255 as IPv4 literals", () => {
    for (const ok of ["0.0.0.0", "117.131.85.139", "255.255.255.255", "010.1.1.1"]) assert.ok(isIpv4(ok), ok);
    for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", "1..2.3", "1.2.3.4 ", "1.2.3.+4", "1234.1.1.1", "", "example.com"]) assert.ok(!isIpv4(bad), bad);
  });

  it("accepts values exactly as long as the limits and refuses one byte more", () => {
    assert.strictEqual(checkHost("h".repeat(MAX_HOST_LENGTH)), undefined);
    assert.ok(checkHost("h".repeat(MAX_HOST_LENGTH + 1)));
    assert.strictEqual(checkApn("a".repeat(MAX_APN_LENGTH)), undefined);
    assert.ok(checkApn("a".repeat(MAX_APN_LENGTH + 1)));
    assert.strictEqual(checkAuthField("user", "u".repeat(MAX_AUTH_LENGTH)), undefined);
    assert.ok(checkAuthField("user", "u".repeat(MAX_AUTH_LENGTH + 1)));
  });
});
