// How transparent data mode ends when the network, the PDN, the power or the peer goes (what the module prints, and the mode it is left in), and that it does not end when the host restarts.
import * as assert from "assert";
import { TcpPeer } from "../../tools/sim/peers";
import { Host, line, OK } from "./helpers";

const BANNER = line("RDY") + line("+CPIN: READY") + line("SMS DONE") + line("PB DONE");
const CIPEVENT = line("+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY");

/** CIPMODE=1, NETOPEN and a transparent link 0 to `peer`, with one exchange each way to prove data mode. */
async function intoDataMode(h: Host, peer: TcpPeer): Promise<void> {
  await h.expect("AT+CIPMODE=1", OK);
  await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
  await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
  await h.until(() => peer.conns.length === 1);
  h.send("ping");
  await h.until("ping"); // the echo peer sends it back: raw bytes both ways
  assert.strictEqual(h.take(), "ping");
  assert.ok(h.sim.dataMode);
}

function peerGone(peer: TcpPeer): boolean {
  return peer.conns[0].destroyed || peer.conns[0].readableEnded;
}

describe("sim: how transparent data mode ends", () => {
  let h: Host;
  let peer: TcpPeer;
  afterEach(async () => {
    h.close();
    await peer.close();
  });

  it("network drop: CLOSED at once, +CIPEVENT eventGapMs later, and the module is in command mode", async () => {
    h = new Host({ echo: false, eventGapMs: 50 });
    peer = await TcpPeer.listen();
    await intoDataMode(h, peer);
    h.sim.fault.dropNetwork();
    assert.ok(!h.sim.dataMode);
    assert.strictEqual(await h.settle(45), line("CLOSED"), "CLOSED, then the line is quiet");
    assert.strictEqual(await h.settle(10), CIPEVENT);
    await h.until(() => peerGone(peer));
    // What the host writes now is a command, not data for anyone.
    await h.expect("AT", OK);
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 0") + OK);
    assert.strictEqual(peer.all(), "ping");
  });

  it("network drop with eventGapMs 0: CLOSED and +CIPEVENT back to back", async () => {
    h = new Host({ echo: false, eventGapMs: 0 });
    peer = await TcpPeer.listen();
    await intoDataMode(h, peer);
    h.sim.fault.dropNetwork();
    assert.strictEqual(await h.settle(10), line("CLOSED") + CIPEVENT);
    await h.expect("AT", OK);
  });

  it("PDN loss: CLOSED, then +CGEV: NW PDN DEACT 1; the network stays listed open and new links fail", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await intoDataMode(h, peer);
    h.sim.fault.pdnLoss();
    assert.strictEqual(await h.settle(15), line("CLOSED"));
    assert.strictEqual(await h.settle(10), line("+CGEV: NW PDN DEACT 1"));
    assert.ok(!h.sim.dataMode);
    await h.until(() => peerGone(peer));
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 1") + OK);
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("+CIPOPEN: 0,1") + "\r\nERROR\r\n");
  });

  it("PDN loss with the event: CLOSED, then +CGEV and +CIPEVENT; the network is closed", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await intoDataMode(h, peer);
    h.sim.fault.pdnLoss(true);
    assert.strictEqual(await h.settle(15), line("CLOSED"));
    assert.strictEqual(await h.settle(20), line("+CGEV: NW PDN DEACT 1") + CIPEVENT);
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 0") + OK);
  });

  it("reboot: silence while booting (host bytes go nowhere), the banner, then echo is on again and settings are back to power-up", async () => {
    h = new Host({ bootMs: 1000 });
    peer = await TcpPeer.listen();
    await h.expect("ATE0", "ATE0\r" + OK);
    await intoDataMode(h, peer);
    h.sim.fault.reboot();
    assert.ok(!h.sim.dataMode && !h.sim.booted);
    h.send("data the host still thinks goes to the peer");
    assert.strictEqual(await h.settle(900), "");
    await h.until("PB DONE\r\n");
    assert.strictEqual(await h.settle(20), BANNER);
    assert.ok(peerGone(peer));
    assert.strictEqual(peer.all(), "ping");
    await h.expect("AT", "AT\r" + OK); // echoed: echo is on after a boot
    await h.expect("AT+CIPMODE?", "AT+CIPMODE?\r" + line("+CIPMODE: 0") + OK);
  });

  it("field-quirks reboot: its own banner lines, late, and echo on", async () => {
    h = new Host({ profile: "field-quirks", bootMs: 1000 });
    peer = await TcpPeer.listen();
    await h.expect("ATE0", "ATE0\r" + OK);
    const o = await h.cmd("AT+CIPMODE=1");
    assert.ok(o.indexOf("OK\r\n") > 0);
    await h.cmd("AT+NETOPEN", "+NETOPEN: 0\r\n");
    await h.cmd(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, "CONNECT 115200\r\n");
    assert.ok(h.sim.dataMode);
    h.take();
    h.sim.fault.reboot();
    assert.strictEqual(await h.settle(1200), "");
    await h.until("+CGEV: EPS PDN ACT 1\r\n");
    assert.strictEqual(
      h.take(),
      line("*ATREADY: 1") + line("+CPIN: READY") + line("SMS DONE") + line("PB DONE") + line("*ATREADY: 1") + line("+CGEV: EPS PDN ACT 1"),
    );
    const at = await h.cmd("AT");
    assert.ok(/^AT\r(\r\n)+OK\r\n$/.test(at), JSON.stringify(at));
  });

  it("power cut: silence, no banner, nothing echoed, until PWRKEY powers it on again", async () => {
    h = new Host({ bootMs: 500 });
    peer = await TcpPeer.listen();
    await h.expect("ATE0", "ATE0\r" + OK);
    await intoDataMode(h, peer);
    h.sim.fault.powerCut();
    h.send("AT\r");
    assert.strictEqual(await h.settle(5000), "");
    assert.ok(!h.sim.powered && !h.sim.dataMode);
    await h.until(() => peerGone(peer));
    h.hal.pwrkey.write(true);
    await h.settle(100);
    h.hal.pwrkey.write(false);
    await h.until("PB DONE\r\n");
    assert.strictEqual(h.take(), BANNER);
    await h.expect("AT", "AT\r" + OK);
  });

  it("peer close: CLOSED only, command mode, and link 0 can be opened again", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await intoDataMode(h, peer);
    peer.end(0);
    await h.until("CLOSED\r\n");
    assert.strictEqual(await h.settle(200), line("CLOSED"));
    assert.ok(!h.sim.dataMode);
    await h.expect("AT", OK);
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    assert.ok(h.sim.dataMode);
  });
});

