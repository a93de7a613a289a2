// Engine behaviour: deadlines and late answers, the prompt deadline, hurry/hold, strays and need, rotating probes, data mode, reads, noise, queue, re-entrancy.
import * as assert from "assert";
import { Box, kindOf, makeRig, Rig, TestBorrower } from "./helpers";
import { AtCommand, AtResult, cmd, lineAfter, printable } from "../../firmware/at/command";
import { atError, parseUint } from "../../firmware/at/errors";
import { Plan, Reply, Rng, ScriptedModule, TAG_PROBE } from "./scripted-module";

const CMEE = "\r\n+CMEE: 1\r\n\r\nOK\r\n";

function send(l: number, data: string, timeout?: number): AtCommand {
  return { request: "AT+CIPSEND=" + l + "," + data.length, payload: data, async: "+CIPSEND: " + l + ",", timeout: timeout || 5000 };
}

function read(l: number, max: number): AtCommand {
  return { request: "AT+CIPRXGET=2," + l + "," + max, timeout: 2000, readLink: l, readMax: max };
}

/** Answer every probe at once (the module is in step). */
function probesAnswered(r: Rig): void {
  r.modem.on("AT+CMEE?", CMEE);
  r.modem.on("AT+CIPHEAD?", "\r\n+CIPHEAD: 0\r\n\r\nOK\r\n");
  r.modem.on("AT+CIPSRIP?", "\r\n+CIPSRIP: 0\r\n\r\nOK\r\n");
  r.modem.on("AT+CIPMODE?", "\r\n+CIPMODE: 0\r\n\r\nOK\r\n");
}

describe("AT engine: timeouts and late answers", () => {
  it("times a silent command out at its deadline and resynchronises before the next command", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CSQ", "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    const slow = r.submit(cmd("AT+COPS=?", 1000));
    const next = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(999);
    assert.equal(slow.result, undefined);
    r.run(2);
    assert.deepStrictEqual(slow.result && slow.result.error, { kind: "timeout", code: -1, text: "no answer to AT+COPS=?" });
    r.run(50);
    assert.deepStrictEqual(r.modem.commands, ["AT+COPS=?", "AT+CMEE?", "AT+CSQ"]);
    assert.deepStrictEqual(next.result && next.result.lines, ["+CSQ: 20,99"]);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+COPS=?"]);
    assert.strictEqual(r.engine.stats.resyncs, 1);
  });

  it("counts the deadline from when the request has left the wire, not from when it was written", () => {
    const r = makeRig({ baud: 9600 });
    const long = "AT+X=" + "1".repeat(95); // 101 bytes with CR: 105 ms at 9600 baud
    const a = r.submit(cmd(long, 100));
    r.run(200);
    assert.equal(a.result, undefined, "still within 100 ms of the wire end");
    r.run(10);
    assert.strictEqual(kindOf(a), "timeout");
    assert.ok(a.at >= 205 && a.at < 206, "timed out at " + a.at);
    // The probe written at the timeout leaves the wire 9 byte times later.
    assert.ok(Math.abs(r.engine.wireIdleAt() - (a.at + (9 * 10000) / 9600)) < 0.01, "wire idle at " + r.engine.wireIdleAt());
  });

  it("times a command out at its own deadline when the one before had a longer one (AT+NETOPEN, then a silent AT+CSQ)", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+NETOPEN", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    r.modem.on("AT+CSQ", () => undefined);
    const open = r.submit({ request: "AT+NETOPEN", timeout: 130000, async: "+NETOPEN: ", errField: 0 });
    r.run(50);
    assert.strictEqual(kindOf(open), "");
    const q = r.submit(cmd("AT+CSQ", 2000, "+CSQ:"));
    r.run(2100);
    assert.strictEqual(kindOf(q), "timeout", "noticed after 2 s, not when the 130 s deadline's timer fires");
    assert.ok(q.at > 2050 && q.at < 2052, "timed out at " + q.at);
  });

  it("times a send out at its own timeout after the prompt when that is shorter than the prompt deadline", () => {
    const r = makeRig({ engine: { promptMs: 5000 } });
    r.modem.on("AT+CIPSEND=0,3", (c, m) => {
      m.send("\r\n> ");
      m.expectPayload(3, () => undefined); // taken, never confirmed
    });
    const s = r.submit(send(0, "abc", 1000));
    r.run(1100);
    assert.deepStrictEqual(s.result && s.result.error, { kind: "timeout", code: -1, text: "no answer to AT+CIPSEND=0,3" });
    assert.ok(s.at < 1005, "timed out at " + s.at);
  });

  it("never lets a late answer complete the next command", () => {
    const r = makeRig();
    // The modem is slow: the answer to COPS comes after its timeout, before the probe's answer.
    r.modem.on("AT+COPS=?", (c, m) => m.later(1200, '\r\n+COPS: (2,"Operator","Op","26201",7)\r\n\r\nOK\r\n'));
    r.modem.on("AT+CMEE?", (c, m) => m.later(400, CMEE));
    // The next command gets no answer at all: it must time out, not take the late OK.
    const slow = r.submit(cmd("AT+COPS=?", 1000, "+COPS:"));
    const next = r.submit(cmd("AT+CGMR", 500, ""));
    r.run(1450);
    assert.strictEqual(kindOf(slow), "timeout");
    assert.equal(next.result, undefined, "the late OK did not answer it");
    assert.strictEqual(r.engine.stats.late, 1);
    assert.deepStrictEqual(r.log.all().slice(1), ['urc +COPS: (2,"Operator","Op","26201",7)'], "the late information line went to the URC table");
    r.run(600);
    assert.strictEqual(kindOf(next), "timeout");
  });

  it("reports each timeout with a consecutive count, rotates its probes and stalls after stallAfter, failing the queue", () => {
    const r = makeRig({ engine: { stallAfter: 4, probeMs: 500 } });
    const a = r.submit(cmd("AT", 1000));
    const b = r.submit(cmd("AT+CSQ", 1000));
    r.run(1000 + 500 * 3 + 10);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT", "timeout 2 AT+CMEE?", "timeout 3 AT+CIPHEAD?", "timeout 4 AT+CIPSRIP?", "stall 4"]);
    assert.strictEqual(kindOf(a), "timeout");
    assert.deepStrictEqual(b.result && b.result.error, { kind: "stalled", code: -1, text: "modem not answering" });
    assert.ok(r.engine.stalled());
    assert.ok(!r.engine.busy());
    assert.strictEqual(r.engine.submit(cmd("AT", 100), undefined), false, "a stalled engine refuses commands");
    assert.deepStrictEqual(r.modem.commands, ["AT", "AT+CMEE?", "AT+CIPHEAD?", "AT+CIPSRIP?"]);
    assert.strictEqual(r.sched.armed, 0, "no timer left while stalled");
    // The supervisor power-cycles the module, then resets the engine.
    r.modem.on("AT", "\r\nOK\r\n");
    r.engine.reset();
    assert.ok(!r.engine.stalled());
    const c = r.submit(cmd("AT", 1000));
    r.run(20);
    assert.strictEqual(kindOf(c), "");
  });

  it("starts every resynchronisation with the first probe and restarts the count when the modem answers", () => {
    const r = makeRig({ engine: { stallAfter: 2 } });
    probesAnswered(r);
    r.modem.on("AT", "\r\nOK\r\n");
    r.submit(cmd("AT+X", 100));
    r.run(150);
    r.submit(cmd("AT", 100));
    r.run(20);
    r.submit(cmd("AT+X", 100));
    r.run(150);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+X", "timeout 1 AT+X"]);
    assert.deepStrictEqual(r.modem.commands, ["AT+X", "AT+CMEE?", "AT", "AT+X", "AT+CMEE?"]);
    assert.ok(!r.engine.stalled());
  });

  it("completes a command in flight and queued ones with kind reset on reset(), leaving no timer", () => {
    const r = makeRig();
    const a = r.submit(cmd("AT+X", 1000));
    const b = r.submit(cmd("AT+Y", 1000));
    r.run(5);
    assert.ok(r.engine.busy());
    r.engine.reset();
    assert.strictEqual(kindOf(a), "reset");
    assert.strictEqual(kindOf(b), "reset");
    assert.ok(!r.engine.busy());
    assert.strictEqual(r.engine.queued(), 0);
    assert.strictEqual(r.sched.armed, 0);
    r.run(2000);
    assert.deepStrictEqual(r.log.all(), [], "the old command's deadline is gone");
  });

  it("reset() fails only the commands queued before it: one a callback submits from its reset result runs", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    let resubmitted: Box | undefined;
    let calls = 0;
    r.submit(cmd("AT+A", 1000));
    r.engine.submit(cmd("AT+B", 1000), (res) => {
      calls++;
      // A caller that tries again at once (a script restarting, a socket retrying).
      if (res.error && res.error.kind === "reset") resubmitted = r.submit(cmd("AT", 1000));
    });
    r.run(1);
    r.engine.reset();
    assert.strictEqual(calls, 1);
    assert.equal(resubmitted && resubmitted.result, undefined, "not failed by the reset it was submitted from");
    r.run(50);
    assert.strictEqual(resubmitted && kindOf(resubmitted), "");
  });

  it("drops a final that arrives during resynchronisation before the probe's own line as late", () => {
    const r = makeRig();
    r.modem.on("AT+X", () => undefined);
    r.modem.once("AT+CMEE?", "\r\nERROR\r\n\r\n+CMEE: 1\r\n\r\nOK\r\n");
    r.modem.on("AT+CMEE?", CMEE);
    const x = r.submit(cmd("AT+X", 100));
    const n = r.submit(cmd("AT+CMEE?", 1000, "+CMEE:"));
    r.run(200);
    assert.strictEqual(kindOf(x), "timeout");
    assert.strictEqual(r.engine.stats.late, 1, "the stray ERROR during the probe was dropped");
    assert.deepStrictEqual(n.result && n.result.lines, ["+CMEE: 1"]);
    assert.strictEqual(kindOf(n), "");
  });

  it("resynchronises after +CIPERROR so a trailing ERROR cannot answer the next command", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CIPSEND=0,2", (c, m) => {
      m.send("\r\n+CGEV: ME PDN DEACT 1\r\n\r\n+CIPERROR: 4\r\n");
      m.later(3, "\r\nERROR\r\n");
    });
    r.modem.on("AT+CSQ", "\r\n+CSQ: 5,99\r\n\r\nOK\r\n");
    const s = r.submit(send(0, "hi"));
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(50);
    // New design: no text tables; the code is the modem's number, the text its words.
    // The send path tells a PDN loss by kind "cip" code 4 (firmware/net/tx.ts); it comes instead of the prompt.
    assert.deepStrictEqual(s.result && s.result.error, { kind: "cip", code: 4, text: "4" });
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 5,99"]);
    assert.deepStrictEqual(r.modem.commands, ["AT+CIPSEND=0,2", "AT+CMEE?", "AT+CSQ"]);
    assert.strictEqual(r.engine.stats.late, 1);
  });
});

