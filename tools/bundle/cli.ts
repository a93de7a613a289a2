// `make lib-bundle`: bundle the core library and every optional part to dist/, run the device check on each, print their sizes.
import * as path from "path";
import { bundleAll } from "./build";

async function main(): Promise<number> {
  const res = await bundleAll(true);
  let bad = 0;
  for (const r of res) {
    const rel = path.relative(process.cwd(), r.outfile);
    for (const f of r.findings) console.error(`${rel}:${f.line} ${f.construct}`);
    bad += r.findings.length;
    console.log(`bundle: ${rel} ${r.bytes} bytes (minified, ES2015)${r.findings.length ? "" : ", device check OK"}`);
  }
  if (bad) console.error(`device check FAILED: ${bad} construct(s) the interpreter cannot run`);
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
