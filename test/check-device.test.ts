// Tests of the device check: each fixture's marked constructs, clean code, minified code, scope rules and the command line.
import assert from "assert";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, resolve } from "path";
import { transformSync } from "esbuild";
import { checkDeviceSource, DEVICE_CONSTRUCTS, type Finding } from "../tools/check-device/check";

const ROOT = resolve(__dirname, "..");
const FIXTURES = join("test", "fixtures", "device-check");

interface Fixture {
  name: string;
  path: string;
  code: string;
  /** "line construct" for every `// expect: a, b` marker, in source order. */
  expected: string[];
}

function loadFixtures(): Fixture[] {
  return readdirSync(join(ROOT, FIXTURES))
    .filter((name) => name.endsWith(".js"))
    .sort()
    .map((name) => {
      const code = readFileSync(join(ROOT, FIXTURES, name), "utf8");
      const expected: string[] = [];
      code.split("\n").forEach((text, i) => {
        const marker = /\/\/ expect: (.+)$/.exec(text);
        if (marker) for (const c of marker[1].split(",")) expected.push(`${i + 1} ${c.trim()}`);
      });
      return { name, path: join(FIXTURES, name), code, expected };
    });
}

const fixtures = loadFixtures();
const bad = fixtures.filter((f) => f.name !== "clean.js");
const clean = fixtures.find((f) => f.name === "clean.js");

const lineAndConstruct = (findings: Finding[]): string[] => findings.map((f) => `${f.line} ${f.construct}`);
const constructsOf = (entries: string[]): string[] => Array.from(new Set(entries.map((e) => e.replace(/^\d+ /, "")))).sort();
const constructs = (code: string): string[] => checkDeviceSource(code).map((f) => f.construct);

