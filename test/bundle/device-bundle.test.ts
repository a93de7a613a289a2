// Tests of the shipped artifact dist/a76xx.js in a bare vm context holding only fakes of Espruino's globals.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import { bundleAll, ROOT } from "../../tools/bundle/build";
import { SimUart } from "../../hal/host/sim-uart";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { checkDeviceSource } from "../../tools/check-device/check";
import { A76xxSim } from "../../tools/sim/index";
import { createEspruinoContext, FakeSerialCall } from "../support/espruino-fakes";

const DIST = path.join(ROOT, "dist/a76xx.js");
const TOOLS = path.join(ROOT, "dist/a76xx-tools.js");

function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const full = path.join(d, name);
      const st = fs.statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.mtimeMs > newest) newest = st.mtimeMs;
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  return newest;
}

// The library's surface as seen from device code (loosely typed: it comes from another realm).
interface Lib {
  version: string;
  findBoard(id: string): { uart: { port: number } } | undefined;
  createEspruinoHal(board: unknown): {
    uart: { setup(b: number): void; write(s: string): void; onData(h: (c: string) => void): void; close(): void };
    clock: { now(): number };
    pwrkey?: { write(a: boolean): void };
  };
  setup(boardId: string, options: unknown): {
    start(): void;
    isOnline(): boolean;
    at(cmd: string, done: (ok: boolean, lines: string[]) => void): void;
    status(): { state: string; ip: string };
  };
}

