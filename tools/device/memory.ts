// Memory on the real interpreter: heap in use sampled through a long echo-check transfer (flat or growing?), and after loading the library or an app as a file or as boot code from Storage.
import { AppRun, runApp } from "./apps";
import { DataMode, DeviceEnv, libraryCode } from "./env";
import { loadedMemory, loadedUsage, memorySampler, memorySamples, MemSample } from "./instrument";
import { Runtime } from "./runtimes";

/** A memory sample every this many bytes received. */
export const SAMPLE_EVERY_BYTES = 4096;
/** …and one every this many ms (for the peak; the interpreter's timers are not precise). */
export const SAMPLE_EVERY_MS = 250;
/** The growth allowed between the first and the last quarter of the samples. */
export const MAX_GROWTH_PCT = 1;
/**
 * Samples from the first quarter of a 256 KB transfer are reported but not compared: measured on
 * Espruino 2v29, the heap grows once by ~400 JsVars over the first ~50 KB an interpreter ever moves
 * (both modes, ~6 JsVars per KB, then flat to 1 MB; a second and third 128 KB transfer in the same
 * interpreter start and stay at that level), a warm-up that would otherwise sit inside the "first
 * quarter" and leave the comparison within a few tens of JsVars of the 1 % bound.
 */
export const WARMUP_FRACTION = 0.25;

export interface Flatness {
  samples: number;
  firstQuarterMean: number;
  lastQuarterMean: number;
  /** (last − first) / first, percent. */
  growthPct: number;
  min: number;
  max: number;
}

/** Means of the first and last quarter of `usages` (in order taken) and their difference in percent. */
export function flatness(usages: number[]): Flatness {
  const q = Math.max(1, Math.floor(usages.length / 4));
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / (a.length || 1);
  const first = mean(usages.slice(0, q));
  const last = mean(usages.slice(usages.length - q));
  return {
    samples: usages.length,
    firstQuarterMean: first,
    lastQuarterMean: last,
    growthPct: first > 0 ? ((last - first) / first) * 100 : 0,
    min: Math.min.apply(null, usages),
    max: Math.max.apply(null, usages),
  };
}

export interface TransferMemory {
  run: AppRun;
  /** Samples by bytes received (every SAMPLE_EVERY_BYTES), in order, from the first chunk to the last. */
  byBytes: MemSample[];
  /** Timer samples (bring-up included). */
  byTime: MemSample[];
  /** The byte samples after the warm-up (WARMUP_FRACTION of the bytes), compared first quarter to last. */
  flat: Flatness;
  /** Where the compared samples start (bytes received). */
  warmupBytes: number;
  /** Highest heap in use seen by any sample. */
  peak: number;
}

/** echo-check of `bytes` in `mode` at `baud` with the heap sampled by bytes received and by time. */
export async function transferMemory(rt: Runtime, mode: DataMode, baud: number, bytes: number): Promise<TransferMemory> {
  const run = await runApp(rt, { app: "echo-check", mode, baud, bytes, epilogue: [memorySampler(rt.def, SAMPLE_EVERY_BYTES, SAMPLE_EVERY_MS)] });
  const all = memorySamples(run.lines);
  // Byte samples are taken in the data handler the sampler adds before the app's own, from the
  // first chunk received to the last: they span the transfer.
  const byBytes = all.filter((s) => s.bytes !== undefined);
  const byTime = all.filter((s) => s.bytes === undefined);
  const warmupBytes = Math.floor(bytes * WARMUP_FRACTION);
  const flat = flatness(byBytes.filter((s) => (s.bytes as number) >= warmupBytes).map((s) => s.usage));
  const peak = all.length ? Math.max.apply(null, all.map((s) => s.usage)) : 0;
  return { run, byBytes, byTime, flat, peak, warmupBytes };
}

/** Heap in use right after the code ran (its source text still held) and from the first timer after (resident). */
export interface LoadFigures {
  loaded: number | undefined;
  resident: number | undefined;
}

