// Launching the JerryScript host from host tools and tests: find the SDK (JERRY_SDK), build jhost, run it on files with arguments.
// Small on purpose, so that a generic real-interpreter harness can take it over.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");
/** Where `make jerry-host` puts the host. */
export const JHOST = path.join(ROOT, "build/jerry/jhost");

/** The SDK directory when JERRY_SDK names a usable one; otherwise undefined and the reason. */
export function jerrySdk(): { sdk?: string; why?: string } {
  const v = (process.env.JERRY_SDK || "").trim();
  if (!v) return { why: "JERRY_SDK is not set (a JerryScript 3.0 SDK: include/, lib/, bin/jerry-snapshot; see README, JerryScript)" };
  const sdk = path.resolve(ROOT, v);
  for (const f of ["include/jerryscript.h", "lib/libjerry-core.a", "bin/jerry-snapshot"]) {
    if (!fs.existsSync(path.join(sdk, f))) return { why: `JERRY_SDK=${v} has no ${f}` };
  }
  return { sdk };
}

/** `make jerry-host` with this SDK (`force`: rebuild, commands shown); returns make's output. Throws Error with it when the build fails. */
export function buildJerryHost(sdk: string, force?: boolean): string {
  // Not the flags of a make we may be running under (make test): its -s would hide the compiler's command line.
  const env = Object.assign({}, process.env);
  delete env.MAKEFLAGS;
  delete env.MFLAGS;
  delete env.MAKELEVEL;
  const r = spawnSync("make", (force ? ["-B"] : ["-s"]).concat(["jerry-host", `JERRY_SDK=${sdk}`]), { cwd: ROOT, encoding: "utf8", env });
  const out = (r.stdout || "") + (r.stderr || "");
  if (r.status !== 0) throw new Error("make jerry-host failed:\n" + out);
  return out;
}

export interface JerryRun {
  child: ChildProcess;
  /** Standard output and error so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (128 + signal when killed) once the host has exited. */
  exited: Promise<number>;
}

/** Start `[wrapper...] jhost files... -- args...` (stdin closed); `wrapper` is e.g. ["valgrind", "--tool=callgrind"]. */
export function startJerry(files: string[], args: string[], host?: string, wrapper?: string[]): JerryRun {
  const argv = [host || JHOST].concat(files, args.length ? ["--"].concat(args) : []);
  const w = wrapper || [];
  const child = spawn(w.length ? w[0] : argv[0], w.length ? w.slice(1).concat(argv) : argv.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (d: string) => (out += d));
  child.stderr!.on("data", (d: string) => (err += d));
  const exited = new Promise<number>((resolve) => {
    child.once("close", (code, signal) => resolve(code !== null ? code : 128 + (signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : 2)));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Run to the end; killed (SIGKILL) after `timeoutMs`, which then shows as code 137 and a note in stderr. */
export async function runJerry(files: string[], args: string[], timeoutMs: number, host?: string, wrapper?: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = startJerry(files, args, host, wrapper);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    run.child.kill("SIGKILL");
  }, timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr() + (timedOut ? `\n[killed after ${timeoutMs} ms]` : "") };
}