describe("sim: data mode is entered and left only by the module's own events", () => {
  let h: Host;
  let peer: TcpPeer;
  afterEach(async () => {
    h.close();
    await peer.close();
  });

  it("a peer sending the module's own lines (CLOSED, OK, +CIPEVENT, RDY) is data: passed byte for byte, still in data mode", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await h.expect("AT+CIPMODE=1", OK);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    await h.until(() => peer.conns.length === 1);
    const lookalike = line("CLOSED") + "hello\r\nOK\r\n" + CIPEVENT + BANNER + "+++";
    peer.send(lookalike);
    await h.until(() => h.rx.length - h.mark >= lookalike.length);
    assert.strictEqual(await h.settle(1500), lookalike);
    assert.ok(h.sim.dataMode);
    h.send("AT+CIPCLOSE=0\r");
    await h.until(() => peer.all() === "AT+CIPCLOSE=0\r");
    assert.strictEqual(h.sim.link(0).state, "open");
  });

  it("host bytes that arrive after CLOSED start the next command line (the reader takes a line from its first 'at')", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await h.expect("AT+CIPMODE=1", OK);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    await h.until(() => peer.conns.length === 1);
    h.sim.fault.remoteClose(0);
    assert.strictEqual(await h.settle(10), line("CLOSED"));
    h.send("tail of hello");
    await h.expect("AT", OK); // no "at" in the tail: it is line noise before AT
    h.send("tail of data");
    await h.expect("AT", "\r\nERROR\r\n"); // "data" holds an "at": the line is "ataAT"
    await h.expect("AT", OK);
  });
});

describe("sim: a module left in data mode while the host restarts", () => {
  let h: Host;
  let peer: TcpPeer;
  afterEach(async () => {
    h.close();
    await peer.close();
  });

  it("stays in data mode across the host closing and re-opening its UART: AT goes to the peer; +++ with guards returns OK", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await intoDataMode(h, peer);
    h.hal.uart.close(); // the host dies
    peer.send("said while nobody listened");
    await h.until(() => h.sim.link(0).bytesIn === 4 + 26);
    await h.settle(3000);
    h.hal.uart.setup(115200); // a new host starts
    h.take();
    h.send("AT\r");
    await h.until(() => peer.all() === "pingAT\r");
    await h.until("AT\r"); // the echo peer answers: data, not OK
    assert.strictEqual(await h.settle(20), "AT\r");
    assert.ok(h.sim.dataMode);
    await h.settle(1100);
    h.send("+++");
    assert.strictEqual(await h.settle(900), "");
    await h.until(OK);
    assert.strictEqual(await h.settle(20), OK);
    assert.ok(!h.sim.dataMode);
    await h.expect("AT", OK);
    assert.strictEqual(h.sim.link(0).state, "open");
    assert.strictEqual(peer.all(), "pingAT\r");
  });

  it("with AT&D1 set by the old host, the new host's DTR drop returns it to command mode", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen();
    await h.expect("AT&D1", OK);
    h.hal.dtr.write(true);
    await intoDataMode(h, peer);
    h.hal.uart.close();
    await h.settle(2000);
    h.hal.uart.setup(115200);
    h.hal.dtr.write(false);
    assert.strictEqual(await h.settle(20), OK);
    assert.ok(!h.sim.dataMode);
    await h.expect("AT", OK);
    assert.strictEqual(peer.all(), "ping");
  });
});
