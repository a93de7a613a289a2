// Runs tools/bench-device/device-script.js on the real Espruino interpreter (optionally under callgrind) after the library bundle, and returns its result line.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as esbuild from "esbuild";
import { checkDeviceSource } from "../check-device/check";

export const ROOT = path.resolve(__dirname, "../..");
export const BUNDLE = path.join(ROOT, "dist", "a76xx.js");
const DEVICE_SCRIPT = path.join(__dirname, "device-script.js");

/**
 * floor: stream to a byte counter; buffer: AT+CIPRXGET reads; push: +RECEIVE pushes; push-ipd: +RECV FROM/+IPD pushes; send: AT+CIPSEND;
 * model-buffer, model-push, model-send: the floor plus the module model's and the application check's work per read or send, without the driver.
 */
export type BenchPath = "floor" | "buffer" | "push" | "push-ipd" | "send" | "model-buffer" | "model-push" | "model-send";

export interface DeviceConfig {
  path: BenchPath;
  /** Bytes per UART delivery to the receive handler. */
  chunk: number;
  /** Reads (buffer, floor) or pushes (push paths) of `payload` bytes. */
  reads: number;
  payload: number;
  /** The longest run of a series: payloads are cut for this many reads in every run, so that work cancels out. */
  maxReads: number;
  /** Send path: bytes the application writes, in `sendPiece`-byte writes. */
  sendBytes: number;
  sendPiece: number;
  /** Board id (its ring sizes) passed to createModem. */
  board: string;
  /** Line rate the virtual clock runs at (wire time of each chunk). */
  baud: number;
  /** More createModem options (experiments: `{links: 1}`…); the script's own come first. */
  options?: { [name: string]: unknown };
  /** Print every command and answer (debugging; changes the counts). */
  trace?: boolean;
  /** The tool's own test: change the payload byte at this offset on its way (-1: none). */
  corruptAt?: number;
  /** The tool's own test (buffer path): bytes the module holds beyond what the application expects. */
  extra?: number;
}

/** The line the device script prints (`BENCH-RESULT {…}`). */
export interface DeviceResult {
  ok: boolean;
  path: BenchPath;
  chunk: number;
  reads: number;
  payload: number;
  /** The longest run of a series: payloads are cut for this many reads in every run, so that work cancels out. */
  maxReads: number;
  /** Payload bytes that reached the application (send: that the module received and checked). */
  delivered: number;
  expected: number;
  /** Every byte the module side emitted, bring-up included. */
  streamBytes: number;
  /** Every byte the driver wrote to the module. */
  hostBytes: number;
  virtualMs: number;
  jumps: number;
  /** Idle-loop turns the wire had nothing to deliver. */
  idleTurns: number;
  unknown: string[];
  violations: string[];
  /** Commands the driver saw time out (status().counters.timeouts; a run with any fails). */
  timeouts?: number;
  problem?: string;
}

export interface DeviceRun {
  /** Undefined when the interpreter printed no result line (crash, timeout). */
  result: DeviceResult | undefined;
  /** Instructions (callgrind's total), when run under callgrind. */
  ir: number | undefined;
  /** What went wrong outside the script (exit code, timeout, no result), or "". */
  problem: string;
  stdout: string;
  stderr: string;
}

export const defaultConfig: DeviceConfig = {
  path: "buffer",
  chunk: 32,
  reads: 45,
  payload: 1460,
  maxReads: 45,
  sendBytes: 65536,
  sendPiece: 1024,
  board: "esp32",
  baud: 115200,
};

/**
 * The program the interpreter loads: the library bundle, the configuration, the device script
 * minified (the interpreter lexes what it runs: the module model's cost is kept small and is the
 * same in every path). Throws Error when the bundle is missing or the result fails the device check.
 */
export function deviceProgram(cfg: DeviceConfig, bundleText?: string): string {
  const bundle = bundleText !== undefined ? bundleText : fs.readFileSync(BUNDLE, "utf8");
  const script = esbuild.transformSync(fs.readFileSync(DEVICE_SCRIPT, "utf8"), {
    minify: true,
    target: "es2015",
    charset: "ascii",
    legalComments: "none",
  }).code;
  const findings = checkDeviceSource(script);
  if (findings.length) throw new Error("device script fails the device check: " + findings.map((f) => f.line + " " + f.construct).join("; "));
  return bundle + "\nvar BENCH = " + JSON.stringify(cfg) + ";\n" + script;
}

/** callgrind's total from its output file (`summary:` or `totals:` line), or undefined. */
export function callgrindTotal(file: string): number | undefined {
  const text = fs.readFileSync(file, "latin1");
  const m = /^(?:summary|totals): (\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface RunOptions {
  /** The Espruino binary ($ESPRUINO). */
  espruino: string;
  /** Write a callgrind profile here and run under valgrind; without it, the plain interpreter. */
  callgrindOut?: string;
  /** Kill the interpreter after this long (ms). */
  timeoutMs: number;
}

/**
 * Run `program` once. The interpreter's standard input stays open (a pipe this process holds) until
 * it exits: at end of file its input polling costs a varying number of instructions per idle turn.
 */
export function runProgram(program: string, opts: RunOptions): Promise<DeviceRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-bench-device-"));
  const file = path.join(dir, "bench.js");
  fs.writeFileSync(file, program, "latin1");
  const cmd = opts.callgrindOut ? "valgrind" : opts.espruino;
  const args = opts.callgrindOut ? ["--tool=callgrind", "--callgrind-out-file=" + opts.callgrindOut, opts.espruino, file] : [file];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("latin1");
    child.stderr.setEncoding("latin1");
    child.stdout.on("data", (d: string) => (stdout += d));
    child.stderr.on("data", (d: string) => (stderr += d));
    child.stdin.on("error", () => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    const done = (problem: string) => {
      clearTimeout(timer);
      child.stdin.end();
      fs.rmSync(dir, { recursive: true, force: true });
      const m = /BENCH-RESULT (\{.*\})/.exec(stdout);
      let result: DeviceResult | undefined = undefined;
      if (m) {
        try {
          result = JSON.parse(m[1]) as DeviceResult;
        } catch (e) {
          problem = problem || "unreadable result line: " + m[1];
        }
      }
      if (!result && !problem) problem = "no result line from the interpreter";
      let ir: number | undefined = undefined;
      if (opts.callgrindOut && fs.existsSync(opts.callgrindOut)) ir = callgrindTotal(opts.callgrindOut);
      if (opts.callgrindOut && ir === undefined && !problem) problem = "no callgrind total in " + opts.callgrindOut;
      resolve({ result, ir, problem, stdout, stderr });
    };
    child.on("error", (e) => done(cmd + ": " + e.message));
    child.on("close", (code, signal) => {
      if (timedOut) done("killed after " + opts.timeoutMs + " ms");
      else if (code !== 0) done(cmd + " exited with " + (code === null ? "signal " + signal : "code " + code));
      else done("");
    });
  });
}

/**
 * One configuration, end to end: program, run, and the script's own verdict folded into `problem`.
 * `bundleText` is the library to load (default: dist/a76xx.js).
 */
export async function runDevice(cfg: DeviceConfig, opts: RunOptions, bundleText?: string): Promise<DeviceRun> {
  const run = await runProgram(deviceProgram(cfg, bundleText), opts);
  if (!run.problem && run.result && !run.result.ok) run.problem = run.result.problem || "the device script reported a failure";
  if (!run.problem && run.result && run.result.violations.length) run.problem = "protocol violations: " + run.result.violations.join("; ");
  return run;
}
