// The doc's section 2 and 4 exchanges, byte by byte, through the engine on the test HAL with a scripted modem.
import * as assert from "assert";
import { makeRig } from "./helpers";
import { at, cipClose, cipOpen, cipRxGet, cipSend, netClose, netOpen, serverStop } from "../../firmware/at/command";
import { AtScriptRunner } from "../../firmware/at/script";
import { AtError } from "../../firmware/at/errors";

const IP = "117.131.85.139";

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

    const open = r.submit(cipOpen(1, "TCP", IP, 5253, 0, false));
    r.run(10);
    assert.equal(open.result, undefined, "OK alone does not complete an open: the async +CIPOPEN does");
    r.run(40);
    assert.ok(open.result);
    assert.strictEqual(open.result.error, null);
    assert.strictEqual(open.result.async, "+CIPOPEN: 1,0");

    const send = r.submit(cipSend(1, "HELLO", "", 0));
    r.run(50);
    assert.deepStrictEqual(r.modem.payloads, ["HELLO"]);
    assert.ok(send.result);
    assert.strictEqual(send.result.error, null);
    assert.strictEqual(send.result.async, "+CIPSEND: 1,5,5");
    assert.deepStrictEqual(r.log.payloads.map((p) => [p.kind, p.link, p.remote, p.data]), [["ipd", -1, "117.131.85.139:5253", "data from server"]]);

    const close = r.submit(cipClose(1));
    r.run(50);
    assert.ok(close.result);
    assert.strictEqual(close.result.error, null);
    assert.strictEqual(close.result.async, "+CIPCLOSE: 1,0");
    assert.deepStrictEqual(r.modem.commands, ['AT+CIPOPEN=1,"TCP","117.131.85.139",5253', "AT+CIPSEND=1,5", "AT+CIPCLOSE=1"]);
    assert.strictEqual(r.hal.wire.hostWritten(), 'AT+CIPOPEN=1,"TCP","117.131.85.139",5253\rAT+CIPSEND=1,5\rHELLOAT+CIPCLOSE=1\r');
  });

  it("reads in buffer-access mode: notice, size query, raw, hex, read-all and the No data error", () => {
    const r = makeRig();
    r.modem.on("AT+CIPRXGET=1", "\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=4,1", "\r\n+CIPRXGET: 4,1,16\r\n\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=2,1,5", "\r\n+CIPRXGET: 2,1,5,11\r\nOK\r\n\r\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=3,1,5", "\r\n+CIPRXGET: 3,1,5,6\r\n66726F6D20\r\n\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=2,1", "\r\n+CIPRXGET: 2,1,6,0\r\nserver\r\n\r\nOK\r\n");
    r.modem.on("AT+CIPRXGET=2,2", "\r\n+IP ERROR: No data\r\n\r\nERROR\r\n");
    const mode = r.submit(at("+CIPRXGET=1", undefined, 1000));
    r.run(20);
    assert.strictEqual(mode.result && mode.result.error, null);
    r.modem.send("\r\n+CIPRXGET: 1,1\r\n");
    r.run(20);
    assert.deepStrictEqual(r.log.all(), ["urc +CIPRXGET: 1,1"]);
    const size = r.submit(cipRxGet(4, 1, 0));
    const raw = r.submit(cipRxGet(2, 1, 5));
    const hex = r.submit(cipRxGet(3, 1, 5));
    const rest = r.submit(cipRxGet(2, 1, 0));
    const none = r.submit(cipRxGet(2, 2, 0));
    r.run(100);
    assert.deepStrictEqual(size.result && size.result.lines, ["+CIPRXGET: 4,1,16"]);
    for (const x of [raw, hex, rest]) assert.strictEqual(x.result && x.result.error, null);
    assert.deepStrictEqual(
      r.log.payloads.map((p) => [p.kind, p.link, p.rest, p.data]),
      [
        ["rxget", 1, 11, "OK\r\n\r"],
        ["rxhex", 1, 6, "66726F6D20"],
        ["rxget", 1, 0, "server"],
      ],
    );
    assert.deepStrictEqual(none.result && none.result.error, { kind: "ip", code: 22, text: "No data" });
  });

  it("runs a transparent TCP client: CONNECT, data both ways, +++, query, ATO, close", () => {
    const r = makeRig();
    r.modem.on("AT+CIPMODE=1", "\r\nOK\r\n");
    r.modem.on("AT+NETOPEN", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    r.modem.on('AT+CIPOPEN=0,"TCP","117.131.85.139",5253', "\r\nCONNECT 115200\r\nhello\r\nOK\r\n+IPD3\r\n");
    r.modem.on("+++", "\r\nOK\r\n");
    r.modem.on("AT+CIPOPEN?", '\r\n+CIPOPEN: 0,"TCP","117.131.85.139",5253,-1\r\n\r\n+CIPOPEN: 1\r\n\r\n+CIPOPEN: 9\r\n\r\nOK\r\n');
    r.modem.on("ATO", "\r\nCONNECT 115200\r\n");
    r.modem.on("AT+CIPCLOSE=0", "\r\nOK\r\n\r\nCLOSED\r\n\r\n+CIPCLOSE: 0,0\r\n");
    r.submit(at("+CIPMODE=1", undefined, 1000));
    const no = r.submit(netOpen());
    const open = r.submit(cipOpen(0, "TCP", IP, 5253, 0, true));
    r.run(100);
    assert.strictEqual(no.result && no.result.error, null);
    assert.strictEqual(open.result && open.result.connect, "115200");
    assert.ok(r.engine.isDataMode());
    assert.deepStrictEqual(r.log.all(), ["data hello\\r\\nOK\\r\\n+IPD3\\r\\n"], "bytes after CONNECT in the same chunk are data");

    const q = r.submit({ request: "AT+CIPOPEN?", matches: ["+CIPOPEN:"], timeoutMs: 1000 });
    r.run(20);
    assert.strictEqual(r.modem.commands.indexOf("AT+CIPOPEN?"), -1, "no AT command is sent in data mode");
    r.engine.setDataMode(false);
    // the queued query goes first now; "+++" would normally be sent before leaving data mode's traffic
    r.run(50);
    assert.deepStrictEqual(q.result && q.result.lines, ['+CIPOPEN: 0,"TCP","117.131.85.139",5253,-1', "+CIPOPEN: 1", "+CIPOPEN: 9"]);

    const esc = r.submit({ request: "+++", raw: true, timeoutMs: 2000 });
    r.run(50);
    assert.strictEqual(esc.result && esc.result.error, null);
    const ato = r.submit({ request: "ATO", connect: true, timeoutMs: 1000 });
    r.run(50);
    assert.strictEqual(ato.result && ato.result.connect, "115200");
    r.modem.send("\r\nCLOSED\r\n");
    r.run(20);
    r.engine.setDataMode(false);
    const close = r.submit(cipClose(0));
    r.run(50);
    assert.strictEqual(close.result && close.result.async, "+CIPCLOSE: 0,0");
    assert.deepStrictEqual(r.log.all().slice(1), ["data \\r\\nCLOSED\\r\\n", "urc CLOSED"]);
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
    const open = r.submit(cipOpen(1, "UDP", "", 0, 5000, false));
    const v = r.submit({ request: 'AT+CIPSEND=1,,"117.131.85.139",5254', payload: "HELLOSERVER\x1a", async: "+CIPSEND: 1,", timeoutMs: 1000 });
    const f = r.submit(cipSend(1, "HELLO", IP, 5254));
    r.run(100);
    assert.strictEqual(open.result && open.result.async, "+CIPOPEN: 1,0");
    assert.strictEqual(open.result && open.result.error, null);
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
    r.submit(at("+SERVERSTART=8080,0", undefined, 1000));
    r.run(50);
    assert.deepStrictEqual(clients, ["+CLIENT: 0,0,192.168.108.5:57202"]);
    const q = r.submit({ request: "AT+CIPOPEN?", matches: ["+CIPOPEN:"], timeoutMs: 1000 });
    const s = r.submit(cipSend(0, "HELLO", "", 0));
    const stop = r.submit(serverStop(0));
    r.run(100);
    assert.strictEqual(q.result && q.result.lines[0], '+CIPOPEN: 0,"TCP","192.168.108.5",57202,1');
    assert.strictEqual(s.result && s.result.async, "+CIPSEND: 0,5,5");
    assert.strictEqual(stop.result && stop.result.error, null);
    assert.strictEqual(stop.result && stop.result.async, "+SERVERSTOP: 0,0");
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
    const runner = new AtScriptRunner(r.engine, r.sched);
    const seen: string[] = [];
    let outcome: [AtError | null, number] | undefined;
    runner.run(
      {
        name: "bring-up",
        steps: [
          { request: "AT", timeoutMs: 1000, retries: 3, retryDelayMs: 1000 },
          { request: "ATE0", timeoutMs: 1000 },
          { request: "AT+CMEE=1", timeoutMs: 1000 },
          { request: "AT+CPIN?", matches: ["+CPIN:"], timeoutMs: 5000 },
          { request: "AT+CSQ", matches: ["+CSQ:"], timeoutMs: 1000 },
          { request: "AT+CREG?", matches: ["+CREG:"], timeoutMs: 1000 },
          { request: 'AT+CGDCONT=1,"IP","internet"', timeoutMs: 1000 },
          netOpen(),
          { request: "AT+IPADDR", matches: ["+IPADDR:"], timeoutMs: 1000 },
        ],
      },
      (i, attempt, res) => seen.push(i + ":" + res.lines.join("|")),
      (err, step) => {
        outcome = [err, step];
      },
    );
    r.run(500);
    assert.deepStrictEqual(outcome, [null, -1]);
    assert.deepStrictEqual(seen, ["0:", "1:", "2:", "3:+CPIN: READY", "4:+CSQ: 20,99", "5:+CREG: 0,1", "6:", "7:", "8:+IPADDR: 10.148.0.17"]);
    assert.strictEqual(r.engine.stats.echoes, 2, "the echoes of AT and ATE0 were recognised, not taken as lines");
    assert.deepStrictEqual(r.log.all(), [], "no echo leaked out as a URC");
  });

  it("closes the network and reports IPADDR's information line AND its ERROR", () => {
    const r = makeRig();
    r.modem.on("AT+NETCLOSE", "\r\nOK\r\n\r\n+NETCLOSE: 0\r\n");
    r.modem.on("AT+IPADDR", "\r\n+IPADDR: Network not opened\r\n\r\nERROR\r\n");
    const c = r.submit(netClose());
    const ip = r.submit({ request: "AT+IPADDR", matches: ["+IPADDR:"], timeoutMs: 1000 });
    r.run(50);
    assert.strictEqual(c.result && c.result.error, null);
    assert.deepStrictEqual(ip.result && ip.result.lines, ["+IPADDR: Network not opened"]);
    assert.deepStrictEqual(ip.result && ip.result.error, { kind: "error", code: -1, text: "ERROR" });
  });
});
