// Every injected fault behaves as a real module or network would: drops, closes, reboots, hangs, garbage, SIM, registration, NETOPEN, DNS, send timeout, backpressure, UART chunking.
import * as assert from "assert";
import { TcpPeer } from "../../tools/sim/peers";
import { pumpFor } from "../../tools/sim/pump";
import { ERROR, Host, line, OK } from "./helpers";

const BANNER = line("RDY") + line("+CPIN: READY") + line("SMS DONE") + line("PB DONE");

async function netopen(h: Host): Promise<void> {
  await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
}

async function openTcp(h: Host, l: number, port: number): Promise<void> {
  await h.expect(`AT+CIPOPEN=${l},"TCP","127.0.0.1",${port}`, OK + line(`+CIPOPEN: ${l},0`), `+CIPOPEN: ${l},0\r\n`);
}

describe("sim: faults", () => {
  let h: Host;
  let peer: TcpPeer | undefined;
  afterEach(async () => {
    h.close();
    if (peer) await peer.close();
    peer = undefined;
  });

  it("dropNetwork: +CIPEVENT: NETWORK CLOSED UNEXPECTEDLY, links gone, the peer sees the close", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await netopen(h);
    await openTcp(h, 1, peer.port);
    await h.until(() => peer!.conns.length === 1);
    h.sim.fault.dropNetwork();
    assert.strictEqual(await h.settle(20), line("+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY"));
    await h.until(() => peer!.conns[0].destroyed || peer!.conns[0].readableEnded);
    assert.strictEqual(h.sim.link(1).state, "closed");
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 0") + OK);
    await netopen(h);
  });

  it("remoteClose and a real peer close both give +IPCLOSE: <link>,1", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await netopen(h);
    await openTcp(h, 1, peer.port);
    await openTcp(h, 2, peer.port);
    assert.ok(h.sim.fault.remoteClose(1));
    assert.strictEqual(await h.settle(20), line("+IPCLOSE: 1,1"));
    await h.until(() => peer!.conns.length === 2);
    peer.end(1);
    await h.until("+IPCLOSE: 2,1\r\n");
    assert.strictEqual(await h.settle(20), line("+IPCLOSE: 2,1"));
  });

  it("reboot at any moment: sockets gone, nothing answered while booting, banner, settings back to power-up", async () => {
    h = new Host({ bootMs: 2000 });
    peer = await TcpPeer.listen();
    await h.expect("ATE0", "ATE0\r" + OK);
    await netopen(h);
    await openTcp(h, 1, peer.port);
    h.sim.fault.reboot();
    assert.ok(!h.sim.booted);
    await h.until(() => peer!.conns.length === 1 && (peer!.conns[0].destroyed || peer!.conns[0].readableEnded));
    h.send("AT\r");
    assert.strictEqual(await h.settle(1500), "");
    await h.until("PB DONE\r\n");
    assert.strictEqual(await h.settle(20), BANNER);
    await h.expect("AT", "AT\r" + OK); // echo is on again
    await h.expect("AT+NETOPEN?", "AT+NETOPEN?\r" + line("+NETOPEN: 0") + OK);
  });

  it("hangNextCommand: one command never answers, the next one does", async () => {
    h = new Host({ echo: false });
    h.sim.fault.hangNextCommand();
    h.take();
    h.send("AT+CSQ\r");
    assert.strictEqual(await h.settle(10000), "");
    await h.expect("AT", OK);
  });

  it("hang: the module freezes (no echo, no answer) until hang(false) or a power cycle", async () => {
    h = new Host();
    h.sim.fault.hang(true);
    h.send("AT\r");
    assert.strictEqual(await h.settle(5000), "");
    h.sim.fault.hang(false);
    await h.expect("AT", "AT\r" + OK);
    h.sim.fault.hang();
    h.sim.reboot();
    await h.until("PB DONE\r\n");
    await h.expect("AT", "AT\r" + OK);
  });

  it("garbage bytes reach the host and the module keeps answering", async () => {
    h = new Host({ echo: false });
    const g = h.sim.fault.garbage(64);
    assert.strictEqual(g.length, 64);
    assert.strictEqual(await h.settle(20), g);
    h.sim.fault.garbage("\x00\xff+IPD9\r\n");
    assert.strictEqual(await h.settle(20), "\x00\xff+IPD9\r\n");
    await h.expect("AT", OK);
  });

  it("SIM not ready: CPIN answers, TCP/IP commands fail with ERROR, then +CPIN: READY", async () => {
    h = new Host({ echo: false });
    await h.expect("AT+CMEE=2", OK);
    h.sim.fault.simNotReady("absent");
    await h.expect("AT+CPIN?", line("+CME ERROR: SIM not inserted"));
    await h.expect("AT+NETOPEN", ERROR);
    await h.expect('AT+CIPOPEN=1,"TCP","127.0.0.1",9', ERROR);
    h.sim.fault.simNotReady("failure");
    await h.expect("AT+CPIN?", line("+CME ERROR: SIM failure"));
    h.sim.fault.simNotReady("pin");
    await h.expect("AT+CPIN?", line("+CPIN: SIM PIN") + OK);
    await h.expect('AT+CPIN="1234"', OK);
    await h.expect("AT+CPIN?", line("+CPIN: READY") + OK);
    h.sim.fault.simNotReady("busy");
    await h.expect("AT+CPIN?", line("+CME ERROR: SIM busy"));
    h.sim.fault.simNotReady(false);
    assert.strictEqual(await h.settle(10), line("+CPIN: READY"));
    await netopen(h);
  });

  it("registration searching/denied/roaming: CREG values, CSQ 99,99, NETOPEN fails unless home or roaming", async () => {
    h = new Host({ echo: false });
    h.sim.fault.registration("searching");
    await h.expect("AT+CREG?", line("+CREG: 0,2") + OK);
    await h.expect("AT+CSQ", line("+CSQ: 99,99") + OK);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 1"), "+NETOPEN: 1\r\n");
    await h.expect("AT+CEREG=1", OK);
    h.sim.fault.registration("denied");
    assert.strictEqual(await h.settle(10), line("+CEREG: 3"));
    await h.expect("AT+CGREG?", line("+CGREG: 0,3") + OK);
    h.sim.fault.registration(11);
    assert.strictEqual(await h.settle(10), line("+CEREG: 11"));
    await h.expect("AT+CEREG?", line("+CEREG: 1,11") + OK);
    h.sim.fault.registration("roaming");
    assert.strictEqual(await h.settle(10), line("+CEREG: 5"));
    await h.expect("AT+CREG?", line("+CREG: 0,5") + OK);
    await netopen(h);
  });

  it("netopenFails(n): the next n NETOPEN end with +NETOPEN: 1", async () => {
    h = new Host({ echo: false });
    h.sim.fault.netopenFails(2);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 1"), "+NETOPEN: 1\r\n");
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 0") + OK);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 1"), "+NETOPEN: 1\r\n");
    await netopen(h);
  });

  it("dnsFails: CDNSGIP answers +CDNSGIP: 0,10 ERROR and CIPOPEN by name +CIPOPEN: <l>,11; IP literals still work", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await netopen(h);
    h.sim.fault.dnsFails();
    await h.expect('AT+CDNSGIP="localhost"', line("+CDNSGIP: 0,10") + ERROR);
    await h.expect(`AT+CIPOPEN=1,"TCP","localhost",${peer.port}`, OK + line("+CIPOPEN: 1,11"), "+CIPOPEN: 1,11\r\n");
    await openTcp(h, 1, peer.port);
    h.sim.fault.dnsFails(false);
    await h.expect('AT+CDNSGIP="localhost"', line('+CDNSGIP: 1,"localhost","127.0.0.1"') + OK);
  });

  it("sendTimeout: OK, then +CIPSEND: <l>,<n>,0 and +IPCLOSE: <l>,2 after the send timeout", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await netopen(h);
    await h.expect("AT+CIPTIMEOUT=120000,120000,5000", OK);
    await openTcp(h, 1, peer.port);
    h.sim.fault.sendTimeout(1);
    h.take();
    h.send("AT+CIPSEND=1,5\r");
    await h.until("> ");
    h.send("HELLO");
    await h.until(OK);
    assert.strictEqual(await h.settle(4000), "\r\n> " + OK);
    await h.until("+IPCLOSE: 1,2\r\n");
    assert.strictEqual(await h.settle(10), line("+CIPSEND: 1,5,0") + line("+IPCLOSE: 1,2"));
    assert.strictEqual(peer.all(), "");
  });

  it("pdnLoss: +CGEV: NW PDN DEACT 1, then sends fail with +CIPERROR: 4", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await netopen(h);
    await openTcp(h, 1, peer.port);
    h.sim.fault.pdnLoss();
    assert.strictEqual(await h.settle(10), line("+CGEV: NW PDN DEACT 1"));
    await h.expect("AT+CIPSEND=1,5", line("+CIPERROR: 4") + ERROR);
    h.sim.fault.urc("+CMTI: \"SM\",1");
    assert.strictEqual(await h.settle(10), line('+CMTI: "SM",1'));
  });

  it("the modem's full receive buffer pauses the socket: the peer sees real TCP backpressure, reads resume it", async () => {
    h = new Host({ echo: false, rxBufferBytes: 4096 });
    peer = await TcpPeer.listen({ echo: false });
    await h.expect("AT+CIPRXGET=1", OK);
    await netopen(h);
    await openTcp(h, 1, peer.port);
    await h.until(() => peer!.conns.length === 1);
    const big = Buffer.alloc(64 * 1024 * 1024, 0x41);
    peer.send(big, 0);
    await h.until(() => h.sim.link(1).paused && h.sim.link(1).buffered === 4096);
    // Give the kernel time: its buffers fill and the peer's socket keeps the rest (writableLength > 0).
    await new Promise((r) => setTimeout(r, 300));
    await pumpFor(h.clock, 10);
    const conn = peer.conns[0];
    assert.ok(conn.writableLength > 0, "peer is backed up");
    const before = h.sim.link(1).bytesIn;
    assert.ok(before < big.length);
    assert.strictEqual(h.sim.link(1).buffered, 4096);
    const got = await h.cmd("AT+CIPRXGET=2,1,1500");
    assert.ok(got.indexOf(line("+CIPRXGET: 2,1,1500,4096") + "A".repeat(1500) + OK) === 0, JSON.stringify(got.substr(0, 40)));
    assert.strictEqual(h.sim.link(1).buffered, 4096); // refilled from what the socket had delivered
    assert.ok(h.sim.link(1).paused);
  });

  it("slow (1-byte) and bursty (1..4096-byte) UART chunks deliver the same bytes", async () => {
    h = new Host({ echo: false });
    let chunks = 0;
    h.hal.uart.onData((c) => {
      chunks++;
      h.rx += c;
    });
    assert.ok(h.sim.fault.uart("slow"));
    await h.expect("AT+CSQ", line("+CSQ: 23,99") + OK);
    assert.strictEqual(chunks, (line("+CSQ: 23,99") + OK).length);
    assert.ok(h.sim.fault.uart("bursty"));
    const g = h.sim.fault.garbage(20000);
    await h.until(() => h.rx.length - h.mark >= 20000);
    assert.strictEqual(h.take(), g);
    await h.expect("AT+CSQ", line("+CSQ: 23,99") + OK);
  });
});
