// Which app APP= names: an example in examples/ by name, or your own file by path; and the import name `a76xx` that outside apps use for the library.
//
// `APP=tcp-echo` is examples/tcp-echo.ts. `APP=./myapp.ts`, `APP=/abs/myapp.ts` or `APP=../x/myapp`
// (anything with a slash or ending in .ts/.js) is your own file: a relative path is taken from the
// directory you ran make in (make -C included), else from the repository. An app exports
// `main(modem, args, done?)`; an app outside the repository imports the library as "a76xx"
// (`import { Modem } from "a76xx"`), which the bundler and the host runner map to
// firmware/app/index.ts (see LIBRARY_IMPORT). No esbuild here: the host runner loads this at start.
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");

/** The import name an app uses for the library, and the file it means. */
export const LIBRARY_IMPORT = "a76xx";
export const LIBRARY_FILE = path.join(ROOT, "firmware/app/index.ts");
/** "a76xx/parts": the optional parts (server, transparent, tools, net). */
export const PARTS_FILE = path.join(ROOT, "firmware/parts/index.ts");

export interface AppRef {
  /** Short name: the example's name or the file's base name; names dist/<name>-<board>.js. */
  name: string;
  /** Absolute path of the app's source. */
  file: string;
  /** True for an app given by path (outside examples/). */
  byPath: boolean;
}

/** Example names available under examples/. */
export function listApps(): string[] {
  const dir = path.join(ROOT, "examples");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Whether APP= is a path rather than an example name. */
export function isAppPath(app: string): boolean {
  return app.indexOf("/") >= 0 || app.indexOf(path.sep) >= 0 || /\.(ts|js)$/.test(app);
}

/** The directory make was started in (make exports it as A76XX_CALLER_DIR), else the current one. */
export function callerDir(): string {
  const d = process.env.A76XX_CALLER_DIR;
  return d && path.isAbsolute(d) ? d : process.cwd();
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch (e) {
    return false;
  }
}

/** Resolves APP=; throws an Error saying what was tried when there is no such app. */
export function resolveApp(app: string, from: string = callerDir()): AppRef {
  if (!isAppPath(app)) {
    if (listApps().indexOf(app) < 0)
      throw new Error(`unknown app "${app}"; examples: ${listApps().join(", ")}; or give the path of your own app, e.g. APP=./myapp.ts`);
    return { name: app, file: path.join(ROOT, "examples", app + ".ts"), byPath: false };
  }
  const bases = path.isAbsolute(app) ? [""] : from === ROOT ? [ROOT] : [from, ROOT];
  const tried: string[] = [];
  for (const base of bases) {
    const p = path.resolve(base || "/", app);
    for (const candidate of /\.(ts|js)$/.test(p) ? [p] : [p + ".ts", p + ".js", p]) {
      tried.push(candidate);
      if (isFile(candidate)) {
        const name = path.basename(candidate).replace(/\.(ts|js)$/, "");
        if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`app file name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-" (it names dist/<name>-<board>.js)`);
        return { name, file: candidate, byPath: true };
      }
    }
  }
  throw new Error(`no app file at ${tried.join(" or ")}`);
}

/** `KEY=value KEY2=value2` → object (for ARGS= and MODEM= on the make command line). */
export function parsePairs(s: string | undefined): { [k: string]: string } {
  const out: { [k: string]: string } = {};
  if (!s) return out;
  for (const part of s.split(/\s+/)) {
    if (!part) continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw new Error(`expected key=value, got "${part}"`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * A MODEM= value: a number, true/false, a comma-separated list of numbers (searchBauds=9600,115200),
 * else the text itself.
 */
export function modemOptionValue(v: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  if (v === "true" || v === "false") return v === "true";
  if (/^\d+(,\d+)+$/.test(v)) return v.split(",").map(Number);
  return v;
}

/**
 * The modem options of a make command line: MODEM="option=value …" (any createModem option,
 * values as modemOptionValue), then APN= (apn) and MODE= (dataMode), which win over MODEM.
 */
export function modemOptionsFromEnv(env: { [k: string]: string | undefined }): { [k: string]: unknown } {
  const options: { [k: string]: unknown } = {};
  const pairs = parsePairs(env.MODEM);
  for (const k of Object.keys(pairs)) options[k] = modemOptionValue(pairs[k]);
  const apn = env.APN !== undefined ? env.APN.trim() : undefined;
  if (apn !== undefined && apn !== "") options.apn = apn;
  const mode = env.MODE !== undefined ? env.MODE.trim() : "";
  if (mode) options.dataMode = mode;
  return options;
}

