// Bundles device code with esbuild into one ES2015 file (minified) that Espruino can load as a module or from the REPL.
import * as esbuild from "esbuild";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");

/** Name of the global the bundle defines when pasted into the REPL (no `exports` in scope). */
export const GLOBAL_NAME = "A76XX";

export interface BundleResult {
  outfile: string;
  bytes: number;
  metafile: esbuild.Metafile;
}

/**
 * Banner and footer around esbuild's IIFE. The entry assigns the library to A76XX. Pasted into the
 * REPL, the top-level `var` makes it a global; inside a module (Storage file or Modules.addCached)
 * it stays local and its properties are copied onto `exports`, so require("a76xx") returns them.
 */
const BANNER = "var " + GLOBAL_NAME + ";";
const FOOTER =
  "if(typeof exports==='object'&&exports){for(var k in " + GLOBAL_NAME + ")exports[k]=" + GLOBAL_NAME + "[k];}";

/** Bundle `entry` (relative to the repo root) to `outfile`; minified unless `minify` is false. */
export async function bundle(entry: string, outfile: string, minify: boolean): Promise<BundleResult> {
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    format: "iife",
    target: "es2015",
    platform: "neutral",
    minify,
    legalComments: "none",
    charset: "ascii",
    metafile: true,
    banner: { js: BANNER },
    footer: { js: FOOTER },
    logLevel: "warning",
  });
  const out = result.metafile.outputs[path.relative(process.cwd(), outfile)] ||
    result.metafile.outputs[Object.keys(result.metafile.outputs)[0]];
  return { outfile, bytes: out.bytes, metafile: result.metafile };
}
