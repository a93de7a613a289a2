// `make bundle TARGET=jerryscript [APP=<example>] [BOARD=jerry-linux] [SERIAL=…] [APN=…] [MODE=…] [ARGS="…"]`: bundles (and snapshots) for the JerryScript host.
import * as path from "path";
import { JerryBundle, bundleJerryApp, bundleJerryLib } from "./jerry";
import { parsePairs } from "./app";

function env(name: string): string | undefined {
  const v = process.env[name];
  return v && v.trim() ? v.trim() : undefined;
}

function report(b: JerryBundle): number {
  const rel = (f: string) => path.relative(process.cwd(), f);
  for (const f of b.findings) console.error(`${rel(b.js)}:${f.line} ${f.construct}`);
  if (b.findings.length) {
    console.error(`device check FAILED: ${b.findings.length} construct(s) the interpreter cannot run`);
    return 1;
  }
  console.log(`bundle: ${rel(b.js)} ${b.bytes} bytes (minified, ES2015), device check OK`);
  if (b.snapshot) console.log(`snapshot: ${rel(b.snapshot)} ${b.snapshotBytes} bytes (jerry-snapshot from JERRY_SDK)`);
  else console.log("snapshot: skipped (JERRY_SDK is not set or has no bin/jerry-snapshot)");
  return 0;
}

async function main(): Promise<number> {
  const sdk = env("JERRY_SDK");
  const app = env("APP");
  if (!app) return report(await bundleJerryLib(sdk));
  const modem: { [k: string]: unknown } = {};
  const pairs = parsePairs(env("MODEM"));
  for (const k of Object.keys(pairs)) modem[k] = /^[0-9]+$/.test(pairs[k]) ? Number(pairs[k]) : pairs[k];
  if (env("APN") !== undefined) modem.apn = env("APN");
  if (env("MODE")) modem.dataMode = env("MODE");
  if (env("BAUD")) modem.baud = Number(env("BAUD"));
  const b = await bundleJerryApp({ board: env("BOARD"), app, serial: env("SERIAL"), modem, args: parsePairs(env("ARGS")) }, sdk);
  const code = report(b);
  if (!code) console.log(`run: jhost ${path.relative(process.cwd(), b.snapshot || b.js)} [-- serial=/dev/... key=value ...]   (make jerry-host builds jhost)`);
  return code;
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
