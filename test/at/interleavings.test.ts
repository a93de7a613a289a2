// Section 8 interleavings and section 9 field reports: URCs and pushes anywhere are dispatched as what they are.
import * as assert from "assert";
import { kindOf, makeRig } from "./helpers";
import { AtCommand, cmd } from "../../firmware/at/command";
import { AtError } from "../../firmware/at/errors";
import { RETRY, NEXT, ScriptRunner } from "../../firmware/at/script";

const cipOpen = (l: number, host: string, port: number): AtCommand => ({
  request: "AT+CIPOPEN=" + l + ',"TCP","' + host + '",' + port,
  timeout: 5000,
  async: "+CIPOPEN: " + l + ",",
  errField: 0,
});
const cipSend = (l: number, data: string): AtCommand => ({ request: "AT+CIPSEND=" + l + "," + data.length, payload: data, async: "+CIPSEND: " + l + ",", timeout: 5000 });
const netOpen: AtCommand = { request: "AT+NETOPEN", timeout: 5000, async: "+NETOPEN: ", errField: 0 };
const netClose: AtCommand = { request: "AT+NETCLOSE", timeout: 5000, async: "+NETCLOSE: ", errField: 0 };

describe("AT engine: section 8 interleavings", () => {
  it("dispatches a URC that arrives between a command and its response as a URC", () => {
    const r = makeRig();
    r.modem.on("AT+CSQ", "\r\n+CREG: 0,2\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 20,99"]);
    assert.deepStrictEqual(r.log.all(), ["urc +CREG: 0,2"]);
  });

  it("dispatches URCs and a pushed payload that arrive before the prompt, then sends the payload", () => {
    const r = makeRig();
    r.modem.on("AT+CIPSEND=1,3", (c, m) => {
      m.send("\r\n+CIPRXGET: 1,2\r\n\r\n+IPD2\r\n> \r\n> ");
      m.expectPayload(3, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 1,3,3\r\n"));
    });
    const s = r.submit(cipSend(1, "abc"));
    r.run(30);
    assert.strictEqual(kindOf(s), "");
    assert.deepStrictEqual(r.modem.payloads, ["abc"]);
    assert.deepStrictEqual(r.log.all(), ["urc +CIPRXGET: 1,2", "payload ipd link=-1 len=2 rest=-1 > "]);
  });

  it("keeps a URC and a pushed payload inside a multi-line response out of the answer", () => {
    const r = makeRig();
    r.engine.onUrc("+IPCLOSE:", (l) => r.log.urc("handled " + l));
    r.modem.on("AT+CIPOPEN?", '\r\n+CIPOPEN: 0,"TCP","1.2.3.4",80,-1\r\n\r\n+IPCLOSE: 3,1\r\n\r\n+RECEIVE,0,6\r\n\r\nOK\r\n\r\n+CIPOPEN: 1\r\n\r\nOK\r\n');
    const q = r.submit(cmd("AT+CIPOPEN?", 1000, "+CIPOPEN:"));
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ['+CIPOPEN: 0,"TCP","1.2.3.4",80,-1', "+CIPOPEN: 1"]);
    assert.deepStrictEqual(r.log.all(), ["urc handled +IPCLOSE: 3,1", "payload receive link=0 len=6 rest=-1 \\r\\nOK\\r\\n"]);
  });

  it("dispatches what arrives between OK and the async completion, which still completes the command", () => {
    const r = makeRig();
    r.modem.on('AT+CIPOPEN=2,"TCP","1.2.3.4",80', (c, m) => {
      m.send("\r\nOK\r\n");
      m.later(10, "\r\n+CIPOPEN: 1,0\r\n\r\n+RECV FROM:1.2.3.4:80\r\n+IPD4\r\nOK\r\n\r\n+CGEV: NW REATTACH\r\n");
      m.later(20, "\r\n+CIPOPEN: 2,0\r\n");
    });
    const o = r.submit(cipOpen(2, "1.2.3.4", 80));
    r.run(15);
    assert.equal(o.result, undefined, "another link's +CIPOPEN does not complete it");
    r.run(20);
    assert.strictEqual(o.result && o.result.async, "+CIPOPEN: 2,0");
    assert.deepStrictEqual(r.log.all(), ["urc +CIPOPEN: 1,0", "payload ipd link=-1 len=4 rest=-1 from=1.2.3.4:80 OK\\r\\n", "urc +CGEV: NW REATTACH"]);
  });

  it("never takes an OK inside a payload as the final result of the command in flight", () => {
    const r = makeRig();
    r.modem.on("AT+CSQ", (c, m) => {
      m.send("\r\n+IPD4\r\nOK\r\n");
      m.later(20, "\r\n+CSQ: 9,99\r\n\r\nOK\r\n");
    });
    const q = r.submit(cmd("AT+CSQ", 1000, "+CSQ:"));
    r.run(10);
    assert.equal(q.result, undefined);
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CSQ: 9,99"]);
  });

  it("fails an open whose async completion carries an error, in either order with OK", () => {
    const r = makeRig();
    r.modem.once('AT+CIPOPEN=1,"TCP","1.2.3.4",80', "\r\nOK\r\n\r\n+CIPOPEN: 1,4\r\n");
    r.modem.once('AT+CIPOPEN=1,"TCP","1.2.3.4",80', "\r\n+CIPOPEN: 1,10\r\n\r\nOK\r\n");
    const a = r.submit(cipOpen(1, "1.2.3.4", 80));
    const b = r.submit(cipOpen(1, "1.2.3.4", 80));
    r.run(50);
    assert.deepStrictEqual(a.result && a.result.error, { kind: "async", code: 4, text: "4" });
    assert.deepStrictEqual(b.result && b.result.error, { kind: "async", code: 10, text: "10" });
    assert.strictEqual(b.result && b.result.async, "+CIPOPEN: 1,10");
  });
});

