// Faults inside one command: a lost CIPSEND prompt, a reboot/freeze/power cut at a precise point (after the echo, the prompt, the final result), and a slow module that still answers in order.
import * as assert from "assert";
import { TcpPeer } from "../../tools/sim/peers";
import { Host, line, OK } from "./helpers";

const BANNER = line("RDY") + line("+CPIN: READY") + line("SMS DONE") + line("PB DONE");

async function netopen(h: Host): Promise<void> {
  await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
}

async function openTcp(h: Host, l: number, port: number): Promise<void> {
  await h.expect(`AT+CIPOPEN=${l},"TCP","127.0.0.1",${port}`, OK + line(`+CIPOPEN: ${l},0`), `+CIPOPEN: ${l},0\r\n`);
}

describe("sim: a lost > prompt", () => {
  let h: Host;
  let peer: TcpPeer;
  afterEach(async () => {
    h.close();
    await peer.close();
  });

  it("losePrompt: nothing comes back, yet the module waits for the payload and sends it", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await netopen(h);
    await openTcp(h, 1, peer.port);
    h.sim.fault.losePrompt();
    h.send("AT+CIPSEND=1,5\r");
    assert.strictEqual(await h.settle(3000), "");
    h.send("HELLO");
    await h.until("+CIPSEND: 1,5,5\r\n");
    assert.strictEqual(await h.settle(20), OK + line("+CIPSEND: 1,5,5"));
    await h.until(() => peer.all() === "HELLO");
    // Only the next prompt was lost.
    h.send("AT+CIPSEND=1,2\r");
    await h.until("> ");
    assert.strictEqual(await h.settle(20), "\r\n> ");
  });

  it("losePrompt: a host that gives up and sends a command has it taken as payload for the peer", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await netopen(h);
    await openTcp(h, 1, peer.port);
    h.sim.fault.losePrompt();
    h.send("AT+CIPSEND=1,5\r");
    assert.strictEqual(await h.settle(1000), "");
    h.send("ATE0\r");
    await h.until("+CIPSEND: 1,5,5\r\n");
    assert.strictEqual(await h.settle(20), OK + line("+CIPSEND: 1,5,5"));
    await h.until(() => peer.all() === "ATE0\r");
  });

  it("losePrompt with the module echoing: the payload is echoed, the prompt is not", async () => {
    h = new Host();
    peer = await TcpPeer.listen({ echo: false });
    await h.expect("AT+NETOPEN", "AT+NETOPEN\r" + OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    await h.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}`, `AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}\r` + OK + line("+CIPOPEN: 1,0"), "+CIPOPEN: 1,0\r\n");
    h.sim.fault.losePrompt();
    h.send("AT+CIPSEND=1,5\r");
    assert.strictEqual(await h.settle(500), "AT+CIPSEND=1,5\r");
    h.send("HELLO");
    await h.until("+CIPSEND: 1,5,5\r\n");
    assert.strictEqual(await h.settle(20), "HELLO" + OK + line("+CIPSEND: 1,5,5"));
  });
});

describe("sim: reboot, freeze and power cut at a precise point of a command", () => {
  let h: Host;
  let peer: TcpPeer | undefined;
  afterEach(async () => {
    h.close();
    if (peer) await peer.close();
    peer = undefined;
  });

  it("reboot right after the CIPSEND prompt: the payload goes nowhere, the banner follows after bootMs", async () => {
    h = new Host({ echo: false, bootMs: 1000 });
    peer = await TcpPeer.listen({ echo: false });
    await netopen(h);
    await openTcp(h, 1, peer.port);
    h.sim.fault.at("prompt", "reboot");
    h.send("AT+CIPSEND=1,5\r");
    await h.until("> ");
    h.send("HELLO");
    assert.strictEqual(await h.settle(900), "\r\n> ");
    await h.until("PB DONE\r\n");
    assert.strictEqual(h.take(), BANNER);
    assert.strictEqual(peer.all(), "");
    await h.until(() => peer!.conns.length === 1 && (peer!.conns[0].destroyed || peer!.conns[0].readableEnded));
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 0") + OK);
  });

  it("freeze right after the CIPSEND prompt: no answer to the payload or to anything after it", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await netopen(h);
    await openTcp(h, 1, peer.port);
    h.sim.fault.at("prompt", "hang", "AT+CIPSEND");
    h.send("AT+CIPSEND=1,5\r");
    await h.until("> ");
    h.send("HELLO");
    h.send("AT\r");
    assert.strictEqual(await h.settle(10000), "\r\n> ");
    assert.ok(h.sim.hung);
    assert.strictEqual(peer.all(), "");
  });

  it("reboot right after the echo: the command never runs; an earlier command that did not match answers normally", async () => {
    h = new Host({ bootMs: 1000 });
    h.sim.fault.at("echo", "reboot", "AT+CSQ");
    await h.expect("AT", "AT\r" + OK);
    h.send("AT+CSQ\r");
    assert.strictEqual(await h.settle(900), "AT+CSQ\r");
    await h.until("PB DONE\r\n");
    assert.strictEqual(h.take(), BANNER);
    await h.expect("AT+CSQ", "AT+CSQ\r" + line("+CSQ: 23,99") + OK); // the trap struck once
  });

  it("freeze right after the echo, with echo off: the line arrives and nothing ever comes back", async () => {
    h = new Host({ echo: false });
    h.sim.fault.at("echo", "hang");
    h.send("AT+CSQ\r");
    assert.strictEqual(await h.settle(5000), "");
    assert.ok(h.sim.hung);
  });

  it("reboot between OK and the async +NETOPEN: OK arrives, +NETOPEN never does, the banner follows", async () => {
    h = new Host({ echo: false, bootMs: 1000 });
    h.sim.fault.at("ok", "reboot", "AT+NETOPEN");
    h.send("AT+NETOPEN\r");
    await h.until(OK);
    assert.strictEqual(await h.settle(900), OK);
    await h.until("PB DONE\r\n");
    assert.strictEqual(h.take(), BANNER);
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 0") + OK);
  });

  it("freeze between OK and the async +CIPSEND: the data left, the confirmation never comes", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await netopen(h);
    await openTcp(h, 1, peer.port);
    h.sim.fault.at("ok", "hang", "AT+CIPSEND");
    h.send("AT+CIPSEND=1,5\r");
    await h.until("> ");
    h.send("HELLO");
    await h.until(OK);
    assert.strictEqual(await h.settle(5000), "\r\n> " + OK);
    assert.ok(h.sim.hung);
    await h.until(() => peer!.all() === "HELLO");
  });

  it("a freeze holds the module's own timers: +NETOPEN comes only when the freeze ends", async () => {
    h = new Host({ echo: false });
    h.sim.fault.at("ok", "hang", "AT+NETOPEN");
    h.send("AT+NETOPEN\r");
    await h.until(OK);
    assert.strictEqual(await h.settle(5000), OK);
    assert.ok(!h.sim.netOpen);
    h.sim.fault.hang(false);
    assert.strictEqual(await h.settle(10), line("+NETOPEN: 0"));
    await h.expect("AT", OK);
  });

  it("power cut between OK and the async +CIPOPEN: the module is off", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await netopen(h);
    h.sim.fault.at("ok", "power-cut", "AT+CIPOPEN");
    h.send(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}\r`);
    await h.until(OK);
    assert.strictEqual(await h.settle(2000), OK);
    assert.ok(!h.sim.powered);
  });

  it("the point after the final result also covers ERROR and +CME ERROR", async () => {
    h = new Host({ echo: false, bootMs: 500 });
    await h.expect("AT+CMEE=2", OK);
    h.sim.fault.simNotReady("absent");
    h.sim.fault.at("ok", "reboot", "AT+CPIN?");
    h.send("AT+CPIN?\r");
    await h.until("inserted\r\n");
    assert.strictEqual(await h.settle(400), line("+CME ERROR: SIM not inserted"));
    await h.until("PB DONE\r\n");
    h.take();
    h.sim.fault.at("ok", "hang");
    h.send("AT+NOSUCH\r");
    await h.until("ERROR\r\n");
    assert.strictEqual(await h.settle(1000), "\r\nERROR\r\n");
    assert.ok(h.sim.hung);
  });

  it("a function as the action runs at the point and the module carries on (for timing measurements)", async () => {
    h = new Host({ echo: false });
    const seen: Array<{ point: string; t: number; written: string }> = [];
    const written = () => h.hal.wire.modemLog.map((r) => r.data).join("");
    h.sim.fault.at("ok", () => seen.push({ point: "ok", t: h.clock.now(), written: written() }), "AT+NETOPEN");
    h.sim.fault.at("echo", () => seen.push({ point: "echo", t: h.clock.now(), written: written() }));
    const t0 = h.clock.now();
    await netopen(h); // OK and +NETOPEN: 0 both come
    assert.deepStrictEqual(seen.map((s) => s.point), ["echo", "ok"]);
    assert.strictEqual(seen[0].written, "", "echo off: nothing written when the line is complete");
    assert.ok(seen[0].t > t0 && seen[0].t < t0 + 2, "when the line has arrived: " + (seen[0].t - t0));
    assert.strictEqual(seen[1].written, OK, "the OK, and not yet +NETOPEN");
    assert.strictEqual(seen[1].t - seen[0].t, 2, "the command latency after the line");
  });

  it("transparent CIPOPEN: the point after the final result is right after CONNECT, before data mode", async () => {
    h = new Host({ echo: false, bootMs: 500 });
    peer = await TcpPeer.listen();
    await h.expect("AT+CIPMODE=1", OK);
    await netopen(h);
    h.sim.fault.at("ok", "reboot", "AT+CIPOPEN");
    h.send(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}\r`);
    await h.until("CONNECT 115200\r\n");
    assert.strictEqual(await h.settle(400), line("CONNECT 115200"));
    assert.ok(!h.sim.dataMode);
    await h.until("PB DONE\r\n");
  });
});

describe("sim: a slow module still answers in order", () => {
  let h: Host;
  afterEach(() => h.close());

  it("one command taking 2.5 s: commands sent meanwhile queue behind it and are answered after it, in order", async () => {
    h = new Host({ echo: false });
    h.sim.fault.slowNext(2500);
    h.take();
    const t0 = h.clock.now();
    h.send("AT+CSQ\r");
    await h.settle(1000);
    h.send("AT+CMEE?\r"); // a host that timed out after 1 s and probes
    await h.settle(1000);
    h.send("AT+CGMR\r");
    assert.strictEqual(await h.settle(490), "", "nothing before 2.5 s");
    await h.until("+CGMR: A7670M7_SIM\r\n" + OK);
    assert.strictEqual(h.take(), line("+CSQ: 23,99") + OK + line("+CMEE: 0") + OK + line("+CGMR: A7670M7_SIM") + OK);
    assert.ok(h.clock.now() - t0 >= 2500);
    await h.expect("AT", OK); // back to the normal latency
  });

  it("with echo on, the echoes come at once and only the answers wait", async () => {
    h = new Host();
    h.sim.fault.slowNext(2500);
    h.take();
    h.send("AT+CSQ\r");
    assert.strictEqual(await h.settle(1000), "AT+CSQ\r");
    h.send("AT\r");
    assert.strictEqual(await h.settle(1000), "AT\r");
    await h.until(OK + OK);
    assert.strictEqual(await h.settle(20), line("+CSQ: 23,99") + OK + OK);
  });

  it("slowNext(ms, n) slows n commands; slowMatching slows every matching one until removed; slowOff ends all", async () => {
    h = new Host({ echo: false });
    h.sim.fault.slowNext(300, 2);
    for (let i = 0; i < 3; i++) {
      h.take();
      h.send("AT\r");
      const late = i < 2;
      assert.strictEqual(await h.settle(250), late ? "" : OK, "command " + i);
      if (late) {
        await h.until(OK);
        h.take();
      }
    }
    h.sim.fault.slowMatching("at+csq", 400);
    for (let i = 0; i < 2; i++) {
      h.take();
      h.send("AT+CSQ\r");
      assert.strictEqual(await h.settle(350), "");
      await h.until(OK);
    }
    await h.expect("AT", OK);
    h.sim.fault.slowMatching("AT+CSQ", 0);
    h.take();
    h.send("AT+CSQ\r");
    assert.strictEqual(await h.settle(50), line("+CSQ: 23,99") + OK);
    h.sim.fault.slowMatching("AT", 400);
    h.sim.fault.slowOff();
    h.send("AT\r");
    assert.strictEqual(await h.settle(50), OK);
  });
});
