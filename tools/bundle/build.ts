// Bundles device code with esbuild into ES2015 files (minified, ASCII) that Espruino loads as modules or from the REPL: the core library and each optional part.
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { checkDeviceSource, Finding } from "../check-device/check";
import { manglePattern } from "./mangle";
import { liftIife } from "./toplevel";

export const ROOT = path.resolve(__dirname, "../..");

/** Name of the global the core bundle defines when pasted into the REPL (no `exports` in scope). */
export const GLOBAL_NAME = "A76XX";

/** One library bundle: a Storage module on the board (`require(name)`), a global when pasted. */
export interface LibraryBundle {
  name: string;
  entry: string;
  global: string;
  /** An optional part: it may not carry the core's code (it gets the core through its install context). */
  part: boolean;
  /** Lift the IIFE's body to the top level (toplevel.ts): for code Espruino runs as boot code or from the REPL. */
  topLevel?: boolean;
}

/** The core and its optional parts, in the order they are built and flashed. */
export const LIBRARY: LibraryBundle[] = [
  { name: "a76xx", entry: "hal/espruino/bundle-entry.ts", global: "A76XX", part: false, topLevel: true },
  { name: "a76xx-server", entry: "hal/espruino/part-server.ts", global: "A76XX_SERVER", part: true },
  { name: "a76xx-transparent", entry: "hal/espruino/part-transparent.ts", global: "A76XX_TRANSPARENT", part: true },
  { name: "a76xx-tools", entry: "hal/espruino/part-tools.ts", global: "A76XX_TOOLS", part: true },
  { name: "a76xx-net", entry: "hal/espruino/part-net.ts", global: "A76XX_NET", part: true },
];

/**
 * Modules a part bundle may carry its own copy of: small pure helpers. Anything else of the core
 * (engine, table, modem, sockets…) a part must take from its install context, or it would ship
 * the core twice; importing it is a build error.
 */
const PART_MAY_CARRY = ["firmware/parts/", "firmware/core/fifo.ts", "firmware/core/validate.ts", "firmware/app/emitter.ts", "firmware/net/errors.ts", "firmware/net/consts.ts", "firmware/at/command.ts", "hal/espruino/part-"];

export interface BundleResult {
  outfile: string;
  bytes: number;
  metafile: esbuild.Metafile;
  findings: Finding[];
}

/** esbuild options every device bundle shares. */
export const DEVICE_BUILD: esbuild.BuildOptions = {
  bundle: true,
  format: "iife",
  target: "es2015",
  platform: "neutral",
  legalComments: "none",
  // The espruino CLI's upload mangles non-ASCII bytes: every bundle is pure ASCII.
  charset: "ascii",
  logLevel: "warning",
  // The library's own modules (Storage modules on the board) and the interpreter's built-in ones are
  // require()d at run time, never inlined.
  external: ["a76xx", "a76xx-*", "NetworkJS", "Storage", "net", "http", "dgram"],
};

/** Fails the build when a part imports runtime code from outside PART_MAY_CARRY. */
function partGuard(name: string): esbuild.Plugin {
  return {
    name: "part-guard",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = path.relative(ROOT, args.path).split(path.sep).join("/");
        if (!PART_MAY_CARRY.some((p) => rel.startsWith(p))) {
          return { errors: [{ text: `part ${name} would carry ${rel}: take it from the PartContext (import types only)` }] };
        }
        return undefined;
      });
    },
  };
}

/**
 * Banner and footer around esbuild's IIFE: the entry assigns the library to `global`. Pasted into
 * the REPL, the top-level `var` makes it a global; inside a module (Storage file or
 * Modules.addCached) it stays local and its properties are copied onto `exports`.
 */
export function wrapGlobal(global: string): { banner: string; footer: string } {
  return {
    banner: "var " + global + ";",
    footer: "if(typeof exports==='object'&&exports){for(var k in " + global + ")exports[k]=" + global + "[k];}",
  };
}

/**
 * One renaming for every device bundle of this process: the core and its parts must agree on the
 * short names of the internal members they share (a part calls the core's engine and table).
 */
