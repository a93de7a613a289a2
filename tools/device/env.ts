// One real-interpreter run's surroundings: its own temp directory (the interpreter's working directory, where the Linux build keeps its Storage), the simulator on a PTY, real loopback servers, bundles and the processes it launched — all released by close().
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundle } from "../bundle/build";
import { bundleApp } from "../bundle/app";
import { checkDeviceSource } from "../check-device/check";
import { LoopbackServers } from "../demo/servers";
import { atExit, Child } from "./process";
import { LaunchOptions, Runtime } from "./runtimes";
import { PtySim } from "./sim";

export type DataMode = "buffer" | "push" | "transparent";

/** Module ports the example apps bind by default: udp-echo's local port and server's listening port (each mapped to a free local port). */
export const MODULE_UDP_PORT = 5000;
export const MODULE_SERVER_PORT = 8080;

/**
 * The silence transparent-mode runs keep before "+++" here (the part's default is 1,100 ms against
 * the module's 1,000). The Linux build's serial output can leave the PTY a few hundred ms after the
 * write call on a loaded host (bytes trickle out one by one), so the module saw as little as 0.91 s
 * of silence and took "+++" as data; a board's UART sends what it was given at the baud rate.
 */
export const LINUX_ESCAPE_GUARD_MS = 1600;

export interface EnvOptions {
  /** A short name for the temp directory. */
  label: string;
  /** The simulator's baud: the app bundle's modem option `baud` must match it. */
  baud: number;
  /** HTTP server closes the connection right after the body (default true). */
  httpCloseAfterBody?: boolean;
  /** The HTTP body's size (default the demo's 12 KB). */
  httpBodyBytes?: number;
  /** Keep the directory after close (DEVICE_KEEP=1 does it for every run). */
  keep?: boolean;
}

export interface AppScriptOptions {
  app: string;
  mode: DataMode;
  args: { [k: string]: string };
  /** Extra modem options. */
  modem?: { [k: string]: unknown };
  /** Scripts appended after the bundle (instrument.ts). */
  epilogue?: string[];
}

let libraryCache: Promise<string> | undefined;

/** dist/a76xx.js as built from the current sources (once per process), device check passed. */
export function libraryCode(): Promise<string> {
  if (!libraryCache) {
    libraryCache = (async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-lib-"));
      try {
        const out = path.join(dir, "a76xx.js");
        await bundle("hal/espruino/bundle-entry.ts", out, true);
        const code = fs.readFileSync(out, "latin1");
        const findings = checkDeviceSource(code);
        if (findings.length) throw new Error("device check failed on the library: " + findings.map((f) => f.line + " " + f.construct).join("; "));
        return code;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    })();
  }
  return libraryCache;
}

export class DeviceEnv {
  readonly children: Child[] = [];
  /** Removes the directory should this process exit before close(). */
  private forget: () => void;
  private constructor(readonly dir: string, readonly sim: PtySim, readonly servers: LoopbackServers, readonly baud: number, private keep: boolean) {
    this.forget = keep ? () => undefined : atExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  }

  static async open(o: EnvOptions): Promise<DeviceEnv> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-device-" + o.label.replace(/[^A-Za-z0-9-]/g, "-") + "-"));
    let sim: PtySim | undefined;
    try {
      sim = await PtySim.start({ dir, baud: o.baud, portMap: { [MODULE_UDP_PORT]: 0, [MODULE_SERVER_PORT]: 0 } });
      const servers = await LoopbackServers.start({ closeAfterBody: o.httpCloseAfterBody !== false, bodyBytes: o.httpBodyBytes });
      return new DeviceEnv(dir, sim, servers, o.baud, !!o.keep || process.env.DEVICE_KEEP === "1");
    } catch (e) {
      if (sim) await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Run `fn` in a fresh environment and release it afterwards, whatever happens. */
  static async with<T>(o: EnvOptions, fn: (env: DeviceEnv) => Promise<T>): Promise<T> {
    const env = await DeviceEnv.open(o);
    try {
      return await fn(env);
    } finally {
      await env.close();
    }
  }

  /** An app bundle for the linux board on this environment's PTY at its baud, with the epilogue appended; device check passed. */
  async appScript(o: AppScriptOptions): Promise<string> {
    const out = path.join(this.dir, `${o.app}-${o.mode}.bundle.js`);
    const modem: { [k: string]: unknown } = Object.assign({ apn: "internet", dataMode: o.mode, baud: this.baud }, o.mode === "transparent" ? { escapeGuardMs: LINUX_ESCAPE_GUARD_MS } : {}, o.modem || {});
    const res = await bundleApp({ board: "linux", app: o.app, serial: this.sim.path, modem, args: o.args, out });
    if (res.findings.length) throw new Error("device check failed on " + out + ": " + res.findings.map((f) => f.line + " " + f.construct).join("; "));
    return this.withEpilogue(fs.readFileSync(out, "latin1"), o.epilogue || []);
  }

  /** `code` with the scripts appended (each on its own lines); the whole must pass the device check. */
  withEpilogue(code: string, epilogue: string[]): string {
    const all = [code].concat(epilogue).join("\n");
    const findings = checkDeviceSource(all);
    if (findings.length) throw new Error("device check failed on the instrumented script: " + findings.map((f) => f.line + " " + f.construct).join("; "));
    return all;
  }

  /** Write `code` to a file in the directory and return its path. */
  writeScript(name: string, code: string): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, code, "latin1");
    return file;
  }

  /** Start `rt` on the script file (or, without one, on its stored boot code) in this directory, stdin held open. */
  launch(rt: Runtime, file: string | undefined, opts?: LaunchOptions & { onLine?: (line: string) => void }): Child {
    const l = rt.def.launch(rt.exe, file, opts || {});
    const child = new Child(l.command, l.args, { cwd: this.dir, clean: rt.def.clean, onLine: opts && opts.onLine });
    this.children.push(child);
    return child;
  }

  /**
   * Write `main.js` of this directory to Storage as `.bootcde` (what `make flash` writes) with `rt`,
   * so that a later `launch(…, undefined)` runs it as boot code. Returns "" when written, else why not.
   */
  async storeBootCode(rt: Runtime): Promise<string> {
    const store = this.launch(rt, this.writeScript("store.js", 'require("Storage").write(".bootcde", require("fs").readFileSync("main.js"));\nprint("@@stored " + require("Storage").read(".bootcde").length);'));
    const stored = await store.waitLine((l) => /^@@stored /.test(l), 30000);
    await store.kill();
    return stored ? "" : "could not write .bootcde: " + store.tail(3);
  }

  /** Kill every process this environment started, close the simulator and the servers, remove the directory (unless kept). */
  async close(): Promise<void> {
    for (const c of this.children) await c.kill();
    await this.sim.close();
    await this.servers.close();
    this.forget();
    if (!this.keep) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