export interface LoadMemory {
  what: string;
  /** Loaded as the interpreter's script file, and run as boot code from Storage. */
  asFile: LoadFigures;
  asBootCode: LoadFigures;
  failures: string[];
}

/**
 * Heap in use right after `code` has run, loaded two ways: as the interpreter's script file, and
 * as boot code written to Storage (`.bootcde`, what `make flash` writes) run by a restarted
 * interpreter. App bundles create their modem (every buffer) and start it at load.
 */
export async function loadMemory(rt: Runtime, what: string, build: (env: DeviceEnv) => Promise<string>): Promise<LoadMemory> {
  const failures: string[] = [];
  const asFile: LoadFigures = { loaded: undefined, resident: undefined };
  const asBootCode: LoadFigures = { loaded: undefined, resident: undefined };
  await DeviceEnv.with({ label: "load-" + what.replace(/[^a-z0-9-]/gi, "-"), baud: 115200 }, async (env) => {
    const code = env.withEpilogue(await build(env), [loadedMemory(rt.def)]);
    const file = env.writeScript("main.js", code);
    const a = env.launch(rt, file);
    await a.waitLine((l) => /@@resident /.test(l), 30000);
    asFile.loaded = loadedUsage(a.lines, "loaded");
    asFile.resident = loadedUsage(a.lines, "resident");
    await a.kill();
    if (asFile.resident === undefined) failures.push("as a file: no figure (" + a.tail(3) + ")");
    const notStored = await env.storeBootCode(rt);
    if (notStored) {
      failures.push(notStored);
      return;
    }
    const b = env.launch(rt, undefined);
    await b.waitLine((l) => /@@resident /.test(l), 30000);
    asBootCode.loaded = loadedUsage(b.lines, "loaded");
    asBootCode.resident = loadedUsage(b.lines, "resident");
    await b.kill();
    if (asBootCode.resident === undefined) failures.push("as boot code: no figure (" + b.tail(3) + ")");
  });
  return { what, asFile, asBootCode, failures };
}

/** The library alone, and the library with a modem set up on the linux board (every buffer allocated, nothing started). */
export function libraryLoads(): Array<{ what: string; build: (env: DeviceEnv) => Promise<string> }> {
  return [
    { what: "library (dist/a76xx.js)", build: () => libraryCode() },
    {
      what: "library + setup(\"linux\")",
      build: async (env) => (await libraryCode()) + `\nvar modem = A76XX.setup("linux", { apn: "internet", serial: ${JSON.stringify(env.sim.path)} });`,
    },
  ];
}

export interface MemoryReport {
  runtime: string;
  loads: LoadMemory[];
  transfers: Array<{ mode: DataMode; baud: number; bytes: number; ok: boolean; failures: string[]; flat: Flatness; peak: number }>;
}

/**
 * `make size`'s figures on a real interpreter: heap in use after loading the library (alone, and
 * with setup()) and each app (as a file and as boot code), and the peak during a `bytes` echo at
 * `baud` per data mode. Independent runs go through `pool`.
 */
export async function memoryReport(rt: Runtime, apps: string[], modes: DataMode[], bytes: number, baud: number, run: <T>(fn: () => Promise<T>) => Promise<T>): Promise<MemoryReport> {
  const builds = libraryLoads();
  for (const app of apps) {
    builds.push({
      what: `app ${app}`,
      build: (env) =>
        env.appScript({ app, mode: "buffer", args: { host: "127.0.0.1", port: String(env.servers.tcpEcho.port), localPort: "5000" } }),
    });
  }
  const loads = builds.map((b) => run(() => loadMemory(rt, b.what, b.build)));
  const transfers = modes.map((mode) =>
    run(async () => {
      const m = await transferMemory(rt, mode, baud, bytes);
      return { mode, baud, bytes, ok: m.run.ok, failures: m.run.failures, flat: m.flat, peak: m.peak };
    }),
  );
  return { runtime: rt.def.id, loads: await Promise.all(loads), transfers: await Promise.all(transfers) };
}
