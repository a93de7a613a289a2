// The "field-quirks" profile behaves as real modules are reported to in doc section 9.
import * as assert from "assert";
import * as net from "net";
import { TcpPeer, UdpPeer } from "../../tools/sim/peers";
import { Host, line } from "./helpers";

/** Collapse the line ends before every OK (the profile adds blank lines there), so answers can be compared. */
function norm(s: string): string {
  return s.replace(/(\r\n)+OK\r\n/g, "\r\nOK\r\n");
}

function eq(actual: string, expected: string): void {
  assert.strictEqual(norm(actual), norm(expected));
}
const OK = "\r\nOK\r\n";

async function expectQ(h: Host, cmd: string, answer: string, end?: string): Promise<void> {
  eq(await h.cmd(cmd, end), answer);
}
const ERROR = "\r\nERROR\r\n";

async function netopen(h: Host): Promise<void> {
  const got = await h.cmd("AT+NETOPEN", "+NETOPEN: 0\r\n");
  eq(got, OK + line("+NETOPEN: 0"));
}

describe("sim: field-quirks profile (section 9)", () => {
  let h: Host;
  let peers: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    h.close();
    for (const p of peers) await p.close();
    peers = [];
  });

  it("boots with late, repeated URCs: *ATREADY: 1, SIM busy first, +CPIN: READY, SMS DONE, PB DONE, +CGEV", async () => {
    h = new Host({ profile: "field-quirks", startPoweredOn: false, bootMs: 1000 });
    h.sim.powerOn();
    await h.settle(1050);
    const first = await h.cmd("AT"); // answered before any banner line
    assert.strictEqual(first, "AT\r" + OK);
    await expectQ(h, "AT+CPIN?", "AT+CPIN?\r" + ERROR); // SIM busy, CMEE=0
    eq(await h.cmd("AT+CMEE=2"), "AT+CMEE=2\r" + OK);
    const busy = await h.cmd("AT+CPIN?");
    assert.ok(/SIM busy/.test(busy) || /\*ATREADY: 1/.test(busy), busy);
    eq((await h.cmd("AT+CSQ")).replace(line("*ATREADY: 1"), ""), "AT+CSQ\r" + line("+CSQ: 99,99") + OK);
    const rest = await h.settle(3000);
    const all = h.rx;
    const order = ["*ATREADY: 1", "+CPIN: READY", "SMS DONE", "PB DONE", "*ATREADY: 1", "+CGEV: EPS PDN ACT 1"];
    let at = 0;
    for (const u of order) {
      const i = all.indexOf(line(u), at);
      assert.ok(i >= 0, "missing " + u + " after " + at + " in " + JSON.stringify(all));
      at = i + 1;
    }
    void rest;
    eq(await h.cmd("AT+CPIN?"), "AT+CPIN?\r" + line("+CPIN: READY") + OK);
    eq(await h.cmd("AT+CREG?"), "AT+CREG?\r" + line("+CREG: 0,1") + OK);
  });

  it("puts an extra blank line before every third OK", async () => {
    h = new Host({ profile: "field-quirks", echo: false });
    await h.expect("AT", OK);
    await h.expect("AT", OK);
    await h.expect("AT", "\r\n\r\nOK\r\n");
    await h.expect("AT", OK);
  });

  it("gives the idempotence answers: +IP ERROR / bare ERROR, +NETCLOSE: 2, +CIPCLOSE: <l>,4", async () => {
    h = new Host({ profile: "field-quirks", echo: false });
    await expectQ(h, "AT+NETCLOSE", line("+NETCLOSE: 2") + ERROR);
    await expectQ(h, "AT+CIPCLOSE=3", line("+CIPCLOSE: 3,4") + ERROR);
    await netopen(h);
    await expectQ(h, "AT+NETOPEN", line("+IP ERROR: Network is already opened") + ERROR);
    await expectQ(h, "AT+NETOPEN", ERROR);
  });

  it("pushes alternately as +RECV FROM/+IPD and as +RECEIVE,<link>,<len>; UDP shows RECV FROM without '+'", async () => {
    h = new Host({ profile: "field-quirks", echo: false, portMap: { 5000: 0 } });
    const tcp = await TcpPeer.listen({ echo: false });
    const udp = await UdpPeer.bind({ echo: false });
    peers.push(tcp, udp);
    await netopen(h);
    const o = await h.cmd(`AT+CIPOPEN=1,"TCP","127.0.0.1",${tcp.port}`, "+CIPOPEN: 1,0\r\n");
    eq(o, OK + line("+CIPOPEN: 1,0"));
    await h.until(() => tcp.conns.length === 1);
    h.take();
    tcp.send("first");
    await h.until("first");
    assert.strictEqual(await h.settle(10), line(`+RECV FROM:127.0.0.1:${tcp.port}`) + "+IPD5\r\nfirst");
    tcp.send("second");
    await h.until("second");
    assert.strictEqual(await h.settle(10), "\r\n+RECEIVE,1,6\r\nsecond");
    // UDP open: the URC comes before the OK here.
    const u = await h.cmd('AT+CIPOPEN=2,"UDP",,,5000');
    eq(u, line("+CIPOPEN: 2,0") + OK);
    await udp.send("dgram", h.sim.link(2).hostLocalPort);
    await h.until("dgram");
    assert.strictEqual(await h.settle(10), line(`RECV FROM:127.0.0.1:${udp.port}`) + "+IPD5\r\ndgram");
    const c = await h.cmd("AT+CIPCLOSE=1", "+CIPCLOSE: 1,0\r\n");
    assert.ok(c.indexOf(line("+CIPCLOSE: 1,0")) === 0, JSON.stringify(c));
  });

  it("repeats +CIPRXGET: 1 notices, also inside a mode-4 answer", async () => {
    h = new Host({ profile: "field-quirks", echo: false });
    const tcp = await TcpPeer.listen({ echo: false });
    peers.push(tcp);
    eq(await h.cmd("AT+CIPRXGET=1"), OK);
    await netopen(h);
    await h.cmd(`AT+CIPOPEN=1,"TCP","127.0.0.1",${tcp.port}`, "+CIPOPEN: 1,0\r\n");
    await h.until(() => tcp.conns.length === 1);
    tcp.send("abc");
    await h.until(() => h.sim.link(1).buffered === 3);
    tcp.send("def");
    await h.until(() => h.sim.link(1).buffered === 6);
    assert.strictEqual(await h.settle(10), line("+CIPRXGET: 1,1") + line("+CIPRXGET: 1,1"));
    eq(await h.cmd("AT+CIPRXGET=4,1"), line("+CIPRXGET: 1,1") + line("+CIPRXGET: 4,1,6") + OK);
    eq(await h.cmd("AT+CIPRXGET=2,1,6"), line("+CIPRXGET: 2,1,6,0") + "abcdef" + OK);
  });

  it("freezes when a read asks for more than is buffered, until a power cycle", async () => {
    h = new Host({ profile: "field-quirks", echo: false, bootMs: 500 });
    const tcp = await TcpPeer.listen({ echo: false });
    peers.push(tcp);
    eq(await h.cmd("AT+CIPRXGET=1"), OK);
    await netopen(h);
    await h.cmd(`AT+CIPOPEN=1,"TCP","127.0.0.1",${tcp.port}`, "+CIPOPEN: 1,0\r\n");
    await h.until(() => tcp.conns.length === 1);
    tcp.send("abc");
    await h.until(() => h.sim.link(1).buffered === 3);
    await h.settle(20);
    h.send("AT+CIPRXGET=2,1,10\r");
    assert.strictEqual(await h.settle(2000), "");
    assert.ok(h.sim.hung);
    h.send("AT\r");
    assert.strictEqual(await h.settle(2000), "");
    // Power cycle: a pulse turns it off (field quirk), another turns it on.
    for (let i = 0; i < 2; i++) {
      h.hal.pwrkey.write(true);
      await h.settle(100);
      h.hal.pwrkey.write(false);
      await h.settle(50);
    }
    await h.settle(4000);
    assert.ok(h.sim.booted && !h.sim.hung);
    eq(await h.cmd("AT"), OK);
  });

  it("varies CIPSEND answers: prompt without its space, the async result before OK or after a pause, ERROR above 1460 bytes", async () => {
    h = new Host({ profile: "field-quirks", echo: false });
    const tcp = await TcpPeer.listen({ echo: false });
    peers.push(tcp);
    await netopen(h);
    await h.cmd(`AT+CIPOPEN=1,"TCP","127.0.0.1",${tcp.port}`, "+CIPOPEN: 1,0\r\n");
    await h.settle(20);
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.send("AT+CIPSEND=1,2\r");
      await h.until(">");
      h.send("hi");
      await h.until("+CIPSEND: 1,2,2\r\n");
      answers.push(await h.settle(20));
    }
    assert.ok(answers.some((a) => a.indexOf("\r\n>\r\n") === 0 || a.indexOf("\r\n>" + OK) === 0), "a prompt without a space: " + JSON.stringify(answers));
    assert.ok(answers.some((a) => a.indexOf(line("+CIPSEND: 1,2,2") + OK) > 0), "the async result before OK: " + JSON.stringify(answers));
    h.send("AT+CIPSEND=1,1461\r");
    await h.until(">");
    h.send("x".repeat(1461));
    const big = await h.settle(500);
    assert.ok(big.indexOf(ERROR) >= 0, JSON.stringify(big));
  });

  it("freezes when a read asks for bytes on an open link that holds none", async () => {
    h = new Host({ profile: "field-quirks", echo: false });
    const tcp = await TcpPeer.listen({ echo: false });
    peers.push(tcp);
    eq(await h.cmd("AT+CIPRXGET=1"), OK);
    await netopen(h);
    await h.cmd(`AT+CIPOPEN=1,"TCP","127.0.0.1",${tcp.port}`, "+CIPOPEN: 1,0\r\n");
    await h.settle(20);
    h.send("AT+CIPRXGET=2,1,100\r");
    assert.strictEqual(await h.settle(1000), "");
    assert.ok(h.sim.hung);
  });

  it("freezes when a closed link is queried", async () => {
    h = new Host({ profile: "field-quirks", echo: false });
    h.take();
    h.send("AT+CIPRXGET=4,5\r");
    assert.strictEqual(await h.settle(1000), "");
    assert.ok(h.sim.hung);
  });

  it("after a network drop AT+NETOPEN? still says 1 until AT+NETCLOSE", async () => {
    h = new Host({ profile: "field-quirks", echo: false });
    await netopen(h);
    h.sim.fault.dropNetwork();
    assert.strictEqual(await h.settle(10), line("+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY"));
    eq(await h.cmd("AT+NETOPEN?"), line("+NETOPEN: 1") + OK);
    eq(await h.cmd("AT+NETCLOSE", "+NETCLOSE: 0\r\n"), OK + line("+NETCLOSE: 0"));
    await netopen(h);
    void net;
  });
});
