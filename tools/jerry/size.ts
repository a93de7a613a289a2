// `make size`'s JerryScript lines: the heap after loading the core (issue 12's figure), from source, its snapshot and its static snapshot, when JERRY_SDK names an SDK.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleJerryLib } from "./bundle";
import { CORE_HEAP_LIMIT, coreHeap } from "./heap";
import { buildJerryHost, jerrySdk } from "./launch";

/** `make size`'s JerryScript part: its lines, and the least heap of the three ways to load (undefined when not measured). */
export interface JerrySize {
  lines: string[];
  least: number | undefined;
  leastForm: string;
  limit: number;
}

/** Lines for `make size`: the figures, one JSON line, or one line saying why they were not measured. */
export async function jerrySizeLines(): Promise<JerrySize> {
  const { sdk, why } = jerrySdk();
  if (!sdk) return { lines: [`JerryScript heap after loading the core: not measured (${why})`], least: undefined, leastForm: "", limit: CORE_HEAP_LIMIT };
  buildJerryHost(sdk);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-size-jerry-"));
  try {
    const lib = await bundleJerryLib(sdk, dir);
    const h = await coreHeap(lib);
    const verdict = (live: number) => (live <= CORE_HEAP_LIMIT ? "within" : "over") + " the " + CORE_HEAP_LIMIT + " B aim";
    const out = [
      `JerryScript heap after loading the core (dist/a76xx-jerry.js, ${lib.bytes} B; live after a GC, engine included):`,
      `  from source    ${String(h.source.live).padStart(7)} B  (${verdict(h.source.live)})`,
    ];
    if (h.snapshot) out.push(`  from snapshot  ${String(h.snapshot.live).padStart(7)} B  (${verdict(h.snapshot.live)}; snapshot ${lib.snapshotBytes} B)`);
    if (h.staticSnapshot) out.push(`  from static    ${String(h.staticSnapshot.live).padStart(7)} B  (${verdict(h.staticSnapshot.live)}; static snapshot ${lib.staticSnapshotBytes} B + literal list ${fs.statSync(lib.literals!).size} B, both in flash on a board)`);
    out.push(`  (the engine alone holds ${h.empty.live} B)`);
    out.push(JSON.stringify({ bench: "jerry-core-heap", source: h.source.live, snapshot: h.snapshot ? h.snapshot.live : undefined, staticSnapshot: h.staticSnapshot ? h.staticSnapshot.live : undefined, empty: h.empty.live, limit: CORE_HEAP_LIMIT }));
    const forms: [string, number | undefined][] = [["from source", h.source.live], ["from a snapshot", h.snapshot && h.snapshot.live], ["from a static snapshot", h.staticSnapshot && h.staticSnapshot.live]];
    let least: [string, number] | undefined;
    for (const [form, live] of forms) if (live !== undefined && (!least || live < least[1])) least = [form, live];
    return { lines: out, least: least && least[1], leastForm: least ? least[0] : "", limit: CORE_HEAP_LIMIT };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
