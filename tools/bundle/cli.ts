// `make bundle`: bundle the device library to dist/a76xx.js, run the device check on it, print its size.
import * as fs from "fs";
import * as path from "path";
import { bundle, ROOT } from "./build";
import { checkDeviceSource } from "../check-device/check";

async function main(): Promise<number> {
  const outfile = path.join(ROOT, "dist/a76xx.js");
  const res = await bundle("hal/espruino/bundle-entry.ts", outfile, true);
  const code = fs.readFileSync(outfile, "utf8");
  const findings = checkDeviceSource(code);
  const rel = path.relative(process.cwd(), outfile);
  for (const f of findings) console.error(`${rel}:${f.line} ${f.construct}`);
  if (findings.length) {
    console.error(`device check FAILED: ${findings.length} construct(s) the interpreter cannot run`);
    return 1;
  }
  console.log(`bundle: ${rel} ${res.bytes} bytes (minified, ES2015), device check OK`);
  return 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