function runCli(...files: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(ROOT, "node_modules", ".bin", "ts-node"), ["--transpile-only", "tools/check-device/cli.ts", ...files], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("device check: fixtures", () => {
  it("has a clean.js and a bad fixture for every construct it can report, none marked on line 1", () => {
    assert.ok(clean, "clean.js is missing");
    const marked = bad.flatMap((f) => f.expected);
    assert.deepStrictEqual(constructsOf(marked), DEVICE_CONSTRUCTS.slice().sort());
    for (const f of bad) {
      assert.ok(f.expected.length > 0, `${f.name} marks no expected construct`);
      assert.ok(f.expected.every((e) => !e.startsWith("1 ")), `${f.name} marks line 1`);
    }
  });

  for (const f of bad) {
    it(`reports exactly the marked constructs on the marked lines of ${f.name}`, () => {
      assert.deepStrictEqual(lineAndConstruct(checkDeviceSource(f.code)), f.expected);
    });
  }

  it("reports nothing in clean.js, which uses every construct Espruino runs", () => {
    assert.deepStrictEqual(checkDeviceSource(clean ? clean.code : ""), []);
  });
});

describe("device check: minified code", () => {
  for (const f of bad) {
    it(`still reports ${constructsOf(f.expected).join(", ")} in ${f.name} after esbuild minifies it into an IIFE`, () => {
      const minified = transformSync(f.code, { minify: true, format: "iife", charset: "utf8" }).code;
      assert.ok(minified.trim().split("\n").length <= 2, "esbuild did not put the code on one line");
      assert.deepStrictEqual(constructsOf(lineAndConstruct(checkDeviceSource(minified))), constructsOf(f.expected));
    });
  }

  it("reports nothing in clean.js minified to ES2015 in an IIFE, as the device bundle is built", () => {
    const minified = transformSync(clean ? clean.code : "", { minify: true, format: "iife", target: "es2015" }).code;
    assert.deepStrictEqual(checkDeviceSource(minified), []);
  });

  it("reports the column of each construct on a single minified line, in order", () => {
    const code = "(()=>{var n=t(1);function t(e,o=2){return[...e]}})();";
    assert.deepStrictEqual(checkDeviceSource(code), [
      { line: 1, column: code.indexOf("t(1)") + 1, construct: "call before declaration" },
      { line: 1, column: code.indexOf("o=2") + 1, construct: "default parameter" },
      { line: 1, column: code.indexOf("...e") + 1, construct: "spread" },
    ]);
  });
});

describe("device check: scope rules", () => {
  it("does not report Map, Set, WeakMap or Symbol declared as a var, let, const, class, function, parameter, catch parameter or import", () => {
    assert.deepStrictEqual(constructs("function a(){var Map=1;return Map}function b(Set){return Set}"), []);
    assert.deepStrictEqual(constructs("{let WeakMap=1;WeakMap++}{const Symbol=2;Symbol+1}"), []);
    assert.deepStrictEqual(constructs("class Map{}new Map;function Set(){}Set()"), []);
    assert.deepStrictEqual(constructs("try{x()}catch(Symbol){Symbol.stack}"), []);
    assert.deepStrictEqual(constructs('import {Map} from "m"; export const m = new Map();'), []);
  });

  it("reports a global read outside the scope that shadows it, and a shorthand {Map} which reads the global", () => {
    assert.deepStrictEqual(constructs("function a(){let Set=1}new Set"), ["Set"]);
    assert.deepStrictEqual(constructs("x={Map}"), ["Map"]);
  });

  it("does not count property names, object keys or method names as references to the globals", () => {
    assert.deepStrictEqual(constructs('o.Map;o["Set"];x={Map:1,WeakMap(){}};class C{Symbol(){}static Set=1}'), []);
  });

  it("reports Array.prototype.slice however the property is spelled, and not when Array is a local", () => {
    assert.deepStrictEqual(constructs('Array.prototype.slice;Array["prototype"]["slice"];Array.prototype[`slice`]'), [
      "Array.prototype.slice", "Array.prototype.slice", "Array.prototype.slice",
    ]);
    assert.deepStrictEqual(constructs("function f(Array,Math){return Array.from(Math.trunc(1))}[1].slice(1)"), []);
  });

  it("does not report a function used inside a function body written before the declaration, nor one used after it", () => {
    assert.deepStrictEqual(constructs("function a(){return b()}function b(){return 1}a();const c=()=>d();function d(){}"), []);
  });

  it("reports a function called or passed before its declaration at top level, in a function body and in a nested block", () => {
    assert.deepStrictEqual(lineAndConstruct(checkDeviceSource("f();\nfunction f(){}\nfunction g(){\nif(1){h.call()}\nfunction h(){}}\n[1].map(k);\n{function k(){}}")), [
      "1 call before declaration", "4 call before declaration",
    ]);
  });

  it("does not report a var in a loop, a let declared outside the loop, or a loop let read only directly in the loop", () => {
    assert.deepStrictEqual(constructs("for(var i=0;i<3;i++)setTimeout(()=>i);let n=0;while(n<3){n++;setTimeout(()=>n)}"), []);
    assert.deepStrictEqual(constructs("for(let i=0;i<3;i++){const j=i*2;print(i,j)}"), []);
  });

  it("does not report a let declared inside a function that itself runs in a loop", () => {
    assert.deepStrictEqual(constructs("for(const x of xs)xs.forEach(function(y){const z=y;setTimeout(()=>z)})"), []);
  });

  it("reports a loop let captured through a closure nested several functions deep", () => {
    assert.deepStrictEqual(constructs("for(let i=0;i<3;i++){do{t(function(){return()=>i})}while(0)}"), ["loop variable captured by closure"]);
  });
});

describe("device check: parsing", () => {
  it("returns one syntax error finding with acorn's message and position when the code does not parse", () => {
    const findings = checkDeviceSource("var ok = 1;\nvar x = ;");
    assert.strictEqual(findings.length, 1);
    assert.match(findings[0].construct, /^syntax error: Unexpected token \(2:8\)$/);
    assert.strictEqual(findings[0].line, 2);
  });

  it("parses code that is only valid as a module (import/export) instead of reporting a syntax error", () => {
    assert.deepStrictEqual(constructs('import a from "a";\nexport default function b(){return a}'), []);
  });

  it("reports the module parse's error for import/export code that fails as a module", () => {
    const findings = checkDeviceSource('import a from "a";\nexport { b };');
    assert.deepStrictEqual(findings.map((f) => f.construct), ["syntax error: Export 'b' is not defined (2:9)"]);
  });

  it("checks code that is only valid as a script (with statement, legacy octal) instead of reporting a syntax error", () => {
    assert.deepStrictEqual(constructs("with(o){x=010}"), []);
  });
});

describe("device check: command line", () => {
  it("exits 1 and prints file:line construct for each construct in a bad fixture", () => {
    const f = bad.find((x) => x.name === "default-parameter.js");
    assert.ok(f);
    const result = runCli(f.path);
    assert.strictEqual(result.status, 1, result.stderr);
    assert.deepStrictEqual(result.stdout.trim().split("\n"), f.expected.map((e) => `${f.path}:${e}`));
  });

  it("exits 0 and prints the OK line with the file's size for clean.js", () => {
    assert.ok(clean);
    const result = runCli(clean.path);
    assert.strictEqual(result.status, 0, result.stderr);
    assert.strictEqual(result.stdout, `device check: ${clean.path} OK (${Buffer.byteLength(clean.code)} bytes)\n`);
  });

  it("exits 2 with a message naming the file when a file is missing", () => {
    const result = runCli(join(FIXTURES, "no-such-file.js"));
    assert.strictEqual(result.status, 2);
    assert.match(result.stderr, /no-such-file\.js: no such file/);
  });

  describe("on TypeScript and on code that does not parse", () => {
    let dir = "";
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "a76xx-check-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("strips a .ts file's types first and reports each construct at the TypeScript file's own line", () => {
      const file = join(dir, "app.ts");
      const lines = [
        "// An app in TypeScript.",
        "interface Options {",
        "  port: number;",
        "}",
        "",
        "export function open(o: Options, retries = 3): number {",
        "  const n: number = o.port ** 2;",
        "  return n + retries;",
        "}",
        "export const all = (...xs: number[]): number[] => xs;",
      ];
      writeFileSync(file, lines.join("\n") + "\n");
      const result = runCli(file);
      assert.strictEqual(result.status, 1, result.stderr);
      assert.deepStrictEqual(result.stdout.trim().split("\n"), [`${file}:6 default parameter`, `${file}:7 exponent operator`, `${file}:10 rest parameter`]);
      assert.match(result.stderr, /FAILED \(3 constructs Espruino cannot run; checked the JavaScript esbuild makes from it, \d+ bytes\)/);
    });

    it("passes a clean .ts file and says it checked the JavaScript made from it", () => {
      const file = join(dir, "clean.ts");
      writeFileSync(file, "// Clean.\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n");
      const result = runCli(file);
      assert.strictEqual(result.status, 0, result.stderr);
      assert.match(result.stdout, /^device check: .*clean\.ts OK \(TypeScript; checked the JavaScript esbuild makes from it, \d+ bytes\)\n$/);
    });

    it("reports JavaScript that does not parse as not valid JavaScript, not as a construct the device cannot run", () => {
      const file = join(dir, "typed.js");
      writeFileSync(file, "// TypeScript saved as .js.\nvar port: number = 80;\n");
      const result = runCli(file);
      assert.strictEqual(result.status, 1);
      assert.match(result.stdout, /typed\.js:2 not valid JavaScript \(syntax error: Unexpected token \(2:8\)\) — the device check reads JavaScript; a TypeScript file must end in \.ts/);
      assert.match(result.stderr, /FAILED: it does not parse, so no construct was checked/);
      assert.doesNotMatch(result.stdout + result.stderr, /Espruino cannot run/);
    });

    it("reports a .ts file that does not parse as not valid TypeScript", () => {
      const file = join(dir, "broken.ts");
      writeFileSync(file, "// Broken.\nconst x: = 1;\n");
      const result = runCli(file);
      assert.strictEqual(result.status, 1);
      assert.match(result.stdout, /broken\.ts:2 not valid TypeScript \(/);
      assert.doesNotMatch(result.stdout + result.stderr, /Espruino cannot run/);
    });
  });
});
