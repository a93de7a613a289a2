// Tests of liftIife (tools/bundle/toplevel.ts): esbuild's IIFE lifted to the top level keeps its meaning, its names cannot meet a user's, and it needs no top-level hoisting.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import * as ts from "typescript";
import * as esbuild from "esbuild";
import { checkerEdits, liftIife, resolverEdits, TOP_SUFFIX } from "../../tools/bundle/toplevel";
import { DEVICE_BUILD, ROOT } from "../../tools/bundle/build";

/**
 * Run `code` as Espruino runs a script: statement after statement, a function declaration known
 * only once its statement ran (Espruino does not hoist at the top level). Each top-level statement
 * is its own vm script, so Node hoists nothing across them.
 */
function runAsEspruino(code: string, ctx: vm.Context): void {
  const sf = ts.createSourceFile("x.js", code, ts.ScriptTarget.ES2015, true, ts.ScriptKind.JS);
  for (const st of sf.statements) vm.runInContext(code.slice(st.getStart(sf), st.end), ctx);
}

const SAMPLE = [
  "var LIB;",
  '"use strict";(()=>{',
  "var t=1;",
  "const u=g(2);", // a call to a function declared further down (hoisted inside the IIFE)
  "function g(x){return x*10}",
  "function f(t){return t+1}", // a parameter that shadows the lifted t
  "class K{m(){return t}}",
  "let {a:b,c:[d]}={a:3,c:[4]};",
  "LIB={t,u,f,k:new K(),b,d,inner:()=>{let t=5;return t},read:()=>t,bump:()=>{t++;return t}};",
  // Scopes a resolver could get wrong: a catch parameter, a named class expression, a loop's let,
  // a var in a nested block (it belongs to the IIFE's function), a shorthand with a default.
  "try{throw 1}catch(t){LIB.c=t}",
  "const C=class t{n(){return typeof t}};LIB.n=new C().n();",
  "for(let t=7;t<8;t++)LIB.l=t;",
  "if(u){var w=30}LIB.w=()=>w;",
  "({t:LIB.s}={t:9});const {z=t}={};LIB.z=z;",
  "})();",
].join("");

describe("liftIife: esbuild's IIFE at the top level for Espruino", () => {
  it("keeps what the code computes: shadowed names, shorthand properties, destructuring, classes", () => {
    const lifted = liftIife(SAMPLE);
    const a = vm.createContext({});
    vm.runInContext(SAMPLE, a);
    const b = vm.createContext({});
    runAsEspruino(lifted, b);
    const probe = "JSON.stringify([LIB.t,LIB.u,LIB.f(1),LIB.k.m(),LIB.b,LIB.d,LIB.inner(),LIB.read(),LIB.c,LIB.n,LIB.l,LIB.w(),LIB.s,LIB.z,LIB.bump(),LIB.read()])";
    const original = vm.runInContext(probe, a);
    assert.strictEqual(original, '[1,20,2,1,3,4,5,1,1,"function",7,30,9,1,2,2]');
    assert.strictEqual(vm.runInContext(probe, b), original);
  });

  it("gives every name it lifts a suffix, so a user's global of the same short name changes nothing", () => {
    const lifted = liftIife(SAMPLE);
    assert.ok(!/\(\(\)=>\{/.test(lifted), "the IIFE is gone");
    const ctx = vm.createContext({});
    runAsEspruino(lifted, ctx);
    const globals = Object.keys(ctx).sort();
    assert.deepStrictEqual(globals.filter((k) => !k.endsWith(TOP_SUFFIX)), ["LIB"]);
    // The user's script after the library, with names the minifier could have picked.
    vm.runInContext("var t = 'user'; function g() { return 'user'; } var f = 0;", ctx);
    assert.strictEqual(vm.runInContext("LIB.read() + ',' + LIB.f(1)", ctx), "1,2");
  });

  it("moves the function declarations before the code that runs at load (no hoisting needed)", () => {
    const lifted = liftIife(SAMPLE);
    assert.ok(lifted.indexOf("function g" + TOP_SUFFIX) < lifted.indexOf("u" + TOP_SUFFIX + "=g" + TOP_SUFFIX + "(2)"));
    // Unlifted order would fail statement by statement: the check above is what makes it run.
    const unhoisted = 'var LIB;var u=g(2);function g(x){return x}';
    assert.throws(() => runAsEspruino(unhoisted, vm.createContext({})), /g is not defined/);
  });

  it("finds exactly the references the TypeScript checker finds, in the sample and in the core bundle", function () {
    this.timeout(30000);
    const core = esbuild.buildSync({ ...DEVICE_BUILD, entryPoints: [path.join(ROOT, "hal/espruino/bundle-entry.ts")], write: false, minify: true, banner: { js: "var A76XX;" } }).outputFiles[0].text;
    for (const code of [SAMPLE, core]) {
      const fast = resolverEdits(code);
      const oracle = checkerEdits(code);
      assert.ok(fast.edits.length > 10);
      assert.deepStrictEqual(fast.edits, oracle.edits);
      assert.deepStrictEqual(fast.iife.parts, oracle.iife.parts);
      assert.deepStrictEqual(fast.iife.names.slice().sort(), oracle.iife.names.slice().sort());
    }
  });

  it("refuses a function declaration in a nested block, whose scope it does not model", () => {
    assert.throws(() => liftIife("(()=>{if(1){function g(){}}})();"), /nested block/);
  });

  it("refuses a file that is not one IIFE", () => {
    assert.throws(() => liftIife("var a=1;"), /one IIFE/);
    assert.throws(() => liftIife("(()=>{var a})();(()=>{var b})();"), /found 2/);
  });

  it("lifted the core bundle dist/a76xx.js: only A76XX and suffixed names become globals, and it loads statement by statement", function () {
    this.timeout(30000);
    const file = path.join(ROOT, "dist/a76xx.js");
    if (!fs.existsSync(file)) this.skip();
    const code = fs.readFileSync(file, "utf8");
    const ctx = vm.createContext({ print() {}, console, E: {}, process: { memory: () => ({}) } });
    runAsEspruino(code, ctx);
    const plain = Object.keys(ctx).filter((k) => !k.endsWith(TOP_SUFFIX) && ["print", "console", "E", "process"].indexOf(k) < 0);
    assert.deepStrictEqual(plain.sort(), ["A76XX"]);
    assert.strictEqual(typeof vm.runInContext("A76XX.createModem", ctx), "function");
    assert.ok(Object.keys(ctx).filter((k) => k.endsWith(TOP_SUFFIX)).length > 50, "the library's names are lifted");
  });
});
