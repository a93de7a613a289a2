// The doc's section 2 and 4 exchanges, byte by byte, through the engine on the test HAL with a scripted modem.
import * as assert from "assert";
import { kindOf, makeRig, TestBorrower } from "./helpers";
import { AtCommand, AtResult, cmd } from "../../firmware/at/command";
import { ScriptRunner, Step } from "../../firmware/at/script";
import { AtError } from "../../firmware/at/errors";

const IP = "117.131.85.139";

/** The command shapes the firmware uses (net/, modem/scripts.ts), written out. */
function cipOpen(l: number, proto: string, host: string, port: number, local: number): AtCommand {
  const req = "AT+CIPOPEN=" + l + ',"' + proto + '",' + (proto === "UDP" ? ",," + local : '"' + host + '",' + port);
  return { request: req, timeout: 5000, async: "+CIPOPEN: " + l + ",", errField: 0 };
}
function cipSend(l: number, data: string, host: string, port: number): AtCommand {
  const dest = host ? ',"' + host + '",' + port : "";
  return { request: "AT+CIPSEND=" + l + "," + data.length + dest, payload: data, async: "+CIPSEND: " + l + ",", timeout: 5000 };
}
const cipClose = (l: number): AtCommand => ({ request: "AT+CIPCLOSE=" + l, timeout: 5000, async: "+CIPCLOSE: " + l + ",", errField: 0 });
const netOpen: AtCommand = { request: "AT+NETOPEN", timeout: 5000, async: "+NETOPEN: ", errField: 0 };
const netClose: AtCommand = { request: "AT+NETCLOSE", timeout: 5000, async: "+NETCLOSE: ", errField: 0 };

