// The call counter of `make bench-device-calls`: a counter at the start of every function, each function named by file:line, and the tokens the interpreter lexes per call.
import * as assert from "assert";
import * as esbuild from "esbuild";
import * as path from "path";
import { countCalls, FunctionSite, tokensPerSite } from "../../tools/bench-device/calls";
import { ROOT } from "../../tools/bundle/build";

const SOURCE = [
  "export function plain(a: number): number {",
  "  return a + 1;",
  "}",
  "export class Box {",
  "  n = 0;",
  "  constructor(n: number) {",
  "    this.n = n;",
  "  }",
  "  add(k: number): number {",
  "    const twice = (x: number) => x * 2;",
  "    return this.n + twice(k);",
  "  }",
  "}",
  "export const run = function (times: number): number {",
  "  let s = 0;",
  "  const b = new Box(1);",
  "  for (let i = 0; i < times; i++) s += b.add(plain(i));",
  "  return s;",
  "};",
].join("\n");

function counted(minify: boolean): { code: string; sites: FunctionSite[] } {
  const sites: FunctionSite[] = [];
  const ts = countCalls(path.join(ROOT, "firmware/example.ts"), SOURCE, sites);
  const code = esbuild.transformSync(ts, { loader: "ts", format: "cjs", target: "es2015", minify }).code;
  return { code, sites };
}

describe("bench-device call counter", function () {
  it("counts every call of every function, each named by its file:line", () => {
    const { code, sites } = counted(false);
    assert.deepStrictEqual(
      sites.map((s) => s.name + " " + s.where),
      ["plain firmware/example.ts:1", "Box.constructor firmware/example.ts:6", "Box.add firmware/example.ts:9", "twice firmware/example.ts:10", "run firmware/example.ts:14"],
    );
    const C = new Uint32Array(sites.length);
    const mod = { exports: {} as { run(n: number): number } };
    new Function("__C", "module", "exports", code)(C, mod, mod.exports);
    assert.strictEqual(mod.exports.run(5), 5 + (0 + 1 + 2 + 3 + 4 + 5) * 2);
    assert.deepStrictEqual(Array.from(C), [5, 1, 5, 5, 1]);
  });

  it("gives the tokens of each function's minified text without the counter's own", () => {
    const { code, sites } = counted(true);
    const tokens = tokensPerSite(code, sites.length);
    // `function plain(a){return a+1}` minified: function, name, (, a, ), {, return, a, +, 1, } = 11
    assert.strictEqual(tokens[0], 11);
    // `x=>x*2`: x, =>, x, *, 2 (give or take the parentheses the counter adds around an expression body)
    assert.ok(tokens[3] >= 5 && tokens[3] <= 8, "arrow: " + tokens[3]);
    for (let i = 0; i < sites.length; i++) assert.ok(tokens[i] > 0, sites[i].name + " has tokens");
  });
});
