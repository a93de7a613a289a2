// Engine behaviour: timeouts and late answers, resynchronisation, stall reporting, noise, queue bounds, re-entrancy, errors.
import * as assert from "assert";
import { makeRig } from "./helpers";
import { at, cipSend, cipOpen, isSafeQuoted } from "../../firmware/at/command";
import { AtEngine, defaultAtEngineOptions } from "../../firmware/at/engine";
import { AtResult } from "../../firmware/at/command";
import {
  ASYNC_ERROR_TEXTS,
  IP_ERROR_TEXTS,
  asyncErrorCode,
  asyncErrorText,
  ipErrorCode,
  ipErrorText,
  modemError,
} from "../../firmware/at/errors";
import { AtScriptRunner } from "../../firmware/at/script";
import { createTestHal } from "../../hal/host/test-hal";
import { Scheduler, defaultSchedulerOptions } from "../../firmware/core/scheduler";

describe("AT engine: timeouts and late answers", () => {
  it("times a silent command out at its deadline and resynchronises before the next command", () => {
    const r = makeRig();
    r.modem.on("AT+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
    r.modem.on("AT+CSQ", "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    const slow = r.submit(at("+COPS=?", undefined, 1000));
    const next = r.submit({ request: "AT+CSQ", matches: ["+CSQ:"], timeoutMs: 1000 });
    r.run(999);
    assert.equal(slow.result, undefined);
    r.run(2);
    assert.deepStrictEqual(slow.result && slow.result.error, { kind: "timeout", code: -1, text: "no answer to AT+COPS=?" });
    r.run(50);
    assert.deepStrictEqual(r.modem.commands, ["AT+COPS=?", "AT+CMEE?", "AT+CSQ"]);
    assert.deepStrictEqual(next.result && next.result.lines, ["+CSQ: 20,99"]);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+COPS=?"]);
  });

  it("never lets a late answer complete the next command", () => {
    const r = makeRig();
    // The modem is slow: the answer to COPS comes after its timeout, before the probe's answer.
    r.modem.on("AT+COPS=?", (c, m) => m.later(1200, '\r\n+COPS: (2,"Operator","Op","26201",7)\r\n\r\nOK\r\n'));
    r.modem.on("AT+CMEE?", (c, m) => m.later(400, "\r\n+CMEE: 1\r\n\r\nOK\r\n"));
    // The next command gets no answer at all: it must time out, not take the late OK.
    const slow = r.submit(at("+COPS=?", ["+COPS:"], 1000));
    const next = r.submit(at("+CGMR", [""], 500));
    r.run(1450);
    assert.strictEqual(slow.result && slow.result.error && slow.result.error.kind, "timeout");
    assert.equal(next.result, undefined, "the late OK did not answer it");
    assert.strictEqual(r.engine.stats.lateFinals, 1);
    assert.deepStrictEqual(r.log.all().slice(1), ['urc +COPS: (2,"Operator","Op","26201",7)'], "the late information line went to the URC table");
    r.run(600);
    assert.strictEqual(next.result && next.result.error && next.result.error.kind, "timeout");
  });

  it("reports each timeout with a consecutive count and stalls after stallAfterTimeouts, failing the queue", () => {
    const r = makeRig({ engine: { stallAfterTimeouts: 3, syncTimeoutMs: 500 } });
    const a = r.submit(at("", undefined, 1000));
    const b = r.submit(at("+CSQ", undefined, 1000));
    r.run(1000 + 500 + 500 + 10);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT", "timeout 2 AT+CMEE?", "timeout 3 AT+CMEE?", "stall 3"]);
    assert.strictEqual(a.result && a.result.error && a.result.error.kind, "timeout");
    assert.strictEqual(b.result && b.result.error && b.result.error.kind, "stalled");
    assert.ok(r.engine.stalled());
    assert.strictEqual(r.engine.submit(at("", undefined, 100), undefined), false, "a stalled engine refuses commands");
    assert.deepStrictEqual(r.modem.commands, ["AT", "AT+CMEE?", "AT+CMEE?"]);
    // The supervisor power-cycles the module, then resets the engine.
    r.modem.on("AT", "\r\nOK\r\n");
    r.engine.reset();
    const c = r.submit(at("", undefined, 1000));
    r.run(20);
    assert.strictEqual(c.result && c.result.error, null);
  });

  it("restarts the consecutive count when the modem answers a command", () => {
    const r = makeRig({ engine: { stallAfterTimeouts: 2 } });
    r.modem.on("AT+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
    r.modem.on("AT", "\r\nOK\r\n");
    r.submit(at("+X", undefined, 100));
    r.run(150);
    r.submit(at("", undefined, 100));
    r.run(20);
    r.submit(at("+X", undefined, 100));
    r.run(150);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+X", "timeout 1 AT+X"]);
    assert.ok(!r.engine.stalled());
  });

  it("completes a command in flight and queued ones with kind reset on reset()", () => {
    const r = makeRig();
    const a = r.submit(at("+X", undefined, 1000));
    const b = r.submit(at("+Y", undefined, 1000));
    r.run(5);
    r.engine.reset();
    assert.strictEqual(a.result && a.result.error && a.result.error.kind, "reset");
    assert.strictEqual(b.result && b.result.error && b.result.error.kind, "reset");
    r.run(2000);
    assert.deepStrictEqual(r.log.all(), [], "the old command's timer is gone");
  });

  it("aborts a command on a line of its abort table and resynchronises", () => {
    const r = makeRig();
    r.modem.on("AT+CIPSEND=0,3", "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
    r.modem.on("AT+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
    const cmd = cipSend(0, "abc", "", 0);
    cmd.abort = ["+CIPEVENT:"];
    const s = r.submit(cmd);
    const n = r.submit(at("+CMEE?", ["+CMEE:"], 1000));
    r.modem.once("AT+CMEE?", "\r\nERROR\r\n\r\n+CMEE: 1\r\n\r\nOK\r\n");
    r.run(50);
    assert.deepStrictEqual(s.result && s.result.error, { kind: "aborted", code: -1, text: "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY" });
    assert.strictEqual(r.engine.stats.lateFinals, 1, "the stray ERROR during the probe was dropped");
    assert.strictEqual(n.result && n.result.error, null);
  });

  it("cancels a late prompt with ESC before the probe when a send timed out waiting for its prompt", () => {
    const r = makeRig();
    r.modem.on("AT+CIPSEND=0,3", () => undefined);
    r.modem.on("\x1bAT+CMEE?", (c, m) => m.send("\r\n> \r\n+CMEE: 1\r\n\r\nOK\r\n"));
    r.modem.on("AT", "\r\nOK\r\n");
    const s = r.submit(cipSend(0, "abc", "", 0));
    const n = r.submit(at("", undefined, 1000));
    r.run(200000);
    assert.strictEqual(s.result && s.result.error && s.result.error.kind, "timeout");
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CIPSEND=0,3\r\x1bAT+CMEE?\rAT\r");
    assert.strictEqual(n.result && n.result.error, null);
    assert.deepStrictEqual(r.modem.payloads, [], "the payload was never sent");
  });

  it("fails a prompt command the modem answers with OK instead of a prompt", () => {
    const r = makeRig();
    r.modem.on("AT+CIPSEND=0,3", "\r\nOK\r\n");
    const s = r.submit(cipSend(0, "abc", "", 0));
    r.run(20);
    assert.strictEqual(s.result && s.result.error && s.result.error.kind, "noPrompt");
    assert.deepStrictEqual(r.modem.payloads, []);
  });
});

describe("AT engine: noise and resynchronisation", () => {
  it("passes garbage from a baud mismatch to the default handler and keeps answering commands", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.modem.send("\xf3\xfa\xff\xf0\r\n\xfe\xfd\r\n\x00\x00");
    r.run(10);
    const a = r.submit(at("", undefined, 1000));
    r.run(20);
    assert.strictEqual(a.result && a.result.error, null);
    assert.deepStrictEqual(r.log.all(), ["urc \\xf3\\xfa\\xff\\xf0", "urc \\xfe\\xfd", "urc \\x00\\x00"], "garbage lines end at the next line end");
  });

  it("drops an over-long line in a response, reports it, and still completes the command", () => {
    const r = makeRig({ engine: { ringBytes: 128 } });
    r.modem.on("ATI", "\r\nManufacturer: SIMCOM\r\n\r\n" + "x".repeat(400) + "\r\n\r\nModel: A7670E\r\n\r\nOK\r\n");
    const q = r.submit(at("I", [""], 1000));
    r.run(50);
    assert.deepStrictEqual(q.result && q.result.lines, ["Manufacturer: SIMCOM", "Model: A7670E"]);
    assert.deepStrictEqual(r.log.all(), ["overflow"]);
    assert.strictEqual(r.engine.parser.stats.overflows, 1);
  });

  it("gives the same results for every chunking of the modem's output (1, 2, 7, 64 bytes)", () => {
    const outcomes: string[] = [];
    for (const chunk of [1, 2, 7, 64]) {
      const r = makeRig({ toHostChunk: chunk });
      r.modem.on("AT+CIPSEND=1,4", (c, m) => {
        m.send("\r\n+RECV FROM:1.2.3.4:5\r\n+IPD6\r\nOK\r\n>\r\n\r\n> ");
        m.expectPayload(4, () => m.send("\r\nOK\r\n\r\n+CIPRXGET: 1,1\r\n\r\n+CIPSEND: 1,4,4\r\n"));
      });
      r.modem.on("AT+CIPRXGET=2,1,3", "\r\n+CIPRXGET: 2,1,3,0\r\n\r\n\r\r\nOK\r\n");
      const s = r.submit(cipSend(1, "ping", "", 0));
      const g = r.submit({ request: "AT+CIPRXGET=2,1,3", timeoutMs: 1000 });
      r.run(200);
      outcomes.push(JSON.stringify([s.result, g.result, r.log.all()]));
    }
    assert.strictEqual(new Set(outcomes).size, 1, outcomes.join("\n"));
  });
});

describe("AT engine: queue, re-entrancy and options", () => {
  it("bounds the queue: submit returns false when queueSize commands wait", () => {
    const r = makeRig({ engine: { queueSize: 2 } });
    assert.strictEqual(r.submit(at("", undefined, 100)).accepted, true);
    assert.strictEqual(r.submit(at("", undefined, 100)).accepted, true);
    assert.strictEqual(r.submit(at("", undefined, 100)).accepted, false);
    assert.strictEqual(r.engine.queued(), 2);
  });

  it("a completion callback that submits the next command does not let the rest of the chunk answer it", () => {
    const r = makeRig({ toHostChunk: 256 });
    // One chunk carries the first OK and a stray second OK.
    r.modem.on("AT+A", "\r\nOK\r\n\r\nOK\r\n");
    r.modem.on("AT+B", (c, m) => m.later(50, "\r\n+B: 1\r\n\r\nOK\r\n"));
    let second: { result: AtResult | undefined } = { result: undefined };
    let busyInside = true;
    let writtenInside = -1;
    r.engine.submit(at("+A", undefined, 1000), () => {
      busyInside = r.engine.busy();
      second = r.submit(at("+B", ["+B:"], 1000));
      writtenInside = r.hal.wire.hostLog.length;
    });
    r.run(20);
    assert.strictEqual(busyInside, false);
    assert.strictEqual(writtenInside, 1, "the next command is not written from inside the callback");
    assert.equal(second.result, undefined, "the stray OK in the same chunk did not answer it");
    assert.strictEqual(r.engine.stats.strayFinals, 1);
    r.run(100);
    assert.deepStrictEqual(second.result && second.result.lines, ["+B: 1"]);
  });

  it("catches and counts a throwing callback or URC handler", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\n+BOOM\r\n\r\nOK\r\n");
    r.engine.onUrc("+BOOM", () => {
      throw new Error("handler bug");
    });
    r.engine.submit(at("", undefined, 1000), () => {
      throw new Error("callback bug");
    });
    const b = r.submit(at("", undefined, 1000));
    r.run(50);
    assert.strictEqual(r.engine.stats.callbackErrors, 1);
    assert.strictEqual(r.engine.urcTable().handlerErrors, 2, "one +BOOM per AT");
    assert.strictEqual(b.result && b.result.error, null);
  });

  it("routes URCs to the longest registered prefix and unknown ones to the default handler", () => {
    const r = makeRig();
    const got: string[] = [];
    r.engine.onUrc("+CIPRXGET:", (l) => got.push("any " + l));
    r.engine.onUrc("+CIPRXGET: 1,", (l) => got.push("notice " + l));
    r.modem.send("\r\n+CIPRXGET: 1,3\r\n\r\n+CIPRXGET: 4,3,0\r\n\r\nRING\r\n");
    r.run(20);
    assert.deepStrictEqual(got, ["notice +CIPRXGET: 1,3", "any +CIPRXGET: 4,3,0"]);
    assert.deepStrictEqual(r.log.all(), ["urc RING"]);
    assert.ok(r.engine.offUrc("+CIPRXGET:"));
  });

  it("rejects nonsense options and malformed commands with RangeError, and unsafe strings in builders", () => {
    const hal = createTestHal();
    const sched = new Scheduler(hal.clock, defaultSchedulerOptions);
    const mk = (o: object) => new AtEngine(hal.uart, hal.codec, sched, Object.assign({}, defaultAtEngineOptions, o), {});
    assert.throws(() => mk({ queueSize: 0 }), RangeError);
    assert.throws(() => mk({ ringBytes: 8 }), RangeError);
    assert.throws(() => mk({ maxInfoLines: 1.5 }), RangeError);
    assert.throws(() => mk({ syncRequest: "AT\r" }), RangeError);
    assert.throws(() => mk({ urcSlots: 0 }), RangeError);
    const e = mk({});
    assert.throws(() => e.submit({ request: "AT\rAT+CRESET", timeoutMs: 100 }, undefined), RangeError);
    assert.throws(() => e.submit({ request: "AT", timeoutMs: 0 }, undefined), RangeError);
    assert.throws(() => e.onUrc("", () => undefined), RangeError);
    assert.strictEqual(isSafeQuoted('a"\rAT+CRESET'), false);
    assert.throws(() => cipOpen(1, "TCP", 'a"\rAT+CRESET', 80, 0, false), RangeError);
    assert.throws(() => cipOpen(10, "TCP", "a", 80, 0, false), RangeError);
  });

  it("stops a script at the first failing step and reports its index", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.modem.on("AT+BAD", "\r\n+CME ERROR: 4\r\n");
    let out: unknown;
    new AtScriptRunner(r.engine, r.sched).run(
      {
        name: "s",
        steps: [
          { request: "AT", timeoutMs: 100 },
          { request: "AT+BAD", timeoutMs: 100, optional: true },
          { request: "AT+BAD", timeoutMs: 100 },
          { request: "AT", timeoutMs: 100 },
        ],
      },
      undefined,
      (err, step) => {
        out = [err, step];
      },
    );
    r.run(100);
    assert.deepStrictEqual(out, [{ kind: "cme", code: 4, text: "operation not supported" }, 2]);
    assert.deepStrictEqual(r.modem.commands, ["AT", "AT+BAD", "AT+BAD"]);
  });
});

describe("AT errors: section 6 tables", () => {
  it("maps every +IP ERROR and <err> number to its text and back", () => {
    for (let n = 0; n < IP_ERROR_TEXTS.length; n++) assert.strictEqual(ipErrorCode(ipErrorText(n)), n);
    for (let n = 0; n < ASYNC_ERROR_TEXTS.length; n++) assert.strictEqual(asyncErrorCode(asyncErrorText(n)), n);
    assert.strictEqual(IP_ERROR_TEXTS.length, 23);
    assert.strictEqual(ASYNC_ERROR_TEXTS.length, 13);
  });

  it("fills in the missing half from the table, whichever the modem gave", () => {
    assert.deepStrictEqual(modemError("ip", "22"), { kind: "ip", code: 22, text: "No data" });
    assert.deepStrictEqual(modemError("ip", "No data"), { kind: "ip", code: 22, text: "No data" });
    assert.deepStrictEqual(modemError("ip", "something new"), { kind: "ip", code: -1, text: "something new" });
    assert.deepStrictEqual(modemError("ip", "99"), { kind: "ip", code: 99, text: "99" });
    assert.deepStrictEqual(modemError("async", "11"), { kind: "async", code: 11, text: "DNS parse failed" });
    assert.deepStrictEqual(modemError("cme", "SIM busy"), { kind: "cme", code: 14, text: "SIM busy" });
  });
});