describe("AT engine: sends and the prompt deadline", () => {
  it("sends the payload after the prompt and completes on OK plus the async result", () => {
    const r = makeRig();
    r.modem.on("AT+CIPSEND=1,5", (c, m) => {
      m.send("\r\n>");
      m.expectPayload(5, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 1,5,5\r\n"));
    });
    const s = r.submit(send(1, "HELLO"));
    r.run(50);
    assert.deepStrictEqual(s.result, { error: null, lines: [], async: "+CIPSEND: 1,5,5", connect: "" });
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CIPSEND=1,5\rHELLO");
  });

  it("fails a send whose prompt is lost within promptMs, not its own timeout, and sends ESC before the first probe", () => {
    const r = makeRig({ engine: { promptMs: 2000 } });
    r.modem.on("AT+CIPSEND=0,3", () => undefined);
    // The prompt comes late, after the ESC: it must not take the probe as payload.
    r.modem.on("AT+CMEE?", (c, m) => m.send("\r\n> \r\n+CMEE: 1\r\n\r\nOK\r\n"));
    r.modem.on("AT", "\r\nOK\r\n");
    const s = r.submit(send(0, "abc", 120000));
    const n = r.submit(cmd("AT", 1000));
    r.run(1990);
    assert.equal(s.result, undefined);
    r.run(20);
    assert.deepStrictEqual(s.result && s.result.error, { kind: "timeout", code: -1, text: "no prompt for AT+CIPSEND=0,3" });
    assert.ok(s.at < 2002, "failed at " + s.at);
    r.run(100);
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CIPSEND=0,3\r\x1bAT+CMEE?\rAT\r");
    assert.strictEqual(kindOf(n), "");
    assert.deepStrictEqual(r.modem.payloads, [], "the payload was never sent");
    assert.strictEqual(r.modem.escapes, 1);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+CIPSEND=0,3", "urc > "], "the late prompt is a plain line once the send has failed");
  });

  it("times a send out promptMs after its payload left the wire when no OK follows (a module frozen mid-send is noticed in seconds, not at the send's own timeout)", () => {
    const r = makeRig({ engine: { promptMs: 100 }, baud: 9600 });
    r.modem.on("AT+CIPSEND=0,96", (c, m) => {
      m.send("\r\n> ");
      m.expectPayload(96, () => undefined); // taken, then silence
    });
    const data = "d".repeat(96); // 100 ms on the wire at 9600 baud
    const s = r.submit(send(0, data, 15000));
    r.run(150);
    assert.equal(s.result, undefined, "the payload is still on the wire or just left it");
    r.run(250);
    assert.deepStrictEqual(s.result && s.result.error, { kind: "timeout", code: -1, text: "no answer to AT+CIPSEND=0,96" });
    assert.ok(s.at > 200 && s.at < 260, "timed out at " + s.at + " ms: promptMs after the payload's end (~120 ms)");
    assert.deepStrictEqual(r.modem.payloads, [data]);
  });

  it("gives a send its own timeout for the async result once the module said OK to its payload", () => {
    const r = makeRig({ engine: { promptMs: 100 }, baud: 9600 });
    r.modem.on("AT+CIPSEND=0,96", (c, m) => {
      m.send("\r\n> ");
      m.expectPayload(96, () => m.send("\r\nOK\r\n")); // accepted, never confirmed
    });
    const data = "d".repeat(96);
    const s = r.submit(send(0, data, 1000));
    r.run(1000);
    assert.equal(s.result, undefined, "the OK moved the deadline to the send's own timeout");
    r.run(400);
    assert.deepStrictEqual(s.result && s.result.error, { kind: "timeout", code: -1, text: "no answer to AT+CIPSEND=0,96" });
    assert.deepStrictEqual(r.modem.payloads, [data]);
  });

  it("fails a send the modem answers with an error instead of the prompt as noPrompt, keeping the modem's code", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CIPSEND=0,3", "\r\n+CME ERROR: 4\r\n");
    r.modem.on("AT+CIPSEND=1,3", "\r\nERROR\r\n");
    const a = r.submit(send(0, "abc"));
    const b = r.submit(send(1, "abc"));
    r.run(50);
    assert.deepStrictEqual(a.result && a.result.error, { kind: "noPrompt", code: 4, text: "4" });
    assert.deepStrictEqual(b.result && b.result.error, { kind: "noPrompt", code: -1, text: "ERROR" });
    assert.deepStrictEqual(r.modem.payloads, []);
    // The error may have been a repeat of an earlier answer and the prompt still on its way: ESC, then a probe.
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CIPSEND=0,3\r\x1bAT+CMEE?\rAT+CIPSEND=1,3\r\x1bAT+CMEE?\r");
  });

  it("does not take an OK before the prompt as a send's answer: a repeated OK cannot fail it, the prompt that follows gets the payload", () => {
    const r = makeRig();
    // AT+X's answer is repeated, the repeat arriving after the send's request has left the wire.
    r.modem.on("AT+X", (c, m) => {
      m.send("\r\n+X: 1\r\n\r\nOK\r\n");
      m.later(5, "\r\nOK\r\n");
    });
    r.modem.on("AT+CIPSEND=0,3", (c, m) => {
      m.later(20, "\r\n> ");
      m.expectPayload(3, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 0,3,3\r\n"));
    });
    const x = r.submit(cmd("AT+X", 1000, "+X:"));
    const s = r.submit(send(0, "abc"));
    r.run(100);
    assert.deepStrictEqual(x.result && x.result.lines, ["+X: 1"]);
    assert.deepStrictEqual(s.result, { error: null, lines: [], async: "+CIPSEND: 0,3,3", connect: "" });
    assert.deepStrictEqual(r.modem.payloads, ["abc"]);
    assert.strictEqual(r.engine.stats.strays, 1);
  });

  it("does not take an async result that arrives before a send's prompt as its completion (a repeat of the previous send's on that link)", () => {
    const r = makeRig();
    r.modem.on("AT+CIPSEND=1,5", (c, m) => {
      m.send("\r\n> ");
      m.expectPayload(5, () => {
        m.send("\r\nOK\r\n\r\n+CIPSEND: 1,5,5\r\n");
        m.later(5, "\r\nOK\r\n\r\n+CIPSEND: 1,5,5\r\n"); // repeated, after the next request left
      });
    });
    r.modem.on("AT+CIPSEND=1,3", (c, m) => {
      m.later(20, "\r\n> ");
      m.expectPayload(3, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 1,3,3\r\n"));
    });
    const a = r.submit(send(1, "HELLO"));
    const b = r.submit(send(1, "abc"));
    r.run(100);
    assert.strictEqual(a.result && a.result.async, "+CIPSEND: 1,5,5");
    assert.deepStrictEqual(b.result, { error: null, lines: [], async: "+CIPSEND: 1,3,3", connect: "" });
    assert.deepStrictEqual(r.modem.payloads, ["HELLO", "abc"]);
    assert.deepStrictEqual(r.log.all(), ["urc +CIPSEND: 1,5,5"], "the repeat is passed on as what it is");
  });

  it("an OK instead of the prompt fails the send at the prompt deadline, with ESC before the probe", () => {
    const r = makeRig({ engine: { promptMs: 1000 } });
    probesAnswered(r);
    r.modem.on("AT+CIPSEND=0,3", "\r\nOK\r\n");
    const s = r.submit(send(0, "abc"));
    r.run(1100);
    assert.deepStrictEqual(s.result && s.result.error, { kind: "timeout", code: -1, text: "no prompt for AT+CIPSEND=0,3" });
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CIPSEND=0,3\r\x1bAT+CMEE?\r");
    assert.deepStrictEqual(r.modem.payloads, []);
  });

  it("after an error final ends a send before its prompt, a prompt still on its way cannot take the next command as payload", () => {
    const r = makeRig();
    const answers: { [req: string]: Reply } = {
      "AT+CIPSEND=0,3": { text: "\r\nOK\r\n\r\n+CIPSEND: 0,3,3\r\n", tag: 0, payload: 3 },
      "AT+CSQ": { text: "\r\n+CSQ: 1,1\r\n\r\nOK\r\n", tag: 1 },
      "AT+CMEE?": { text: CMEE, tag: TAG_PROBE },
    };
    const m = new ScriptedModule(
      r.hal,
      new Rng(1),
      (line) => answers[line] || { text: "\r\nERROR\r\n", tag: TAG_PROBE },
      (line): Plan => ({ fault: "ok", delay: line === "AT+CIPSEND=0,3" ? 30 : 1 }),
    );
    // An ERROR that is not the send's answer (a repeat of something earlier) arrives while its prompt is on its way.
    r.hal.clock.setTimeout(() => m.write("\r\nERROR\r\n", TAG_PROBE), 5);
    const s = r.submit(send(0, "abc"));
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(200);
    assert.strictEqual(kindOf(s), "noPrompt");
    assert.deepStrictEqual(m.payloads, [], "nothing went to the peer");
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 1,1"]);
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CIPSEND=0,3\r\x1bAT+CMEE?\rAT+CSQ\r");
  });

  it("handles a prompt followed at once by whatever the modem prints next", () => {
    const r = makeRig();
    r.modem.on("AT+CIPSEND=0,1", (c, m) => {
      m.send("\r\n>\r\n+CIPRXGET: 1,0\r\n");
      m.expectPayload(1, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 0,1,1\r\n"));
    });
    const s = r.submit(send(0, "z"));
    r.run(30);
    assert.strictEqual(kindOf(s), "");
    assert.deepStrictEqual(r.log.all(), ["urc +CIPRXGET: 1,0"]);
  });
});

describe("AT engine: hurry and hold", () => {
  it("hurry shortens the deadline in flight, never lengthens it, and does nothing when idle", () => {
    const r = makeRig();
    probesAnswered(r);
    r.engine.hurry(10); // idle: nothing to hurry
    const a = r.submit(cmd("AT+CRESET", 9000));
    r.run(100);
    r.engine.hurry(500);
    r.engine.hurry(5000); // later than the hurried deadline: ignored
    r.run(499);
    assert.equal(a.result, undefined);
    r.run(2);
    assert.deepStrictEqual(a.result && a.result.error, { kind: "timeout", code: -1, text: "no answer to AT+CRESET" });
    assert.ok(a.at >= 600 && a.at < 602, "timed out at " + a.at);
  });

  it("hurry shortens a probe's deadline too", () => {
    const r = makeRig({ engine: { probeMs: 1000 } });
    r.submit(cmd("AT+X", 100));
    r.run(150); // AT+X timed out, probe 1 in flight
    assert.deepStrictEqual(r.modem.commands, ["AT+X", "AT+CMEE?"]);
    r.engine.hurry(50);
    r.run(60);
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+X", "timeout 2 AT+CMEE?"]);
    assert.deepStrictEqual(r.modem.commands, ["AT+X", "AT+CMEE?", "AT+CIPHEAD?"]);
  });

  it("hold writes no command for its time; queued commands go when it ends", () => {
    const r = makeRig();
    r.modem.on("AT+CSQ", "\r\n+CSQ: 1,1\r\n\r\nOK\r\n");
    r.engine.hold(2000);
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(1990);
    assert.deepStrictEqual(r.modem.commands, [], "nothing written while held");
    r.run(50);
    assert.deepStrictEqual(r.modem.commands, ["AT+CSQ"]);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 1,1"]);
  });

  it("borrow() ends a hold: the data-mode CONNECT it waited for arrived", () => {
    const r = makeRig();
    const b = new TestBorrower();
    r.engine.hold(2000);
    const q = r.submit(cmd("AT+CIPCLOSE=0", 1000));
    r.run(100);
    r.engine.borrow(b);
    assert.strictEqual(b.wants, 1, "the waiting command asks the borrower for the line at once");
    r.engine.giveBack(false);
    r.modem.on("AT+CIPCLOSE=0", "\r\nOK\r\n");
    r.run(20);
    assert.strictEqual(kindOf(q), "");
    assert.ok(r.hal.clock.now() < 2000);
  });
});

describe("AT engine: strays and need", () => {
  it("takes a final that arrives before the request has left the wire as a stray, not the answer", () => {
    const r = makeRig({ baud: 9600 });
    r.modem.on("AT+CSQ=1,2,3", (c, m) => m.later(5, "\r\n+CSQ: 5,5\r\n\r\nOK\r\n"));
    let a: Box | undefined;
    // A repeated OK is on its way while the 13-byte request (13.5 ms at 9600) is still being sent.
    r.hal.clock.setTimeout(() => r.modem.send("\r\nOK\r\n"), 10);
    r.hal.clock.setTimeout(() => (a = r.submit({ request: "AT+CSQ=1,2,3", timeout: 1000, match: "+CSQ:" })), 11);
    r.run(100);
    assert.strictEqual(r.engine.stats.strays, 1);
    assert.deepStrictEqual(a && a.result && a.result.lines, ["+CSQ: 5,5"]);
  });

  it("takes the same OK as the answer once the request has left the wire (no need)", () => {
    const r = makeRig({ baud: 9600 });
    r.modem.on("AT+CSQ=1,2,3", (c, m) => m.later(5, "\r\n+CSQ: 5,5\r\n\r\nOK\r\n"));
    let a: Box | undefined;
    r.hal.clock.setTimeout(() => r.modem.send("\r\nOK\r\n"), 20);
    r.hal.clock.setTimeout(() => (a = r.submit({ request: "AT+CSQ=1,2,3", timeout: 1000, match: "+CSQ:" })), 11);
    r.run(100);
    assert.strictEqual(r.engine.stats.strays, 1, "the real answer's OK is the stray now");
    assert.deepStrictEqual(a && a.result && a.result.lines, []);
  });

  it("takes a send's OK as its answer however soon it comes after the payload: the stray window covers the request only", () => {
    // An unpaced link (the module's native USB port, the simulator's pseudo-terminal) carries the
    // payload at once; the engine only knows the configured baud. Here it believes 9600 on a 115200 line.
    const r = makeRig();
    r.engine.setBaud(9600);
    const data = "x".repeat(1460); // 1.5 s at 9600 in the engine's reckoning, 127 ms really
    r.modem.on("AT+CIPSEND=0,1460", (c, m) => {
      m.later(20, "\r\n> ");
      m.expectPayload(1460, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 0,1460,1460\r\n"));
    });
    const s = r.submit({ request: "AT+CIPSEND=0,1460", payload: data, async: "+CIPSEND: 0,", timeout: 15000 });
    r.run(1000);
    assert.deepStrictEqual(s.result, { error: null, lines: [], async: "+CIPSEND: 0,1460,1460", connect: "" });
    assert.strictEqual(r.engine.stats.strays, 0);
  });

  it("a need command ignores an OK without its information line and completes with its own answer", () => {
    const r = makeRig();
    r.modem.on("AT+CIPRXGET=4,1", (c, m) => {
      m.send("\r\nOK\r\n"); // the repeated answer of something earlier
      m.later(30, "\r\n+CIPRXGET: 4,1,16\r\n\r\nOK\r\n");
    });
    const q = r.submit({ request: "AT+CIPRXGET=4,1", timeout: 1000, match: "+CIPRXGET: 4,1,", need: true });
    r.run(10);
    assert.equal(q.result, undefined);
    r.run(40);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CIPRXGET: 4,1,16"]);
    assert.strictEqual(r.engine.stats.strays, 1);
  });

  it("a need command still fails on an error final without its line", () => {
    const r = makeRig();
    r.modem.on("AT+NETOPEN?", "\r\n+CME ERROR: 3\r\n");
    const q = r.submit({ request: "AT+NETOPEN?", timeout: 1000, match: "+NETOPEN:", need: true });
    r.run(20);
    assert.deepStrictEqual(q.result && q.result.error, { kind: "cme", code: 3, text: "3" });
  });

  it("counts finals with nothing in flight as strays", () => {
    const r = makeRig();
    r.modem.send("\r\nOK\r\n\r\nERROR\r\n");
    r.run(20);
    assert.strictEqual(r.engine.stats.strays, 2);
  });

  it("a completion callback that submits the next command does not let the rest of the chunk answer it", () => {
    const r = makeRig({ toHostChunk: 256 });
    // One chunk carries the first OK and a stray second OK.
    r.modem.on("AT+A", "\r\nOK\r\n\r\nOK\r\n");
    r.modem.on("AT+B", (c, m) => m.later(50, "\r\n+B: 1\r\n\r\nOK\r\n"));
    let second: Box = { result: undefined, accepted: false, at: -1 };
    let busyInside = true;
    let writtenInside = -1;
    r.engine.submit(cmd("AT+A", 1000), () => {
      busyInside = r.engine.busy();
      second = r.submit(cmd("AT+B", 1000, "+B:"));
      writtenInside = r.hal.wire.hostLog.length;
    });
    r.run(20);
    assert.strictEqual(busyInside, false);
    assert.strictEqual(writtenInside, 1, "the next command is not written from inside the callback");
    assert.equal(second.result, undefined, "the stray OK in the same chunk did not answer it");
    assert.strictEqual(r.engine.stats.strays, 1);
    r.run(100);
    assert.deepStrictEqual(second.result && second.result.lines, ["+B: 1"]);
  });
});

describe("AT engine: rotating probes", () => {
  /** A module that answers in order, one command at a time, each after `delayOf(cmd)` ms. */
  function inOrder(r: Rig, answers: { [req: string]: string }, delayOf: (req: string) => number): ScriptedModule {
    return new ScriptedModule(
      r.hal,
      new Rng(1),
      (line): Reply | undefined => (answers[line] !== undefined ? { text: answers[line], tag: TAG_PROBE } : { text: "\r\nERROR\r\n", tag: TAG_PROBE }),
      (line): Plan => ({ fault: "ok", delay: delayOf(line) }),
    );
  }

  const PROBE_ANSWERS = {
    "AT+CMEE?": CMEE,
    "AT+CIPHEAD?": "\r\n+CIPHEAD: 0\r\n\r\nOK\r\n",
    "AT+CIPSRIP?": "\r\n+CIPSRIP: 0\r\n\r\nOK\r\n",
    "AT+CIPMODE?": "\r\n+CIPMODE: 0\r\n\r\nOK\r\n",
  };

  it("a slow in-order module (one command taking 2.5 s against 1 s timeouts) never makes a command complete with another's answer", () => {
    const r = makeRig({ engine: { stallAfter: 4 } });
    const m = inOrder(r, Object.assign({ "AT+A": "\r\n+A: 1\r\n\r\nOK\r\n", "AT+B": "\r\n+B: 2\r\n\r\nOK\r\n", "AT+C": "\r\n+C: 3\r\n\r\nOK\r\n" }, PROBE_ANSWERS), (req) =>
      req === "AT+A" ? 2500 : 50,
    );
    const a = r.submit(cmd("AT+A", 1000, "+A:"));
    const b = r.submit(cmd("AT+B", 1000, "+B:"));
    const c = r.submit(cmd("AT+C", 1000, "+C:"));
    r.run(10000);
    assert.strictEqual(kindOf(a), "timeout");
    assert.deepStrictEqual(b.result && b.result.lines, ["+B: 2"]);
    assert.deepStrictEqual(c.result && c.result.lines, ["+C: 3"]);
    assert.deepStrictEqual(m.commands, ["AT+A", "AT+CMEE?", "AT+CIPHEAD?", "AT+B", "AT+C"]);
    assert.strictEqual(r.engine.stats.late, 2, "A's OK and the first probe's OK were late");
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+A", "timeout 2 AT+CMEE?", "urc +A: 1"], "A's late line is a URC; the old probe's line is taken and dropped");
  });

  it("a module that stays slow (every answer after the probe deadline) is never in step: the engine stalls instead of shifting answers", () => {
    const r = makeRig({ engine: { stallAfter: 4 } });
    inOrder(r, Object.assign({ "AT+A": "\r\n+A: 1\r\n\r\nOK\r\n", "AT+B": "\r\n+B: 2\r\n\r\nOK\r\n" }, PROBE_ANSWERS), () => 1500);
    const a = r.submit(cmd("AT+A", 1000, "+A:"));
    const b = r.submit(cmd("AT+B", 1000, "+B:"));
    r.run(20000);
    assert.strictEqual(kindOf(a), "timeout");
    assert.strictEqual(kindOf(b), "stalled");
    assert.ok(r.engine.stalled());
  });

  it("is in step only on the latest probe's line and OK: an OK alone does not count", () => {
    const r = makeRig();
    r.modem.on("AT+X", () => undefined);
    r.modem.on("AT+CMEE?", "\r\nOK\r\n"); // the line is missing (lost or garbled)
    r.modem.on("AT+CIPHEAD?", "\r\n+CIPHEAD: 0\r\n\r\nOK\r\n");
    r.modem.on("AT+CSQ", "\r\n+CSQ: 9,9\r\n\r\nOK\r\n");
    r.submit(cmd("AT+X", 100));
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(3000);
    assert.deepStrictEqual(r.modem.commands, ["AT+X", "AT+CMEE?", "AT+CIPHEAD?", "AT+CSQ"]);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 9,9"]);
  });

  it("an older probe's answer does not put the engine in step; the latest one's does", () => {
    const r = makeRig();
    r.modem.on("AT+X", () => undefined);
    r.modem.on("AT+CMEE?", (c, m) => m.later(1500, CMEE)); // after its deadline
    r.modem.on("AT+CIPHEAD?", (c, m) => m.later(900, "\r\n+CIPHEAD: 0\r\n\r\nOK\r\n"));
    r.modem.on("AT+CSQ", "\r\n+CSQ: 9,9\r\n\r\nOK\r\n");
    r.submit(cmd("AT+X", 100));
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(1700); // probe 1 at ~100, its answer at ~1600 while probe 2 (sent at ~1100) is the latest: late
    assert.strictEqual(r.engine.stats.late, 1);
    assert.deepStrictEqual(r.modem.commands, ["AT+X", "AT+CMEE?", "AT+CIPHEAD?"], "still resynchronising");
    r.run(1000);
    assert.deepStrictEqual(r.modem.commands, ["AT+X", "AT+CMEE?", "AT+CIPHEAD?", "AT+CSQ"]);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 9,9"]);
  });
});

describe("AT engine: data mode", () => {
  it("a connect command completes on CONNECT; its borrower gets every byte after the CONNECT line, without the line's LF", () => {
    const r = makeRig();
    const b = new TestBorrower();
    r.modem.on('AT+CIPOPEN=0,"TCP","1.2.3.4",80', "\r\nCONNECT 115200\r\nhello\r\nOK\r\n+IPD3\r\n");
    let res: AtResult | undefined;
    r.engine.submit({ request: 'AT+CIPOPEN=0,"TCP","1.2.3.4",80', timeout: 1000, connect: true }, (x) => {
      res = x;
      r.engine.borrow(b); // as the transparent part does, from the completion
    });
    r.run(20);
    assert.deepStrictEqual(res, { error: null, lines: [], async: "", connect: "115200" });
    assert.ok(r.engine.borrowed());
    assert.strictEqual(b.got, "hello\r\nOK\r\n+IPD3\r\n", "bytes after CONNECT in the same chunk are data");
    assert.deepStrictEqual(r.log.all(), []);
  });

  it("a command submitted in data mode waits and asks the borrower for the line; giveBack(false) lets it run without resynchronising", () => {
    const r = makeRig();
    const b = new TestBorrower();
    r.modem.on("ATO", "\r\nCONNECT 115200\r\n");
    r.modem.on("+++", "\r\nOK\r\n");
    r.modem.on("AT+CIPOPEN?", '\r\n+CIPOPEN: 0,"TCP","1.2.3.4",80,-1\r\n\r\n+CIPOPEN: 1\r\n\r\nOK\r\n');
    r.engine.submit({ request: "ATO", timeout: 1000, connect: true }, () => r.engine.borrow(b));
    r.run(20);
    b.onWant = () => r.engine.lineWrite("+++");
    b.onData = (d) => {
      if (d.indexOf("OK") >= 0) r.engine.giveBack(false);
    };
    const q = r.submit(cmd("AT+CIPOPEN?", 1000, "+CIPOPEN:"));
    assert.strictEqual(b.wants, 1);
    r.run(50);
    assert.ok(!r.engine.borrowed());
    assert.deepStrictEqual(q.result && q.result.lines, ['+CIPOPEN: 0,"TCP","1.2.3.4",80,-1', "+CIPOPEN: 1"]);
    assert.strictEqual(r.hal.wire.hostWritten(), "ATO\r+++AT+CIPOPEN?\r");
    assert.strictEqual(r.engine.stats.resyncs, 0);
  });

  it("giveBack(true) flushes the module's command line and resynchronises before the next command", () => {
    const r = makeRig();
    const b = new TestBorrower();
    probesAnswered(r);
    r.modem.on("ATO", "\r\nCONNECT 115200\r\n");
    r.modem.on("AT+CIPCLOSE=0", "\r\nOK\r\n");
    r.engine.submit({ request: "ATO", timeout: 1000, connect: true }, () => r.engine.borrow(b));
    r.run(20);
    r.engine.lineWrite("half a line of payl");
    r.modem.send("\r\nCLOSED\r\n");
    r.run(20);
    assert.strictEqual(b.got, "\r\nCLOSED\r\n");
    const c = r.submit(cmd("AT+CIPCLOSE=0", 1000));
    assert.strictEqual(b.wants, 1);
    r.engine.giveBack(true);
    r.run(50);
    assert.strictEqual(r.hal.wire.hostWritten(), "ATO\rhalf a line of payl\rAT+CMEE?\rAT+CIPCLOSE=0\r");
    assert.strictEqual(kindOf(c), "");
    assert.strictEqual(r.engine.stats.resyncs, 1);
  });

  it("a URC handler can borrow the line on an unsolicited CONNECT so the rest of the chunk is data", () => {
    const r = makeRig({ toHostChunk: 512 });
    const b = new TestBorrower();
    r.engine.onUrc("CONNECT", () => r.engine.borrow(b));
    r.modem.send("\r\n+CLIENT: 0,0,192.168.108.5:57202\r\n\r\nCONNECT 115200\r\nGET / HTTP/1.0\r\n\r\n");
    r.run(20);
    assert.deepStrictEqual(r.log.all(), ["urc +CLIENT: 0,0,192.168.108.5:57202"]);
    assert.strictEqual(b.got, "GET / HTTP/1.0\r\n\r\n");
  });

  it("passes data-mode bytes nobody borrows to the listener", () => {
    const r = makeRig();
    r.modem.on("ATO", "\r\nCONNECT\r\nxyz");
    const o = r.submit({ request: "ATO", timeout: 1000, connect: true });
    r.run(20);
    assert.strictEqual(o.result && o.result.connect, "");
    assert.deepStrictEqual(r.log.all(), ["data xyz"]);
  });

  it("writes no probe into a borrowed line: a command whose answer data mode swallowed times out, and the engine resynchronises once the line is given back", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CSQ", () => undefined); // its bytes reached the module after it had entered data mode
    r.modem.on("AT+CIPOPEN?", "\r\n+CIPOPEN: 0\r\n\r\nOK\r\n");
    const b = new TestBorrower();
    r.engine.onUrc("CONNECT", () => r.engine.borrow(b)); // a server's client, in transparent mode
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(10);
    r.modem.send("\r\n+CLIENT: 0,0,1.2.3.4:5\r\n\r\nCONNECT 115200\r\n");
    r.run(5000);
    assert.strictEqual(kindOf(q), "timeout");
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CSQ\r", "nothing written into the peer's stream");
    assert.ok(r.engine.borrowed() && !r.engine.stalled());
    const n = r.submit(cmd("AT+CIPOPEN?", 1000, "+CIPOPEN:"));
    r.engine.giveBack(false);
    r.run(100);
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+CSQ\rAT+CMEE?\rAT+CIPOPEN?\r", "in step first, then the queued command");
    assert.deepStrictEqual(n.result && n.result.lines, ["+CIPOPEN: 0"]);
  });

  it("sends no further probe into a line borrowed while a probe was in flight", () => {
    const r = makeRig();
    r.modem.on("AT+X", () => undefined);
    r.modem.on("AT+CMEE?", () => undefined);
    const b = new TestBorrower();
    r.engine.onUrc("CONNECT", () => r.engine.borrow(b));
    r.submit(cmd("AT+X", 100));
    r.run(150); // AT+X timed out, probe 1 in flight
    r.modem.send("\r\nCONNECT 115200\r\n");
    r.run(3000);
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+X\rAT+CMEE?\r");
    assert.ok(!r.engine.stalled() && !r.engine.busy());
    r.modem.once("AT+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
    r.engine.giveBack(true);
    r.run(50);
    assert.strictEqual(r.hal.wire.hostWritten(), "AT+X\rAT+CMEE?\r\rAT+CMEE?\r");
    assert.ok(!r.engine.busy());
  });

  it("reset() ends a hold: commands after a module reset do not wait for a CONNECT that will never come", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.engine.hold(2000);
    r.engine.reset();
    const a = r.submit(cmd("AT", 1000));
    r.run(50);
    assert.strictEqual(kindOf(a), "");
  });

  it("reset() ends data mode", () => {
    const r = makeRig();
    const b = new TestBorrower();
    r.engine.borrow(b);
    r.engine.reset();
    assert.ok(!r.engine.borrowed());
    assert.strictEqual(r.engine.parser.dm, false);
  });
});

describe("AT engine: buffer-access reads", () => {
  it("delivers a read's data only after its OK, with link and rest", () => {
    const r = makeRig({ toHostChunk: 1 });
    r.modem.on("AT+CIPRXGET=2,1,5", "\r\n+CIPRXGET: 2,1,5,11\r\nOK\r\n\r\r\nOK\r\n");
    const g = r.submit(read(1, 5));
    let seenBeforeOk = -1;
    r.hal.clock.runUntil(() => r.hal.wire.toHost.delivered >= 27, 1000); // the data, not the OK
    seenBeforeOk = r.log.payloads.length;
    r.run(50);
    assert.strictEqual(seenBeforeOk, 0, "nothing delivered before the OK");
    assert.strictEqual(kindOf(g), "");
    assert.deepStrictEqual(r.log.payloads, [{ kind: "rxget", link: 1, rest: 11, remote: "", data: "OK\r\n\r" }]);
  });

  it("a read header for another link fails the read as badRead, never delivers its data and resynchronises", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CIPRXGET=2,1,100", "\r\n+CIPRXGET: 2,3,5,0\r\nHELLO\r\nOK\r\n");
    r.modem.on("AT+CSQ", "\r\n+CSQ: 1,1\r\n\r\nOK\r\n");
    const g = r.submit(read(1, 100));
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(50);
    assert.strictEqual(kindOf(g), "badRead");
    assert.strictEqual(r.log.payloads.length, 0);
    assert.strictEqual(g.result && g.result.error && g.result.error.text, "read header 2,3,5,0 does not match the read asked for");
    assert.deepStrictEqual(r.modem.commands, ["AT+CIPRXGET=2,1,100", "AT+CMEE?", "AT+CSQ"]);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 1,1"]);
  });

  it("a read longer than asked is a bad read", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CIPRXGET=2,1,4", "\r\n+CIPRXGET: 2,1,5,0\r\nHELLO\r\nOK\r\n");
    const g = r.submit(read(1, 4));
    r.run(50);
    assert.strictEqual(kindOf(g), "badRead");
    assert.strictEqual(r.log.payloads.length, 0);
  });

  it("a read not followed by OK (its length announced more bytes than came) is a bad read and its data are never delivered", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CIPRXGET=2,1,100", "\r\n+CIPRXGET: 2,1,10,0\r\nHELLO\r\nOK\r\n\r\n+CIPRXGET: 1,1\r\n");
    r.modem.on("AT+CSQ", "\r\n+CSQ: 1,1\r\n\r\nOK\r\n");
    const g = r.submit(read(1, 100));
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(50);
    assert.deepStrictEqual(g.result && g.result.error, { kind: "badRead", code: -1, text: "no OK after the data" });
    assert.strictEqual(r.log.payloads.length, 0);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 1,1"]);
  });

  it("a read whose command times out drops the payload in progress", () => {
    const r = makeRig();
    probesAnswered(r);
    r.modem.on("AT+CIPRXGET=2,1,100", "\r\n+CIPRXGET: 2,1,50,0\r\nonly part of it");
    const g = r.submit({ request: "AT+CIPRXGET=2,1,100", timeout: 300, readLink: 1, readMax: 100 });
    r.run(400);
    assert.strictEqual(kindOf(g), "timeout");
    assert.ok(!r.engine.parser.inPayload());
    assert.strictEqual(r.log.payloads.length, 0);
  });

  it("pushes (+IPD, +RECEIVE) go to the listener at once, whatever is in flight", () => {
    const r = makeRig();
    r.modem.on("AT+CSQ", (c, m) => {
      m.send("\r\n+IPD4\r\nOK\r\n\r\n+RECEIVE,2,3\r\nabc");
      m.later(20, "\r\n+CSQ: 9,99\r\n\r\nOK\r\n");
    });
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(10);
    assert.equal(q.result, undefined, "the OK inside the payload did not answer it");
    assert.deepStrictEqual(r.log.payloads.map((p) => [p.kind, p.link, p.data]), [["ipd", -1, "OK\r\n"], ["receive", 2, "abc"]]);
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 9,99"]);
  });
});

