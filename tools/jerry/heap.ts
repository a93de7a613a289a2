// The JerryScript heap after loading the core (issue 12's figure): jhost runs the core bundle or its snapshot, collects garbage, and reports the engine's own counters.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { JerryLibrary } from "./bundle";
import { runJerry } from "./launch";

/** Issue 12's aim for the JerryScript heap after loading the core, in bytes (64 KB). */
export const CORE_HEAP_LIMIT = 65536;

export interface HeapAfterLoad {
  /** Bytes live after a full garbage collection, the engine's own figure and state included. */
  live: number;
  /** Most bytes allocated at any moment while loading. */
  loadPeak: number;
  /** The engine's heap size (its --mem-heap). */
  heap: number;
}

/**
 * Run `files` on jhost (`host`, the built one by default), then a probe that collects garbage
 * and prints the heap counters. Throws Error when the host fails or prints no figures.
 */
export async function heapAfterLoading(files: string[], host?: string): Promise<HeapAfterLoad> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-heap-"));
  try {
    const probe = path.join(dir, "probe.js");
    fs.writeFileSync(probe, "jhost.gc(); print('HEAP ' + JSON.stringify(jhost.heapStats()));");
    const r = await runJerry(files.concat([probe]), [], 30000, host);
    const line = r.stdout.split("\n").filter((l) => l.indexOf("HEAP ") === 0)[0];
    if (r.code !== 0 || !line) throw new Error(`jhost ${files.join(" ")} gave no heap figures (exit ${r.code}):\n${(r.stdout + r.stderr).substr(-2000)}`);
    const s = JSON.parse(line.substr(5)) as { size: number; allocated: number; peak: number } | null;
    if (!s) throw new Error("jhost has no heap figures: its engine was built without --mem-stats=ON");
    return { live: s.allocated, loadPeak: s.peak, heap: s.size };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The heap after loading the JerryScript core from source, from its snapshot, from its static snapshot (with its literal list), and of an empty engine. */
export async function coreHeap(lib: JerryLibrary, host?: string): Promise<{ source: HeapAfterLoad; snapshot?: HeapAfterLoad; staticSnapshot?: HeapAfterLoad; empty: HeapAfterLoad }> {
  return {
    source: await heapAfterLoading([lib.js], host),
    snapshot: lib.snapshot ? await heapAfterLoading([lib.snapshot], host) : undefined,
    staticSnapshot: lib.staticSnapshot && lib.literals ? await heapAfterLoading([lib.literals, lib.staticSnapshot], host) : undefined,
    empty: await heapAfterLoading([], host),
  };
}
