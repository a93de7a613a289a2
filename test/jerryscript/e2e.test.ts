// End to end on JerryScript: the library bundle (source and snapshot) and an example app bundle on jhost, against the simulator on a PTY and a real TCP echo server.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleJerryApp, bundleJerryLib, JerryBundle } from "../../tools/bundle/jerry";
import { buildJerryHost, ROOT, runJerry } from "../../tools/jerry/launch";
import { Rig, startRig } from "../../tools/jerry/rig";
import { sdkOrSkip } from "./gate";

const SDK = sdkOrSkip();
const DRIVER = path.join(ROOT, "tools/jerry/echo-driver.js");

interface DriverResult {
  ok: boolean;
  why: string;
  received: number;
  heapSize: number;
  heapPeak: number;
  heap: { samples: number; maxLive: number; minLive: number };
  errors: number;
}

interface HeapSample {
  t: number;
  allocated: number;
  received: number;
}

if (SDK) {
  describe("JerryScript end to end: jhost + simulator on a PTY + TCP echo server", function () {
    this.timeout(120000);
    let dir = "";
    let lib: JerryBundle;
    let app: JerryBundle;
    let rig: Rig | undefined;

    before(async () => {
      buildJerryHost(SDK);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-jerry-e2e-"));
      lib = await bundleJerryLib(SDK, path.join(dir, "a76xx-jerry.js"));
      app = await bundleJerryApp({ app: "echo-check", out: path.join(dir, "echo-check-jerry-linux.js") }, SDK);
      assert.deepStrictEqual(lib.findings.concat(app.findings), [], "the bundles pass the device check");
      assert.ok(lib.snapshot && app.snapshot, "snapshots made");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    afterEach(async () => {
      if (rig) await rig.close();
      rig = undefined;
    });

    /** The library (from `file`) and the echo driver on jhost; the RESULT and HEAP lines it printed. */
    async function drive(file: string, mode: string, baud: number, bytes: number, extra: string[]): Promise<{ result: DriverResult; samples: HeapSample[]; out: string }> {
      rig = await startRig(baud);
      const args = [`serial=${rig.pty}`, `baud=${baud}`, `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, `bytes=${bytes}`].concat(extra);
      const r = await runJerry([file, DRIVER], args, 90000);
      const out = r.stdout + r.stderr;
      const line = r.stdout.split("\n").filter((l) => l.indexOf("RESULT ") === 0)[0];
      assert.ok(line, "no RESULT line:\n" + out.substr(-3000));
      const samples = r.stdout.split("\n").filter((l) => l.indexOf("HEAP ") === 0).map((l) => JSON.parse(l.substr(5)) as HeapSample);
      assert.strictEqual(r.code, 0, out.substr(-3000));
      return { result: JSON.parse(line.substr(7)) as DriverResult, samples, out };
    }

    const cases: Array<{ from: "source" | "snapshot"; mode: string; baud: number; bytes: number }> = [
      { from: "source", mode: "buffer", baud: 115200, bytes: 8192 },
      { from: "source", mode: "push", baud: 115200, bytes: 8192 },
      { from: "source", mode: "buffer", baud: 921600, bytes: 65536 },
      { from: "source", mode: "push", baud: 921600, bytes: 65536 },
      { from: "snapshot", mode: "buffer", baud: 921600, bytes: 65536 },
      { from: "snapshot", mode: "push", baud: 921600, bytes: 65536 },
    ];
    for (const c of cases) {
      it(`the library from ${c.from} comes online and echoes ${c.bytes} bytes byte for byte in ${c.mode} mode at ${c.baud} baud`, async () => {
        const { result } = await drive(c.from === "source" ? lib.js : lib.snapshot!, c.mode, c.baud, c.bytes, []);
        assert.strictEqual(result.ok, true, result.why);
        assert.strictEqual(result.received, c.bytes);
        assert.strictEqual(result.errors, 0, "no exception in any callback");
      });
    }

    for (const mode of ["buffer", "push"]) {
      it(`the echo-check app bundle (snapshot) passes in ${mode} mode at 921600 baud and stops the modem before exiting`, async () => {
        rig = await startRig(921600);
        const r = await runJerry([app.snapshot!], [`serial=${rig.pty}`, "baud=921600", `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, "bytes=16384"], 60000);
        const out = r.stdout + r.stderr;
        assert.strictEqual(r.code, 0, out);
        assert.ok(/a76xx-jerry: modem online/.test(out), out);
        assert.ok(/echo-check passed: 16384 bytes sent and echoed byte for byte/.test(out), out);
        assert.ok(/a76xx-jerry: modem off/.test(out), "the network was closed before exiting:\n" + out);
      });
    }

    it("a 256 KB echo at 921600 baud keeps the live heap flat after warm-up (sampled after a GC)", async () => {
      const total = 262144;
      const { result, samples } = await drive(lib.js, "buffer", 921600, total, ["sample=100", "gc=1"]);
      assert.strictEqual(result.ok, true, result.why);
      // Warm-up: the first quarter of the transfer (socket rings and engine buffers reach their size).
      const warm = samples.filter((s) => s.received >= total / 4);
      assert.ok(warm.length >= 6, "enough samples after warm-up: " + warm.length);
      // Live heap after a GC wobbles by ~3 KB with what is in flight (measured: 162-166 KB all along).
      // The two halves' centres are ~96 KB of data apart: a leak of 1 byte per 96 received would
      // move the mean by 1 KB, where the mean of ~30 samples moves by about 0.2 KB on noise alone.
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
}