describe("AT engine: noise, queue and errors", () => {
  it("passes garbage from a baud mismatch to the catch-all handler and keeps answering commands", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.modem.send("\xf3\xfa\xff\xf0\r\n\xfe\xfd\r\n\x00\x00");
    r.run(10);
    const a = r.submit(cmd("AT", 1000));
    r.run(20);
    assert.strictEqual(kindOf(a), "");
    assert.deepStrictEqual(r.log.all(), ["urc \\xf3\\xfa\\xff\\xf0", "urc \\xfe\\xfd", "urc \\x00\\x00"], "garbage lines end at the next line end");
  });

  it("drops an over-long line in a response and still completes the command", () => {
    const r = makeRig({ engine: { maxLine: 128 } });
    r.modem.on("ATI", "\r\nManufacturer: SIMCOM\r\n\r\n" + "x".repeat(400) + "\r\n\r\nModel: A7670E\r\n\r\nOK\r\n");
    const q = r.submit(cmd("ATI", 1000, ""));
    r.run(50);
    assert.deepStrictEqual(q.result && q.result.lines, ["Manufacturer: SIMCOM", "Model: A7670E"]);
    assert.strictEqual(r.engine.parser.stats.overflows, 1);
  });

  it("keeps at most maxLines information lines per command", () => {
    const r = makeRig({ engine: { maxLines: 2 } });
    r.modem.on("AT+CIPOPEN?", "\r\n+CIPOPEN: 0\r\n+CIPOPEN: 1\r\n+CIPOPEN: 2\r\nOK\r\n");
    const q = r.submit(cmd("AT+CIPOPEN?", 1000, "+CIPOPEN:"));
    r.run(20);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CIPOPEN: 0", "+CIPOPEN: 1"]);
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
      const s = r.submit(send(1, "ping"));
      const g = r.submit(read(1, 3));
      r.run(200);
      outcomes.push(JSON.stringify([s.result, g.result, r.log.all()]));
    }
    assert.strictEqual(new Set(outcomes).size, 1, outcomes.join("\n"));
    assert.ok(outcomes[0].indexOf('"async":"+CIPSEND: 1,4,4"') >= 0, outcomes[0]);
  });

  it("bounds the queue: submit returns false (and never calls back) when `queue` commands wait", () => {
    const r = makeRig({ engine: { queue: 2 } });
    assert.strictEqual(r.submit(cmd("AT", 100)).accepted, true);
    assert.strictEqual(r.submit(cmd("AT", 100)).accepted, true);
    const third = r.submit(cmd("AT", 100));
    assert.strictEqual(third.accepted, false);
    assert.strictEqual(r.engine.queued(), 2);
    r.run(2000);
    assert.equal(third.result, undefined);
  });

  it("catches and counts a throwing callback or URC handler", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\n+BOOM\r\n\r\nOK\r\n");
    r.engine.onUrc("+BOOM", () => {
      throw new Error("handler bug");
    });
    r.engine.submit(cmd("AT", 1000), () => {
      throw new Error("callback bug");
    });
    const b = r.submit(cmd("AT", 1000));
    r.run(50);
    assert.strictEqual(r.engine.stats.errors, 3, "one callback, one +BOOM per AT");
    assert.strictEqual(kindOf(b), "");
    // A listener that throws is contained too.
    r.log.payload = () => {
      throw new Error("listener bug");
    };
    r.modem.send("\r\n+IPD2\r\nhi");
    const c = r.submit(cmd("AT", 1000));
    r.run(50);
    assert.strictEqual(r.engine.stats.errors, 5, "the payload listener and the +BOOM handler");
    assert.strictEqual(kindOf(c), "");
    assert.strictEqual(r.sched.stats.errors, 0, "nothing reached the scheduler");
  });

  it("routes URCs to the longest registered prefix, others to the catch-all, and replaces a handler registered twice", () => {
    const r = makeRig();
    const got: string[] = [];
    r.engine.onUrc("+CIPRXGET:", (l) => got.push("any " + l));
    r.engine.onUrc("+CIPRXGET: 1,", (l) => got.push("old " + l));
    r.engine.onUrc("+CIPRXGET: 1,", (l) => got.push("notice " + l));
    r.modem.send("\r\n+CIPRXGET: 1,3\r\n\r\n+CIPRXGET: 4,3,0\r\n\r\nRING\r\n");
    r.run(20);
    assert.deepStrictEqual(got, ["notice +CIPRXGET: 1,3", "any +CIPRXGET: 4,3,0"]);
    assert.deepStrictEqual(r.log.all(), ["urc RING"]);
    assert.strictEqual(r.engine.stats.unknown, 1);
  });

  it("keeps URCs out of a \"\" (any line) answer when a prefix claims them", () => {
    const r = makeRig();
    r.engine.onUrc("+CEREG:", (l) => r.log.urc("reg " + l));
    r.modem.on("AT+CGMR", "\r\n\r\n+CGMR: A011B07\r\n\r\n+CEREG: 1\r\n\r\n\r\n\r\nOK\r\n");
    const q = r.submit(cmd("AT+CGMR", 1000, ""));
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CGMR: A011B07"]);
    assert.deepStrictEqual(r.log.all(), ["urc reg +CEREG: 1"]);
  });

  it("refuses a request with control bytes (it would inject a second command) unless raw", () => {
    const r = makeRig();
    assert.throws(() => r.engine.submit(cmd("AT\rAT+CRESET", 100), undefined), RangeError);
    assert.throws(() => r.engine.submit(cmd('AT+CDNSGIP="a\nb"', 100), undefined), RangeError);
    assert.throws(() => r.engine.submit(cmd("AT+X=\xe9", 100), undefined), RangeError);
    assert.strictEqual(r.engine.submit({ request: "+++", raw: true, timeout: 100 }, undefined), true);
    r.run(1);
    assert.strictEqual(r.hal.wire.hostWritten(), "+++");
  });

  it("records the time the module last answered (the health check skips a busy line)", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.run(500);
    r.submit(cmd("AT", 100));
    r.run(20);
    assert.ok(r.engine.answeredAt > 500 && r.engine.answeredAt < 520, String(r.engine.answeredAt));
  });
});

