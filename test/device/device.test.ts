// The firmware on the real Espruino interpreter (Linux build) against the simulator on a PTY and real loopback servers: the library as a user drives it, every example app × data mode × baud, memory through 256 KB, the debug build, a Pico's fixed heap, Espruino's net/http/dgram over the modem, and the flash path. One skipped line without ESPRUINO.
//
// Environment: ESPRUINO (release build; every test here needs it), ESPRUINO_DEBUG (asserts on; its
// tests are skipped with one line without it), ESPRUINO_FIXED (the Pico's fixed heap; likewise), DEVICE_JOBS (interpreters run in parallel, default 6),
// DEVICE_KEEP=1 (keep each run's temp directory: transcript, bundle, Storage). Runs are independent and
// start together in the suite's before hook; the flash test holds a machine-wide lock on port 2323
// (fixed in the Linux build), so flash runs are serialized across processes.
// Assertions are on bytes, lines and memory, never on time: the Linux build sleeps up to 50 ms per idle loop.
import * as assert from "assert";
import * as path from "path";
import { ROOT } from "../../tools/bundle/build";
import { APP_MODES, AppRun, BAUDS, DATA_MODES, describeRun, runApp } from "../../tools/device/apps";
import { BOARD_HEAP_LIMIT, boardHeap, BoardHeap, ESP32_BOARDS, HEAP_BOARDS } from "../../tools/device/board-heap";
import { FIXED_FREE_TARGET, fixedEcho, FixedRun } from "../../tools/device/fixed";
import { flashAndReboot, FlashResult } from "../../tools/device/flash";
import { LibraryRun, runLibrary } from "../../tools/device/library";
import { describeNetRun, NET_DROP_AFTER, NET_ECHO_BYTES, NET_FOUR_BYTES, NET_HTTP_BYTES, NET_SCENARIOS, NET_SERVER_BYTES, NetRun, NetScenario, runNet } from "../../tools/device/net";
import { MAX_GROWTH_PCT, SAMPLE_EVERY_BYTES, transferMemory, TransferMemory } from "../../tools/device/memory";
import { defaultPoolSize } from "../../tools/device/pool";
import { Child, liveChildren } from "../../tools/device/process";
import { Runtime, runtimeFromEnv, runtimeMissing } from "../../tools/device/runtimes";
import { Jobs } from "./jobs";
import { summaryRows } from "../support/demo-summary";

const WHAT: { [app: string]: string } = {
  "echo-check": "16 KB echoed, compared as it arrives on the device and at the server, byte for byte",
  "tcp-echo": "its lines reach the server and come back intact, then it closes",
  "udp-echo": "its datagrams reach the server and the replies come back intact",
  "http-get": "a 12 KB body from a server that closes right after it arrives byte for byte",
  "net-client": "require(\"http\").get of a 12 KB body arrives byte for byte, then a require(\"net\") echo comes back intact",
  server: "it accepts a real client, greets it and echoes 1 KB back",
  diagnose: "every diagnosis step passes, the TCP round trip included",
};

function libraryTests(jobs: Jobs, rt: Runtime): void {
  describe("the library (dist/a76xx.js) driven by a user's script", () => {
    const check = (r: LibraryRun) => assert.ok(r.ok, `${r.failures.join("; ")}\n    ${r.lines.slice(-12).join("\n    ")}`);
    jobs.it('pasted (global A76XX), setup("linux", {serial, …}) in buffer mode: a TCP echo of every byte value comes back identical', 10, () => runLibrary(rt, { load: "pasted", mode: "buffer", baud: 115200 }), check);
    jobs.it('stored in Storage and loaded with require("a76xx") in push mode at 921600 baud: the same echo comes back identical', 15, () => runLibrary(rt, { load: "module", mode: "push", baud: 921600 }), check);
  });
}

function appTests(jobs: Jobs, rt: Runtime): void {
  describe("every example app bundled for the linux board", () => {
    for (const app of Object.keys(APP_MODES)) {
      describe(app, () => {
        for (const baud of BAUDS) {
          for (const mode of APP_MODES[app]) {
            jobs.it(`${mode} mode at ${baud} baud: ${WHAT[app]}`, app === "echo-check" ? 20 : 10, () => runApp(rt, { app, mode, baud }), (r: AppRun) => assert.ok(r.ok, describeRun(r)));
          }
        }
      });
    }
  });
}

