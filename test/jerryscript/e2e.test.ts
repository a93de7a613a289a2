// End to end on JerryScript: the core bundle (source, snapshot, static snapshot), its separate parts and example app bundles on jhost, against the simulator on a PTY and real TCP servers.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { bundleJerryApp, bundleJerryLib, JerryBundle, JerryLibrary } from "../../tools/jerry/bundle";
import { buildJerryHost, ROOT, runJerry, startJerry } from "../../tools/jerry/launch";
import { pattern, Rig, startRig } from "../../tools/jerry/rig";
import { needsJerrySdk } from "./gate";

const DRIVER = path.join(ROOT, "tools/jerry/echo-driver.js");

interface DriverResult {
  ok: boolean;
  why: string;
  received: number;
  heapSize: number;
  heapPeak: number;
  heap: { samples: number; maxLive: number; minLive: number };
  errors: number;
  closeWhy: string;
}

interface HeapSample {
  t: number;
  allocated: number;
  received: number;
}

describe("JerryScript end to end: jhost + simulator on a PTY + TCP servers", function () {
  this.timeout(120000);
  let dir = "";
  let lib: JerryLibrary;
  let app: JerryBundle;
  let diagnoseApp: JerryBundle;
  let rig: Rig | undefined;

  before(async function () {
    const sdk = needsJerrySdk(this);
    buildJerryHost(sdk);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-jerry-e2e-"));
    lib = await bundleJerryLib(sdk, path.join(dir, "lib"));
    app = await bundleJerryApp({ app: "echo-check", out: path.join(dir, "echo-check-jerry-linux.js") }, sdk);
    diagnoseApp = await bundleJerryApp({ app: "diagnose", out: path.join(dir, "diagnose-jerry-linux.js") }, sdk);
    const all = [lib, app, diagnoseApp].concat(Object.keys(lib.parts).map((k) => lib.parts[k]));
    for (const b of all) assert.deepStrictEqual(b.findings, [], b.js + " passes the device check");
    for (const b of all) assert.ok(b.snapshot && b.staticSnapshot && b.literals, "a snapshot, a static snapshot and its literal list of " + b.js);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    if (rig) await rig.close();
    rig = undefined;
  });

  /** The core (from `files`: the bundle, its snapshot, or a literal list and the static snapshot) and the echo driver on jhost; the RESULT and HEAP lines it printed. */
  async function drive(files: string[], mode: string, baud: number, bytes: number, extra: string[], send?: Buffer, closeAfterSend?: boolean): Promise<{ result: DriverResult; samples: HeapSample[]; out: string }> {
    rig = await startRig(baud, send, closeAfterSend);
    const args = [`serial=${rig.pty}`, `baud=${baud}`, `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, `bytes=${bytes}`].concat(extra);
    const r = await runJerry(files.concat([DRIVER]), args, 90000);
    const out = r.stdout + r.stderr;
    const line = r.stdout.split("\n").filter((l) => l.indexOf("RESULT ") === 0)[0];
    assert.ok(line, "no RESULT line:\n" + out.substr(-3000));
    const samples = r.stdout.split("\n").filter((l) => l.indexOf("HEAP ") === 0).map((l) => JSON.parse(l.substr(5)) as HeapSample);
    assert.strictEqual(r.code, 0, out.substr(-3000));
    return { result: JSON.parse(line.substr(7)) as DriverResult, samples, out };
  }

  /** What jhost runs for the core loaded each way. */
  const core = (from: "source" | "snapshot" | "static snapshot"): string[] =>
    from === "source" ? [lib.js] : from === "snapshot" ? [lib.snapshot!] : [lib.literals!, lib.staticSnapshot!];

  const cases: Array<{ from: "source" | "snapshot" | "static snapshot"; mode: string; baud: number; bytes: number }> = [
    { from: "source", mode: "buffer", baud: 115200, bytes: 8192 },
    { from: "source", mode: "push", baud: 115200, bytes: 8192 },
    { from: "source", mode: "buffer", baud: 921600, bytes: 65536 },
    { from: "source", mode: "push", baud: 921600, bytes: 65536 },
    { from: "snapshot", mode: "buffer", baud: 921600, bytes: 65536 },
    { from: "snapshot", mode: "push", baud: 921600, bytes: 65536 },
    { from: "static snapshot", mode: "buffer", baud: 115200, bytes: 8192 },
    { from: "static snapshot", mode: "push", baud: 115200, bytes: 8192 },
    { from: "static snapshot", mode: "buffer", baud: 921600, bytes: 65536 },
    { from: "static snapshot", mode: "push", baud: 921600, bytes: 65536 },
  ];
  for (const c of cases) {
    it(`the core from ${c.from} comes online and echoes ${c.bytes} bytes byte for byte in ${c.mode} mode at ${c.baud} baud`, async () => {
      const { result } = await drive(core(c.from), c.mode, c.baud, c.bytes, []);
      assert.strictEqual(result.ok, true, result.why);
      assert.strictEqual(result.received, c.bytes);
      assert.strictEqual(result.errors, 0, "no exception in any callback");
    });
  }

  for (const mode of ["buffer", "push"]) {
    it(`a peer that closes right after sending 16 KB: every byte arrives, then the close (remote), no error (${mode} mode)`, async () => {
      const { result } = await drive([lib.snapshot!], mode, 921600, 16384, ["recv=1", "closed=1"], pattern(16384), true);
      assert.strictEqual(result.ok, true, result.why);
      assert.strictEqual(result.received, 16384);
      assert.strictEqual(result.closeWhy, "remote");
    });
  }

  const appCases: Array<{ from: "snapshot" | "static snapshot"; mode: string; baud: number }> = [
    { from: "snapshot", mode: "buffer", baud: 921600 },
    { from: "snapshot", mode: "push", baud: 921600 },
    { from: "static snapshot", mode: "buffer", baud: 115200 },
    { from: "static snapshot", mode: "push", baud: 115200 },
    { from: "static snapshot", mode: "buffer", baud: 921600 },
    { from: "static snapshot", mode: "push", baud: 921600 },
  ];
  for (const { from, mode, baud } of appCases) {
    it(`the echo-check app bundle (${from}) passes in ${mode} mode at ${baud} baud and stops the modem before exiting`, async () => {
      rig = await startRig(baud);
      const files = from === "snapshot" ? [app.snapshot!] : [app.literals!, app.staticSnapshot!];
      const r = await runJerry(files, [`serial=${rig.pty}`, `baud=${baud}`, `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, "bytes=16384"], 60000);
      const out = r.stdout + r.stderr;
      assert.strictEqual(r.code, 0, out);
      assert.ok(/a76xx-jerry: modem online/.test(out), out);
      assert.ok(/echo-check passed: 16384 bytes sent and echoed byte for byte/.test(out), out);
      assert.ok(/a76xx-jerry: modem off/.test(out), "the network was closed before exiting:\n" + out);
    });
  }

  it("the diagnose app bundle carries the tools part it imports: every step passes or is skipped, the TCP round trip echoes", async () => {
    rig = await startRig(115200);
    const r = await runJerry([diagnoseApp.snapshot!], [`serial=${rig.pty}`, "host=127.0.0.1", `port=${rig.port}`, "send=ping", "dns=localhost"], 60000);
    const out = r.stdout + r.stderr;
    assert.strictEqual(r.code, 0, out);
    assert.ok(/PASS\s+TCP round trip/.test(out), out);
    assert.ok(!/FAIL/.test(out), out);
    assert.ok(/a76xx-jerry: passed: \d+ passed, 0 failed/.test(out), out);
  });

  it("the core with the separate tools part (both snapshots) runs the diagnosis: the part fits the core it is loaded with", async () => {
    rig = await startRig(115200);
    const probe = path.join(dir, "diagnose-probe.js");
    fs.writeFileSync(probe, `
      var a = {};
      for (var i = 0; i < jhost.argv.length; i++) { var eq = jhost.argv[i].indexOf("="); a[jhost.argv[i].substr(0, eq)] = jhost.argv[i].substr(eq + 1); }
      var m = A76XX.setup("jerry-linux", { serial: a.serial, parts: [A76XX_TOOLS] });
      m.diagnose({ host: "127.0.0.1", port: parseInt(a.port, 10), send: "ping", dnsName: "localhost" }, function (r) {
        print("DIAGNOSIS " + r.passed + " " + r.failed);
        m.on("state", function (s) { if (s === "off") jhost.exit(r.failed === 0 && r.passed > 0 ? 0 : 1); });
        m.stop(true);
      });
    `);
    const r = await runJerry([lib.snapshot!, lib.parts["a76xx-tools"].snapshot!, probe], [`serial=${rig.pty}`, `port=${rig.port}`], 60000);
    const out = r.stdout + r.stderr;
    assert.strictEqual(r.code, 0, out);
    assert.ok(/PASS\s+TCP round trip/.test(out), out);
    assert.ok(/DIAGNOSIS \d+ 0/.test(out), out);
  });

  it("the core with the separate server part (both static snapshots, one literal list) accepts a connection through the simulator and echoes", async () => {
    rig = await startRig(115200);
    const probe = path.join(dir, "server-probe.js");
    fs.writeFileSync(probe, `
      var serial = jhost.argv[0].substr("serial=".length);
      var m = A76XX.setup("jerry-linux", { serial: serial, parts: [A76XX_SERVER] });
      m.on("online", function () {
        var srv = m.listen(8080, function (c) {
          c.on("data", function (d) { c.write(d.toUpperCase()); });
          c.on("close", function (why) { print("CLIENT CLOSED " + why); m.on("state", function (s) { if (s === "off") jhost.exit(0); }); m.stop(true); });
        });
        srv.on("listening", function () { print("LISTENING"); });
        srv.on("error", function (e) { print("SERVER ERROR " + e.kind + " " + e.text); jhost.exit(1); });
      });
      m.start();
    `);
    const run = startJerry([lib.literals!, lib.staticSnapshot!, lib.parts["a76xx-server"].staticSnapshot!, probe], [`serial=${rig.pty}`]);
    try {
      const until = async (re: RegExp, ms: number) => {
        const end = Date.now() + ms;
        while (!re.test(run.stdout()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        assert.ok(re.test(run.stdout()), "waiting for " + re + ":\n" + run.stdout() + run.stderr());
      };
      await until(/LISTENING/, 30000);
      let port: number | undefined;
      for (let i = 0; i < 10 && port === undefined; i++) port = rig.sim.serverPort(i);
      assert.ok(port, "the simulator listens for the module's server");
      const got = await new Promise<string>((resolve, reject) => {
        const c = net.connect(port!, "127.0.0.1", () => c.write("hello from a client"));
        let text = "";
        c.setEncoding("latin1");
        c.on("data", (d: string) => {
          text += d;
          if (text.length >= 19) c.end();
        });
        c.on("close", () => resolve(text));
        c.on("error", reject);
      });
      assert.strictEqual(got, "HELLO FROM A CLIENT");
      assert.strictEqual(await run.exited, 0, run.stdout() + run.stderr());
      assert.ok(/CLIENT CLOSED remote/.test(run.stdout()), run.stdout());
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("a 256 KB echo at 921600 baud keeps the live heap flat after warm-up (sampled after a GC)", async () => {
    const total = 262144;
    const { result, samples } = await drive([lib.js], "buffer", 921600, total, ["sample=100", "gc=1"]);
    assert.strictEqual(result.ok, true, result.why);
    // Warm-up: the first quarter of the transfer (socket rings and engine buffers reach their size).
    const warm = samples.filter((s) => s.received >= total / 4);
    assert.ok(warm.length >= 6, "enough samples after warm-up: " + warm.length);
    // Live heap after a GC wobbles by a few KB with what is in flight. The two halves' centres are
    // ~96 KB of data apart: a leak of 1 byte per 96 received would move the mean by 1 KB, where
    // the mean of ~30 samples moves by about 0.2 KB on noise alone.
    const half = Math.floor(warm.length / 2);
    const mean = (xs: HeapSample[]) => xs.reduce((a, s) => a + s.allocated, 0) / xs.length;
    const max = (xs: HeapSample[]) => Math.max.apply(null, xs.map((s) => s.allocated));
    const early = warm.slice(0, half);
    const late = warm.slice(half);
    const why = "live heap samples after warm-up: " + JSON.stringify(warm.map((s) => [s.received, s.allocated]));
    assert.ok(mean(late) <= mean(early) + 1024, `mean live heap grew from ${mean(early)} to ${mean(late)} bytes; ` + why);
    assert.ok(max(late) <= max(early) + 4096, `largest live heap grew from ${max(early)} to ${max(late)} bytes; ` + why);
  });
});
