// Bundles for the JerryScript host: the library (dist/a76xx-jerry.js) and example apps, each with its snapshot from the SDK's jerry-snapshot.
import { spawnSync } from "child_process";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { bundle, ROOT } from "./build";
import { listApps } from "./app";
import { findJerryBoard, jerryBoards } from "../../boards/jerry";
import { checkDeviceSource, Finding } from "../check-device/check";

export interface JerryBundle {
  /** The JavaScript bundle. */
  js: string;
  bytes: number;
  findings: Finding[];
  /** Its snapshot (jerry-snapshot generate), when an SDK was given. */
  snapshot?: string;
  snapshotBytes?: number;
}

export interface JerryAppOptions {
  /** Board id from boards/jerry.ts (default jerry-linux). */
  board?: string;
  /** Example name: examples/<app>.ts. */
  app: string;
  /** Serial device built in (the board's when absent; `serial=` on the host's command line wins). */
  serial?: string;
  /** Modem options (apn, dataMode, baud, ...). */
  modem?: { [key: string]: unknown };
  /** App arguments built in (host, port, ...). */
  args?: { [key: string]: string };
  /** Output file; default dist/<app>-<board>.js. */
  out?: string;
}

/** The jerry-snapshot program of an SDK, or undefined when the SDK has none. */
export function snapshotTool(sdk: string | undefined): string | undefined {
  if (!sdk) return undefined;
  const tool = path.join(sdk, "bin", "jerry-snapshot");
  return fs.existsSync(tool) ? tool : undefined;
}

/** `jerry-snapshot generate` of `js` next to it (.snapshot). Throws Error with the tool's output when it fails. */
export function makeSnapshot(tool: string, js: string): { file: string; bytes: number } {
  const file = js.replace(/\.js$/, "") + ".snapshot";
  const r = spawnSync(tool, ["generate", "-o", file, js], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`jerry-snapshot failed on ${js}:\n${r.stdout}${r.stderr}`);
  return { file, bytes: fs.statSync(file).size };
}

function finish(js: string, sdk: string | undefined): JerryBundle {
  const code = fs.readFileSync(js, "utf8");
  const out: JerryBundle = { js, bytes: Buffer.byteLength(code), findings: checkDeviceSource(code) };
  const tool = snapshotTool(sdk);
  if (tool && !out.findings.length) {
    const s = makeSnapshot(tool, js);
    out.snapshot = s.file;
    out.snapshotBytes = s.bytes;
  }
  return out;
}

/** The library for the JerryScript host: global A76XX with setup(boardId, options). */
export async function bundleJerryLib(sdk: string | undefined, out?: string): Promise<JerryBundle> {
  const js = out || path.join(ROOT, "dist/a76xx-jerry.js");
  await bundle("hal/jerryscript/bundle-entry.ts", js, true);
  return finish(js, sdk);
}

/** An example app for the JerryScript host; ends the host when the app reports done. Throws Error on an unknown board or app. */
export async function bundleJerryApp(o: JerryAppOptions, sdk: string | undefined): Promise<JerryBundle> {
  const boardId = o.board || "jerry-linux";
  if (!findJerryBoard(boardId)) throw new Error(`unknown JerryScript board "${boardId}"; boards: ${jerryBoards.map((b) => b.id).join(", ")}`);
  const apps = listApps();
  if (apps.indexOf(o.app) < 0) throw new Error(`unknown app "${o.app}"; apps: ${apps.join(", ")}`);
  if (o.serial && !/^[A-Za-z0-9_./-]+$/.test(o.serial)) throw new Error(`SERIAL path ${JSON.stringify(o.serial)} has unexpected characters`);
  const js = o.out || path.join(ROOT, "dist", `${o.app}-${boardId}.js`);
  const config = { board: boardId, serial: o.serial || "", modem: o.modem || {}, args: o.args || {} };
  const entry = [
    'import { createJerryHal } from "./hal/jerryscript/index";',
    'import { installGlobals } from "./hal/jerryscript/globals";',
    'import { runApp, runConfig } from "./hal/jerryscript/run-app";',
    'import { findJerryBoard } from "./boards/jerry";',
    'import { createModem } from "./firmware/app/index";',
    `import { main } from "./examples/${o.app}";`,
    "declare const __A76XX_APP__: { board: string; serial: string; modem: any; args: { [k: string]: string } };",
    "declare var modem: unknown;",
    "installGlobals();",
    "const built = __A76XX_APP__;",
    "const cfg = runConfig(jhost.argv, built.modem, built.args);",
    "const board = findJerryBoard(built.board)!;",
    "const m = createModem(createJerryHal(board, { path: cfg.serial || built.serial || undefined }), board, cfg.modem);",
    "modem = m;",
    "runApp(m, main, cfg.args);",
  ].join("\n");
  await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: "jerry-app-entry.ts", loader: "ts" },
    outfile: js,
    bundle: true,
    format: "iife",
    target: "es2015",
    platform: "neutral",
    minify: true,
    legalComments: "none",
    charset: "ascii",
    define: { __A76XX_APP__: JSON.stringify(config) },
    banner: { js: "var modem;" },
    logLevel: "warning",
  });
  return finish(js, sdk);
}
