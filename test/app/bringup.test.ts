// The tools part (REPL bring-up helpers) on the host HAL against the simulator: diagnosis (healthy and each failure), raw AT, passthrough, status.
import * as assert from "assert";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { ConsolePort } from "../../firmware/core/hal";
import { createModem } from "../../firmware/app/index";
import { tools } from "../../firmware/parts/index";
import type { DiagnoseResult, ToolsModem } from "../../firmware/parts/index";
import { findBoard } from "../../boards/index";
import { A76xxSim, freePort, pumpUntil, TcpPeer } from "../../tools/sim/index";

interface World {
  hal: TestHal;
  sim: A76xxSim;
  modem: ToolsModem;
  printed: string[];
}

const closers: Array<() => unknown> = [];

function world(options: object, simOptions: object, boardId?: string): World {
  const hal = createTestHal({ baud: 115200, toHostChunk: 256, toModemChunk: 256 });
  const printed: string[] = [];
  hal.log = (line: string) => printed.push(line);
  const sim = new A76xxSim(Object.assign({ clock: hal.clock, startPoweredOn: true, dns: { "echo.test": "127.0.0.1" } }, simOptions));
  sim.attach(hal.wire.modem, { pwrkey: hal.pwrkey, dtr: hal.dtr, reset: hal.reset }, { toHost: hal.wire.toHost });
  closers.push(() => sim.close());
  const board = findBoard(boardId || "esp32") as BoardDef;
  // As on a board: a STATUS input exists only where the board wires one (the Espruino HAL does the same).
  if (!board.status) delete (hal as { status?: unknown }).status;
  const modem = createModem(hal, board, Object.assign({ apn: "internet", healthCheckMs: 0, parts: [tools] }, options)) as ToolsModem;
  return { hal, sim, modem, printed };
}

function until(w: World, done: () => boolean, maxVirtualMs: number): Promise<boolean> {
  return pumpUntil(w.hal.clock, done, { maxVirtualMs, maxRealMs: 20000, stepMs: 20 });
}

async function diagnose(w: World, opts: object): Promise<DiagnoseResult> {
  let result: DiagnoseResult | undefined;
  w.modem.diagnose(opts, (r) => (result = r));
  assert.ok(await until(w, () => result !== undefined, 400000), "diagnosis did not finish:\n" + w.printed.join("\n"));
  return result as DiagnoseResult;
}

function lineFor(r: DiagnoseResult, step: string): string {
  const l = r.lines.find((x) => x.indexOf(step) > 0);
  assert.ok(l, "no line for " + step + " in\n" + r.lines.join("\n"));
  return l as string;
}

