// `make demo` end to end: tools/demo/run.ts as a child process exits 0 and its summary table lists every exchange, verified.
import * as assert from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { summaryRows } from "../support/demo-summary";

const ROOT = path.resolve(__dirname, "../..");
const TS_NODE = path.join(ROOT, "node_modules/.bin/ts-node");

/** Every exchange the demo must run, as "exchange | mode" (the summary's first two columns). */
const EXPECTED = [
  "TCP echo | buffer",
  "HTTP GET (examples/http-get) | buffer",
  "TCP server accept (examples/server) | buffer",
  "TCP echo | push",
  "UDP echo (examples/udp-echo) | push",
  "TCP echo | transparent",
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TS_NODE, ["--transpile-only", "tools/demo/run.ts"], { cwd: ROOT, timeout: 90000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe("make demo (tools/demo/run.ts)", function () {
  this.timeout(120000);
  let run: Run;

  before(async () => {
    run = await runDemo();
  });

  it("exits 0 and says every exchange verified", () => {
    assert.strictEqual(run.code, 0, "exit code; output tail:\n" + run.stdout.split("\n").slice(-20).join("\n") + run.stderr);
    assert.match(run.stdout, /demo OK: all 6 exchanges verified byte for byte/);
  });

  it("lists every exchange in the summary table, each verified, with bytes both ways", () => {
    const rows = summaryRows(run.stdout.split("\n"));
    assert.deepStrictEqual(
      rows.map((r) => r[0] + " | " + r[1]),
      EXPECTED,
    );
    for (const r of rows) {
      const [exchange, mode, out, inn, verified, virtualTime] = r;
      assert.strictEqual(verified, "yes", `${exchange} (${mode}) verified`);
      assert.ok(parseInt(out, 10) > 0 && parseInt(inn, 10) > 0, `${exchange} (${mode}) moved bytes both ways: ${out} / ${inn}`);
      assert.match(virtualTime, /^\d+\.\d{3} s$/);
    }
  });
});
