// `make size`: the device bundle's size, minified and gzipped, each top-level module's share, and (with JERRY_SDK) the JerryScript heap after loading the core.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { bundle, ROOT } from "./build";
import { jerrySizeLines } from "../jerry/size";
import { listApps } from "./app";
import { memoryReport } from "../device/memory";
import { defaultPoolSize, Pool } from "../device/pool";
import { runtimeFromEnv, runtimeMissing } from "../device/runtimes";

/** Group an input path into its top-level module: firmware/at, firmware/core, hal/espruino, boards … */
function moduleOf(input: string): string {
  const parts = input.split("/");
  if (parts[0] === "firmware" && parts.length > 2) return parts[0] + "/" + parts[1];
  if (parts[0] === "hal" && parts.length > 2) return parts[0] + "/" + parts[1];
  return parts[0];
}

async function main(): Promise<void> {
  const outfile = path.join(ROOT, "dist/a76xx.js");
  const res = await bundle("hal/espruino/bundle-entry.ts", outfile, true);
  const code = fs.readFileSync(outfile);
  const gz = zlib.gzipSync(code, { level: 9 }).length;
  const out = res.metafile.outputs[Object.keys(res.metafile.outputs)[0]];
  const shares: { [m: string]: number } = {};
  let attributed = 0;
  for (const input of Object.keys(out.inputs)) {
    const m = moduleOf(path.relative(ROOT, path.resolve(process.cwd(), input)));
    shares[m] = (shares[m] || 0) + out.inputs[input].bytesInOutput;
    attributed += out.inputs[input].bytesInOutput;
  }
  console.log(`dist/a76xx.js: ${code.length} bytes minified, ${gz} bytes gzip`);
  console.log("per module (minified bytes in the bundle):");
  const names = Object.keys(shares).sort((a, b) => shares[b] - shares[a]);
  for (const m of names) {
    const pct = ((100 * shares[m]) / code.length).toFixed(1);
    console.log(`  ${m.padEnd(18)} ${String(shares[m]).padStart(7)}  ${pct.padStart(5)}%`);
  }
  console.log(`  ${"(wrapper)".padEnd(18)} ${String(code.length - attributed).padStart(7)}`);
  console.log(JSON.stringify({ bench: "size", bytes: code.length, gzip: gz, modules: shares }));
  // JerryScript: the heap after loading the core (issue 12), when JERRY_SDK is set.
  for (const line of await jerrySizeLines()) console.log(line);
  await deviceMemory();
}

/** With ESPRUINO set: heap in use on the real interpreter after loading the library and each app, and the peak through a 256 KB echo per mode. */
async function deviceMemory(): Promise<void> {
  const missing = runtimeMissing("espruino");
  console.log("");
  if (missing) {
    console.log(`memory on the real interpreter: skipped, ${missing} (the path of Espruino's Linux build)`);
    return;
  }
  const rt = runtimeFromEnv("espruino")!;
  const bytes = 256 * 1024;
  const baud = 921600;
  console.log(`memory on the real interpreter (${rt.exe}), in JsVars (process.memory().usage, after a garbage collection):`);
  const pool = new Pool(defaultPoolSize());
  const r = await memoryReport(rt, listApps(), ["buffer", "push", "transparent"], bytes, baud, (fn) => pool.run(fn));
  const fmt = (n: number | undefined) => (n === undefined ? "-" : String(n));
  const w = Math.max(...r.loads.map((l) => l.what.length), 8);
  console.log(`  ${"".padEnd(w)}  ${"as a script file".padStart(17)}  ${"as boot code (Storage)".padStart(22)}`);
  console.log(`  ${"loaded".padEnd(w)}  ${"loading".padStart(8)} ${"resident".padStart(8)}  ${"loading".padStart(11)} ${"resident".padStart(10)}`);
  for (const l of r.loads) {
    console.log(
      `  ${l.what.padEnd(w)}  ${fmt(l.asFile.loaded).padStart(8)} ${fmt(l.asFile.resident).padStart(8)}  ${fmt(l.asBootCode.loaded).padStart(11)} ${fmt(l.asBootCode.resident).padStart(10)}` +
        (l.failures.length ? "  (" + l.failures.join("; ") + ")" : ""),
    );
  }
  console.log("  loading = right after the code ran (its source text still held); resident = from the first timer after.");
  console.log("  apps: the bundle for the linux board in buffer mode; loading runs main(), which creates the modem (every buffer) and starts it.");
  console.log(`  ${bytes / 1024} KB echo (examples/echo-check) at ${baud} baud, sampled every 4 KB received and every 250 ms; quarters compared after the first ${bytes / 4096} KB (warm-up):`);
  console.log(`  ${"mode".padEnd(11)}  ${"peak".padStart(6)}  ${"first quarter".padStart(13)}  ${"last quarter".padStart(12)}  ${"growth".padStart(7)}  transfer`);
  for (const t of r.transfers) {
    const f = t.flat;
    console.log(
      `  ${t.mode.padEnd(11)}  ${String(t.peak).padStart(6)}  ${f.firstQuarterMean.toFixed(0).padStart(13)}  ${f.lastQuarterMean.toFixed(0).padStart(12)}  ${((f.growthPct >= 0 ? "+" : "") + f.growthPct.toFixed(2) + "%").padStart(7)}  ${t.ok ? "ok" : "FAILED: " + t.failures.join("; ")}`,
    );
  }
  for (const l of r.loads) {
    console.log(JSON.stringify({ bench: "device-memory-load", runtime: r.runtime, what: l.what, fileLoading: l.asFile.loaded, fileResident: l.asFile.resident, bootLoading: l.asBootCode.loaded, bootResident: l.asBootCode.resident, unit: "JsVars" }));
  }
  for (const t of r.transfers) {
    console.log(JSON.stringify({ bench: "device-memory-transfer", runtime: r.runtime, mode: t.mode, baud: t.baud, bytes: t.bytes, ok: t.ok, peak: t.peak, firstQuarterMean: Math.round(t.flat.firstQuarterMean), lastQuarterMean: Math.round(t.flat.lastQuarterMean), growthPct: Number(t.flat.growthPct.toFixed(2)), samples: t.flat.samples, unit: "JsVars" }));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
