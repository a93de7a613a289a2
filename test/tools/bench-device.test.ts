// The device script of `make bench-device` on the real Espruino interpreter (no valgrind, small streams): every path delivers byte for byte, and a changed or extra byte fails the run.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundle } from "../../tools/bundle/build";
import { DeviceConfig, defaultConfig, DeviceRun, runDevice } from "../../tools/bench-device/device";
import { countingBundle } from "../../tools/bench-device/calls";

const ESPRUINO = process.env.ESPRUINO;

describe("bench-device script on the real interpreter", function () {
  this.timeout(120000);
  if (!ESPRUINO) {
    it("is skipped: ESPRUINO (the path of Espruino's Linux build) is not set", function () {
      this.skip();
    });
    return;
  }
  let lib = "";

  before(async function () {
    // The library as it is now, not whatever dist/ holds.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-bench-device-test-"));
    const out = path.join(dir, "a76xx.js");
    await bundle("hal/espruino/bundle-entry.ts", out, true);
    lib = fs.readFileSync(out, "utf8");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function run(cfg: Partial<DeviceConfig>): Promise<DeviceRun> {
    const c: DeviceConfig = { ...defaultConfig, reads: 3, maxReads: 3, sendBytes: 4096, ...cfg };
    return runDevice(c, { espruino: ESPRUINO as string, timeoutMs: 60000 }, lib);
  }

  it("every path delivers its stream byte for byte: buffer, push (+RECEIVE, +IPD) and floor 3 x 1,460 bytes, send 4 KB", async () => {
    const cases: Array<[Partial<DeviceConfig>, number]> = [
      [{ path: "buffer" }, 4380],
      [{ path: "buffer", chunk: 256 }, 4380],
      [{ path: "push" }, 4380],
      [{ path: "push-ipd" }, 4380],
      [{ path: "floor" }, 4380],
      [{ path: "send" }, 4096],
    ];
    for (const [cfg, bytes] of cases) {
      const r = await run(cfg);
      const what = JSON.stringify(cfg);
      assert.strictEqual(r.problem, "", what + ": " + r.problem + "\n" + r.stdout.slice(-2000));
      const res = r.result!;
      assert.strictEqual(res.ok, true, what);
      assert.strictEqual(res.delivered, bytes, what);
      assert.strictEqual(res.expected, bytes, what);
      assert.deepStrictEqual(res.unknown, [], what);
      if (cfg.path !== "floor") assert.strictEqual(res.timeouts, 0, what + ": commands the driver saw time out");
      if (cfg.path !== "send") assert.ok(res.streamBytes > bytes + 3 * 10, what + ": stream bytes count the headers too: " + res.streamBytes);
      assert.strictEqual(res.hostBytes > 0, cfg.path !== "floor", what + ": bytes the driver wrote " + res.hostBytes);
    }
  });

  it("the benchmark's own share (model-buffer, model-push, model-send) moves the same streams without the driver", async () => {
    for (const [p, bytes] of [["model-buffer", 4380], ["model-push", 4380], ["model-send", 4096]] as const) {
      const r = await run({ path: p });
      assert.strictEqual(r.problem, "", p + ": " + r.problem);
      assert.strictEqual(r.result!.delivered, bytes, p);
      assert.strictEqual(r.result!.hostBytes > 0, p !== "model-push", p + ": the stand-in writes requests (and payloads)");
    }
  });

  it("a counting build of the library runs on the interpreter: the parser's feed runs once per chunk delivered", async () => {
    const { text, sites } = await countingBundle();
    const r = await runDevice({ ...defaultConfig, path: "push", reads: 3, maxReads: 3 }, { espruino: ESPRUINO as string, timeoutMs: 60000 }, text);
    assert.strictEqual(r.problem, "", r.problem);
    const m = /BENCH-CALLS (\[[0-9,]*\])/.exec(r.stdout);
    assert.ok(m, "a BENCH-CALLS line");
    const calls = JSON.parse(m![1]) as number[];
    assert.strictEqual(calls.length, sites.length);
    const feed = sites.findIndex((s) => s.name === "AtParser.feed" && s.where.startsWith("firmware/at/parser.ts:"));
    assert.ok(feed >= 0, "the parser's feed is a counted site");
    // Every chunk goes to the feed; each burst of the module's output may end in one short chunk.
    const res = r.result!;
    assert.ok(calls[feed] >= Math.ceil(res.streamBytes / 32) && calls[feed] <= Math.ceil(res.streamBytes / 32) + res.idleTurns, "feed calls " + calls[feed] + " for " + res.streamBytes + " bytes");
  });

  it("fails the run, saying where, when a payload byte changes on its way or more bytes arrive than were sent", async () => {
    for (const p of ["buffer", "send"] as const) {
      const r = await run({ path: p, corruptAt: 3000 });
      assert.strictEqual(r.result && r.result.ok, false, p + ": " + JSON.stringify(r.result));
      const m = /differ between offsets (\d+) and (\d+)/.exec(r.problem);
      assert.ok(m && Number(m[1]) <= 3000 && 3000 < Number(m[2]), p + ": " + r.problem);
    }
    const r = await run({ path: "buffer", extra: 7 });
    assert.strictEqual(r.result && r.result.ok, false);
    assert.ok(/more bytes delivered than sent: 4387 of 4380/.test(r.problem), r.problem);
  });
});