function idleTests(jobs: Jobs, rt: Runtime): void {
  describe("nothing pending but a listening server (the Linux build quits when no timer is pending; a board never does)", () => {
    for (const mode of ["transparent", "buffer"] as const) {
      const modem = mode === "buffer" ? { healthCheckMs: 0 } : {};
      jobs.it(
        `${mode} mode${mode === "buffer" ? " without health checks" : ""}: a client arriving 10 s after the server listens is greeted and echoed`,
        25,
        () => runApp(rt, { app: "server", mode, baud: 115200, modem, clientAfterMs: 10000 }),
        (r: AppRun) => assert.ok(r.ok, describeRun(r)),
      );
    }
  });
}

function memoryTests(jobs: Jobs, rt: Runtime): void {
  const bytes = 256 * 1024;
  describe(`memory through a ${bytes / 1024} KB echo at 921600 baud (process.memory().usage every ${SAMPLE_EVERY_BYTES / 1024} KB received)`, () => {
    for (const mode of ["buffer", "push"] as const) {
      jobs.it(
        `${mode} mode: every byte echoed and, after a 64 KB warm-up, the last quarter of the samples is at most ${MAX_GROWTH_PCT} % above the first`,
        mode === "buffer" ? 140 : 90,
        () => transferMemory(rt, mode, 921600, bytes),
        (m: TransferMemory) => {
          assert.ok(m.run.ok, describeRun(m.run));
          const f = m.flat;
          const series = m.byBytes.map((s) => `${Math.round((s.bytes as number) / 1024)}K:${s.usage}`).join(" ");
          console.log(
            `        ${mode}: ${m.byBytes.length} samples, ${f.samples} after ${m.warmupBytes / 1024} KB; first quarter mean ${f.firstQuarterMean.toFixed(0)}, last ${f.lastQuarterMean.toFixed(0)} JsVars ` +
              `(${f.growthPct >= 0 ? "+" : ""}${f.growthPct.toFixed(2)} %), min ${f.min}, max ${f.max}, peak incl. timer samples ${m.peak}`,
          );
          assert.ok(f.samples >= 40, `only ${f.samples} memory samples after the warm-up: ${series}`);
          assert.ok(
            f.growthPct <= MAX_GROWTH_PCT,
            `usage grew ${f.growthPct.toFixed(2)} % (first quarter mean ${f.firstQuarterMean.toFixed(0)}, last ${f.lastQuarterMean.toFixed(0)} JsVars): ${series}`,
          );
        },
      );
    }
  });
}

function boardHeapTests(jobs: Jobs, rt: Runtime): void {
  describe(`the library as boot code and setup() with a board's sizes (JsVars in use; ESP32 boards within ${BOARD_HEAP_LIMIT})`, () => {
    for (const board of HEAP_BOARDS) {
      const limited = ESP32_BOARDS.indexOf(board) >= 0;
      jobs.it(
        `${board}: setup() succeeds with the board's links and rings` + (limited ? `, and library + modem take at most ${BOARD_HEAP_LIMIT} JsVars` : ", figure printed"),
        5,
        () => boardHeap(rt, board),
        (r: BoardHeap) => {
          assert.deepStrictEqual(r.failures, [], r.lines.slice(-10).join("\n"));
          const lib = r.library as number;
          const all = r.modem as number;
          assert.ok(lib > 0 && all > lib, `figures not read: library ${r.library}, modem ${r.modem}`);
          console.log(`        ${board}: library ${lib} JsVars, + setup() with ${r.links} links ${all}` + (r.removed.length ? ` (without ${r.removed.join(", ")}: no such pin on the Linux build)` : ""));
          if (limited) assert.ok(all <= BOARD_HEAP_LIMIT, `library + modem take ${all} JsVars, over the ${BOARD_HEAP_LIMIT} aim`);
        },
      );
    }
  });
}

