// The real interpreters the device tests and tools can run a bundle on: how each is found (an environment variable) and launched — the one place to add a runtime.
//
// A runtime is a command that runs one complete JavaScript file (bundle + test script concatenated)
// with its standard input held open by the harness, printing to its standard output. To add one
// (e.g. a JerryScript host), add an entry to RUNTIMES: the variable that names its executable, the
// argv that runs a file, the expression that reads its heap in use, how to clean its console
// output into lines, and what in its output means the interpreter itself failed. Everything else
// (simulator, servers, bundles, processes, pools) is shared. Some checks use what only Espruino has
// and stay Espruino's when another runtime comes: Storage and boot code (flash.ts, the boot-code
// figures and the `require("a76xx")` run), the telnet REPL (flash.ts) and `btoa` (instrument.ts's
// receive tap); the app matrix and the memory sampler need only the entries below.
import * as fs from "fs";
import * as path from "path";

export interface LaunchOptions {
  /** Serve the REPL over TCP as well (Espruino's Linux build: `--telnet`, port 2323). */
  telnet?: boolean;
}

export interface RuntimeDef {
  /** Short name for titles and tables ("espruino", "espruino-debug" …). */
  id: string;
  /** Environment variable naming the executable. */
  env: string;
  /** What this build is for, for skip messages and reports. */
  what: string;
  /** argv to run `file`; without a file the runtime starts with what it has stored (its boot code). */
  launch(exe: string, file: string | undefined, opts: LaunchOptions): { command: string; args: string[] };
  /** A JavaScript expression for the heap in use, in the runtime's unit (`unit`). */
  memoryUsage: string;
  /** Unit of memoryUsage. */
  unit: string;
  /** A JavaScript statement that prints its argument string as one line. */
  printFn: string;
  /** One raw output line (no line end) as the program printed it: prompts and terminal codes removed. */
  clean(raw: string): string;
  /** Output that means the interpreter itself failed (assert, uncaught error, out of memory): the run fails at once. */
  fatal: RegExp[];
  /** The TCP port its telnet REPL listens on (fixed in the Espruino Linux build), when it has one. */
  telnetPort?: number;
}

/** Espruino's Linux build: `espruino file.js`, `--telnet` for the REPL on TCP port 2323 (fixed in its source). */
function espruino(id: string, env: string, what: string): RuntimeDef {
  return {
    id,
    env,
    what,
    launch(exe: string, file: string | undefined, opts: LaunchOptions) {
      const args: string[] = [];
      if (opts.telnet) args.push("--telnet");
      if (file) args.push(file);
      return { command: exe, args };
    },
    memoryUsage: "process.memory().usage",
    unit: "JsVars",
    printFn: "print",
    // Each line printed from a callback comes after the REPL's prompt erase: ">\r\x1b[J".
    clean(raw: string): string {
      let s = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
      const cr = s.lastIndexOf("\r");
      if (cr >= 0) s = s.substr(cr + 1);
      return s;
    },
    fatal: [/ASSERT\(.*\) FAILED/, /Uncaught /, /Out of Memory/i, /LOW_MEMORY|MEMORY_BUSY/],
    telnetPort: 2323,
  };
}

export const RUNTIMES: RuntimeDef[] = [
  espruino("espruino", "ESPRUINO", "Espruino's Linux build as boards ship it (release, growable heap)"),
  espruino("espruino-debug", "ESPRUINO_DEBUG", "Espruino's Linux build with the interpreter's asserts on"),
  espruino("espruino-fixed", "ESPRUINO_FIXED", "Espruino's Linux build with the Espruino Pico's fixed 5,100-variable heap"),
];

export interface Runtime {
  def: RuntimeDef;
  /** Absolute path of the executable. */
  exe: string;
}

/** The runtime `id` if its environment variable names an executable file; else undefined. */
export function runtimeFromEnv(id: string): Runtime | undefined {
  const def = RUNTIMES.filter((r) => r.id === id)[0];
  if (!def) throw new Error("unknown runtime " + id);
  const v = process.env[def.env];
  if (!v || !v.trim()) return undefined;
  return { def, exe: path.resolve(v.trim()) };
}

/** Why `id` cannot run here, or undefined when it can (its variable is set and names an executable file). */
export function runtimeMissing(id: string): string | undefined {
  const def = RUNTIMES.filter((r) => r.id === id)[0];
  const v = process.env[def.env];
  if (!v || !v.trim()) return `${def.env} is not set`;
  try {
    fs.accessSync(v.trim(), fs.constants.X_OK);
  } catch (e) {
    void e;
    return `${def.env}=${v.trim()} is not an executable file`;
  }
  return undefined;
}
