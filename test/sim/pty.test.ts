// The pseudo-terminal: line-rate pacing measured on the wall clock, and the CLI (make sim) answering AT, walking section 4, and leaving nothing behind after SIGINT.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SystemClock } from "../../hal/host/system-clock";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { A76xxSim } from "../../tools/sim/index";
import { TcpPeer } from "../../tools/sim/peers";
import { PtyBridge } from "../../tools/sim/pty";
import { PtyClient } from "../support/pty-client";
import { needs } from "../../tools/test/needs";

const ROOT = path.resolve(__dirname, "../..");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return false;
  }
}

describe("sim: pseudo-terminal", function () {
  this.timeout(30000);
  const ptyPath = "/tmp/a76xx-test-" + process.pid;
  let bridge: PtyBridge | undefined;
  let sim: A76xxSim | undefined;
  let client: PtyClient | undefined;
  let child: ChildProcess | undefined;
  let peer: TcpPeer | undefined;

  before(function () {
    needs(this, "socat");
  });

  afterEach(async () => {
    if (client) client.close();
    if (sim) sim.close();
    if (bridge) await bridge.close();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await new Promise((r) => child!.once("exit", r));
    }
    if (peer) await peer.close();
    client = undefined;
    sim = undefined;
    bridge = undefined;
    child = undefined;
    peer = undefined;
  });

  it("paces bytes towards the host at the line rate through the PTY: after half their line time, half of 4 KB has arrived, never more", async () => {
    // The line's time is virtual: what it lets out in a given time is exact, whatever the machine's load.
    const clock = new VirtualClock();
    bridge = await PtyBridge.open({ path: ptyPath, baud: 115200, chunk: 64, clock });
    client = new PtyClient(ptyPath);
    const total = 4096;
    bridge.end.write("y".repeat(total));
    const b = bridge;
    const c = client;
    const byteMs = 10000 / 115200;
    clock.advance(total * byteMs * 0.5);
    const half = b.line.delivered;
    assert.ok(half <= total / 2 && half >= total / 2 - 64, "after half the line time, half the bytes left: " + half);
    await c.until(() => c.rx.length >= half, 5000);
    await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(c.rx.length, half, "the program on the PTY gets what the line let out, and nothing sooner");
    clock.advance(total * byteMs * 0.5 + 1);
    await c.until(() => c.rx.length >= total, 5000);
    assert.strictEqual(c.rx, "y".repeat(total));
  });

  it("paces bytes towards the module at the line rate too: 4 KB written at once reach it over their line time, never sooner", async () => {
    const clock = new VirtualClock();
    bridge = await PtyBridge.open({ path: ptyPath, baud: 115200, chunk: 64, clock });
    const got: Array<{ n: number; at: number }> = [];
    bridge.end.onData((chunk, at) => got.push({ n: chunk.length, at }));
    client = new PtyClient(ptyPath);
    const total = 4096;
    client.write("x".repeat(total));
    const b = bridge;
    // socat hands the bytes over in real time; the line time passes only on the virtual clock.
    const end = Date.now() + 10000;
    while (b.inbound.waiting() < total && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.strictEqual(b.inbound.waiting(), total, "socat passed every byte on");
    assert.strictEqual(got.length, 0, "nothing reaches the module before its line time");
    const byteMs = 10000 / 115200;
    clock.advance(total * byteMs * 0.5);
    const half = got.reduce((a, g) => a + g.n, 0);
    assert.ok(half <= total / 2 && half >= total / 2 - 64, "after half the line time, half the bytes: " + half);
    clock.advance(total * byteMs * 0.5 + 1);
    assert.strictEqual(got.reduce((a, g) => a + g.n, 0), total);
    for (const g of got) assert.ok(g.at <= clock.now());
    const last = got[got.length - 1].at;
    assert.ok(Math.abs(last - total * byteMs) < 1, "the last byte arrives one line time after the first was sent: " + last);
  });

  it("refuses a PTY path another simulator is serving, leaving that one's link alone, and replaces a stale link", async () => {
    const clock = new SystemClock();
    bridge = await PtyBridge.open({ path: ptyPath, baud: 115200, clock });
    const live = fs.readlinkSync(ptyPath);
    await assert.rejects(PtyBridge.open({ path: ptyPath, baud: 115200, clock }), new RegExp(ptyPath + " is in use: it links to " + live + ", a pseudo-terminal another simulator is serving"));
    assert.strictEqual(fs.readlinkSync(ptyPath), live, "the running simulator keeps its link");
    await bridge.close();
    bridge = undefined;
    fs.symlinkSync("/dev/pts/no-such-terminal", ptyPath);
    bridge = await PtyBridge.open({ path: ptyPath, baud: 115200, clock });
    assert.ok(/^\/dev\/pts\/\d+$/.test(fs.readlinkSync(ptyPath)), "a stale link is replaced");
  });

  it("a module left in data mode when the program on the PTY quits is still in data mode for the next one; +++ with guards ends it", async () => {
    peer = await TcpPeer.listen(); // echoes
    const clock = new SystemClock();
    bridge = await PtyBridge.open({ path: ptyPath, baud: 115200, chunk: 64, clock });
    sim = new A76xxSim({ clock, startPoweredOn: true, guardMs: 200 });
    sim.attach(bridge.end, undefined, { toHost: bridge.line });
    client = new PtyClient(ptyPath);
    await client.expect("ATE0\r", "ATE0\r\r\nOK\r\n");
    await client.expect("AT+CIPMODE=1\r", "\r\nOK\r\n");
    await client.expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    await client.expect(`AT+CIPOPEN=0,"TCP","127.0.0.1",${peer.port}\r`, "\r\nCONNECT 115200\r\n");
    await client.expect("first", "first");
    client.close(); // the host program dies in data mode
    client = undefined;
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(sim.dataMode);
    client = new PtyClient(ptyPath); // the next one starts with AT
    await client.expect("AT\r", "AT\r"); // forwarded to the peer, which echoes it: data, not OK
    const p = peer;
    await client.until(() => p.all() === "firstAT\r");
    assert.ok(sim.dataMode);
    await new Promise((r) => setTimeout(r, 300)); // guard before
    await client.expect("+++", "\r\nOK\r\n"); // answered after the guard after
    assert.ok(!sim.dataMode);
    await client.expect("AT+CIPCLOSE=0\r", "\r\nOK\r\n\r\nCLOSED\r\n\r\n+CIPCLOSE: 0,0\r\n");
    assert.strictEqual(peer.all(), "firstAT\r");
  });

  it("the CLI applies --faults items: a damaged DNS answer, a lost prompt", async () => {
    peer = await TcpPeer.listen({ echo: false });
    child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/sim/cli.ts", "--pty", ptyPath, "--faults", "dns-corrupt,lose-prompt"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 20000;
    while (!/socat pid (\d+)/.test(out)) {
      if (Date.now() > end || child.exitCode !== null) assert.fail("CLI did not start: " + out);
      await new Promise((r) => setTimeout(r, 20));
    }
    client = new PtyClient(ptyPath);
    await client.expect("ATE0\r", "ATE0\r\r\nOK\r\n");
    await client.expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    await client.expect('AT+CDNSGIP="localhost"\r', '\r\n+CDNSGIP: 1,"localhost","127.0.\x01.1"\r\n\r\nOK\r\n');
    await client.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}\r`, "\r\nOK\r\n\r\n+CIPOPEN: 1,0\r\n");
    const c = client;
    const from = c.rx.length;
    c.write("AT+CIPSEND=1,5\r");
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(c.rx.substr(from), "", "the prompt was lost");
    await c.expect("HELLO", "\r\nOK\r\n\r\n+CIPSEND: 1,5,5\r\n");
    await c.expect("AT\r", "\r\nOK\r\n");
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGINT");
    assert.strictEqual(await exited, 0);
  });

  it("make sim's CLI answers AT, walks section 4 against a local echo server, and leaves no process or link after SIGINT", async () => {
    peer = await TcpPeer.listen();
    child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/sim/cli.ts", "--pty", ptyPath, "--baud", "115200"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 20000;
    while (!/socat pid (\d+)/.test(out)) {
      if (Date.now() > end || child.exitCode !== null) assert.fail("CLI did not start: " + out);
      await new Promise((r) => setTimeout(r, 20));
    }
    const socatPid = Number(/socat pid (\d+)/.exec(out)![1]);
    assert.ok(fs.existsSync(ptyPath));
    client = new PtyClient(ptyPath);
    await client.expect("AT\r", "AT\r\r\nOK\r\n");
    await client.expect("ATE0\r", "ATE0\r\r\nOK\r\n");
    await client.expect("AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    await client.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}\r`, "\r\nOK\r\n\r\n+CIPOPEN: 1,0\r\n");
    await client.expect("AT+CIPSEND=1,5\r", "\r\n> ");
    await client.expect("HELLO", `\r\nOK\r\n\r\n+CIPSEND: 1,5,5\r\n\r\n+RECV FROM:127.0.0.1:${peer.port}\r\n+IPD5\r\nHELLO`);
    await client.expect("AT+CIPCLOSE=1\r", "\r\nOK\r\n\r\n+CIPCLOSE: 1,0\r\n");
    client.close();
    client = undefined;
    // Another program can open the path after the first one closed it.
    client = new PtyClient(ptyPath);
    await client.expect("AT\r", "\r\nOK\r\n");
    client.close();
    client = undefined;
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGINT");
    assert.strictEqual(await exited, 0);
    assert.ok(!fs.existsSync(ptyPath), "link removed");
    assert.ok(!alive(socatPid), "socat gone");
  });
});
