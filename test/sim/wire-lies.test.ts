// What a lying or hostile line looks like to the host: a read header announcing the wrong length, a rejected client that still sends, a push from a stranger, a damaged DNS answer.
import * as assert from "assert";
import { TcpClient, TcpPeer } from "../../tools/sim/peers";
import { Host, line, OK } from "./helpers";

async function netopen(h: Host): Promise<void> {
  await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
}

async function openTcp(h: Host, l: number, port: number): Promise<void> {
  await h.expect(`AT+CIPOPEN=${l},"TCP","127.0.0.1",${port}`, OK + line(`+CIPOPEN: ${l},0`), `+CIPOPEN: ${l},0\r\n`);
}

describe("sim: a +CIPRXGET: 2 header that lies about its length", () => {
  let h: Host;
  let peer: TcpPeer;
  beforeEach(async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await h.expect("AT+CIPRXGET=1", OK);
    await netopen(h);
    await openTcp(h, 1, peer.port);
    await h.until(() => peer.conns.length === 1);
    peer.send("hello world");
    await h.until(() => h.sim.link(1).buffered === 11);
    assert.strictEqual(await h.settle(10), line("+CIPRXGET: 1,1"));
  });
  afterEach(async () => {
    h.close();
    await peer.close();
  });

  it("announces more than follows; the module's next lines come as usual (OK, a +CIPRXGET: 1 notice, the next answer)", async () => {
    h.sim.fault.lieRxLength(9);
    const got = await h.cmd("AT+CIPRXGET=2,1,11");
    assert.strictEqual(got, line("+CIPRXGET: 2,1,20,0") + "hello world" + OK);
    peer.send("more!!!!!");
    await h.until("+CIPRXGET: 1,1\r\n");
    await h.expect("AT+CMEE?", line("+CMEE: 0") + OK);
    // As one stream, this is what the host parser sees after the header: 20 announced bytes swallow
    // "hello world" and 9 bytes of the module's own lines.
    const all = h.rx.substr(h.rx.indexOf("+CIPRXGET: 2,1,20,0\r\n") + "+CIPRXGET: 2,1,20,0\r\n".length);
    assert.strictEqual(all, "hello world" + OK + line("+CIPRXGET: 1,1") + line("+CMEE: 0") + OK);
    // The bytes were really taken: the rest count and the next read are true.
    await h.expect("AT+CIPRXGET=2,1,9", line("+CIPRXGET: 2,1,9,0") + "more!!!!!" + OK);
  });

  it("announces fewer than follow: the extra payload bytes sit before OK", async () => {
    h.sim.fault.lieRxLength(-3);
    await h.expect("AT+CIPRXGET=2,1,5", line("+CIPRXGET: 2,1,2,6") + "hello" + OK);
    await h.expect("AT+CIPRXGET=2,1,6", line("+CIPRXGET: 2,1,6,0") + " world" + OK); // only one read lied
  });

  it("only raw reads lie: a hex read in between is true, the next raw read carries the lie", async () => {
    h.sim.fault.lieRxLength(100);
    await h.expect("AT+CIPRXGET=3,1,2", line("+CIPRXGET: 3,1,2,9") + "6865" + OK);
    await h.expect("AT+CIPRXGET=2,1,3", line("+CIPRXGET: 2,1,103,6") + "llo" + OK);
  });
});

describe("sim: data from senders the host did not choose (direct push)", () => {
  let h: Host;
  let closers: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    h.close();
    for (const c of closers) await c.close();
    closers = [];
  });

  it("a client that connects and sends at once is pushed to the host before the host can close it", async () => {
    h = new Host({ echo: false, portMap: { 8080: 0 } });
    const peer = await TcpPeer.listen({ echo: false });
    closers.push(peer);
    await netopen(h);
    await openTcp(h, 0, peer.port); // one client link already open, as in the issue
    await h.expect("AT+SERVERSTART=8080,0", OK);
    const evil = await TcpClient.connectAndSend(h.sim.serverPort(0)!, "GET /evil");
    closers.push(evil);
    const cport = evil.sock.localPort;
    await h.until("GET /evil");
    assert.strictEqual(await h.settle(20), line(`+CLIENT: 1,0,127.0.0.1:${cport}`) + line(`+RECV FROM:127.0.0.1:${cport}`) + "+IPD9\r\nGET /evil");
    // The push names the stranger's address, not the open client link's peer.
    assert.notStrictEqual(cport, peer.port);
    await h.expect("AT+CIPCLOSE=1", OK + line("+CIPCLOSE: 1,0"), "+CIPCLOSE: 1,0\r\n");
    await h.until(() => evil.closed || evil.sock.readableEnded);
    assert.strictEqual(h.sim.link(0).state, "open");
  });

  it("pushFrom: +RECV FROM/+IPD for an address no link has, framed as CIPSRIP and CIPHEAD say", async () => {
    h = new Host({ echo: false });
    await netopen(h);
    assert.ok(h.sim.fault.pushFrom("GET /evil", "10.9.9.9", 4444));
    assert.strictEqual(await h.settle(20), line("+RECV FROM:10.9.9.9:4444") + "+IPD9\r\nGET /evil");
    assert.ok(h.sim.fault.pushFrom()); // defaults: GET /evil from 203.0.113.66:40000
    assert.strictEqual(await h.settle(20), line("+RECV FROM:203.0.113.66:40000") + "+IPD9\r\nGET /evil");
    await h.expect("AT+CIPSRIP=0", OK);
    h.sim.fault.pushFrom("\r\nOK\r\n", "10.9.9.9", 4444);
    assert.strictEqual(await h.settle(20), "\r\n+IPD6\r\n\r\nOK\r\n");
    await h.expect("AT", OK);
  });

  it("pushFrom sends nothing in transparent data mode", async () => {
    h = new Host({ echo: false });
    const peer = await TcpPeer.listen({ echo: false });
    closers.push(peer);
    await h.expect("AT+CIPMODE=1", OK);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    assert.ok(!h.sim.fault.pushFrom());
    assert.strictEqual(await h.settle(20), "");
  });
});

describe("sim: a damaged AT+CDNSGIP answer", () => {
  let h: Host;
  afterEach(() => h.close());

  it("a control byte inside the address, once; the next answer is whole", async () => {
    h = new Host({ echo: false, dns: { "name.example": "10.0.0.1" } });
    await netopen(h);
    h.sim.fault.corruptDns("control");
    await h.expect('AT+CDNSGIP="name.example"', line('+CDNSGIP: 1,"name.example","10.0.\x01.1"') + OK);
    await h.expect('AT+CDNSGIP="name.example"', line('+CDNSGIP: 1,"name.example","10.0.0.1"') + OK);
  });

  it("a flipped bit (bit 7 by default, or the one asked for), or any address text", async () => {
    h = new Host({ echo: false });
    await netopen(h);
    h.sim.fault.corruptDns("bit");
    h.sim.fault.corruptDns("bit", 0);
    h.sim.fault.corruptDns('1.2.3.4"\r\nOK');
    await h.expect('AT+CDNSGIP="localhost"', line('+CDNSGIP: 1,"localhost","127.0.\xb0.1"') + OK);
    await h.expect('AT+CDNSGIP="localhost"', line('+CDNSGIP: 1,"localhost","127.0.1.1"') + OK);
    await h.expect('AT+CDNSGIP="localhost"', line('+CDNSGIP: 1,"localhost","1.2.3.4"\r\nOK"') + OK);
    await h.expect('AT+CDNSGIP="localhost"', line('+CDNSGIP: 1,"localhost","127.0.0.1"') + OK);
  });
});
