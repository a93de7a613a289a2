// `make size`'s JerryScript lines: the heap after loading the core (issue 12's figure), from source, its snapshot and its static snapshot, when JERRY_SDK names an SDK.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleJerryLib } from "./bundle";
import { CORE_HEAP_LIMIT, coreHeap } from "./heap";
import { buildJerryHost, jerrySdk } from "./launch";

/** `make size`'s JerryScript part: its lines, and the heap after loading per way to load ("from source", …; none when not measured). */
export interface JerrySize {
  lines: string[];
  forms: { form: string; live: number }[];
  limit: number;
}

/** Lines for `make size`: the figures, one JSON line, or one line saying why they were not measured. */
export async function jerrySizeLines(): Promise<JerrySize> {
  const { sdk, why } = jerrySdk();
  if (!sdk) return { lines: [`JerryScript heap after loading the core: not measured (${why})`], forms: [], limit: CORE_HEAP_LIMIT };
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
    const forms = [{ form: "from source", live: h.source.live }];
    if (h.snapshot) forms.push({ form: "from a snapshot", live: h.snapshot.live });
    if (h.staticSnapshot) forms.push({ form: "from a static snapshot", live: h.staticSnapshot.live });
    return { lines: out, forms, limit: CORE_HEAP_LIMIT };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
