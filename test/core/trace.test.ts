// Tests of the AT trace: line format (timestamp, direction, payload summary with length and escaped preview) and that nothing is formatted when it is off.
import * as assert from "assert";
import { escapeBytes, makeTracer } from "../../firmware/core/trace";
import { cmd } from "../../firmware/at/command";
import { makeRig, TestBorrower } from "../at/helpers";

describe("AT trace", () => {
  it("escapes CR, LF, TAB, backslash, quote and non-printable bytes, and cuts at max with ...", () => {
    assert.strictEqual(escapeBytes('a\r\n\t\\"\x00\x1b\x7f\xff~ ', 100), 'a\\r\\n\\t\\\\\\"\\x00\\x1b\\x7f\\xff~ ');
    assert.strictEqual(escapeBytes("abcdef", 3), "abc...");
    assert.strictEqual(escapeBytes("abc", 3), "abc");
    assert.strictEqual(escapeBytes("", 3), "");
  });

  it("formats a line as seconds with three decimals, direction and escaped text", () => {
    const out: string[] = [];
    let t = 12345.4;
    const tr = makeTracer(
      () => t,
      (l) => out.push(l),
    );
    tr(">", "AT+CIPRXGET=2,9,1460", false);
    t = 12351;
    tr("<", "+CIPRXGET: 2,9,1460,0", false);
    tr("*", "data mode on", false);
    assert.deepStrictEqual(out, ["12.345 > AT+CIPRXGET=2,9,1460", "12.351 < +CIPRXGET: 2,9,1460,0", "12.351 * data mode on"]);
  });

  it("summarises payload bytes as their length and an escaped preview of 24 bytes", () => {
    const out: string[] = [];
    const tr = makeTracer(
      () => 0,
      (l) => out.push(l),
    );
    const body = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n" + "x".repeat(1423);
    tr("<", body, true);
    tr(">", "hi\x1a", true);
    tr("<", "", true);
    assert.deepStrictEqual(out, ['0.000 < [1460 B] "GET / HTTP/1.1\\r\\nHost: ex..."', '0.000 > [3 B] "hi\\x1a"', '0.000 < [0 B] ""']);
  });

  it("cuts a long line at 200 bytes", () => {
    const out: string[] = [];
    makeTracer(
      () => 0,
      (l) => out.push(l),
    )("<", "L".repeat(300), false);
    assert.strictEqual(out[0], "0.000 < " + "L".repeat(200) + "...");
  });

  it("traces the engine's commands, answers, payloads, strays' finals and mode changes in order", () => {
    const r = makeRig();
    const out: string[] = [];
    r.engine.trace = makeTracer(
      () => r.hal.clock.now(),
      (l) => out.push(l.substr(l.indexOf(" ") + 1)),
    );
    r.modem.on("AT+CIPSEND=1,3", (c, m) => {
      m.send("\r\n> ");
      m.expectPayload(3, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 1,3,3\r\n\r\n+IPD4\r\nabcd"));
    });
    r.modem.on("AT+X", () => undefined);
    r.modem.on("AT+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
    r.submit({ request: "AT+CIPSEND=1,3", payload: "a\rb", async: "+CIPSEND: 1,", timeout: 1000 });
    r.run(50);
    r.submit(cmd("AT+X", 100));
    r.run(200);
    const b = new TestBorrower();
    r.engine.borrow(b);
    r.engine.giveBack(false);
    assert.deepStrictEqual(out, [
      "> AT+CIPSEND=1,3\\r",
      '> [3 B] "a\\rb"',
      "< OK",
      "< +CIPSEND: 1,3,3",
      '< [4 B] "abcd"',
      "> AT+X\\r",
      "* timeout: AT+X",
      "> AT+CMEE?\\r",
      "< +CMEE: 1",
      "< OK",
      "* data mode on",
      "* data mode off",
    ]);
  });

  it("formats nothing and asks the clock nothing when off", () => {
    const r = makeRig();
    let formatted = 0;
    let clockReads = 0;
    r.engine.trace = makeTracer(
      () => {
        clockReads++;
        return 0;
      },
      () => formatted++,
    );
    r.engine.trace = undefined;
    r.modem.on("AT+CSQ", "\r\n+CSQ: 1,1\r\n\r\nOK\r\n\r\n+IPD3\r\nabc");
    r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(50);
    assert.strictEqual(r.log.payloads.length, 1);
    assert.strictEqual(formatted, 0);
    assert.strictEqual(clockReads, 0);
  });
});
