// Bundles for the JerryScript host: the core library (a76xx-jerry.js), the optional parts and app bundles, each with its snapshot from the SDK's jerry-snapshot.
//
// The parts are the Espruino part bundles themselves (dist/a76xx-server.js …): they carry no HAL
// and take the core through their install context. They and the JerryScript core are built in one
// run with one property renaming (tools/bundle/mangle.ts), so a part from the same run fits the
// core. An app bundle carries the parts its app imports (`export const parts`), as on Espruino.
import { parse } from "acorn";
import { full } from "acorn-walk";
import { spawnSync } from "child_process";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { bundleAll, bundleLibrary, ROOT } from "../bundle/build";
import { resolveApp } from "../bundle/apps";
import { appBuildOptions } from "../bundle/app";
import { findJerryBoard, JERRY_BOARD_IDS } from "../../boards/jerry";
import { checkDeviceSource, Finding } from "../check-device/check";

/** The optional parts that run on JerryScript (a76xx-net is Espruino's own network API, not here). */
export const JERRY_PARTS: Array<{ name: string; global: string }> = [
  { name: "a76xx-server", global: "A76XX_SERVER" },
  { name: "a76xx-transparent", global: "A76XX_TRANSPARENT" },
  { name: "a76xx-tools", global: "A76XX_TOOLS" },
];

export interface JerryBundle {
  /** The JavaScript bundle. */
  js: string;
  bytes: number;
  findings: Finding[];
  /** Its snapshot (jerry-snapshot generate), when an SDK was given and the device check passed. */
  snapshot?: string;
  snapshotBytes?: number;
  /**
   * Its static snapshot (jerry-snapshot generate --static, `<name>.static.snapshot`): runs entirely
   * in place, its strings are external magic strings from `literals`, which jhost must be given
   * first. Made with the snapshot.
   */
  staticSnapshot?: string;
  staticSnapshotBytes?: number;
  /** The literal list (`<name>.literals`) the static snapshot needs, shared by the bundles built together. */
  literals?: string;
}

/** The core bundle, plus its optional parts by name (a76xx-server …). */
export interface JerryLibrary extends JerryBundle {
  parts: { [name: string]: JerryBundle };
}

