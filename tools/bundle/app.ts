// Builds a device bundle for one board and one app (an example, or your own file by path): the library, the board's wiring and the app's main().
//
// The generated entry creates the Espruino HAL for the board, the modem with the given options (also
// the global `modem`, for the REPL's bring-up helpers), prints the modem's progress lines during long
// waits (unless the app listens to them) and calls the app's `main(modem, args)` at load. Flashed as boot code (see tools/flash), it runs at
// every power-up, which is what re-initialises the modem after a reset (save() would restore RAM
// but not the modem's state).
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { DEVICE_BUILD, mangleOptions, ROOT, wordsOf } from "./build";
import { liftIife } from "./toplevel";
import { findBoard } from "../../boards/index";
import { checkDeviceSource, Finding } from "../check-device/check";
import { LIBRARY_FILE, LIBRARY_IMPORT, PARTS_FILE, resolveApp } from "./apps";
import { createModem } from "../../firmware/app/index";
import { allParts } from "../../firmware/parts/index";
import { createTestHal } from "../../hal/host/test-hal";

export { listApps, parsePairs, resolveApp } from "./apps";

export interface AppBundleOptions {
  /** Board id from boards/ (esp32, t-a7670, pico, linux). */
  board: string;
  /** Example name (examples/<app>.ts) or the path of your own app (see apps.ts). */
  app: string;
  /** Serial device path for the Linux board (e.g. /dev/ttyS0, or a simulator PTY). */
  serial?: string;
  /** Modem options (apn, dataMode, …) passed to createModem. */
  modem?: { [key: string]: unknown };
  /** Arguments for the app's main (host, port, …). */
  args?: { [key: string]: string };
  /** Output file; default dist/<app name>-<board>.js. */
  out?: string;
}

export interface AppBundleResult {
  outfile: string;
  bytes: number;
  findings: Finding[];
}

/**
 * The modem options checked here, by the firmware's own rules, so that a typo in MODEM=/APN=/MODE=
 * fails the build instead of the board at boot. The parts are all of them: an option of any part
 * passes here (the device still refuses one of a part the app does not import).
 */
export function checkModemOptions(boardId: string, modem: { [key: string]: unknown }): void {
  const board = findBoard(boardId);
  if (!board) throw new Error(`unknown board "${boardId}"`);
  try {
    // Nothing runs: the test HAL's clock is virtual and the modem is never started.
    createModem(createTestHal({ baud: board.uart.baud }), board, Object.assign({}, modem, { parts: allParts }));
  } catch (e) {
    throw new Error(`${(e as Error).message} (from MODEM=, APN= or MODE=)`);
  }
}

/**
 * esbuild options every app bundle shares (Espruino's and the JerryScript host's): the generated
 * `entry` and the app are user code, so none of their names is shortened; the build's `config`
 * becomes `__A76XX_APP__`; `modem` is a global (for the REPL: modem.diagnose(), modem.at(…));
 * outside apps' imports of "a76xx" and "a76xx/parts" resolve to this checkout's library.
 */
export function appBuildOptions(appFile: string, entry: string, sourcefile: string, outfile: string, config: object): esbuild.BuildOptions {
  return {
    ...DEVICE_BUILD,
    ...mangleOptions(true, wordsOf([appFile]).concat(["board", "serial", "modem", "args", "parts", "main"])),
    stdin: { contents: entry, resolveDir: ROOT, sourcefile, loader: "ts" },
    outfile,
    minify: true,
    define: { __A76XX_APP__: JSON.stringify(config) },
    banner: { js: "var modem;" },
    plugins: [
      {
        name: "a76xx-library",
        setup(build) {
          build.onResolve({ filter: new RegExp("^" + LIBRARY_IMPORT + "(/parts)?$") }, (a) => ({ path: a.path === LIBRARY_IMPORT ? LIBRARY_FILE : PARTS_FILE }));
        },
      },
    ],
  };
}

/** Throws Error with a readable message on an unknown board or app, bad modem options, or a serial path on a board without one. */
export async function bundleApp(o: AppBundleOptions): Promise<AppBundleResult> {
  const board = findBoard(o.board);
  if (!board) throw new Error(`unknown board "${o.board}"; boards: esp32, t-a7670, pico, linux`);
  const app = resolveApp(o.app);
  if (o.serial && !board.uart.path) throw new Error(`SERIAL= is for the Linux board; ${board.id} wires the modem to Serial${board.uart.port}`);
  if (o.serial && !/^[A-Za-z0-9_./-]+$/.test(o.serial)) throw new Error(`SERIAL path ${JSON.stringify(o.serial)} has unexpected characters`);
  checkModemOptions(board.id, o.modem || {});
  const outfile = o.out || path.join(ROOT, "dist", `${app.name}-${board.id}.js`);
  const config = { board: board.id, serial: o.serial || "", modem: o.modem || {}, args: o.args || {} };
  // The app's own parts (`export const parts`), plus transparent mode's when the app runs in it.
  const transparent = config.modem.dataMode === "transparent";
  const asksParts = /\bparts\b/.test(fs.readFileSync(app.file, "utf8"));
  const entry = [
    'import { createEspruinoHal } from "./hal/espruino/index";',
    'import { findBoard } from "./boards/index";',
    'import { createModem } from "./firmware/app/index";',
    `import * as app from ${JSON.stringify(app.file)};`,
    transparent ? 'import { transparent } from "./firmware/parts/transparent";' : "",
    "declare const __A76XX_APP__: { board: string; serial: string; modem: any; args: { [k: string]: string } };",
    "const cfg = __A76XX_APP__;",
    "const base = findBoard(cfg.board)!;",
    "const board = cfg.serial ? Object.assign({}, base, { uart: Object.assign({}, base.uart, { path: cfg.serial }) }) : base;",
    // Only an app that names `parts` is asked for them: esbuild warns about every import of a missing export.
    asksParts ? "const parts: any[] = ((app as any).parts || []).slice();" : "const parts: any[] = [];",
    transparent ? "parts.push(transparent);" : "",
    "declare var modem: unknown;",
    "const m = createModem(createEspruinoHal(board), board, Object.assign({}, cfg.modem, { parts: parts }));",
    "modem = m;",
    // Long waits on the console (registration may take minutes), unless the app prints them itself.
    'm.on("progress", function (t: string) { if (m.listenerCount("progress") === 1) console.log("a76xx: " + t); });',
    "app.main(m, cfg.args);",
  ].join("\n");
  await esbuild.build({
    ...appBuildOptions(app.file, entry, "app-entry.ts", outfile, config),
    // An app without `export const parts` is the usual case, not a mistake worth a warning.
    logOverride: { "import-is-undefined": "silent" },
    // Outside apps import the library as "a76xx" and its parts as "a76xx/parts" (apps.ts); the
    // interpreter's own modules stay require()s.
    external: ["NetworkJS", "Storage", "net", "http", "dgram"],
  });
  // Flashed as boot code: the IIFE's body goes to the top level (one JsVar less per function).
  const code = liftIife(fs.readFileSync(outfile, "utf8"));
  fs.writeFileSync(outfile, code);
  return { outfile, bytes: Buffer.byteLength(code), findings: checkDeviceSource(code) };
}
