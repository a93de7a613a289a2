// Tests that APP= takes the path of an app outside the repository: it imports the library as "a76xx", and bundles, checks, flashes and runs on the host like an example.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
import { checkDeviceSource } from "../../tools/check-device/check";
import { resolveApp } from "../../tools/bundle/apps";
import { SimUart } from "../../hal/host/sim-uart";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { A76xxSim, pumpUntil } from "../../tools/sim/index";
import { createEspruinoContext } from "../support/espruino-fakes";
import { needs } from "../../tools/test/needs";

const ROOT = path.resolve(__dirname, "../..");

const APP = `// An app outside the repository: the library by its import name, a helper module of its own.
import { Modem } from "a76xx";
import { greeting } from "./lib/greeting";

export function main(modem: Modem, args: { [k: string]: string }, done?: (ok: boolean, summary: string) => void): void {
  console.log("same library: " + (modem instanceof Modem));
  modem.once("online", function () {
    const s = modem.connect(args.host, parseInt(args.port, 10));
    s.on("connect", function () {
      s.write(greeting(args.name));
    });
    s.on("data", function (d: string) {
      console.log("outside-app got: " + d);
      s.end();
      if (done) done(true, "echoed " + d.length + " bytes");
    });
  });
  modem.start();
}
`;

const HELPER = `// A helper of the outside app.
export function greeting(name: string): string {
  return "hello " + name;
}
`;

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe("APP= takes the path of your own app", function () {
  this.timeout(90000);
  let dir = "";
  let appFile = "";
  let echo: net.Server | undefined;
  let echoPort = 0;
  let sim: ChildProcess | undefined;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-app-"));
    fs.mkdirSync(path.join(dir, "lib"));
    appFile = path.join(dir, "myapp.ts");
    fs.writeFileSync(appFile, APP);
    fs.writeFileSync(path.join(dir, "lib/greeting.ts"), HELPER);
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo!.listen(0, "127.0.0.1", () => r()));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    if (sim && sim.exitCode === null && sim.signalCode === null) {
      process.kill(-(sim.pid as number), "SIGINT");
      await waitFor(() => sim!.exitCode !== null || sim!.signalCode !== null, 10000);
    }
    sim = undefined;
    if (echo) echo.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("resolves names to examples and paths to files: absolute, without extension, relative to the caller's directory, else the repository", () => {
    assert.strictEqual(resolveApp("tcp-echo").file, path.join(ROOT, "examples/tcp-echo.ts"));
    assert.deepStrictEqual(resolveApp(appFile), { name: "myapp", file: appFile, byPath: true });
    assert.strictEqual(resolveApp(path.join(dir, "myapp")).file, appFile);
    assert.strictEqual(resolveApp("./myapp.ts", dir).file, appFile);
    assert.strictEqual(resolveApp("examples/server.ts", dir).file, path.join(ROOT, "examples/server.ts"));
    assert.throws(() => resolveApp("./nope.ts", dir), new RegExp("no app file at " + path.join(dir, "nope.ts") + " or " + path.join(ROOT, "nope.ts")));
    assert.throws(() => resolveApp("nope"), /unknown app "nope"; examples: .*tcp-echo.*; or give the path of your own app/);
  });

  it("make -C <repo> bundle APP=./myapp.ts from the app's directory writes dist/myapp-esp32.js, which passes the device check and echoes through the simulated modem", async () => {
    const r = spawnSync("make", ["-s", "-C", ROOT, "bundle", "BOARD=esp32", "APP=./myapp.ts", "APN=internet", `ARGS=host=127.0.0.1 port=${echoPort} name=outside`, "MODEM=healthCheckMs=0"], {
      cwd: dir,
      encoding: "utf8",
      env: Object.assign({}, process.env, { PWD: dir }),
    });
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.ok(/bundle: .*dist\/myapp-esp32\.js \d+ bytes, device check OK/.test(r.stdout), r.stdout);
    const code = fs.readFileSync(path.join(ROOT, "dist/myapp-esp32.js"), "utf8");
    assert.deepStrictEqual(checkDeviceSource(code), []);

    const clock = new VirtualClock();
    const wire = new SimUart(clock, { baud: 115200, toHostChunk: 64, toModemChunk: 64 });
    const s = new A76xxSim({ clock, startPoweredOn: true });
    s.attach(wire.modem, {}, { toHost: wire.toHost });
    const fakes = createEspruinoContext(clock, { Serial2: wire });
    try {
      vm.runInContext(code, fakes.context, { filename: "myapp-esp32.js" });
      const ok = await pumpUntil(clock, () => fakes.printed.some((l) => l.indexOf("outside-app got:") === 0), { maxVirtualMs: 120000, maxRealMs: 30000, stepMs: 5 });
      assert.ok(ok, fakes.printed.join("\n"));
      assert.ok(fakes.printed.indexOf("outside-app got: hello outside") >= 0, fakes.printed.join("\n"));
      assert.ok(fakes.printed.indexOf("same library: true") >= 0, "the app's a76xx is the bundle's library:\n" + fakes.printed.join("\n"));
    } finally {
      s.close();
    }
  });

  it("make flash APP=<path> without PORT names the app's own bundle", () => {
    const r = spawnSync("make", ["-s", "flash", "BOARD=esp32", `APP=${appFile}`], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/It would build and upload the myapp app for esp32/.test(r.stderr), r.stderr);
    assert.ok(/SAVE_ON_SEND=1 dist\/myapp-esp32\.js/.test(r.stderr), r.stderr);
  });

  it("make host APP=/abs/path/myapp.ts runs it on Node against make sim's PTY", async function () {
    needs(this, "socat");
    const pty = path.join(dir, "a76xx");
    let simOut = "";
    sim = spawn("make", ["-s", "sim", `PTY=${pty}`, "BAUD=921600"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    sim.stdout!.on("data", (d) => (simOut += d));
    sim.stderr!.on("data", (d) => (simOut += d));
    assert.ok(await waitFor(() => fs.existsSync(pty), 30000), "the simulator's PTY did not appear:\n" + simOut);
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      let out = "";
      const h = spawn("make", ["-s", "host", `PORT=${pty}`, `APP=${appFile}`, "BAUD=921600", `ARGS=host=127.0.0.1 port=${echoPort} name=host`], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      h.stdout!.on("data", (d) => (out += d));
      h.stderr!.on("data", (d) => (out += d));
      h.on("exit", (code) => resolve({ code, out }));
    });
    assert.strictEqual(r.code, 0, r.out);
    assert.ok(/outside-app got: hello host/.test(r.out), r.out);
    assert.ok(/same library: true/.test(r.out), r.out);
    assert.ok(/myapp passed: echoed 10 bytes/.test(r.out), r.out);
  });
});