describe("device bundle dist/a76xx.js", () => {
  let code = "";
  let toolsCode = "";

  before(async function () {
    this.timeout(60000);
    // `make test` builds the bundles first; run alone, rebuild them when a device source is newer.
    if (!fs.existsSync(TOOLS) || newestSource(["firmware", "hal/espruino", "boards"]) > fs.statSync(TOOLS).mtimeMs) await bundleAll(true);
    code = fs.readFileSync(DIST, "utf8");
    toolsCode = fs.readFileSync(TOOLS, "utf8");
  });

  function load(asModule: boolean) {
    const clock = new VirtualClock();
    const wire = new SimUart(clock, { baud: 115200, toHostChunk: 16 });
    const fakes = createEspruinoContext(clock, { Serial2: wire });
    if (asModule) vm.runInContext("var exports = {};", fakes.context);
    vm.runInContext(code, fakes.context, { filename: "a76xx.js" });
    const lib = vm.runInContext(asModule ? "exports" : "A76XX", fakes.context) as Lib;
    return { clock, wire, fakes, lib };
  }

  it("passes the device check: no construct the interpreter cannot run", () => {
    assert.deepStrictEqual(checkDeviceSource(code), []);
  });

  it("has no Node globals to lean on: require, process and Buffer are absent in the context", () => {
    const { fakes } = load(true);
    assert.strictEqual(vm.runInContext("typeof require + typeof process + typeof Buffer", fakes.context), "undefinedundefinedundefined");
  });

  it("loads as a module (exports) without touching the UART, pins or timers", () => {
    const { fakes, lib, wire } = load(true);
    assert.strictEqual(typeof lib.createEspruinoHal, "function");
    assert.match(lib.version, /^\d+\.\d+\.\d+$/);
    for (const name of Object.keys(fakes.serialCalls)) assert.deepStrictEqual(fakes.serialCalls[name], [], name + " touched at load");
    assert.deepStrictEqual(fakes.pinWrites, []);
    assert.strictEqual(fakes.pendingTimers(), 0);
    assert.strictEqual(wire.hostOpen, false);
  });

  it("loads from the REPL as the global A76XX when there is no `exports`", () => {
    const { lib } = load(false);
    assert.strictEqual(typeof lib.findBoard, "function");
    assert.ok(lib.findBoard("esp32"));
  });

  it("setup() refuses, at once and touching nothing, an unknown board (listing the board ids) and an unknown or invalid option (with a did-you-mean)", () => {
    const { fakes, lib } = load(true);
    assert.throws(() => lib.setup("nope", {}), (e: Error) => e.message === 'a76xx: unknown board "nope"; boards: esp32 t-a7670 pico linux');
    assert.throws(() => lib.setup("esp32", { apm: "internet" }), (e: Error) => e.message === 'a76xx: option "apm" is unknown (did you mean "apn"?)');
    assert.throws(() => lib.setup("esp32", { apn: 5 }), (e: Error) => e.message === "a76xx: option apn is 5; it must be a string");
    assert.throws(() => lib.setup("esp32", { dataMode: "x" }), (e: Error) => e.message === 'a76xx: option dataMode is "x"; it must be one of buffer, push, transparent');
    assert.throws(() => lib.setup("esp32", { baud: "115200" }), /a76xx: option baud is "115200"; it must be an integer/);
    assert.deepStrictEqual(fakes.pinWrites, []);
    assert.strictEqual(fakes.pendingTimers(), 0);
  });

  it("drives the board's serial port both ways through the simulated UART", () => {
    const { fakes, lib, wire, clock } = load(true);
    const board = lib.findBoard("esp32");
    assert.ok(board);
    const hal = lib.createEspruinoHal(board);
    assert.deepStrictEqual(fakes.serialCalls.Serial2.filter((c) => c.method === "setup"), [], "creating the HAL must not open the port");
    const received: string[] = [];
    hal.uart.onData((c) => received.push(c));
    hal.uart.setup(115200);
    const setup = fakes.serialCalls["Serial2"].find((c) => c.method === "setup") as FakeSerialCall;
    assert.strictEqual(setup.method, "setup");
    assert.strictEqual(setup.args[0], 115200);
    assert.strictEqual(JSON.stringify(setup.args[1]), JSON.stringify({ rx: "D16", tx: "D17" }));

    const atModem: string[] = [];
    wire.modem.onData((c) => {
      atModem.push(c);
      if (atModem.join("").indexOf("AT\r") >= 0) wire.modem.write("\r\nOK\r\n");
    });
    hal.uart.write("AT\r");
    clock.advance(10);
    assert.strictEqual(atModem.join(""), "AT\r");
    assert.strictEqual(received.join(""), "\r\nOK\r\n");

  });

  it("brings the simulated modem online through A76XX.setup() with the tools part loaded as its own module, and runs an AT command", () => {
    const { lib, wire, clock, fakes } = load(false);
    // The tools part is a module of its own (Storage "a76xx-tools" on a board): load it beside the core.
    vm.runInContext("var exports = {};", fakes.context);
    vm.runInContext(toolsCode, fakes.context, { filename: "a76xx-tools.js" });
    const tools = vm.runInContext("exports", fakes.context);
    const sim = new A76xxSim({ clock, startPoweredOn: true });
    sim.attach(wire.modem, {}, { toHost: wire.toHost });
    try {
      const modem = lib.setup("esp32", { apn: "internet", healthCheckMs: 0, parts: [tools] });
      assert.deepStrictEqual(fakes.serialCalls["Serial2"].filter((c) => c.method === "setup"), [], "setup() alone must not open the UART");
      modem.start();
      assert.ok(clock.runUntil(() => modem.isOnline(), 60000), modem.status().state);
      assert.strictEqual(modem.status().ip, "10.148.0.17");
      let answer: { ok: boolean; lines: string[] } | undefined;
      modem.at("AT+CSQ", (ok, lines) => (answer = { ok, lines }));
      assert.ok(clock.runUntil(() => answer !== undefined, 5000));
      assert.strictEqual(JSON.stringify(answer), JSON.stringify({ ok: true, lines: ["+CSQ: 23,99"] }));
      // The PWRKEY was never pressed: the module answered the first probe.
      assert.deepStrictEqual(fakes.pinWrites.filter((p) => p.pin === "D4" && p.value === 1), []);
    } finally {
      sim.close();
    }
  });
});
