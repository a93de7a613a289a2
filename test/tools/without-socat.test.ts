// Tests that without socat (hidden from PATH, and no apt-get to install it) make test's tools skip exactly the tests that need it, by name, and still run and pass the rest.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** A directory of links to every program on PATH except the hidden ones: the same machine without them. */
function pathWithout(hidden: string[], dir: string): string {
  fs.mkdirSync(dir);
  for (const d of (process.env.PATH || "").split(":")) {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch (e) {
      continue;
    }
    for (const n of names) {
      if (hidden.indexOf(n) >= 0 || fs.existsSync(path.join(dir, n))) continue;
      try {
        fs.symlinkSync(path.join(d, n), path.join(dir, n));
      } catch (e) {
        void e;
      }
    }
  }
  return dir;
}

// Every test that needs socat in these suites, and two that do not (they must still run and pass).
const NEED_SOCAT = [
  "serialport HAL on a pseudo-terminal carries all 256 byte values both ways as 8-bit strings",
  "serialport HAL on a pseudo-terminal turns a control line the device cannot drive into a no-op with one warning",
  "serialport HAL on a pseudo-terminal drops what the firmware writes after the port was shut down, as a closed UART would, instead of throwing (Ctrl+C in the host runner)",
  "sim: pseudo-terminal paces bytes towards the host at the line rate through the PTY: after half their line time, half of 4 KB has arrived, never more",
  "sim: pseudo-terminal paces bytes towards the module at the line rate too: 4 KB written at once reach it over their line time, never sooner",
  "sim: pseudo-terminal refuses a PTY path another simulator is serving, leaving that one's link alone, and replaces a stale link",
  "sim: pseudo-terminal a module left in data mode when the program on the PTY quits is still in data mode for the next one; +++ with guards ends it",
  "sim: pseudo-terminal the CLI applies --faults items: a damaged DNS answer, a lost prompt",
  "sim: pseudo-terminal make sim's CLI answers AT, walks section 4 against a local echo server, and leaves no process or link after SIGINT",
  "sim: a background job of an interactive shell `make sim PTY=… &` keeps answering AT while the user types at the shell, and the shell never reports it Stopped",
  "sim: a background job of an interactive shell brought to the foreground with fg it reads typed faults and `state`, and Ctrl+C stops it and removes the link",
  "host runner over a real pseudo-terminal make host APP=echo-check exchanges data byte for byte with a local echo server through make sim's PTY, and cleans up",
  "host runner: a port that cannot be used is reported as that a pseudo-terminal nobody answers on is reported as silent within seconds, as a pseudo-terminal, with the byte counts",
  "APP= takes the path of your own app make host APP=/abs/path/myapp.ts runs it on Node against make sim's PTY",
];
const FILES = [
  "test/hal/serialport.test.ts",
  "test/sim/pty.test.ts",
  "test/sim/background.test.ts",
  "test/host/host-runner.test.ts",
  "test/host/port-errors.test.ts",
  "test/tools/outside-app.test.ts",
].join(",");
const GREP =
  "^(serialport HAL on a pseudo-terminal|sim: pseudo-terminal|sim: a background job|host runner over a real pseudo-terminal)|" +
  "nobody answers|make host APP=/abs|names what is wrong with a path";

describe("make test without socat", function () {
  this.timeout(120000);
  let dir = "";

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-nosocat-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("make test's install step says socat cannot be installed here and does not fail", () => {
    const bin = pathWithout(["socat", "apt-get"], path.join(dir, "bin1"));
    const r = spawnSync("make", ["-s", "test-tools"], { cwd: ROOT, encoding: "utf8", env: Object.assign({}, process.env, { PATH: bin }) });
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.ok(/socat is not installed and could not be installed here \(needs root and apt-get\): the tests that need it will be skipped, by name/.test(r.stdout), r.stdout + r.stderr);
  });

  it("the runner skips each test that needs socat, naming it with the reason, and runs and passes the others", async () => {
    const bin = pathWithout(["socat", "apt-get"], path.join(dir, "bin2"));
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      let out = "";
      const c = spawn(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "tools/test/run.ts"], {
        cwd: ROOT,
        env: Object.assign({}, process.env, { PATH: bin, GREP, FILES }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      c.stdout!.on("data", (d) => (out += d));
      c.stderr!.on("data", (d) => (out += d));
      c.on("exit", (code) => resolve({ code, out }));
    });
    assert.strictEqual(r.code, 0, r.out);
    const skippedLines = r.out.split("\n").filter((l) => l.indexOf("skipped: ") === 0 && / — /.test(l));
    const names = skippedLines.map((l) => l.slice("skipped: ".length, l.lastIndexOf(" — ")));
    assert.deepStrictEqual(names.slice().sort(), NEED_SOCAT.slice().sort(), r.out);
    for (const l of skippedLines) assert.ok(/ — socat is not installed/.test(l), l);
    const last = r.out.trim().split("\n").pop();
    assert.strictEqual(last, `2 passed, 0 failed, ${NEED_SOCAT.length} skipped`, r.out);
  });
});