const MANGLE_CACHE: Record<string, string | false> = {};

/**
 * esbuild options that shorten internal member names (see mangle.ts); none when `minify` is off.
 * `keep`: property names some code in the bundle uses by name that the library's own analysis
 * cannot see (an app's arguments, its own objects): never shortened in this build.
 */
export function mangleOptions(minify: boolean, keep?: string[]): esbuild.BuildOptions {
  if (!minify) return {};
  const o: esbuild.BuildOptions = { mangleProps: manglePattern(), mangleCache: MANGLE_CACHE };
  if (keep && keep.length) o.reserveProps = new RegExp("^(" + keep.join("|") + ")$");
  return o;
}

/**
 * Every identifier-like word of `files` (and of the files they import relatively), a generous
 * superset of the property names their code uses: an app is user code, compiled in the same
 * bundle as the library, and none of its names may be shortened.
 */
export function wordsOf(files: string[]): string[] {
  const words: { [w: string]: boolean } = {};
  const seen: { [f: string]: boolean } = {};
  const visit = (file: string): void => {
    if (seen[file] || !fs.existsSync(file)) return;
    seen[file] = true;
    const text = fs.readFileSync(file, "utf8");
    const ids = text.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) || [];
    for (const w of ids) words[w] = true;
    const re = /from\s+["'](\.{1,2}\/[^"']+)["']/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      const base = path.resolve(path.dirname(file), m[1]);
      for (const ext of ["", ".ts", ".js", "/index.ts"]) visit(base + ext);
    }
  };
  for (const f of files) visit(f);
  return Object.keys(words).sort();
}

/**
 * The esbuild options that make library `lib`'s bytes (before the top-level lift): every build of a
 * library bundle spreads these, so that a measuring build (attribute.ts, the call counter) makes the
 * same bytes as dist/. Callers add where the output goes and their own plugins.
 */
export function libraryOptions(lib: LibraryBundle, minify: boolean): esbuild.BuildOptions {
  const w = wrapGlobal(lib.global);
  return {
    ...DEVICE_BUILD,
    ...mangleOptions(minify),
    entryPoints: [path.join(ROOT, lib.entry)],
    minify,
    banner: { js: w.banner },
    footer: { js: w.footer },
  };
}

/** Bundle library `lib` to `outfile` (minified unless `minify` is false) and run the device check on it. */
export async function bundleLibrary(lib: LibraryBundle, outfile: string, minify: boolean): Promise<BundleResult> {
  const result = await esbuild.build({
    ...libraryOptions(lib, minify),
    outfile,
    metafile: true,
    plugins: lib.part ? [partGuard(lib.name)] : [],
  });
  if (result.mangleCache) Object.assign(MANGLE_CACHE, result.mangleCache);
  let code = fs.readFileSync(outfile, "utf8");
  if (lib.topLevel) {
    code = liftIife(code);
    fs.writeFileSync(outfile, code);
  }
  return { outfile, bytes: Buffer.byteLength(code), metafile: result.metafile, findings: checkDeviceSource(code) };
}

/** The core library bundle (kept for callers that want only it). */
export async function bundle(entry: string, outfile: string, minify: boolean): Promise<BundleResult> {
  const lib = LIBRARY.find((l) => l.entry === entry) || { name: "a76xx", entry, global: GLOBAL_NAME, part: false };
  return bundleLibrary(lib, outfile, minify);
}

/**
 * Build every library bundle into `dir` (dist/ by default) as `<name>.js`; returns them in LIBRARY
 * order. Built twice when minified: the second pass uses the renaming the first pass completed, so
 * every bundle shares one mapping.
 */
export async function bundleAll(minify: boolean, dir?: string): Promise<BundleResult[]> {
  let out: BundleResult[] = [];
  for (let pass = minify ? 0 : 1; pass < 2; pass++) {
    out = [];
    for (const lib of LIBRARY) out.push(await bundleLibrary(lib, path.join(dir || path.join(ROOT, "dist"), lib.name + ".js"), minify));
  }
  return out;
}
