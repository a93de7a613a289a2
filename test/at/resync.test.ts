// Resynchronisation with a slow or lossy module: late probe answers are drained, a lost probe costs one probe deadline, and the next command gets its own answer.
import * as assert from "assert";
import { cmd } from "../../firmware/at/command";
import { kindOf, makeRig } from "./helpers";
import { Plan, Reply, Rng, ScriptedModule, TAG_PROBE } from "./scripted-module";

describe("AT engine resynchronisation with a slow modem", () => {
  it("drains a probe's answer that comes after its deadline, so the next command gets its own answer", () => {
    const r = makeRig();
    // In order, one command at a time: AT+SLOW is never answered, the first probe 1.5 s late.
    const answers: { [req: string]: string } = {
      "AT+CMEE?": "\r\n+CMEE: 0\r\n\r\nOK\r\n",
      "AT+CIPHEAD?": "\r\n+CIPHEAD: 0\r\n\r\nOK\r\n",
      "AT+CSQ": "\r\n+CSQ: 17,99\r\n\r\nOK\r\n",
    };
    const delays: { [req: string]: number } = { "AT+SLOW": 0, "AT+CMEE?": 1500, "AT+CIPHEAD?": 100, "AT+CSQ": 1500 };
    const m = new ScriptedModule(
      r.hal,
      new Rng(1),
      (line): Reply => ({ text: answers[line] || "", tag: TAG_PROBE }),
      (line): Plan => ({ fault: line === "AT+SLOW" ? "never" : "ok", delay: delays[line] }),
    );
    const slow = r.submit(cmd("AT+SLOW", 2000));
    r.run(2100); // AT+SLOW times out; probe 1 goes out
    assert.strictEqual(kindOf(slow), "timeout");
    const csq = r.submit(cmd("AT+CSQ", 2000, "+CSQ:"));
    r.run(10000);
    assert.deepStrictEqual(csq.result && csq.result.lines, ["+CSQ: 17,99"]);
    assert.deepStrictEqual(m.commands, ["AT+SLOW", "AT+CMEE?", "AT+CIPHEAD?", "AT+CSQ"]);
    assert.strictEqual(r.engine.stats.late, 1, "the first probe's OK came while the second was the latest");
    assert.deepStrictEqual(r.log.all(), ["timeout 1 AT+SLOW", "timeout 2 AT+CMEE?"]);
  });

  it("goes on after one probe deadline when an earlier probe's answer never comes", () => {
    const r = makeRig();
    r.modem.on("AT+CMEE?", () => undefined); // lost
    r.modem.on("AT+CIPHEAD?", "\r\n+CIPHEAD: 0\r\n\r\nOK\r\n");
    r.modem.on("AT+CSQ", "\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
    r.submit(cmd("AT+SLOW", 2000));
    const csq = r.submit(cmd("AT+CSQ", 2000, "+CSQ:"));
    r.run(10000);
    assert.deepStrictEqual(csq.result && csq.result.lines, ["+CSQ: 17,99"]);
    assert.deepStrictEqual(r.modem.commands, ["AT+SLOW", "AT+CMEE?", "AT+CIPHEAD?", "AT+CSQ"]);
    assert.ok(!r.engine.stalled());
  });
});
