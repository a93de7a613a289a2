// firmware/ has no import cycle: every module's imports (type-only ones included) form a graph without loops, so each layer can be read, tested and shipped on its own.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Module → the firmware modules it imports (relative specifiers resolved to files). */
export function importGraph(dir: string): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const deps: string[] = [];
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith(".")) continue;
      const base = path.resolve(path.dirname(file), ref.fileName);
      const hit = [base + ".ts", path.join(base, "index.ts")].find((f) => fs.existsSync(f));
      if (hit && hit.startsWith(dir)) deps.push(hit);
    }
    g.set(file, deps);
  }
  return g;
}

/** Strongly connected components of more than one module, or a module importing itself (Tarjan). */
export function cycles(g: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let n = 0;
  const visit = (v: string): void => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) || []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (g.get(v) || []).includes(v)) found.push(c);
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("firmware module structure", () => {
  it("the cycle finder reports a loop of three modules and ignores a chain", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    assert.deepStrictEqual(cycles(g).map((c) => c.sort()), [["a", "b", "c"]]);
    assert.deepStrictEqual(cycles(new Map([["x", ["y"]], ["y", []]])), []);
  });

  it("firmware/ has no import cycle, type-only imports included", () => {
    const dir = path.join(ROOT, "firmware");
    const g = importGraph(dir);
    assert.ok(g.size > 20, `found the firmware modules (${g.size})`);
    const rel = (f: string) => path.relative(ROOT, f);
    const found = cycles(g).map((c) => c.map(rel).join(" -> "));
    assert.deepStrictEqual(found, [], "import cycles:\n" + found.join("\n"));
  });
});
