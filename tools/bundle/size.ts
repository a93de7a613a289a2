// `make size`: the device bundle's size, minified and gzipped, each top-level module's share, and (with JERRY_SDK) the JerryScript heap after loading the core.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { bundle, ROOT } from "./build";
import { jerrySizeLines } from "../jerry/size";

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
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
