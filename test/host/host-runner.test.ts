// Tests the host runner end to end through a real pseudo-terminal: `make host … APP=echo-check` against `make sim PTY=…` and a local echo server.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

import { needs } from "../../tools/test/needs";

const ROOT = path.resolve(__dirname, "../..");

function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  return new Promise((resolve) => {
    const tick = () => {
      if (cond()) return resolve(true);
      if (Date.now() > end) return resolve(false);
      setTimeout(tick, 20);
    };
    tick();
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, detached: boolean): { child: ChildProcess; out: () => string } {
  let out = "";
  const child = spawn(cmd, args, { cwd: ROOT, env: Object.assign({}, process.env, env), detached, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return { child, out: () => out };
}

function exited(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}

describe("host runner over a real pseudo-terminal", function () {
  this.timeout(90000);
  let dir = "";
  let echo: net.Server | undefined;
  let sim: { child: ChildProcess; out: () => string } | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-host-"));
  });

  afterEach(async () => {
    if (sim && !exited(sim.child)) {
      process.kill(-(sim.child.pid as number), "SIGINT");
      await waitFor(() => exited(sim!.child), 10000);
    }
    if (echo) echo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("make host APP=echo-check exchanges data byte for byte with a local echo server through make sim's PTY, and cleans up", async function () {
    needs(this, "socat");
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo!.listen(0, "127.0.0.1", () => r()));
    const echoPort = (echo.address() as net.AddressInfo).port;
    const pty = path.join(dir, "a76xx");
    sim = run("make", ["-s", "sim", `PTY=${pty}`, "BAUD=921600"], {}, true);
    assert.ok(await waitFor(() => fs.existsSync(pty), 30000), "the simulator's PTY did not appear:\n" + sim.out());

    const host = run("make", ["-s", "host", `PORT=${pty}`, "APP=echo-check", "BAUD=921600", `ARGS=host=127.0.0.1 port=${echoPort} bytes=40000`], {}, false);
    assert.ok(await waitFor(() => exited(host.child), 60000), "the host runner did not finish:\n" + host.out());
    assert.strictEqual(host.child.exitCode, 0, host.out());
    assert.ok(/echo-check passed: 40000 bytes sent and echoed byte for byte/.test(host.out()), host.out());
    assert.ok(/modem online/.test(host.out()));
    assert.ok(/modem off/.test(host.out()), "the runner closed the network before exiting:\n" + host.out());

    process.kill(-(sim.child.pid as number), "SIGINT");
    assert.ok(await waitFor(() => exited(sim!.child), 10000), "the simulator did not stop on SIGINT");
    assert.ok(await waitFor(() => !fs.existsSync(pty), 5000), "the PTY link was left behind");
    const left = spawnSync("pgrep", ["-f", `PTY,link=${pty}`]).stdout.toString().trim();
    assert.strictEqual(left, "", "a socat process was left behind");
  });

  it("make host without PORT says how to use it and fails", () => {
    const r = spawnSync("make", ["-s", "host"], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/usage: make host PORT=/.test(r.stderr), r.stderr);
    assert.ok(/\[TRACE=1\]/.test(r.stderr), "the usage names TRACE=1: " + r.stderr);
  });
});
