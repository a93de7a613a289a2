// Tests of the shipped artifact dist/a76xx.js in a bare vm context holding only fakes of Espruino's globals.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import { bundle, ROOT } from "../../tools/bundle/build";
import { SimUart } from "../../hal/host/sim-uart";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { checkDeviceSource } from "../../tools/check-device/check";
import { createEspruinoContext, FakeSerialCall } from "../support/espruino-fakes";

const DIST = path.join(ROOT, "dist/a76xx.js");

// The library's surface as seen from device code (loosely typed: it comes from another realm).
interface Lib {
  version: string;
  findBoard(id: string): { uart: { port: number } } | undefined;
  createEspruinoHal(board: unknown): {
    uart: { setup(b: number): void; write(s: string): void; onData(h: (c: string) => void): void; close(): void };
    clock: { now(): number };
    pwrkey?: { write(a: boolean): void };
  };
  ByteRing: new (cap: number, codec: unknown) => { write(s: string): number; indexOf(p: string, f: number): number; read(n: number): string };
  Scheduler: new (clock: unknown, opts: unknown) => { post(t: () => void): void; setTimer(ms: number, f: () => void): number };
  defaultSchedulerOptions: unknown;
  espruinoCodec: unknown;
  AtEngine: new (uart: unknown, codec: unknown, sched: unknown, opts: unknown, listener: unknown) => {
    start(): void;
    submit(cmd: unknown, done: (r: { error: unknown; lines: string[] }) => void): boolean;
  };
  defaultAtEngineOptions: unknown;
}

describe("device bundle dist/a76xx.js", () => {
  let code = "";

  before(async function () {
    this.timeout(60000);
    if (!fs.existsSync(DIST)) await bundle("hal/espruino/bundle-entry.ts", DIST, true);
    code = fs.readFileSync(DIST, "utf8");
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
    assert.strictEqual(lib.version, "0.1.0");
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

  it("drives the board's serial port both ways through the simulated UART", () => {
    const { fakes, lib, wire, clock } = load(true);
    const board = lib.findBoard("esp32");
    assert.ok(board);
    const hal = lib.createEspruinoHal(board);
    assert.deepStrictEqual(fakes.serialCalls.Serial2, [], "creating the HAL must not open the port");
    const received: string[] = [];
    hal.uart.onData((c) => received.push(c));
    hal.uart.setup(115200);
    const setup = fakes.serialCalls["Serial2"][0] as FakeSerialCall;
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

    // The bundle's own ring and codec handle what arrived.
    const ring = new lib.ByteRing(64, lib.espruinoCodec);
    ring.write(received.join(""));
    assert.strictEqual(ring.indexOf("OK", 0), 2);
  });

  it("runs the bundle's scheduler on the runtime's setTimeout/getTime and presses PWRKEY on the board pin", () => {
    const { fakes, lib, clock } = load(true);
    const hal = lib.createEspruinoHal(lib.findBoard("esp32"));
    const sched = new lib.Scheduler(hal.clock, lib.defaultSchedulerOptions);
    const fired: number[] = [];
    hal.pwrkey!.write(true);
    sched.setTimer(100, () => {
      hal.pwrkey!.write(false);
      fired.push(clock.now());
    });
    clock.advance(150);
    assert.deepStrictEqual(fired, [100]);
    assert.deepStrictEqual(fakes.pinWrites, [
      { t: 0, pin: "D4", value: 1 },
      { t: 100, pin: "D4", value: 0 },
    ]);
    assert.strictEqual(fakes.pendingTimers(), 0);
  });

  it("runs an AT command through the bundle's own AT engine on the board's UART", () => {
    const { lib, wire, clock, fakes } = load(true);
    const hal = lib.createEspruinoHal(lib.findBoard("esp32"));
    const sched = new lib.Scheduler(hal.clock, lib.defaultSchedulerOptions);
    const engine = new lib.AtEngine(hal.uart, (hal as unknown as { codec: unknown }).codec, sched, lib.defaultAtEngineOptions, {});
    engine.start();
    hal.uart.setup(115200);
    let rx = "";
    wire.modem.onData((c) => {
      rx += c;
      if (rx.indexOf("AT+CSQ\r") >= 0) {
        rx = "";
        // Echo on, a URC in the middle, then the answer in one burst.
        wire.modem.write("AT+CSQ\r\r\n+CGEV: ME PDN ACT 1\r\n\r\n+CSQ: 21,99\r\n\r\nOK\r\n");
      }
    });
    const results: Array<{ error: unknown; lines: string[] }> = [];
    assert.ok(engine.submit({ request: "AT+CSQ", matches: ["+CSQ:"], timeoutMs: 1000 }, (r) => results.push(r)));
    clock.advance(100);
    assert.strictEqual(results.length, 1);
    assert.strictEqual(results[0].error, null);
    assert.strictEqual(JSON.stringify(results[0].lines), JSON.stringify(["+CSQ: 21,99"]));
    assert.strictEqual(fakes.serialCalls["Serial2"].filter((c) => c.method === "write").length, 1);
  });
});
