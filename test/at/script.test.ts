// Script runner: steps as data with conditions, verdicts (next, retry, restart, fail), retry policies, optional steps, cancellation.
import * as assert from "assert";
import { makeRig } from "./helpers";
import { AtResult, cmd } from "../../firmware/at/command";
import { AtError } from "../../firmware/at/errors";
import { FAIL, NEXT, RESTART, RETRY, Script, ScriptRunner } from "../../firmware/at/script";

interface Ctx {
  apn: string;
  skip: boolean;
  seen: string[];
  tries: number;
}

function newCtx(): Ctx {
  return { apn: "internet", skip: false, seen: [], tries: 0 };
}

type Outcome = [AtError | null, number] | undefined;

describe("AT script runner", () => {
  it("stops at the first failing step and reports its index and error; an optional step's failure does not stop it", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.modem.on("AT+BAD", "\r\n+CME ERROR: 4\r\n");
    let out: Outcome;
    new ScriptRunner(r.engine, r.sched, newCtx()).run(
      { name: "s", steps: [{ cmd: cmd("AT", 100) }, { cmd: cmd("AT+BAD", 100), optional: true }, { cmd: cmd("AT+BAD", 100) }, { cmd: cmd("AT", 100) }] },
      (err, step) => {
        out = [err, step];
      },
    );
    r.run(100);
    assert.deepStrictEqual(out, [{ kind: "cme", code: 4, text: "4" }, 2]);
    assert.deepStrictEqual(r.modem.commands, ["AT", "AT+BAD", "AT+BAD"]);
  });

  it("skips steps whose condition is false and builds commands from the context", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.modem.on('AT+CGDCONT=1,"IP","iot.example"', "\r\nOK\r\n");
    const ctx = newCtx();
    ctx.apn = "iot.example";
    ctx.skip = true;
    let out: Outcome;
    new ScriptRunner(r.engine, r.sched, ctx).run(
      {
        name: "s",
        steps: [
          { cmd: cmd("AT+NEVER", 100), when: (c) => !c.skip },
          { cmd: (c) => cmd('AT+CGDCONT=1,"IP","' + c.apn + '"', 100) },
          { cmd: cmd("AT+NEVER", 100), when: (c) => !c.skip },
        ],
      },
      (err, step) => {
        out = [err, step];
      },
    );
    r.run(100);
    assert.deepStrictEqual(out, [null, -1]);
    assert.deepStrictEqual(r.modem.commands, ['AT+CGDCONT=1,"IP","iot.example"']);
  });

  it("retries a step `retries` times `wait` ms apart, then fails with the last answer's error", () => {
    const r = makeRig();
    r.modem.on("AT+CREG?", "\r\n+CREG: 0,2\r\n\r\nOK\r\n");
    const at: number[] = [];
    let out: Outcome;
    new ScriptRunner(r.engine, r.sched, newCtx()).run(
      {
        name: "reg",
        steps: [
          {
            cmd: cmd("AT+CREG?", 100, "+CREG:"),
            retries: 2,
            wait: 1000,
            check: (res: AtResult) => {
              at.push(Math.round(r.hal.clock.now()));
              return res.lines[0] === "+CREG: 0,1" ? NEXT : RETRY;
            },
          },
        ],
      },
      (err, step) => {
        out = [err, step];
      },
    );
    r.run(5000);
    assert.strictEqual(at.length, 3);
    assert.ok(at[1] - at[0] >= 1000 && at[1] - at[0] < 1010 && at[2] - at[1] >= 1000, JSON.stringify(at));
    assert.deepStrictEqual(out, [{ kind: "error", code: -1, text: "unexpected answer" }, 0]);
  });

  it("retries until `until` ms after the step began instead of counting", () => {
    const r = makeRig();
    r.modem.on("AT+CPIN?", "\r\n+CME ERROR: 14\r\n");
    let out: Outcome;
    new ScriptRunner(r.engine, r.sched, newCtx()).run({ name: "sim", steps: [{ cmd: cmd("AT+CPIN?", 100, "+CPIN:"), wait: 1000, until: () => 3500 }] }, (err, step) => {
      out = [err, step];
    });
    r.run(10000);
    assert.strictEqual(r.modem.commands.length, 4, "at 0, 1000, 2000, 3000 (the next would start after 3500)");
    assert.deepStrictEqual(out, [{ kind: "cme", code: 14, text: "14" }, 0]);
  });

  it("restarts the script from its first step after restartWait on RESTART", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\nOK\r\n");
    r.modem.on("AT+CGATT?", "\r\n+CGATT: 0\r\n\r\nOK\r\n");
    const ctx = newCtx();
    let out: Outcome;
    const script: Script<Ctx> = {
      name: "attach",
      restartWait: (c) => 500 * c.tries,
      steps: [
        { cmd: cmd("AT", 100) },
        {
          cmd: cmd("AT+CGATT?", 100, "+CGATT:"),
          check: (res, c) => {
            c.tries++;
            return c.tries < 3 ? RESTART : NEXT;
          },
        },
      ],
    };
    new ScriptRunner(r.engine, r.sched, ctx).run(script, (err, step) => {
      out = [err, step];
    });
    r.run(400);
    assert.deepStrictEqual(r.modem.commands, ["AT", "AT+CGATT?"], "waiting 500 ms before the restart");
    r.run(3000);
    assert.deepStrictEqual(out, [null, -1]);
    assert.deepStrictEqual(r.modem.commands, ["AT", "AT+CGATT?", "AT", "AT+CGATT?", "AT", "AT+CGATT?"]);
  });

  it("fails at once on FAIL, with the text the check left in failText", () => {
    const r = makeRig();
    r.modem.on("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
    let out: Outcome;
    const runner: ScriptRunner<Ctx> = new ScriptRunner(r.engine, r.sched, newCtx());
    runner.run(
      {
        name: "sim",
        steps: [
          {
            cmd: cmd("AT+CPIN?", 100, "+CPIN:"),
            retries: 5,
            check: (res) => {
              runner.failText = "the SIM wants a PIN";
              return res.lines[0] === "+CPIN: READY" ? NEXT : FAIL;
            },
          },
        ],
      },
      (err, step) => {
        out = [err, step];
      },
    );
    r.run(100);
    assert.deepStrictEqual(out, [{ kind: "error", code: -1, text: "the SIM wants a PIN" }, 0]);
    assert.strictEqual(r.modem.commands.length, 1);
  });

  it("fails when the engine refuses a step's command (stalled)", () => {
    const r = makeRig({ engine: { stallAfter: 1 } });
    let out: Outcome;
    new ScriptRunner(r.engine, r.sched, newCtx()).run({ name: "s", steps: [{ cmd: cmd("AT", 100), check: () => RETRY, retries: 9 }] }, (err, step) => {
      out = [err, step];
    });
    r.run(500);
    // stallAfter 1: the first timeout stalls the engine, which refuses the retry.
    assert.ok(r.engine.stalled());
    assert.deepStrictEqual(out, [{ kind: "stalled", code: -1, text: "the AT engine refused AT" }, 0]);
    assert.deepStrictEqual(r.modem.commands, ["AT"]);
  });

  it("fails on an answer of kind reset (or stalled) whatever the check says", () => {
    const r = makeRig();
    let out: Outcome;
    let checked = 0;
    new ScriptRunner(r.engine, r.sched, newCtx()).run(
      {
        name: "s",
        steps: [
          {
            cmd: cmd("AT", 1000),
            retries: 9,
            check: () => {
              checked++;
              return RETRY;
            },
          },
        ],
      },
      (err, step) => {
        out = [err, step];
      },
    );
    r.run(10);
    r.engine.reset();
    r.run(2000);
    assert.strictEqual(checked, 1);
    assert.deepStrictEqual(out, [{ kind: "reset", code: -1, text: "engine reset" }, 0]);
    assert.deepStrictEqual(r.modem.commands, ["AT"]);
  });

  it("cancel() stops without calling done; a new run() replaces the one in progress", () => {
    const r = makeRig();
    r.modem.on("AT+SLOW", (c, m) => m.later(50, "\r\nOK\r\n"));
    r.modem.on("AT", "\r\nOK\r\n");
    const runner = new ScriptRunner(r.engine, r.sched, newCtx());
    let first = 0;
    let second: Outcome;
    runner.run({ name: "a", steps: [{ cmd: cmd("AT+SLOW", 1000) }, { cmd: cmd("AT+NEVER", 1000) }] }, () => first++);
    r.run(10);
    assert.ok(runner.running());
    runner.cancel();
    assert.ok(!runner.running());
    runner.run({ name: "b", steps: [{ cmd: cmd("AT", 1000) }] }, (err, step) => {
      second = [err, step];
    });
    r.run(200);
    assert.strictEqual(first, 0);
    assert.deepStrictEqual(second, [null, -1]);
    assert.deepStrictEqual(r.modem.commands, ["AT+SLOW", "AT"], "the cancelled script's answer went nowhere; its next step never ran");
  });
});
