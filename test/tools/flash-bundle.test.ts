// Tests of the board tooling: make flash without a port, app bundles per board, and an app bundle booting on fake Espruino globals against the simulator.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as vm from "vm";
import { bundleApp, checkModemOptions } from "../../tools/bundle/app";
import { checkDeviceSource } from "../../tools/check-device/check";
import { SimUart } from "../../hal/host/sim-uart";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { A76xxSim, pumpUntil } from "../../tools/sim/index";
import { createEspruinoContext } from "../support/espruino-fakes";

const ROOT = path.resolve(__dirname, "../..");

describe("board tooling", function () {
  this.timeout(60000);

  it("make flash without PORT fails with what it would do and how to find the port", () => {
    const r = spawnSync("make", ["-s", "flash", "BOARD=esp32", "APP=tcp-echo"], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/make flash needs PORT=/.test(r.stderr), r.stderr);
    assert.ok(/SAVE_ON_SEND=1 dist\/tcp-echo-esp32\.js/.test(r.stderr), r.stderr);
    assert.ok(/How to find the port/.test(r.stderr), r.stderr);
  });

  it("make flash APP=… without BOARD says BOARD is needed with APP, and never prints a bundle 'for ?'", () => {
    const r = spawnSync("make", ["-s", "flash", "APP=tcp-echo"], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/make flash APP=tcp-echo needs BOARD=<esp32\|t-a7670\|pico\|linux>/.test(r.stderr), r.stderr);
    assert.ok(!/for \?|<board>/.test(r.stdout + r.stderr), r.stdout + r.stderr);
  });

  it("make flash rejects an unknown app by name before anything else", () => {
    const r = spawnSync("make", ["-s", "flash", "BOARD=esp32", "APP=nope", "PORT=/dev/null"], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/unknown app "nope"/.test(r.stderr), r.stderr);
  });

  it("make bundle BOARD=esp32 APP=tcp-echo writes a bundle that passes the device check, with no bundler warning", () => {
    const r = spawnSync("make", ["-s", "bundle", "BOARD=esp32", "APP=tcp-echo", "APN=internet"], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    const file = path.join(ROOT, "dist/tcp-echo-esp32.js");
    assert.deepStrictEqual(checkDeviceSource(fs.readFileSync(file, "utf8")), []);
    assert.ok(/device check OK/.test(r.stdout));
    // tcp-echo has no `export const parts`: that is normal and must not print esbuild's import-is-undefined warning.
    assert.ok(!/WARNING|import-is-undefined/.test(r.stdout + r.stderr), r.stdout + r.stderr);
  });

  it("refuses bad modem options when bundling, by the firmware's rules, before any file is written: unknown (did you mean) and invalid", async () => {
    const out = path.join(ROOT, "dist/test-bad-options-esp32.js");
    fs.rmSync(out, { force: true });
    await assert.rejects(bundleApp({ board: "esp32", app: "tcp-echo", modem: { apm: "internet" }, out }), /option "apm" is unknown \(did you mean "apn"\?\) \(from MODEM=, APN= or MODE=\)/);
    await assert.rejects(bundleApp({ board: "esp32", app: "tcp-echo", modem: { healthCheckMs: "abc" }, out }), /option healthCheckMs is "abc"; it must be an integer in 0\.\.3600000/);
    await assert.rejects(bundleApp({ board: "esp32", app: "tcp-echo", modem: { dataMode: "pushh" }, out }), /option dataMode is "pushh"; it must be one of buffer, push, transparent/);
    assert.ok(!fs.existsSync(out), "no bundle written");
    // Options of the optional parts and transparent mode pass (the bundler adds the transparent part itself).
    checkModemOptions("esp32", { dataMode: "transparent", apn: "internet", searchBauds: [9600, 115200] });
  });

  it("make flash refuses a bad MODEM= option at once, before asking for PORT", () => {
    const r = spawnSync("make", ["-s", "flash", "BOARD=esp32", "APP=tcp-echo", "MODEM=apm=internet"], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/option "apm" is unknown \(did you mean "apn"\?\)/.test(r.stderr), r.stderr);
    assert.ok(!/make flash needs PORT=/.test(r.stderr), r.stderr);
  });

  it("puts the serial device path of the Linux board into its bundle, and refuses it for a microcontroller board", async () => {
    const res = await bundleApp({ board: "linux", app: "tcp-echo", serial: "/dev/ttyS0", out: path.join(ROOT, "dist/test-linux.js") });
    assert.deepStrictEqual(res.findings, []);
    assert.ok(fs.readFileSync(res.outfile, "utf8").indexOf('"/dev/ttyS0"') >= 0);
    await assert.rejects(bundleApp({ board: "esp32", app: "tcp-echo", serial: "/dev/ttyS0" }), /SERIAL= is for the Linux board/);
  });

  it("an app bundle boots on Espruino's globals, brings the simulated modem up and echoes 8 KB byte for byte", async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
    const port = (echo.address() as net.AddressInfo).port;
    const res = await bundleApp({
      board: "esp32",
      app: "echo-check",
      modem: { apn: "internet", healthCheckMs: 0 },
      args: { host: "127.0.0.1", port: String(port), bytes: "8192" },
      out: path.join(ROOT, "dist/test-echo-check-esp32.js"),
    });
    assert.deepStrictEqual(res.findings, []);
    const clock = new VirtualClock();
    const wire = new SimUart(clock, { baud: 115200, toHostChunk: 64, toModemChunk: 64 });
    const sim = new A76xxSim({ clock, startPoweredOn: true });
    sim.attach(wire.modem, {}, { toHost: wire.toHost });
    const fakes = createEspruinoContext(clock, { Serial2: wire });
    try {
      vm.runInContext(fs.readFileSync(res.outfile, "utf8"), fakes.context, { filename: "echo-check-esp32.js" });
      const ok = await pumpUntil(clock, () => fakes.printed.some((l) => l.indexOf("echo-check") === 0), { maxVirtualMs: 120000, maxRealMs: 30000, stepMs: 5 });
      assert.ok(ok, fakes.printed.join("\n"));
      assert.ok(fakes.printed.some((l) => l === "echo-check passed: 8192 bytes sent and echoed byte for byte"), fakes.printed.join("\n"));
      const setup = fakes.serialCalls["Serial2"].find((c) => c.method === "setup");
      assert.ok(setup && setup.args[0] === 115200, "the app set up the board's modem serial port");
      assert.strictEqual(vm.runInContext("typeof modem.status", fakes.context), "function", "the REPL reaches the modem as a global");
    } finally {
      sim.close();
      echo.close();
    }
  });

  it("an app bundle prints the modem's progress on the console while registration searches (the app itself prints nothing until online)", async () => {
    const res = await bundleApp({
      board: "esp32",
      app: "tcp-echo",
      modem: { apn: "internet", healthCheckMs: 0 },
      args: { host: "127.0.0.1", port: "7", count: "1" },
      out: path.join(ROOT, "dist/test-tcp-echo-progress-esp32.js"),
    });
    assert.deepStrictEqual(res.findings, []);
    const clock = new VirtualClock();
    const wire = new SimUart(clock, { baud: 115200, toHostChunk: 64, toModemChunk: 64 });
    const sim = new A76xxSim({ clock, startPoweredOn: true });
    sim.attach(wire.modem, {}, { toHost: wire.toHost });
    sim.fault.registration("searching");
    const fakes = createEspruinoContext(clock, { Serial2: wire });
    try {
      vm.runInContext(fs.readFileSync(res.outfile, "utf8"), fakes.context, { filename: "tcp-echo-progress-esp32.js" });
      const ok = await pumpUntil(clock, () => fakes.printed.filter((l) => l.indexOf("a76xx: registering: ") === 0).length >= 2, { maxVirtualMs: 60000, maxRealMs: 30000, stepMs: 5 });
      assert.ok(ok, fakes.printed.join("\n"));
      const lines = fakes.printed.filter((l) => l.indexOf("a76xx: registering: ") === 0);
      assert.ok(/^a76xx: registering: LTE searching, packet searching, 1\d s of 180 s, /.test(lines[0]), lines.join("\n"));
      assert.ok(!fakes.printed.some((l) => l.indexOf("online as") === 0), "still registering: " + fakes.printed.join("\n"));
    } finally {
      sim.close();
    }
  });
});
