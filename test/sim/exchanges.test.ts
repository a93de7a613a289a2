// Every exchange of doc section 4, byte for byte, against real loopback TCP/UDP servers and a real client of a simulated server.
import * as assert from "assert";
import * as net from "net";
import { TcpClient, TcpPeer, UdpPeer } from "../../tools/sim/peers";
import { ERROR, Host, line, OK } from "./helpers";

const FROM_SERVER = "data from server"; // 16 bytes, as in the doc

/** A TCP server that answers every chunk it gets with "data from server". */
function replyingPeer(): Promise<TcpPeer> {
  return TcpPeer.listen({
    echo: false,
    onConnection: (s: net.Socket) => s.on("data", () => s.write(FROM_SERVER)),
  });
}

async function netopen(h: Host): Promise<void> {
  await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
}

async function until(h: Host, pred: () => boolean): Promise<void> {
  await h.until(pred);
}

describe("sim: section 4 exchanges against real sockets", () => {
  let h: Host;
  let peers: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    h.close();
    for (const p of peers) await p.close();
    peers = [];
  });

  it("TCP direct push: open, send, receive with +RECV FROM and +IPD, close", async () => {
    h = new Host({ echo: false });
    const peer = await replyingPeer();
    peers.push(peer);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}`, OK + line("+CIPOPEN: 1,0"), "+CIPOPEN: 1,0\r\n");
    h.take();
    h.send("AT+CIPSEND=1,5\r");
    await h.until("> ");
    assert.strictEqual(h.take(), "\r\n> ");
    h.send("HELLO");
    await h.until(FROM_SERVER);
    assert.strictEqual(await h.settle(20), OK + line("+CIPSEND: 1,5,5") + line(`+RECV FROM:127.0.0.1:${peer.port}`) + "+IPD16\r\n" + FROM_SERVER);
    assert.strictEqual(peer.all(), "HELLO");
    await h.expect("AT+CIPACK=1", line("+CIPACK: 5,5,16") + OK);
    await h.expect("AT+CIPCLOSE=1", OK + line("+CIPCLOSE: 1,0"), "+CIPCLOSE: 1,0\r\n");
    await until(h, () => peer.conns[0].readableEnded);
    assert.deepStrictEqual(h.sim.link(1).state, "closed");
  });

  it("drops payload bytes the host sends before the > prompt: the host must wait for it", async () => {
    h = new Host({ echo: false });
    const peer = await TcpPeer.listen({ echo: false });
    peers.push(peer);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}`, OK + line("+CIPOPEN: 1,0"), "+CIPOPEN: 1,0\r\n");
    h.take();
    h.send("AT+CIPSEND=1,5\rEARLY");
    await h.until("> ");
    h.send("HELLO");
    await h.until("+CIPSEND: 1,5,5\r\n");
    await until(h, () => peer.all().length >= 5);
    assert.strictEqual(peer.all(), "HELLO");
  });

  it("TCP payloads carry any byte value (CR, LF, OK, +IPD, 0x00–0xFF) both ways", async () => {
    h = new Host({ echo: false });
    const peer = await TcpPeer.listen();
    peers.push(peer);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=2,"TCP","127.0.0.1",${peer.port}`, OK + line("+CIPOPEN: 2,0"), "+CIPOPEN: 2,0\r\n");
    let all = "\r\nOK\r\n+IPD5\r\n";
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    h.take();
    h.send(`AT+CIPSEND=2,${all.length}\r`);
    await h.until("> ");
    h.send(all);
    const want = OK + line(`+CIPSEND: 2,${all.length},${all.length}`) + line(`+RECV FROM:127.0.0.1:${peer.port}`) + `+IPD${all.length}\r\n` + all;
    await h.until(() => h.rx.length - h.mark >= want.length + 4);
    assert.strictEqual(await h.settle(20), "\r\n> " + want);
    assert.strictEqual(peer.all(), all);
  });

  it("buffer access: +CIPRXGET: 1 notice, mode 4, raw and hex reads, read-all, No data", async () => {
    h = new Host({ echo: false });
    const peer = await replyingPeer();
    peers.push(peer);
    await h.expect("AT+CIPRXGET=1", OK);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}`, OK + line("+CIPOPEN: 1,0"), "+CIPOPEN: 1,0\r\n");
    h.take();
    h.send("AT+CIPSEND=1,5\r");
    await h.until("> ");
    h.send("HELLO");
    await h.until("+CIPRXGET: 1,1\r\n");
    assert.strictEqual(await h.settle(20), "\r\n> " + OK + line("+CIPSEND: 1,5,5") + line("+CIPRXGET: 1,1"));
    await h.expect("AT+CIPRXGET=4,1", line("+CIPRXGET: 4,1,16") + OK);
    await h.expect("AT+CIPRXGET=2,1,5", line("+CIPRXGET: 2,1,5,11") + "data " + OK);
    await h.expect("AT+CIPRXGET=3,1,5", line("+CIPRXGET: 3,1,5,6") + "66726F6D20" + OK);
    await h.expect("AT+CIPRXGET=2,1", line("+CIPRXGET: 2,1,6,0") + "server" + OK);
    await h.expect("AT+CIPRXGET=2,2", line("+IP ERROR: No data") + ERROR);
    await h.expect("AT+CIPRXGET=4,1", line("+CIPRXGET: 4,1,0") + OK);
    await h.expect("AT+CIPRXGET=2,1,1501", ERROR);
    // A new arrival after the buffer was emptied is announced again.
    peer.send("more");
    await h.until("+CIPRXGET: 1,1\r\n");
    assert.strictEqual(await h.settle(20), line("+CIPRXGET: 1,1"));
    await h.expect("AT+CIPRXGET=2,1,1500", line("+CIPRXGET: 2,1,4,0") + "more" + OK);
  });

  it("transparent TCP client: CONNECT, raw bytes both ways, +++ with guards, CIPOPEN?, ATO, CIPCLOSE", async () => {
    h = new Host({ echo: false });
    const peer = await TcpPeer.listen();
    peers.push(peer);
    await h.expect("AT+CIPMODE=1", OK);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    assert.ok(h.sim.dataMode);
    h.send("raw AT\r+++ bytes");
    await h.until("raw AT\r+++ bytes");
    assert.strictEqual(await h.settle(20), "raw AT\r+++ bytes");
    await h.settle(1100);
    h.send("+++");
    assert.strictEqual(await h.settle(900), "");
    await h.until(OK);
    assert.strictEqual(await h.settle(20), OK);
    assert.ok(!h.sim.dataMode);
    let lines = `+CIPOPEN: 0,"TCP","127.0.0.1",${peer.port},-1`;
    for (let i = 1; i < 10; i++) lines += "\r\n+CIPOPEN: " + i;
    await h.expect("AT+CIPOPEN?", line(lines) + OK);
    // Bytes from the peer while in command mode wait in the modem until ATO.
    peer.send("while away");
    await until(h, () => h.sim.link(0).buffered === 10);
    await h.expect("ATO", line("CONNECT 115200") + "while away", "while away");
    h.send("again");
    await h.until("again");
    assert.strictEqual(await h.settle(1100), "again");
    h.send("+++");
    await h.until(OK);
    h.take();
    await h.expect("AT+CIPCLOSE=0", OK + line("CLOSED") + line("+CIPCLOSE: 0,0"), "+CIPCLOSE: 0,0\r\n");
    assert.strictEqual(peer.all(), "raw AT\r+++ bytesagain");
  });

  it("transparent mode: a peer close prints CLOSED and returns to command mode", async () => {
    h = new Host({ echo: false });
    const peer = await TcpPeer.listen();
    peers.push(peer);
    await h.expect("AT+CIPMODE=1", OK);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    await until(h, () => peer.conns.length === 1);
    peer.end(0);
    await h.until("CLOSED\r\n");
    assert.strictEqual(await h.settle(20), line("CLOSED"));
    assert.ok(!h.sim.dataMode);
    await h.expect("AT", OK);
  });

  it("transparent mode only on link 0", async () => {
    h = new Host({ echo: false });
    await h.expect("AT+CIPMODE=1", OK);
    await netopen(h);
    await h.expect('AT+CIPOPEN=1,"TCP","127.0.0.1",9', line("+IP ERROR: Operation not supported") + ERROR);
  });

  it("UDP: local port, <SUB>-terminated and fixed-length sends with address, pushes with RECV FROM, <ESC> cancels", async () => {
    h = new Host({ echo: false, portMap: { 5000: 0 } });
    const peer = await UdpPeer.bind();
    peers.push(peer);
    await netopen(h);
    await h.expect('AT+CIPOPEN=1,"UDP",,,5000', OK + line("+CIPOPEN: 1,0"), "+CIPOPEN: 1,0\r\n");
    const local = h.sim.link(1).hostLocalPort;
    assert.ok(local > 0);
    h.take();
    h.send(`AT+CIPSEND=1,,"127.0.0.1",${peer.port}\r`);
    await h.until("> ");
    assert.strictEqual(h.take(), "\r\n> ");
    h.send("HELLOSERVER\x1a");
    await h.until("HELLOSERVER");
    assert.strictEqual(await h.settle(20), OK + line("+CIPSEND: 1,11,11") + line(`+RECV FROM:127.0.0.1:${peer.port}`) + "+IPD11\r\nHELLOSERVER");
    assert.strictEqual(peer.received[0].port, local);
    h.send(`AT+CIPSEND=1,5,"127.0.0.1",${peer.port}\r`);
    await h.until("> ");
    h.send("HELLO");
    await h.until("+IPD5\r\nHELLO");
    assert.strictEqual(await h.settle(20), "\r\n> " + OK + line("+CIPSEND: 1,5,5") + line(`+RECV FROM:127.0.0.1:${peer.port}`) + "+IPD5\r\nHELLO");
    h.send(`AT+CIPSEND=1,,"127.0.0.1",${peer.port}\r`);
    await h.until("> ");
    h.send("never sent\x1b");
    await h.until(OK);
    assert.strictEqual(await h.settle(50), "\r\n> " + OK);
    assert.strictEqual(peer.received.length, 2);
    // Without CIPSRIP: only +IPD.
    await h.expect("AT+CIPSRIP=0", OK);
    await peer.send("HELLO CLIENT", local);
    await h.until("HELLO CLIENT");
    assert.strictEqual(await h.settle(20), line("+IPD12") + "HELLO CLIENT");
  });

  it("transparent UDP: CONNECT, datagrams both ways", async () => {
    h = new Host({ echo: false, portMap: { 5001: 0 } });
    const peer = await UdpPeer.bind();
    peers.push(peer);
    await h.expect("AT+CIPMODE=1", OK);
    await netopen(h);
    await h.expect(`AT+CIPOPEN=0,"UDP","127.0.0.1",${peer.port},5001`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    h.send("ping");
    await h.until("ping");
    assert.strictEqual(await h.settle(20), "ping");
    assert.strictEqual(peer.received[0].data, "ping");
  });

  it("TCP server: SERVERSTART, +CLIENT, CIPOPEN? with server index, fixed-length send, push, SERVERSTOP", async () => {
    h = new Host({ echo: false, portMap: { 8080: 0 } });
    await netopen(h);
    await h.expect("AT+SERVERSTART=8080, 0", OK);
    const port = h.sim.serverPort(0)!;
    assert.ok(port > 0);
    const client = await TcpClient.connect(port);
    peers.push(client);
    const cport = client.sock.localPort;
    await h.until("+CLIENT: ");
    assert.strictEqual(await h.settle(20), line(`+CLIENT: 0,0,127.0.0.1:${cport}`));
    let lines = `+CIPOPEN: 0,"TCP","127.0.0.1",${cport},0`;
    for (let i = 1; i < 10; i++) lines += "\r\n+CIPOPEN: " + i;
    await h.expect("AT+CIPOPEN?", line(lines) + OK);
    await h.expect("AT+CIPSEND=0,", ERROR); // accepted links: fixed length only
    h.send("AT+CIPSEND=0,5\r");
    await h.until("> ");
    h.send("HELLO");
    await h.until("+CIPSEND: 0,5,5\r\n");
    assert.strictEqual(await h.settle(20), "\r\n> " + OK + line("+CIPSEND: 0,5,5"));
    await until(h, () => client.received === "HELLO");
    client.send("hi");
    await h.until("hi");
    assert.strictEqual(await h.settle(20), line(`+RECV FROM:127.0.0.1:${cport}`) + "+IPD2\r\nhi");
    await h.expect("AT+SERVERSTART=8081,0", line("+IP ERROR: Server is already listening") + ERROR);
    await h.expect("AT+SERVERSTOP=0", line("+SERVERSTOP: 0,0") + OK);
    client.close();
    await h.until("+IPCLOSE: 0,1\r\n");
  });

  it("transparent TCP server: the first client of server 0 gets link 0 in data mode", async () => {
    h = new Host({ echo: false, portMap: { 8080: 0 } });
    await h.expect("AT+CIPMODE=1", OK);
    await netopen(h);
    await h.expect("AT+SERVERSTART=8080,0", OK);
    const client = await TcpClient.connect(h.sim.serverPort(0)!);
    peers.push(client);
    await h.until("CONNECT 115200\r\n");
    assert.strictEqual(await h.settle(20), line(`+CLIENT: 0,0,127.0.0.1:${client.sock.localPort}`) + line("CONNECT 115200"));
    client.send("to modem");
    await h.until("to modem");
    h.send("to client");
    await until(h, () => client.received === "to client");
  });

  it("CIPSENDMODE=1 reports +CIPSEND once the bytes are written; limits: 10 links, 4 servers, 1500 bytes", async () => {
    h = new Host({ echo: false });
    const peer = await TcpPeer.listen({ echo: false });
    peers.push(peer);
    await netopen(h);
    await h.expect("AT+CIPSENDMODE=1", OK);
    for (let i = 0; i < 10; i++) await h.expect(`AT+CIPOPEN=${i},"TCP","127.0.0.1",${peer.port}`, OK + line(`+CIPOPEN: ${i},0`), `+CIPOPEN: ${i},0\r\n`);
    await h.expect(`AT+CIPOPEN=10,"TCP","127.0.0.1",${peer.port}`, ERROR);
    await h.expect(`AT+CIPOPEN=3,"TCP","127.0.0.1",${peer.port}`, line("+IP ERROR: Connection is already created") + ERROR);
    await h.expect("AT+CIPSEND=3,1501", ERROR);
    h.take();
    h.send("AT+CIPSEND=3,1500\r");
    await h.until("> ");
    h.send("x".repeat(1500));
    await h.until("+CIPSEND: 3,1500,1500\r\n");
    assert.strictEqual(await h.settle(20), "\r\n> " + OK + line("+CIPSEND: 3,1500,1500"));
    await h.expect("AT+SERVERSTART=9000,4", ERROR);
    await h.expect("AT+CIPCLOSE?", line("+CIPCLOSE: 1,1,1,1,1,1,1,1,1,1") + OK);
    await h.expect("AT+NETCLOSE", OK + line("+NETCLOSE: 0"), "+NETCLOSE: 0\r\n");
    await until(h, () => peer.conns.every((s) => s.readableEnded || s.destroyed));
  });

  it("DNS: localhost and the table resolve, CIPOPEN by name, unknown names fail", async () => {
    h = new Host({ echo: false, dns: { "echo.test": "127.0.0.1" } });
    const peer = await TcpPeer.listen();
    peers.push(peer);
    await netopen(h);
    await h.expect('AT+CDNSGIP="localhost"', line('+CDNSGIP: 1,"localhost","127.0.0.1"') + OK);
    await h.expect('AT+CDNSGIP="echo.test"', line('+CDNSGIP: 1,"echo.test","127.0.0.1"') + OK);
    await h.expect('AT+CDNSGIP="nowhere.invalid"', line("+CDNSGIP: 0,10") + ERROR);
    await h.expect(`AT+CIPOPEN=4,"TCP","echo.test",${peer.port}`, OK + line("+CIPOPEN: 4,0"), "+CIPOPEN: 4,0\r\n");
    await h.expect(`AT+CIPOPEN=5,"TCP","nowhere.invalid",${peer.port}`, OK + line("+CIPOPEN: 5,11"), "+CIPOPEN: 5,11\r\n");
  });

  it("a refused connection ends with +CIPOPEN: <link>,1", async () => {
    h = new Host({ echo: false });
    const peer = await TcpPeer.listen();
    const port = peer.port;
    await peer.close();
    await netopen(h);
    await h.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${port}`, OK + line("+CIPOPEN: 1,1"), "+CIPOPEN: 1,1\r\n");
    assert.strictEqual(h.sim.link(1).state, "closed");
  });
});