describe("AT engine: section 9 field reports", () => {
  it("copes with the boot banner between a command and its echo, twice-printed *ATREADY and late +CPIN", () => {
    const r = makeRig();
    r.modem.on("AT", "\r\n*ATREADY: 1\r\nAT\r\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n\r\n*ATREADY: 1\r\n\r\n+CGEV: EPS PDN ACT 1\r\n");
    const boot: string[] = [];
    r.engine.onUrc("*ATREADY:", (l) => boot.push(l));
    r.engine.onUrc("+CPIN:", (l) => boot.push(l));
    const a = r.submit(cmd("AT", 1000));
    r.run(30);
    assert.strictEqual(kindOf(a), "");
    assert.deepStrictEqual(boot, ["*ATREADY: 1", "+CPIN: READY", "*ATREADY: 1"]);
    assert.deepStrictEqual(r.log.all(), ["urc SMS DONE", "urc PB DONE", "urc +CGEV: EPS PDN ACT 1"]);
    assert.strictEqual(r.engine.stats.echoes, 1);
  });

  it("reports SIM-not-ready answers with code and text, and a retrying script gets through", () => {
    const r = makeRig();
    r.modem.once("AT+CPIN?", "\r\n+CME ERROR: SIM busy\r\n");
    r.modem.once("AT+CPIN?", "\r\n+CME ERROR: 13\r\n");
    r.modem.once("AT+CPIN?", "\r\nERROR\r\n");
    r.modem.on("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    const errors: Array<AtError | null> = [];
    let done: unknown = "pending";
    new ScriptRunner(r.engine, r.sched, {}).run(
      {
        name: "sim",
        steps: [
          {
            cmd: cmd("AT+CPIN?", 5000, "+CPIN:"),
            retries: 5,
            wait: 1000,
            check: (res) => {
              errors.push(res.error);
              return res.error ? RETRY : NEXT;
            },
          },
        ],
      },
      (err) => {
        done = err;
      },
    );
    r.run(5000);
    assert.strictEqual(done, null);
    // New design: no text tables: a number gives the code, words give the text.
    assert.deepStrictEqual(errors, [{ kind: "cme", code: -1, text: "SIM busy" }, { kind: "cme", code: 13, text: "13" }, { kind: "error", code: -1, text: "ERROR" }, null]);
    assert.deepStrictEqual(r.modem.commands, ["AT+CPIN?", "AT+CPIN?", "AT+CPIN?", "AT+CPIN?"]);
  });

  it("tolerates extra blank lines before OK and URCs between any two lines", () => {
    const r = makeRig();
    r.modem.on("AT+CGMR", "\r\n\r\n+CGMR: A011B07\r\n\r\n+CEREG: 1\r\n\r\n\r\n\r\nOK\r\n");
    r.engine.onUrc("+CEREG:", (l) => r.log.urc("reg " + l));
    const q = r.submit(cmd("AT+CGMR", 1000, ""));
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CGMR: A011B07"], 'the "" match takes lines that no URC prefix claims');
    assert.deepStrictEqual(r.log.all(), ["urc reg +CEREG: 1"]);
  });

  it("maps the idempotence answers: already opened, already closed, closed link, bare ERROR, +NETOPEN: 0,0", () => {
    const r = makeRig();
    r.modem.once("AT+NETOPEN", "\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n");
    r.modem.once("AT+NETOPEN", "\r\nERROR\r\n");
    r.modem.once("AT+NETOPEN", "\r\nOK\r\n\r\n+NETOPEN: 0,0\r\n");
    r.modem.on("AT+NETCLOSE", "\r\n+NETCLOSE: 2\r\n\r\nERROR\r\n");
    r.modem.on("AT+CIPCLOSE=3", "\r\n+CIPCLOSE: 3,4\r\n\r\nERROR\r\n");
    const a = r.submit(netOpen);
    const b = r.submit(netOpen);
    const c = r.submit(netOpen);
    const d = r.submit(netClose);
    const e = r.submit({ request: "AT+CIPCLOSE=3", timeout: 5000, async: "+CIPCLOSE: 3,", errField: 0 });
    r.run(100);
    assert.deepStrictEqual(a.result && a.result.error, { kind: "ip", code: -1, text: "Network is already opened" });
    assert.deepStrictEqual(b.result && b.result.error, { kind: "error", code: -1, text: "ERROR" });
    assert.strictEqual(kindOf(c), "");
    assert.deepStrictEqual(d.result && d.result.error, { kind: "async", code: 2, text: "2" }, "the async <err> explains the ERROR");
    assert.deepStrictEqual(e.result && e.result.error, { kind: "async", code: 4, text: "4" });
    assert.strictEqual(e.result && e.result.async, "+CIPCLOSE: 3,4");
  });

  it("keeps several +CIPRXGET: 1 notices interleaved with a mode-4 answer out of it", () => {
    const r = makeRig();
    r.engine.onUrc("+CIPRXGET: 1,", (l) => r.log.urc("notice " + l));
    r.modem.on("AT+CIPRXGET=4,1", "\r\n+CIPRXGET: 1,1\r\n\r\n+CIPRXGET: 4,1,16\r\n\r\n+CIPRXGET: 1,1\r\n\r\n+CIPRXGET: 1,2\r\n\r\nOK\r\n");
    const q = r.submit({ request: "AT+CIPRXGET=4,1", timeout: 1000, match: "+CIPRXGET: 4,1,", need: true });
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CIPRXGET: 4,1,16"]);
    assert.deepStrictEqual(r.log.all(), ["urc notice +CIPRXGET: 1,1", "urc notice +CIPRXGET: 1,1", "urc notice +CIPRXGET: 1,2"]);
  });

  it("accepts direct pushes with the link number: +RECEIVE,<link>,<len>", () => {
    const r = makeRig({ toHostChunk: 3 });
    r.modem.send("\r\n+RECEIVE,4,9\r\n\x00\r\nOK\r\n\xff\xfe\r\n+IPCLOSE: 4,1\r\n");
    r.run(30);
    assert.deepStrictEqual(r.log.all(), ["payload receive link=4 len=9 rest=-1 \\x00\\r\\nOK\\r\\n\\xff\\xfe", "urc +IPCLOSE: 4,1"]);
  });

  it("reports a DNS failure with its information line and the ERROR", () => {
    const r = makeRig();
    r.modem.on('AT+CDNSGIP="nowhere.invalid"', "\r\n+CDNSGIP: 0,10\r\n\r\nERROR\r\n");
    const q = r.submit(cmd('AT+CDNSGIP="nowhere.invalid"', 1000, "+CDNSGIP:"));
    r.run(30);
    assert.deepStrictEqual(q.result && q.result.lines, ["+CDNSGIP: 0,10"]);
    assert.strictEqual(kindOf(q), "error");
  });
});
