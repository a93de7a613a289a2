// `make jerry-heap-bisect JERRY_SRC=<JerryScript 3.0 source>`: the smallest engine heap (--mem-heap, KB) on which the library completes a 64 KB echo.
//
// The heap size is fixed when the engine is built, so each candidate is a build of the source
// (the README's flags plus --mem-heap=N) in $TMPDIR/a76xx-jerry-heap/heap-N (kept for re-runs),
// a jhost linked against it (again whenever hal/jerryscript's C sources are newer), and a 64 KB
// echo against the simulator; an engine out of memory
// exits with code 3. Bisects per case (library from source / snapshot / static snapshot, buffer / push mode) at
// STEP KB between LO and HI (default 128..512 KB, from 32 KB for the static snapshot; step 4). Snapshots come from JERRY_SDK's
// jerry-snapshot (the snapshot format does not depend on the heap size).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleJerryLib } from "./bundle";
import { jerrySdk, ROOT, runJerry } from "./launch";
import { startRig } from "./rig";

const DRIVER = path.join(ROOT, "tools/jerry/echo-driver.js");
const WORK = path.join(os.tmpdir(), "a76xx-jerry-heap");
const BUILD_FLAGS = [
  "--profile=es.next", "--jerry-cmdline=OFF", "--snapshot-exec=ON", "--lto=OFF", "--error-messages=ON", "--line-info=ON", "--mem-stats=ON",
];

/** A jhost whose engine has an `kb` KB heap (built once, then reused). Throws Error when a build fails. */
function hostWithHeap(src: string, kb: number): string {
  const dir = path.join(WORK, `heap-${kb}`);
  const host = path.join(dir, "jhost");
  const hal = path.join(ROOT, "hal/jerryscript");
  const sources = fs.readdirSync(hal).filter((f) => f.endsWith(".c")).map((f) => path.join(hal, f));
  // The engine is built once per size; the host is linked again whenever its sources are newer.
  const newest = Math.max.apply(null, sources.concat([path.join(hal, "jhost.h")]).map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(host) && fs.statSync(host).mtimeMs > newest) return host;
  if (!fs.existsSync(path.join(dir, "lib", "libjerry-core.a"))) {
    const b = spawnSync("python3", ["tools/build.py"].concat(BUILD_FLAGS, [`--mem-heap=${kb}`, `--builddir=${dir}`, "-j", String(Math.max(1, os.cpus().length))]), { cwd: src, encoding: "utf8" });
    if (b.status !== 0) throw new Error(`build with --mem-heap=${kb} failed:\n${(b.stdout + b.stderr).substr(-3000)}`);
  }
  const cc = spawnSync(process.env.CC || "cc", ["-std=c11", "-O2", "-Wall", "-Wextra", "-o", host].concat(sources, [
    "-I", path.join(src, "jerry-core/include"), "-I", path.join(src, "jerry-ext/include"), "-L", path.join(dir, "lib"),
    "-ljerry-ext", "-ljerry-core", "-ljerry-port", "-lm",
  ]), { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(`linking jhost for ${kb} KB failed:\n${cc.stdout}${cc.stderr}`);
  return host;
}

/** Whether a 64 KB echo completes with the library from `file` on a `kb` KB heap; the reason when not. */
async function echoes(src: string, kb: number, files: string[], mode: string): Promise<{ ok: boolean; why: string; peak?: number }> {
  const host = hostWithHeap(src, kb);
  const rig = await startRig(921600);
  try {
    const args = [`serial=${rig.pty}`, "baud=921600", `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, "bytes=65536"];
    const r = await runJerry(files.concat([DRIVER]), args, 60000, host);
    const line = r.stdout.split("\n").filter((l) => l.indexOf("RESULT ") === 0)[0];
    if (r.code === 3) return { ok: false, why: "out of memory" };
    if (!line) return { ok: false, why: `exit ${r.code}, no result: ${(r.stdout + r.stderr).substr(-300)}` };
    const res = JSON.parse(line.substr(7)) as { ok: boolean; why: string; heapPeak: number };
    return { ok: res.ok && r.code === 0, why: res.why, peak: res.heapPeak };
  } finally {
    await rig.close();
  }
}

async function main(): Promise<number> {
  const src = (process.env.JERRY_SRC || "").trim();
  if (!src || !fs.existsSync(path.join(src, "tools/build.py"))) {
    console.error("make jerry-heap-bisect needs JERRY_SRC=<a checkout of github.com/jerryscript-project/jerryscript at v3.0.0>");
    return 2;
  }
  const { sdk, why } = jerrySdk();
  if (!sdk) {
    console.error("make jerry-heap-bisect: " + why + " (its jerry-snapshot makes the snapshot)");
    return 2;
  }
  const hi0 = Number(process.env.HI || 512);
  const step = Number(process.env.STEP || 4);
  fs.mkdirSync(WORK, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-bisect-"));
  const lib = await bundleJerryLib(sdk, dir);
  const cases = (process.env.CASES || "source:buffer,source:push,snapshot:buffer,snapshot:push,static:buffer,static:push").split(",");
  const rows: string[] = [];
  for (const c of cases) {
    const [from, mode] = c.split(":");
    // static: the literal list, then the static snapshot (its strings and code stay out of the heap).
    const file = from === "static" ? [lib.literals!, lib.staticSnapshot!] : from === "snapshot" ? [lib.snapshot!] : [lib.js];
    const lo0 = Number(process.env.LO || (from === "static" ? 32 : 128));
    // Invariant: the echo fails at lo (or lo is below the range) and completes at hi.
    let lo = lo0 - step;
    let hi = hi0;
    const top = await echoes(src, hi, file, mode);
    console.log(JSON.stringify({ bench: "jerry-heap-try", from, mode, kb: hi, ok: top.ok, why: top.why, peak: top.peak }));
    if (!top.ok) {
      rows.push(`${from}/${mode}: does not complete even at ${hi} KB (${top.why})`);
      continue;
    }
    let lastPeak = top.peak;
    while (hi - lo > step) {
      const mid = lo + Math.floor((hi - lo) / (2 * step)) * step;
      const r = await echoes(src, mid, file, mode);
      console.log(JSON.stringify({ bench: "jerry-heap-try", from, mode, kb: mid, ok: r.ok, why: r.why, peak: r.peak }));
      if (r.ok) {
        hi = mid;
        lastPeak = r.peak;
      } else lo = mid;
    }
    // The boundary depends a little on how the data is chunked: the answer must complete 3 runs of 3.
    for (let again = 0; again < 2; again++) {
      const r = await echoes(src, hi, file, mode);
      console.log(JSON.stringify({ bench: "jerry-heap-try", from, mode, kb: hi, ok: r.ok, why: r.why, peak: r.peak, confirm: true }));
      if (!r.ok) {
        lo = hi;
        hi += step;
        again = -2; // three fresh runs at the new size
      }
    }
    console.log(JSON.stringify({ bench: "jerry-smallest-heap-64k-echo", from, mode, kb: hi, failsAtKb: lo >= lo0 ? lo : undefined, peakAtSmallest: lastPeak }));
    rows.push(`${from}/${mode}: completes at ${hi} KB (3 runs of 3)` + (lo >= lo0 ? `, fails at ${lo} KB` : ` (the bottom of the range, ${lo0} KB)`) + ` (peak ${lastPeak} B in the last bisection run that completed)`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log("");
  console.log("smallest --mem-heap for a 64 KB echo at 921600 baud (library from source|snapshot|static snapshot / data mode):");
  for (const r of rows) console.log("  " + r);
  return 0;
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(err.message);
  process.exit(1);
});