function debugTests(jobs: Jobs): void {
  const missing = runtimeMissing("espruino-debug");
  if (missing) {
    it(`debug-build tests skipped: ${missing} (the path of Espruino's Linux build with asserts on)`, function () {
      this.skip();
    });
    return;
  }
  const dbg = runtimeFromEnv("espruino-debug") as Runtime;
  describe("on the debug build (interpreter asserts on): runs to the end without an ASSERT", () => {
    const noAssert = (r: AppRun) => {
      assert.deepStrictEqual(r.fatal, [], describeRun(r));
      assert.ok(r.finished, "the run did not reach its end (a failed assert stops the interpreter): " + describeRun(r));
    };
    for (const mode of DATA_MODES) {
      jobs.it(`echo-check in ${mode} mode at 115200 baud`, 20, () => runApp(dbg, { app: "echo-check", mode, baud: 115200 }), noAssert);
    }
    for (const app of Object.keys(APP_MODES).filter((a) => a !== "echo-check")) {
      jobs.it(`${app} in push mode at 921600 baud`, 12, () => runApp(dbg, { app, mode: "push", baud: 921600 }), noAssert);
    }
    jobs.it("the library pasted, a user's script in buffer mode", 10, () => runLibrary(dbg, { load: "pasted", mode: "buffer", baud: 115200 }), (r: LibraryRun) => {
      const asserts = r.lines.filter((l) => /ASSERT\(/.test(l));
      assert.deepStrictEqual(asserts, [], r.lines.slice(-12).join("\n"));
      assert.ok(r.ok, r.failures.join("; "));
    });
  });
}

function fixedTests(jobs: Jobs, writer: Runtime): void {
  const missing = runtimeMissing("espruino-fixed");
  if (missing) {
    it(`fixed-heap (Pico) tests skipped: ${missing} (the path of Espruino's Linux build with the Pico's fixed 5,100-variable heap)`, function () {
      this.skip();
    });
    return;
  }
  const fixed = runtimeFromEnv("espruino-fixed") as Runtime;
  const bytes = 64 * 1024;
  describe(`on a Pico's fixed heap (ESPRUINO_FIXED): the library as boot code and a user's echo script, the pico board without its control pins, ${bytes / 1024} KB at 115200 baud`, () => {
    for (const mode of ["buffer", "push"] as const) {
      jobs.it(
        `${mode} mode: every byte echoed and compared on the device and at the server, with at least ${FIXED_FREE_TARGET} JsVars free at the lowest point`,
        mode === "buffer" ? 60 : 40,
        () => fixedEcho(fixed, writer, { mode, bytes, baud: 115200 }),
        (r: FixedRun) => {
          assert.ok(r.ok, `${r.failures.join("; ")}\n    ${r.lines.slice(-15).join("\n    ")}`);
          assert.ok(r.lowestFree !== undefined && r.lowestFree > 0 && r.samples > 0, `no heap samples: ${r.lines.slice(-8).join(" | ")}`);
          const low = r.lowestFree as number;
          console.log(`        ${mode}: free JsVars ${r.freeAtBoot} after boot, ${r.freeAfterSetup} after setup, ${r.freeOnline} online, ${r.freeWritten} with the first writes queued, lowest ${low} (at ${r.lowestAt}, ${r.samples} samples)`);
          // Issue 12's figure, a gate since it is met: runs of one build vary by about 20 JsVars
          // (where a sample falls against a held payload); the push mode has ~50 to spare.
          assert.ok(low >= FIXED_FREE_TARGET, `the lowest free heap was ${low} JsVars, below the ${FIXED_FREE_TARGET} aim by ${FIXED_FREE_TARGET - low}`);
        },
      );
    }
  });
}

const NET_WHAT: { [s in NetScenario]: string } = {
  "http-close": `http.get of a ${NET_HTTP_BYTES / 1024} KB body from a server that sends Connection: close and closes: every byte arrives`,
  "http-keepalive": `http.get of a ${NET_HTTP_BYTES / 1024} KB body from a server that keeps the connection open: every byte arrives and the response ends`,
  echo: `net.connect echo of ${NET_ECHO_BYTES / 1024} KB, compared on the device and at the server`,
  server: `net.createServer().listen() through the simulator's server: a real client gets the greeting and its ${NET_SERVER_BYTES / 1024} KB echoed`,
  dgram: "a dgram socket: 3 datagrams reach the UDP echo server and come back",
  four: `4 net sockets at once, ${NET_FOUR_BYTES / 1024} KB echoed on each, each intact`,
  drop: `the network drops after ${NET_DROP_AFTER / 1024} KB of a ${NET_ECHO_BYTES / 1024} KB echo: the net user sees close, the bytes before it intact`,
};

function netTests(jobs: Jobs, rt: Runtime): void {
  describe('Espruino\'s net, http and dgram over the modem (require("a76xx").connect with the net part, modules in Storage) at 921600 baud', () => {
    for (const scenario of NET_SCENARIOS) {
      for (const mode of ["buffer", "push"] as const) {
        jobs.it(`${mode} mode: ${NET_WHAT[scenario]}`, scenario === "echo" || scenario === "drop" ? 30 : 20, () => runNet(rt, { scenario, mode, baud: 921600 }), (r: NetRun) => assert.ok(r.ok, describeNetRun(r)));
      }
    }
  });
}

function flashTests(jobs: Jobs, rt: Runtime): void {
  describe("make flash PORT=tcp://127.0.0.1:2323 BOARD=linux APP=echo-check SERIAL=<pty> into `espruino --telnet`", () => {
    jobs.it("the upload succeeds, the app runs from boot code, and again after the interpreter restarts", 70, () => flashAndReboot(rt), (r: FlashResult) => {
      const bad = r.phases.filter((p) => !p.ok);
      assert.strictEqual(r.phases.length, 4, "phases run: " + r.phases.map((p) => p.name + (p.ok ? "" : " (FAILED: " + p.failures.join("; ") + ")")).join(", "));
      assert.deepStrictEqual(
        bad.map((p) => p.name),
        [],
        bad.map((p) => `${p.name}: ${p.failures.join("; ")}\n    ${p.output.join("\n    ")}`).join("\n"),
      );
    });
  });
}

function demoTests(jobs: Jobs, rt: Runtime): void {
  describe("make demo ESPRUINO=… (tools/demo/run.ts --espruino)", () => {
    const expected = [
      "TCP echo | buffer",
      "HTTP GET (examples/http-get) | buffer",
      "TCP server accept (examples/server) | buffer",
      "Espruino http + net (examples/net-client) | buffer",
      "TCP echo | push",
      "UDP echo (examples/udp-echo) | push",
      "TCP echo | transparent",
    ];
    jobs.it(
      "runs the demo's seven exchanges on the interpreter and its summary and exit code say which verified",
      45,
      async () => {
        const c = new Child(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "tools/demo/run.ts", "--espruino", rt.exe], { cwd: ROOT, env: Object.assign({}, process.env, { DEVICE_JOBS: "3" }), graceful: true });
        await c.waitFor(() => undefined, 600000);
        await c.terminate(5000); // it kills its own interpreters on SIGTERM
        return c;
      },
      (c: Child) => {
        const rows = summaryRows(c.lines);
        assert.deepStrictEqual(rows.map((r) => r[0] + " | " + r[1]), expected, c.tail(40));
        const bad = rows.filter((r) => r[4] !== "yes");
        for (const r of rows) assert.ok(r[4] === "yes" || r[4] === "NO", `verified column: ${r.join(" | ")}`);
        if (bad.length) {
          assert.strictEqual(c.exitCode, 1, "exit code with unverified exchanges");
          assert.ok(c.lines.some((l) => /^demo FAILED: /.test(l)), c.tail(5));
        } else {
          assert.strictEqual(c.exitCode, 0, c.tail(40));
          assert.ok(c.lines.indexOf("demo OK: all 7 exchanges verified byte for byte on the real interpreter") >= 0, c.tail(5));
        }
        for (const r of rows.filter((x) => x[4] === "yes")) assert.ok(parseInt(r[2], 10) > 0 && parseInt(r[3], 10) > 0, `${r[0]} (${r[1]}) moved bytes both ways: ${r[2]} / ${r[3]}`);
      },
    );
  });
}

const missing = runtimeMissing("espruino");
if (missing) {
  it(`real-interpreter tests skipped: ${missing} (the path of Espruino's Linux build; .ci/run sets it when it finds one)`, function () {
    this.skip();
  });
} else {
  const rt = runtimeFromEnv("espruino") as Runtime;
  describe(`on the real interpreter (ESPRUINO=${rt.exe})`, function () {
    this.timeout(0); // every run has its own deadline (tools/device); a slow queue is not a failure
    const jobs = new Jobs(defaultPoolSize());
    before(() => jobs.start(process.env.GREP ? new RegExp(process.env.GREP) : undefined));
    libraryTests(jobs, rt);
    appTests(jobs, rt);
    idleTests(jobs, rt);
    memoryTests(jobs, rt);
    boardHeapTests(jobs, rt);
    debugTests(jobs);
    fixedTests(jobs, rt);
    netTests(jobs, rt);
    flashTests(jobs, rt);
    demoTests(jobs, rt);
    after(() => assert.strictEqual(liveChildren(), 0, "interpreter or CLI processes left running"));
  });
}