describe("tools part: bring-up helpers", function () {
  this.timeout(30000);
  afterEach(async () => {
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  it("diagnoses a healthy modem: every step passes, including DNS and a TCP round trip to an echo server", async () => {
    const peer = await TcpPeer.listen({ echo: true });
    closers.push(() => peer.close());
    const w = world({}, {});
    const r = await diagnose(w, { host: "echo.test", port: peer.port, send: "ping from a76xx\r\n" });
    assert.strictEqual(r.failed, 0, r.lines.join("\n"));
    assert.strictEqual(r.skipped, 0, r.lines.join("\n"));
    assert.strictEqual(r.passed, 9);
    assert.ok(/^PASS  module answers: at 115200 baud/.test(lineFor(r, "module answers")));
    assert.ok(/PASS  signal: -67 dBm \(rssi 23\)/.test(lineFor(r, "signal")));
    assert.ok(/PASS  IP address: 10\.148\.0\.17/.test(lineFor(r, "IP address")));
    assert.ok(/PASS  DNS lookup of echo\.test: 127\.0\.0\.1/.test(lineFor(r, "DNS lookup")));
    assert.ok(/PASS  TCP round trip to echo\.test:\d+: connected in \d+ ms, 17 bytes back/.test(lineFor(r, "TCP round trip")), lineFor(r, "TCP round trip"));
    assert.strictEqual(w.printed[w.printed.length - 1], "diagnosis: 9 passed, 0 failed, 0 skipped");
  });

  it("says the SIM is not inserted and skips what needs it", async () => {
    const w = world({}, {});
    w.sim.fault.simNotReady("absent");
    const r = await diagnose(w, {});
    assert.ok(/^FAIL  SIM: .*not inserted/.test(lineFor(r, "SIM:")), lineFor(r, "SIM:"));
    assert.ok(/^SKIP  registration/.test(lineFor(r, "registration")));
    assert.ok(/^PASS  module answers/.test(lineFor(r, "module answers")));
  });

  it("says registration was denied, and what to check", async () => {
    const w = world({ registrationTimeoutMs: 20000 }, {});
    w.sim.fault.registration("denied");
    const r = await diagnose(w, {});
    assert.ok(/^FAIL  registration: .*denied/.test(lineFor(r, "registration")), lineFor(r, "registration"));
    assert.ok(/^SKIP  APN/.test(lineFor(r, "APN")));
  });

  it("says the module does not answer (power, wiring, baud) when nothing answers", async () => {
    const w = world({ bootTimeoutMs: 5000, searchBauds: [9600] }, { startPoweredOn: false }, "linux");
    const r = await diagnose(w, {});
    assert.ok(/^FAIL  module answers: .*check the modem's supply/.test(lineFor(r, "module answers")), lineFor(r, "module answers"));
    assert.ok(/^SKIP  SIM/.test(lineFor(r, "SIM")));
  });

  it("reports the baud the module was found at when it was not the configured one", async () => {
    const w = world({ searchBauds: [115200, 9600] }, {});
    w.sim.setBaud(9600);
    const r = await diagnose(w, { dnsName: "echo.test" });
    assert.ok(/^PASS  module answers: at 115200 baud \(found at 9600 baud\)/.test(lineFor(r, "module answers")), lineFor(r, "module answers"));
    assert.strictEqual(r.failed, 0, r.lines.join("\n"));
  });

  it("reports a failed DNS lookup and a refused TCP connection", async () => {
    const w = world({}, {});
    w.sim.fault.dnsFails(true);
    const closed = await freePort(); // nothing listens there
    const r = await diagnose(w, { host: "127.0.0.1", port: closed, dnsName: "example.com" });
    assert.ok(/^FAIL  DNS lookup of example\.com/.test(lineFor(r, "DNS lookup")), lineFor(r, "DNS lookup"));
    assert.ok(/^FAIL  TCP round trip to 127\.0\.0\.1:\d+/.test(lineFor(r, "TCP round trip")), lineFor(r, "TCP round trip"));
  });

  it("runs a raw AT command and prints its answer; refuses a request with CR in it", async () => {
    const w = world({}, {});
    w.modem.start();
    assert.ok(await until(w, () => w.modem.isOnline(), 60000));
    let out: { ok: boolean; lines: string[] } | undefined;
    w.modem.at("AT+CSQ", (ok, lines) => (out = { ok, lines }));
    assert.ok(await until(w, () => out !== undefined, 5000));
    assert.deepStrictEqual(out, { ok: true, lines: ["+CSQ: 23,99"] });
    assert.deepStrictEqual(w.printed.slice(-2), ["+CSQ: 23,99", "OK"]);
    out = undefined;
    w.modem.at("AT+NOSUCH", (ok, lines) => (out = { ok, lines }));
    assert.ok(await until(w, () => out !== undefined, 5000));
    assert.strictEqual(out!.ok, false);
    assert.ok(/^ERROR/.test(w.printed[w.printed.length - 1]));
    const before = w.hal.wire.hostLog.length;
    w.modem.at("AT\r+CRESET", () => undefined);
    assert.ok(/printable/.test(w.printed[w.printed.length - 1]));
    await until(w, () => false, 100);
    assert.strictEqual(w.hal.wire.hostLog.length, before, "nothing written");
  });

  it("bridges the console to the modem until Ctrl+], then the driver works again; a command in flight keeps its answer", async () => {
    const w = world({}, {});
    w.modem.start();
    // right at "online", while the driver's own AT+CIPCLOSE? (reconciliation) is in flight
    assert.ok(await until(w, () => w.modem.isOnline(), 60000));
    let typed: ((chunk: string) => void) | undefined;
    let shown = "";
    let released = false;
    const port: ConsolePort = {
      take: (h) => (typed = h),
      release: () => (released = true),
      write: (d) => (shown += d),
    };
    w.hal.console = port;
    let ended = false;
    w.modem.passthrough(undefined, () => (ended = true));
    assert.ok(await until(w, () => typed !== undefined, 5000), "the console is taken once the line is free");
    typed!("AT+CGMR\r");
    assert.ok(await until(w, () => /\+CGMR: .*\r\n\r\nOK\r\n/.test(shown), 5000), JSON.stringify(shown));
    assert.ok(shown.indexOf("+CIPCLOSE") < 0, "the driver's answer never reaches the console: " + JSON.stringify(shown));
    typed!("\x1d");
    assert.ok(released && ended);
    let out: { ok: boolean; lines: string[] } | undefined;
    w.modem.at("AT+CSQ", (ok, lines) => (out = { ok, lines }));
    assert.ok(await until(w, () => out !== undefined, 5000));
    assert.strictEqual(out!.ok, true);
    assert.strictEqual(w.modem.engine.stats.timeouts, 0, "no command lost its answer");
  });

  it("prints status and counters", async () => {
    const w = world({}, {});
    w.modem.start();
    assert.ok(await until(w, () => w.modem.isOnline(), 60000));
    w.modem.printStatus();
    assert.ok(w.printed.some((l) => /^state online \(online, 10\.148\.0\.17\), baud 115200, data mode buffer/.test(l)), w.printed.join("\n"));
    assert.ok(w.printed.some((l) => /^SIM READY, signal -67 dBm/.test(l)));
    assert.ok(w.printed.some((l) => /^reboots 0, recoveries 0, resets 0, power cycles 0/.test(l)));
  });

  it("without the tools part the modem has none of these helpers", () => {
    const hal = createTestHal();
    const m = createModem(hal, findBoard("esp32") as BoardDef, { apn: "internet" }) as unknown as { [k: string]: unknown };
    for (const name of ["diagnose", "at", "passthrough", "printStatus"]) assert.strictEqual(m[name], undefined, name);
  });
});
