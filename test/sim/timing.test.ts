// Timing on the virtual clock: the "+++" guard rules of section 5, DTR, command latency, line-rate pacing, PWRKEY/reset/power-enable and boot time.
import * as assert from "assert";
import { createTestHal } from "../../hal/host/test-hal";
import { A76xxSim } from "../../tools/sim/index";
import { TcpPeer } from "../../tools/sim/peers";
import { pumpFor } from "../../tools/sim/pump";
import { Host, line, OK } from "./helpers";

const BANNER = line("RDY") + line("+CPIN: READY") + line("SMS DONE") + line("PB DONE");

describe("sim: +++ escape guard timing (section 5)", () => {
  let h: Host;
  let peer: TcpPeer;
  beforeEach(async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await h.expect("AT+CIPMODE=1", OK);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    await h.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}`, line("CONNECT 115200"), "CONNECT 115200\r\n");
    await h.until(() => peer.conns.length === 1);
  });
  afterEach(async () => {
    h.close();
    await peer.close();
  });

  async function peerGets(s: string): Promise<void> {
    await h.until(() => peer.all() === s);
  }

  it("is an escape with ≥1 s silence before and after: OK, nothing reaches the peer, the link stays open", async () => {
    h.send("data");
    await h.settle(1100);
    h.send("+++");
    assert.strictEqual(await h.settle(1000), "");
    await h.until(OK);
    assert.strictEqual(await h.settle(10), OK);
    assert.ok(!h.sim.dataMode);
    await h.settle(20);
    assert.strictEqual(peer.all(), "data");
    assert.strictEqual(h.sim.link(0).state, "open");
  });

  it("accepts '+' characters up to 900 ms apart", async () => {
    await h.settle(1100);
    h.send("+");
    await h.settle(850);
    h.send("+");
    await h.settle(850);
    h.send("+");
    assert.strictEqual(await h.settle(1100), OK);
    assert.strictEqual(peer.all(), "");
  });

  it("guard before too short: +++ is data for the peer", async () => {
    h.send("data");
    await h.settle(500);
    h.send("+++");
    assert.strictEqual(await h.settle(3000), "");
    await peerGets("data+++");
    assert.ok(h.sim.dataMode);
  });

  it("guard after too short: +++ followed by a byte within 1 s is data", async () => {
    await h.settle(1100);
    h.send("+++");
    await h.settle(600);
    h.send("x");
    assert.strictEqual(await h.settle(3000), "");
    await peerGets("+++x");
    assert.ok(h.sim.dataMode);
  });

  it("'+' characters more than 900 ms apart are data", async () => {
    await h.settle(1100);
    h.send("+");
    await h.settle(950);
    h.send("+");
    await h.settle(950);
    h.send("+");
    assert.strictEqual(await h.settle(3000), "");
    await peerGets("+++");
    assert.ok(h.sim.dataMode);
  });

  it("+++ inside a payload (no silence around it) is data", async () => {
    await h.settle(1100);
    h.send("a+++b+++");
    assert.strictEqual(await h.settle(3000), "");
    await peerGets("a+++b+++");
  });

  it("DTR drop with AT&D1 leaves data mode with OK; with AT&D0 it does nothing", async () => {
    await h.settle(1100);
    h.send("+++");
    await h.settle(1100);
    await h.expect("AT&D1", OK);
    await h.expect("ATO", line("CONNECT 115200"), "CONNECT 115200\r\n");
    h.hal.dtr.write(true);
    h.hal.dtr.write(false);
    assert.strictEqual(await h.settle(20), OK);
    assert.ok(!h.sim.dataMode);
    await h.expect("AT&D0", OK);
    await h.expect("ATO", line("CONNECT 115200"), "CONNECT 115200\r\n");
    h.hal.dtr.write(true);
    h.hal.dtr.write(false);
    assert.strictEqual(await h.settle(20), "");
    assert.ok(h.sim.dataMode);
  });
});

describe("sim: latency, line rate and power", () => {
  let h: Host;
  afterEach(() => h.close());

  it("answers after the configured command latency", async () => {
    h = new Host({ echo: false, commandLatencyMs: 200 });
    h.take();
    h.send("AT\r");
    assert.strictEqual(await h.settle(190), "");
    assert.strictEqual(await h.settle(20), OK);
  });

  it("bytes towards the host leave at the line rate: 10 bits a byte", async () => {
    h = new Host({ echo: false }, { baud: 115200 });
    h.sim.fault.garbage(20000); // 20000 bytes = 1736.1 ms at 115200
    const early = (await h.settle(1700)).length;
    assert.ok(early < 20000 && early > 19000, String(early));
    assert.strictEqual(early + (await h.settle(60)).length, 20000);
  });

  it("needs a PWRKEY press of the board's length, then boots in bootMs and prints the banner", async () => {
    h = new Host({ startPoweredOn: false, bootMs: 4000 });
    h.send("AT\r");
    assert.strictEqual(await h.settle(200), "");
    h.hal.pwrkey.write(true);
    await h.settle(30);
    h.hal.pwrkey.write(false); // 30 ms: too short for an A7670
    assert.strictEqual(await h.settle(5000), "");
    assert.ok(!h.sim.powered);
    h.hal.pwrkey.write(true);
    await h.settle(100);
    h.hal.pwrkey.write(false);
    assert.ok(h.sim.powered && !h.sim.booted);
    h.send("AT\r");
    assert.strictEqual(await h.settle(3900), "");
    assert.strictEqual(await h.settle(200), BANNER);
    await h.expect("AT", "AT\r" + OK);
    // A 100 ms pulse on a running module (clean profile) does nothing; a 3 s press powers it off.
    h.hal.pwrkey.write(true);
    await h.settle(100);
    h.hal.pwrkey.write(false);
    await h.expect("AT", "AT\r" + OK);
    h.hal.pwrkey.write(true);
    await h.settle(3000);
    h.hal.pwrkey.write(false);
    assert.ok(!h.sim.powered);
    h.send("AT\r");
    assert.strictEqual(await h.settle(1000), "");
  });

  it("field quirks: a PWRKEY pulse on a running module turns it off", async () => {
    h = new Host({ profile: "field-quirks" });
    h.hal.pwrkey.write(true);
    await h.settle(100);
    h.hal.pwrkey.write(false);
    assert.ok(!h.sim.powered);
  });

  it("the reset pin reboots the module: sockets gone, banner after bootMs", async () => {
    h = new Host({ bootMs: 1000 });
    h.hal.reset.write(true);
    await h.settle(200);
    assert.ok(!h.sim.booted);
    h.hal.reset.write(false);
    assert.strictEqual(await h.settle(1100), BANNER);
  });

  it("with a power-enable pin, PWRKEY works only while it is raised, and dropping it cuts power", async () => {
    const hal = createTestHal();
    const sim = new A76xxSim({ clock: hal.clock, bootMs: 500 });
    let rx = "";
    sim.attach(hal.wire.modem, { pwrkey: hal.pwrkey, powerEnable: hal.powerEnable });
    hal.uart.setup(115200);
    hal.uart.onData((c) => (rx += c));
    try {
      hal.powerEnable.write(false);
      hal.pwrkey.write(true);
      await pumpFor(hal.clock, 100);
      hal.pwrkey.write(false);
      await pumpFor(hal.clock, 1000);
      assert.ok(!sim.powered);
      hal.powerEnable.write(true);
      hal.pwrkey.write(true);
      await pumpFor(hal.clock, 100);
      hal.pwrkey.write(false);
      await pumpFor(hal.clock, 600);
      assert.strictEqual(rx, BANNER);
      hal.powerEnable.write(false);
      assert.ok(!sim.powered);
    } finally {
      sim.close();
    }
  });

  it("AT+CRESET: OK, then the module reboots and prints the banner", async () => {
    h = new Host({ echo: false, bootMs: 1500 });
    await h.expect("AT+CRESET", OK);
    assert.ok(!h.sim.booted);
    await h.until("PB DONE\r\n");
    assert.strictEqual(h.take(), BANNER);
  });
});
