// `make bundle TARGET=jerryscript [APP=<example or path>] [BOARD=jerry-linux] [SERIAL=…] [APN=…] [MODE=…] [MODEM="…"] [ARGS="…"]`: bundles (and snapshots) for the JerryScript host.
import * as fs from "fs";
import * as path from "path";
import { JerryBundle, bundleJerryApp, bundleJerryLib } from "./bundle";
import { modemOptionsFromEnv, parsePairs } from "../bundle/apps";

function env(name: string): string | undefined {
  const v = process.env[name];
  return v && v.trim() ? v.trim() : undefined;
}

const rel = (f: string) => path.relative(process.cwd(), f);

/** Prints the bundle's device-check findings or its size and snapshot; the number of findings. */
function report(what: string, b: JerryBundle): number {
  for (const f of b.findings) console.error(`${rel(b.js)}:${f.line} ${f.construct}`);
  if (b.findings.length) {
    console.error(`device check FAILED: ${b.findings.length} construct(s) the interpreter cannot run`);
    return b.findings.length;
  }
  const snap = (b.snapshot ? `; snapshot ${rel(b.snapshot)} ${b.snapshotBytes} bytes` : "") +
    (b.staticSnapshot ? `; static snapshot ${rel(b.staticSnapshot)} ${b.staticSnapshotBytes} bytes` : "");
  console.log(`${what}: ${rel(b.js)} ${b.bytes} bytes (minified, ES2015), device check OK${snap}`);
  return 0;
}

async function main(): Promise<number> {
  const sdk = env("JERRY_SDK");
  const app = env("APP");
  let bad = 0;
  if (!app) {
    const lib = await bundleJerryLib(sdk);
    bad += report("core", lib);
    for (const name of Object.keys(lib.parts)) bad += report("part", lib.parts[name]);
    if (!sdk) console.log("snapshots: skipped (JERRY_SDK is not set)");
    if (!bad) console.log(`run: jhost ${rel(lib.snapshot || lib.js)} [${rel(lib.parts["a76xx-server"].snapshot || lib.parts["a76xx-server"].js)} …] your-script.js   (make jerry-host builds jhost)`);
    if (!bad && lib.literals) console.log(`  or, with the code in place and its strings out of the heap: jhost ${rel(lib.literals)} ${rel(lib.staticSnapshot!)} [${rel(lib.parts["a76xx-server"].staticSnapshot!)} …] your-script.js   (literal list ${fs.statSync(lib.literals).size} bytes)`);
    return bad ? 1 : 0;
  }
  const modem = modemOptionsFromEnv(process.env);
  if (env("BAUD")) modem.baud = Number(env("BAUD"));
  const b = await bundleJerryApp({ board: env("BOARD"), app, serial: env("SERIAL"), modem, args: parsePairs(env("ARGS")) }, sdk);
  bad = report("app", b);
  if (!sdk) console.log("snapshot: skipped (JERRY_SDK is not set)");
  if (!bad) console.log(`run: jhost ${rel(b.snapshot || b.js)} [-- serial=/dev/... key=value ...]   (make jerry-host builds jhost)`);
  if (!bad && b.literals) console.log(`  or: jhost ${rel(b.literals)} ${rel(b.staticSnapshot!)} [-- ...]   (static snapshot; literal list ${fs.statSync(b.literals).size} bytes)`);
  return bad ? 1 : 0;
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