export interface JerryAppOptions {
  /** Board id from boards/jerry.ts (default jerry-linux). */
  board?: string;
  /** Example name (examples/<app>.ts) or the path of your own app (tools/bundle/apps.ts). */
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

/**
 * The same program in the form JerryScript 3.0 can save in a static snapshot: arrow functions
 * become function expressions (esbuild binds `this` and `arguments` as the arrow did; a static
 * arrow function crashes the 3.0 engine when called) and regular expression literals become
 * `new RegExp(source, flags)` (static snapshots cannot hold them; every evaluation of a literal
 * makes a new object anyway). Nothing else changes.
 */
export function staticForm(code: string): string {
  const lowered = esbuild.transformSync(code, { supported: { arrow: false }, minifyWhitespace: true, target: "es2015" }).code;
  const regexps: Array<{ start: number; end: number; pattern: string; flags: string }> = [];
  full(parse(lowered, { ecmaVersion: 2015 }), (n) => {
    const lit = n as unknown as { type: string; start: number; end: number; regex?: { pattern: string; flags: string } };
    if (lit.type === "Literal" && lit.regex) regexps.push({ start: lit.start, end: lit.end, pattern: lit.regex.pattern, flags: lit.regex.flags });
  });
  let out = lowered;
  regexps.sort((a, b) => b.start - a.start);
  for (const r of regexps) {
    const args = JSON.stringify(r.pattern) + (r.flags ? "," + JSON.stringify(r.flags) : "");
    out = out.slice(0, r.start) + "(new RegExp(" + args + "))" + out.slice(r.end);
  }
  return out;
}

/**
 * Static snapshots of bundles that run together (the core and its parts, or one app bundle): each
 * `<name>.static.snapshot` next to its bundle, and one literal list `literals` (every string of
 * all of them, as jerry-snapshot litdump --format list writes it: the engine takes one table).
 * jhost registers the list as external magic strings before anything runs; the snapshots then run
 * in place and their strings stay in the list: nothing of the code is copied into the heap.
 * Throws Error with the tool's output when a step fails.
 */
export function makeStaticSnapshots(tool: string, bundles: JerryBundle[], literals: string): void {
  const tmp = fs.mkdtempSync(path.join(path.dirname(literals), ".static-"));
  try {
    const forms: string[] = [];
    for (let i = 0; i < bundles.length; i++) {
      const form = path.join(tmp, i + ".js");
      fs.writeFileSync(form, staticForm(fs.readFileSync(bundles[i].js, "utf8")));
      makeSnapshot(tool, form);
      forms.push(form);
    }
    const dump = spawnSync(tool, ["litdump", "--format", "list", "-o", literals].concat(forms.map((f) => f.replace(/\.js$/, ".snapshot"))), { encoding: "utf8" });
    if (dump.status !== 0) throw new Error(`jerry-snapshot litdump failed:\n${dump.stdout}${dump.stderr}`);
    for (let i = 0; i < bundles.length; i++) {
      const file = bundles[i].js.replace(/\.js$/, "") + ".static.snapshot";
      const r = spawnSync(tool, ["generate", "--static", "--load-literals-list-format", literals, "-o", file, forms[i]], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`jerry-snapshot generate --static failed on ${bundles[i].js}:\n${r.stdout}${r.stderr}`);
      bundles[i].staticSnapshot = file;
      bundles[i].staticSnapshotBytes = fs.statSync(file).size;
      bundles[i].literals = literals;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The JerryScript core (global A76XX with setup(board, options)) and its optional parts, in `dir`
 * (dist/ by default): a76xx-jerry.js and a76xx-server.js, a76xx-transparent.js, a76xx-tools.js,
 * each with its .snapshot when `sdk` is given. The Espruino bundles land in `dir` too (the parts
 * are theirs).
 */
export async function bundleJerryLib(sdk: string | undefined, dir?: string): Promise<JerryLibrary> {
  const d = dir || path.join(ROOT, "dist");
  fs.mkdirSync(d, { recursive: true });
  // The Espruino set first: it completes the renaming the JerryScript core then shares.
  await bundleAll(true, d);
  const js = path.join(d, "a76xx-jerry.js");
  await bundleLibrary({ name: "a76xx-jerry", entry: "hal/jerryscript/bundle-entry.ts", global: "A76XX", part: false }, js, true);
  const parts: { [name: string]: JerryBundle } = {};
  for (const p of JERRY_PARTS) parts[p.name] = finish(path.join(d, p.name + ".js"), sdk);
  const lib: JerryLibrary = Object.assign(finish(js, sdk), { parts });
  const all = [lib as JerryBundle].concat(JERRY_PARTS.map((p) => parts[p.name]));
  const tool = snapshotTool(sdk);
  if (tool && all.every((b) => b.snapshot)) makeStaticSnapshots(tool, all, path.join(d, "a76xx-jerry.literals"));
  return lib;
}

/**
 * An app for the JerryScript host (an example or your own file), with the parts it imports (and
 * transparent mode's when built with dataMode "transparent"); ends the host when the app reports
 * done. Throws Error on an unknown board or app.
 */
export async function bundleJerryApp(o: JerryAppOptions, sdk: string | undefined): Promise<JerryBundle> {
  const boardId = o.board || "jerry-linux";
  if (!findJerryBoard(boardId)) throw new Error(`unknown JerryScript board "${boardId}"; boards: ${JERRY_BOARD_IDS.split(" ").join(", ")}`);
  const app = resolveApp(o.app);
  if (o.serial && !/^[A-Za-z0-9_./-]+$/.test(o.serial)) throw new Error(`SERIAL path ${JSON.stringify(o.serial)} has unexpected characters`);
  const js = o.out || path.join(ROOT, "dist", `${app.name}-${boardId}.js`);
  const config = { board: boardId, serial: o.serial || "", modem: o.modem || {}, args: o.args || {} };
  const transparent = config.modem.dataMode === "transparent";
  const entry = [
    'import { createJerryHal } from "./hal/jerryscript/index";',
    'import { installGlobals } from "./hal/jerryscript/globals";',
    'import { runApp, runConfig } from "./hal/jerryscript/run-app";',
    'import { findJerryBoard } from "./boards/jerry";',
    'import { createModem } from "./firmware/app/index";',
    `import * as app from ${JSON.stringify(app.file)};`,
    transparent ? 'import { transparent } from "./firmware/parts/transparent";' : "",
    "declare const __A76XX_APP__: { board: string; serial: string; modem: any; args: { [k: string]: string } };",
    "declare var modem: unknown;",
    "installGlobals();",
    "const built = __A76XX_APP__;",
    "const cfg = runConfig(jhost.argv, built.modem, built.args);",
    "const board = findJerryBoard(built.board)!;",
    "const parts: any[] = ((app as any).parts || []).slice();",
    transparent ? "parts.push(transparent);" : "",
    "const m = createModem(createJerryHal(board, { path: cfg.serial || built.serial || undefined }), board, Object.assign({}, cfg.modem, { parts: parts }));",
    "modem = m;",
    "runApp(m, app.main, cfg.args);",
  ].join("\n");
  await esbuild.build(appBuildOptions(app.file, entry, "jerry-app-entry.ts", js, config));
  const b = finish(js, sdk);
  const tool = snapshotTool(sdk);
  if (tool && b.snapshot) makeStaticSnapshots(tool, [b], js.replace(/\.js$/, "") + ".literals");
  return b;
}
