// Where a minified device bundle's bytes go, by source function: each top-level function and class member of the bundle, traced through a source map to the function or method it was compiled from.
//
// esbuild's metafile gives bytes per source file; size work needs the next level down ("which
// functions are large"). The bundle is built again with an external source map (the same options
// as the real one, so the same bytes), parsed with acorn, and every unit's first byte is looked up
// in the map; TypeScript's parser names the innermost function, method or constructor there.
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import * as acorn from "acorn";
import { SourceMap, SourceMapping } from "module";
import { LibraryBundle, libraryOptions, ROOT } from "./build";

export interface Unit {
  /** Source file, relative to the repository ("firmware/net/table.ts"). */
  file: string;
  /** `Class.method`, `Class.constructor`, a function's name, or "(module)" for top-level code. */
  name: string;
  /** Minified bytes in the bundle. */
  bytes: number;
}

type Node = acorn.Node & { [k: string]: unknown };

/** The class bodies inside a top-level statement (not inside nested functions). */
function classBodies(n: Node, out: Node[]): void {
  if (n.type === "ClassBody") {
    out.push(n);
    return;
  }
  if (/Function|Arrow/.test(n.type)) return;
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (Array.isArray(v)) for (const x of v) if (x && typeof (x as Node).type === "string") classBodies(x as Node, out);
    if (v && typeof (v as Node).type === "string") classBodies(v as Node, out);
  }
}

/** The innermost named function, method or constructor of `sf` that contains `pos`. */
function enclosingName(sf: ts.SourceFile, pos: number): string {
  let best = "(module)";
  const visit = (n: ts.Node, cls: string): void => {
    if (pos < n.getFullStart() || pos > n.getEnd()) return;
    let c = cls;
    if (ts.isClassDeclaration(n) && n.name) c = n.name.text;
    const named = ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n);
    if (named && n.getStart() <= pos) {
      const own = ts.isConstructorDeclaration(n) ? "constructor" : n.name && ts.isIdentifier(n.name) ? n.name.text : "?";
      best = c && !ts.isFunctionDeclaration(n) ? c + "." + own : own;
    }
    ts.forEachChild(n, (k) => visit(k, c));
  };
  visit(sf, "");
  return best;
}

/** Every unit of library bundle `lib` as minified (before the top-level lift), largest first. */
export async function bundleUnits(lib: LibraryBundle): Promise<Unit[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-attribute-"));
  try {
    const out = path.join(dir, lib.name + ".js");
    await esbuild.build({ ...libraryOptions(lib, true), outfile: out, sourcemap: "external" });
    // The map's comment line is esbuild's, not the bundle's: cut, so the units add up to the bundle.
    const code = fs.readFileSync(out, "utf8").replace(/\n\/\/# sourceMappingURL=\S*\n?$/, "\n");
    const map = new SourceMap(JSON.parse(fs.readFileSync(out + ".map", "utf8")));
    const lineStarts = [0];
    for (let i = code.indexOf("\n"); i >= 0; i = code.indexOf("\n", i + 1)) lineStarts.push(i + 1);
    const sources: { [file: string]: ts.SourceFile } = {};
    const units: Unit[] = [];
    const add = (start: number, bytes: number): void => {
      let line = 0;
      while (line + 1 < lineStarts.length && lineStarts[line + 1] <= start) line++;
      // Node's own source-map reader: an empty object where the map has no entry.
      const e = map.findEntry(line, start - lineStarts[line]) as Partial<SourceMapping>;
      if (!e.originalSource) {
        units.push({ file: "(wrapper)", name: "", bytes });
        return;
      }
      const abs = path.resolve(dir, e.originalSource);
      const sf = sources[abs] || (sources[abs] = ts.createSourceFile(abs, fs.readFileSync(abs, "utf8"), ts.ScriptTarget.ES2015, true));
      const pos = sf.getPositionOfLineAndCharacter(e.originalLine || 0, e.originalColumn || 0) + 1;
      units.push({ file: path.relative(ROOT, abs).split(path.sep).join("/"), name: enclosingName(sf, pos), bytes });
    };
    const ast = acorn.parse(code, { ecmaVersion: 2020 }) as unknown as { body: Node[] };
    // The statements inside esbuild's IIFE (the banner and footer are the wrapper).
    let body: Node[] = ast.body;
    for (const st of ast.body) {
      const call = st.type === "ExpressionStatement" ? (st.expression as Node) : undefined;
      const fn = call && call.type === "CallExpression" ? (call.callee as Node) : undefined;
      if (fn && fn.body) body = (fn.body as { body: Node[] }).body;
    }
    let inBody = 0;
    for (const st of body) {
      inBody += st.end - st.start;
      const bodies: Node[] = [];
      classBodies(st, bodies);
      let members = 0;
      for (const b of bodies) {
        for (const m of b.body as Node[]) {
          add(m.start, m.end - m.start);
          members += m.end - m.start;
        }
      }
      if (bodies.length) units.push({ file: units.length ? units[units.length - 1].file : "?", name: "(class syntax)", bytes: st.end - st.start - members });
      else add(st.start, st.end - st.start);
    }
    units.push({ file: "(wrapper)", name: "", bytes: code.length - inBody });
    return units.sort((a, b) => b.bytes - a.bytes);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