describe("AT command helpers and errors", () => {
  it("cmd, lineAfter and printable", () => {
    assert.deepStrictEqual(cmd("AT+CSQ", 100, "+CSQ:"), { request: "AT+CSQ", timeout: 100, match: "+CSQ:", need: true });
    assert.deepStrictEqual(cmd("ATE0", 100), { request: "ATE0", timeout: 100, match: undefined, need: false });
    const res: AtResult = { error: null, lines: ["+A: 1", "+CSQ: 9,99"], async: "", connect: "" };
    assert.strictEqual(lineAfter(res, "+CSQ: "), "9,99");
    assert.strictEqual(lineAfter(res, "+X"), undefined);
    assert.ok(printable("AT+X=\"a b\""));
    assert.ok(!printable("a\rb") && !printable("\x7f") && !printable("\xa0"));
  });

  it("builds errors from the modem's own words: its number as code, its text as text", () => {
    // New design: no text tables; the code is parsed when the modem gave a number.
    assert.deepStrictEqual(atError("ip", "22"), { kind: "ip", code: 22, text: "22" });
    assert.deepStrictEqual(atError("ip", "No data"), { kind: "ip", code: -1, text: "No data" });
    assert.deepStrictEqual(atError("error", ""), { kind: "error", code: -1, text: "ERROR" });
    assert.deepStrictEqual(atError("cme", ""), { kind: "cme", code: -1, text: "cme" });
    assert.strictEqual(parseUint("12abc"), -1);
    assert.strictEqual(parseUint(""), -1);
    assert.strictEqual(parseUint("1234567890"), -1, "longer than 9 digits");
    assert.strictEqual(parseUint("007"), 7);
  });
});