describe("AT engine: section 4 exchanges", () => {
  it("opens, sends, receives by direct push and closes a TCP link", () => {
    const r = makeRig();
    r.modem.on('AT+CIPOPEN=1,"TCP","117.131.85.139",5253', (c, m) => {
      m.send("\r\nOK\r\n");
      m.later(30, "\r\n+CIPOPEN: 1,0\r\n");
    });
    r.modem.on("AT+CIPSEND=1,5", (c, m) => {
      m.send("\r\n>");
      m.expectPayload(5, () => {
        m.send("\r\nOK\r\n\r\n+CIPSEND: 1,5,5\r\n");
        m.later(10, "\r\n+RECV FROM:117.131.85.139:5253\r\n+IPD16\r\ndata from server");
      });
    });
    r.modem.on("AT+CIPCLOSE=1", "\r\nOK\r\n\r\n+CIPCLOSE: 1,0\r\n");

    const open = r.submit(cipOpen(1, "TCP", IP, 5253, 0));
    r.run(10);
    assert.equal(open.result, undefined, "OK alone does not complete an open: the async +CIPOPEN does");
    r.run(40);
    assert.deepStrictEqual(open.result, { error: null, lines: [], async: "+CIPOPEN: 1,0", connect: "" });

    const send = r.submit(cipSend(1, "HELLO", "", 0));
    r.run(50);
    assert.deepStrictEqual(r.modem.payloads, ["HELLO"]);
    assert.deepStrictEqual(send.result, { error: null, lines: [], async: "+CIPSEND: 1,5,5", connect: "" });
    assert.deepStrictEqual(r.log.payloads, [{ kind: "ipd", link: -1, rest: -1, remote: "117.131.85.139:5253", data: "data from server" }]);

    const close = r.submit(cipClose(1));
    r.run(50);
    assert.deepStrictEqual(close.result, { error: null, lines: [], async: "+CIPCLOSE: 1,0", connect: "" });
    assert.deepStrictEqual(r.modem.commands, ['AT+CIPOPEN=1,"TCP","117.131.85.139",5253', "AT+CIPSEND=1,5", "AT+CIPCLOSE=1"]);
    assert.strictEqual(r.hal.wire.hostWritten(), 'AT+CIPOPEN=1,"TCP","117.131.85.139",5253\rAT+CIPSEND=1,5\rHELLOAT+CIPCLOSE=1\r');
  });

  it("reads in buffer-access mode: notice, size query, raw reads, hex as lines, and the No data error", () => {
    const r = makeRig();
    r.modem.on("AT+CIPRXGET=1", "\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=4,1", "\r\n+CIPRXGET: 4,1,16\r\n\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=2,1,5", "\r\n+CIPRXGET: 2,1,5,11\r\nOK\r\n\r\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=3,1,5", "\r\n+CIPRXGET: 3,1,5,6\r\n66726F6D20\r\n\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=2,1,6", "\r\n+CIPRXGET: 2,1,6,0\r\nserver\r\n\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=2,2,10", "\r\n+IP ERROR: No data\r\n\r\nERROR\r\n");
    const mode = r.submit(cmd("AT+CIPRXGET=1", 1000));
    r.run(20);
    assert.strictEqual(kindOf(mode), "");
    r.modem.send("\r\n+CIPRXGET: 1,1\r\n");
    r.run(20);
    assert.deepStrictEqual(r.log.all(), ["urc +CIPRXGET: 1,1"]);
    const size = r.submit({ request: "AT+CIPRXGET=4,1", timeout: 1000, match: "+CIPRXGET: 4,1,", need: true });
    const raw = r.submit({ request: "AT+CIPRXGET=2,1,5", timeout: 1000, readLink: 1, readMax: 5 });
    const hex = r.submit(cmd("AT+CIPRXGET=3,1,5", 1000, ""));
    const rest = r.submit({ request: "AT+CIPRXGET=2,1,6", timeout: 1000, readLink: 1, readMax: 6 });
    const none = r.submit({ request: "AT+CIPRXGET=2,2,10", timeout: 1000, readLink: 2, readMax: 10 });
    r.run(100);
    assert.deepStrictEqual(size.result && size.result.lines, ["+CIPRXGET: 4,1,16"]);
    for (const x of [raw, hex, rest]) assert.strictEqual(kindOf(x), "");
    // New design: hex reads (mode 3) are not a payload kind; the driver never uses them.
    assert.deepStrictEqual(hex.result && hex.result.lines, ["+CIPRXGET: 3,1,5,6", "66726F6D20"]);
    assert.deepStrictEqual(
      r.log.payloads.map((p) => [p.kind, p.link, p.rest, p.data]),
      [
        ["rxget", 1, 11, "OK\r\n\r"],
        ["rxget", 1, 0, "server"],
      ],
    );
    // New design: no text tables: the modem's words are the text, the code only when it gave a number.
    assert.deepStrictEqual(none.result && none.result.error, { kind: "ip", code: -1, text: "No data" });
  });

  it("runs a transparent TCP client: CONNECT, data both ways, +++, query, ATO, the peer's close", () => {
    const r = makeRig();
    const b = new TestBorrower();
    r.modem.on("AT+CIPMODE=1", "\r\nOK\r\n");
    r.modem.on("AT+NETOPEN", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    r.modem.on('AT+CIPOPEN=0,"TCP","117.131.85.139",5253', (c, m) => {
      m.send("\r\nCONNECT 115200\r\nhello\r\nOK\r\n+IPD3\r\n");
      m.dataMode = true;
    });
    r.modem.on("+++", "\r\nOK\r\n");
    r.modem.on("AT+CIPOPEN?", '\r\n+CIPOPEN: 0,"TCP","117.131.85.139",5253,-1\r\n\r\n+CIPOPEN: 1\r\n\r\n+CIPOPEN: 9\r\n\r\nOK\r\n');
    r.modem.on("ATO", (c, m) => {
      m.send("\r\nCONNECT 115200\r\n");
      m.dataMode = true;
    });
    r.modem.on("AT+CIPCLOSE=0", "\r\nOK\r\n\r\n+CIPCLOSE: 0,0\r\n");
    r.modem.on("AT+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
    const borrow = (x: AtResult) => {
      if (!x.error) r.engine.borrow(b);
    };
    r.submit(cmd("AT+CIPMODE=1", 1000));
    const no = r.submit(netOpen);
    let open: AtResult | undefined;
    r.engine.submit({ request: 'AT+CIPOPEN=0,"TCP","117.131.85.139",5253', timeout: 1000, connect: true }, (x) => {
      open = x;
      borrow(x);
    });
    r.run(100);
    assert.strictEqual(kindOf(no), "");
    assert.strictEqual(open && open.connect, "115200");
    assert.ok(r.engine.borrowed());
    assert.strictEqual(b.got, "hello\r\nOK\r\n+IPD3\r\n", "bytes after CONNECT in the same chunk are data");
    r.engine.lineWrite("to the peer");

    // A command waits for the line: the borrower escapes, the module's OK ends data mode.
    b.onWant = () => r.engine.lineWrite("+++");
    b.onData = (d) => {
      if (d === "\r\nOK\r\n") r.engine.giveBack(false);
    };
    const q = r.submit(cmd("AT+CIPOPEN?", 1000, "+CIPOPEN:"));
    r.run(50);
    assert.deepStrictEqual(q.result && q.result.lines, ['+CIPOPEN: 0,"TCP","117.131.85.139",5253,-1', "+CIPOPEN: 1", "+CIPOPEN: 9"]);
    b.onWant = undefined;
    b.onData = undefined;

    let back: AtResult | undefined;
    r.engine.submit({ request: "ATO", timeout: 1000, connect: true }, (x) => {
      back = x;
      borrow(x);
    });
    r.run(50);
    assert.strictEqual(back && back.connect, "115200");
    b.got = "";
    // The peer closes: the module leaves data mode on its own.
    r.modem.send("\r\nCLOSED\r\n");
    r.modem.dataMode = false;
    r.run(20);
    assert.strictEqual(b.got, "\r\nCLOSED\r\n");
    r.engine.giveBack(true);
    const close = r.submit(cipClose(0));
    r.run(50);
    assert.strictEqual(close.result && close.result.async, "+CIPCLOSE: 0,0");
    assert.strictEqual(
      r.hal.wire.hostWritten(),
      'AT+CIPMODE=1\rAT+NETOPEN\rAT+CIPOPEN=0,"TCP","117.131.85.139",5253\rto the peer+++AT+CIPOPEN?\rATO\r\rAT+CMEE?\rAT+CIPCLOSE=0\r',
    );
    assert.deepStrictEqual(r.log.all(), []);
    assert.strictEqual(r.modem.peer, "to the peer");
  });

  it("opens UDP with the async result before OK and sends fixed- and variable-length datagrams", () => {
    const r = makeRig();
    r.modem.on('AT+CIPOPEN=1,"UDP",,,5000', "\r\n+CIPOPEN: 1,0\r\n\r\nOK\r\n");
    r.modem.on('AT+CIPSEND=1,,"117.131.85.139",5254', (c, m) => {
      m.send("\r\n> ");
      m.expectPayload(12, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 1,11,11\r\n"));
    });
    r.modem.on('AT+CIPSEND=1,5,"117.131.85.139",5254', (c, m) => {
      m.send("\r\n> ");
      m.expectPayload(5, () => {
        m.send("\r\nOK\r\n\r\n+CIPSEND: 1,5,5\r\n");
        m.later(5, "RECV FROM:117.131.85.139:5254\r\n+IPD14\r\nHELLO CLIENT\r\n");
      });
    });
    const open = r.submit(cipOpen(1, "UDP", "", 0, 5000));
    const v = r.submit({ request: 'AT+CIPSEND=1,,"117.131.85.139",5254', payload: "HELLOSERVER\x1a", async: "+CIPSEND: 1,", timeout: 1000 });
    const f = r.submit(cipSend(1, "HELLO", IP, 5254));
    r.run(100);
    assert.deepStrictEqual(open.result, { error: null, lines: [], async: "+CIPOPEN: 1,0", connect: "" });
    assert.strictEqual(v.result && v.result.async, "+CIPSEND: 1,11,11");
    assert.strictEqual(f.result && f.result.async, "+CIPSEND: 1,5,5");
    assert.deepStrictEqual(r.modem.payloads, ["HELLOSERVER\x1a", "HELLO"]);
    assert.deepStrictEqual(r.log.payloads.map((p) => [p.remote, p.data]), [["117.131.85.139:5254", "HELLO CLIENT\r\n"]]);
  });

  it("runs a TCP server: accept URC, link query, send on the accepted link, stop", () => {
    const r = makeRig();
    const clients: string[] = [];
    r.engine.onUrc("+CLIENT:", (l) => clients.push(l));
    r.modem.on("AT+SERVERSTART=8080,0", (c, m) => {
      m.send("\r\nOK\r\n");
      m.later(20, "\r\n+CLIENT: 0,0,192.168.108.5:57202\r\n");
    });
    r.modem.on("AT+CIPOPEN?", '\r\n+CIPOPEN: 0,"TCP","192.168.108.5",57202,1\r\n\r\n+CIPOPEN: 1\r\n\r\nOK\r\n');
    r.modem.on("AT+CIPSEND=0,5", (c, m) => {
      m.send("\r\n>");
      m.expectPayload(5, () => m.send("\r\nOK\r\n\r\n+CIPSEND: 0,5,5\r\n"));
    });
    r.modem.on("AT+SERVERSTOP=0", "\r\n+SERVERSTOP: 0,0\r\n\r\nOK\r\n");
    r.submit(cmd("AT+SERVERSTART=8080,0", 1000));
    r.run(50);
    assert.deepStrictEqual(clients, ["+CLIENT: 0,0,192.168.108.5:57202"]);
    const q = r.submit(cmd("AT+CIPOPEN?", 1000, "+CIPOPEN:"));
    const s = r.submit(cipSend(0, "HELLO", "", 0));
    const stop = r.submit({ request: "AT+SERVERSTOP=0", timeout: 1000, async: "+SERVERSTOP: 0,", errField: 0 });
    r.run(100);
    assert.strictEqual(q.result && q.result.lines[0], '+CIPOPEN: 0,"TCP","192.168.108.5",57202,1');
    assert.strictEqual(s.result && s.result.async, "+CIPSEND: 0,5,5");
    assert.deepStrictEqual(stop.result, { error: null, lines: [], async: "+SERVERSTOP: 0,0", connect: "" });
  });

  it("runs the section 2 bring-up as a script, with echo on until ATE0", () => {
    const r = makeRig({ echo: true });
    r.modem.on("AT", "\r\nOK\r\n");
    r.modem.on("ATE0", (c, m) => {
      m.echo = false;
      m.send("\r\nOK\r\n");
    });
    r.modem.on("AT+CMEE=1", "\r\nOK\r\n");
    r.modem.on("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    r.modem.on("AT+CSQ", "\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    r.modem.on("AT+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    r.modem.on('AT+CGDCONT=1,"IP","internet"', "\r\nOK\r\n");
    r.modem.on("AT+NETOPEN", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    r.modem.on("AT+IPADDR", "\r\n+IPADDR: 10.148.0.17\r\n\r\nOK\r\n");
    const seen: string[] = [];
    const ctx = { apn: "internet", ip: "" };
    const record = (i: number) => (res: AtResult, c: typeof ctx): number => {
      seen.push(i + ":" + res.lines.join("|"));
      if (i === 8) c.ip = res.lines[0].substr(9);
      return res.error ? 1 : 0;
    };
    const steps: Array<Step<typeof ctx>> = [
      { cmd: cmd("AT", 1000), retries: 3, wait: 1000 },
      { cmd: cmd("ATE0", 1000) },
      { cmd: cmd("AT+CMEE=1", 1000) },
      { cmd: cmd("AT+CPIN?", 5000, "+CPIN:") },
      { cmd: cmd("AT+CSQ", 1000, "+CSQ:") },
      { cmd: cmd("AT+CREG?", 1000, "+CREG:") },
      { cmd: (c) => cmd('AT+CGDCONT=1,"IP","' + c.apn + '"', 1000) },
      { cmd: netOpen },
      { cmd: cmd("AT+IPADDR", 1000, "+IPADDR:") },
    ];
    steps.forEach((s, i) => (s.check = record(i)));
    let outcome: [AtError | null, number] | undefined;
    new ScriptRunner(r.engine, r.sched, ctx).run({ name: "bring-up", steps }, (err, step) => {
      outcome = [err, step];
    });
    r.run(500);
    assert.deepStrictEqual(outcome, [null, -1]);
    assert.deepStrictEqual(seen, ["0:", "1:", "2:", "3:+CPIN: READY", "4:+CSQ: 20,99", "5:+CREG: 0,1", "6:", "7:", "8:+IPADDR: 10.148.0.17"]);
    assert.strictEqual(ctx.ip, "10.148.0.17");
    assert.strictEqual(r.engine.stats.echoes, 2, "the echoes of AT and ATE0 were recognised, not taken as lines");
    assert.deepStrictEqual(r.log.all(), [], "no echo leaked out as a URC");
  });

  it("closes the network and reports IPADDR's information line AND its ERROR", () => {
    const r = makeRig();
    r.modem.on("AT+NETCLOSE", "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n");
    r.modem.on("AT+IPADDR", "\r\n+IPADDR: Network not opened\r\n\r\nERROR\r\n");
    const c = r.submit(netClose);
    const ip = r.submit(cmd("AT+IPADDR", 1000, "+IPADDR:"));
    r.run(50);
    assert.strictEqual(kindOf(c), "");
    assert.deepStrictEqual(ip.result && ip.result.lines, ["+IPADDR: Network not opened"]);
    assert.deepStrictEqual(ip.result && ip.result.error, { kind: "error", code: -1, text: "ERROR" });
  });
});
