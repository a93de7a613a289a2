// Turns esbuild's IIFE into top-level code for Espruino (boot code, the REPL): every function then costs one JsVar less.
//
// Espruino stores, in every function object made inside another function, a link to the scope it
// was made in (one JsVar); a function made at the top level of a script has none. The core bundle
// makes about 470 functions when it loads, all inside esbuild's `(()=>{…})()`: measured on
// `espruino-fixed`, 100 functions cost 633 JsVars inside a function and 531 at the top level (class
// methods alike). So the body of the IIFE is lifted to the top level, with three changes that keep
// its meaning:
// - every name the IIFE's function declares gets `suffix`, and so does every reference that resolves
//   to it (a nested name that shadows one is left alone): the names become globals, and a user's
//   `var t` must not replace the library's `t` (a prefix measured the same as a suffix);
// - its function declarations move to the front: Espruino hoists function declarations inside a
//   function but not at the top level of a script (`f(); function f(){}` fails there);
// - the built-in classes of the hot paths are named first (BUILTINS_FIRST).
// Loaded as a module (`require`, Modules.addCached) the code runs inside the module's function as
// before; the names stay local to it.
//
// The scope analysis is a small resolver over acorn's tree (about 0.3 s for the core bundle): the
// device tests bundle apps in the process that runs the simulators, and the TypeScript checker,
// which gives the same answer (`checkerEdits`, the tests' oracle), blocked it for over a second.
import * as acorn from "acorn";
import * as ts from "typescript";

/** The suffix of the lifted names: a user's globals never end with it in practice. */
export const TOP_SUFFIX = "$7";

/**
 * Espruino adds a built-in class (String, Uint8Array…) to the global scope the first time code
 * uses it, at the end of the list of globals, and looks it up there, one name after another, at
 * every member lookup on one of its values (`s.length`, `b.set`) and every use of its name. Named
 * first (`typeof String;…`), before the lifted names, they stay at the front of the list; otherwise
 * each such lookup would walk past the library's hundreds of names (measured: +20 % instructions
 * per received byte). Only the ones the receive and send paths use: each costs a few JsVars.
 */
export const BUILTINS_FIRST = ["Object", "Function", "String", "Array", "ArrayBufferView", "Uint8Array", "Math", "E"];

/** Where the suffix goes: after the identifier ending at `at`; `shorthand` is the name of a `{t}` property to spell out. */
export interface Edit {
  at: number;
  shorthand: string;
}

/** The IIFE statement, its body's statements (and which are function declarations), the names it declares. */
interface Iife {
  start: number;
  end: number;
  parts: { start: number; end: number; fn: boolean }[];
  names: string[];
}

// ---- the resolver over acorn's tree ------------------------------------------------------------

type Node = acorn.Node & { [k: string]: any };

const FUNCTIONS = ["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"];

function patternNames(p: Node | null, out: string[]): void {
  if (!p) return;
  if (p.type === "Identifier") out.push(p.name);
  else if (p.type === "ObjectPattern") for (const q of p.properties) patternNames(q.type === "RestElement" ? q.argument : q.value, out);
  else if (p.type === "ArrayPattern") for (const q of p.elements) patternNames(q, out);
  else if (p.type === "AssignmentPattern") patternNames(p.left, out);
  else if (p.type === "RestElement") patternNames(p.argument, out);
}

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x.type === "string") out.push(x);
    } else if (v && typeof v.type === "string" && k !== "loc") out.push(v);
  }
  return out;
}

/** `var` names of a function body (nested blocks included, nested functions not). */
function varNames(n: Node, out: string[]): void {
  for (const c of children(n)) {
    if (FUNCTIONS.indexOf(c.type) >= 0) continue;
    if (c.type === "VariableDeclaration" && c.kind === "var") for (const d of c.declarations) patternNames(d.id, out);
    varNames(c, out);
  }
}

/** let, const, class and function declarations directly in a list of statements. */
function lexicalNames(statements: Node[], out: string[]): void {
  for (const st of statements) {
    if (st.type === "VariableDeclaration" && st.kind !== "var") for (const d of st.declarations) patternNames(d.id, out);
    else if ((st.type === "ClassDeclaration" || st.type === "FunctionDeclaration") && st.id) out.push(st.id.name);
  }
}

/** The names node `n` declares as a scope (empty for a node that is not one). */
function scopeNames(n: Node, cache: Map<Node, Set<string>>): Set<string> {
  let s = cache.get(n);
  if (s) return s;
  const names: string[] = [];
  if (FUNCTIONS.indexOf(n.type) >= 0) {
    for (const p of n.params) patternNames(p, names);
    if (n.type === "FunctionExpression" && n.id) names.push(n.id.name);
    if (n.body.type === "BlockStatement") varNames(n.body, names);
  } else if (n.type === "BlockStatement" || n.type === "Program" || n.type === "StaticBlock") {
    lexicalNames(n.body, names);
  } else if (n.type === "SwitchStatement") {
    for (const c of n.cases) lexicalNames(c.consequent, names);
  } else if (n.type === "ForStatement") {
    if (n.init && n.init.type === "VariableDeclaration" && n.init.kind !== "var") lexicalNames([n.init], names);
  } else if (n.type === "ForInStatement" || n.type === "ForOfStatement") {
    if (n.left.type === "VariableDeclaration" && n.left.kind !== "var") lexicalNames([n.left], names);
  } else if (n.type === "CatchClause") {
    patternNames(n.param, names);
  } else if (n.type === "ClassExpression" && n.id) {
    names.push(n.id.name);
  }
  s = new Set(names);
  cache.set(n, s);
  return s;
}

/** Identifiers that are not names of variables: member and key names, labels. */
function notAVariable(id: Node, parent: Node, key: string): boolean {
  if (parent.type === "MemberExpression") return key === "property" && !parent.computed;
  if (parent.type === "Property" || parent.type === "MethodDefinition" || parent.type === "PropertyDefinition") return key === "key" && !parent.computed;
  return parent.type === "LabeledStatement" || parent.type === "BreakStatement" || parent.type === "ContinueStatement" || parent.type === "MetaProperty";
}

function findIifeAcorn(ast: Node): { stmt: Node; fn: Node } {
  const found: { stmt: Node; fn: Node }[] = [];
  for (const st of ast.body as Node[]) {
    if (st.type !== "ExpressionStatement" || st.expression.type !== "CallExpression" || st.expression.arguments.length) continue;
    const f = st.expression.callee;
    if ((f.type === "ArrowFunctionExpression" || f.type === "FunctionExpression") && !f.params.length && f.body.type === "BlockStatement") found.push({ stmt: st, fn: f });
  }
  if (found.length !== 1) throw new Error(`expected one IIFE at the top level of the bundle, found ${found.length}`);
  return found[0];
}

/** The IIFE and every place a name it declares is used, by resolving each identifier through its scopes. */
export function resolverEdits(code: string): { iife: Iife; edits: Edit[] } {
  const ast = acorn.parse(code, { ecmaVersion: 2020, sourceType: "script" }) as Node;
  const { stmt, fn } = findIifeAcorn(ast);
  const cache = new Map<Node, Set<string>>();
  const top = new Set<string>([...scopeNames(fn, cache), ...scopeNames(fn.body, cache)]);
  const edits: Edit[] = [];
  const stack: Node[] = [];
  // `{t}`: the key's start, so that the value's identifier there is spelled out.
  const shorthandAt = new Set<number>();
  const visit = (n: Node, parent: Node | undefined, key: string): void => {
    if (n.type === "Identifier" && parent) {
      if (notAVariable(n, parent, key)) return;
      // A declaration's own name belongs to the scope around it, not to the function or class it names.
      const own = (parent.type === "FunctionDeclaration" || parent.type === "ClassDeclaration") && key === "id";
      let i = stack.length - 1;
      if (own) i--;
      for (; i >= 0; i--) if (scopeNames(stack[i], cache).has(n.name)) break;
      if (i >= 0 && (stack[i] === fn || stack[i] === fn.body) && top.has(n.name)) edits.push({ at: n.end, shorthand: shorthandAt.has(n.start) ? n.name : "" });
      return;
    }
    if (n.type === "FunctionDeclaration") {
      // Directly in a function's body only: in a nested block its scope differs between strict and sloppy code.
      const p = stack[stack.length - 1];
      const gp = stack[stack.length - 2];
      if (!(p && p.type === "BlockStatement" && gp && FUNCTIONS.indexOf(gp.type) >= 0)) throw new Error("a function declaration inside a nested block is not supported (at " + n.start + ")");
    }
    if (n.type === "Property" && n.shorthand) shorthandAt.add(n.key.start);
    stack.push(n);
    for (const k of Object.keys(n)) {
      const v = n[k];
      if (Array.isArray(v)) {
        for (const x of v) if (x && typeof x.type === "string") visit(x, n, k);
      } else if (v && typeof v.type === "string") visit(v, n, k);
    }
    stack.pop();
  };
  visit(fn, undefined, "");
  edits.sort((a, b) => a.at - b.at);
  const parts = (fn.body.body as Node[]).map((st) => ({ start: st.start, end: st.end, fn: st.type === "FunctionDeclaration" }));
  return { iife: { start: stmt.start, end: stmt.end, parts, names: [...top] }, edits };
}

// ---- the TypeScript checker's answer (the tests' oracle) --------------------------------------

const FILE = "/bundle.js";

/** The same as resolverEdits, with the TypeScript checker resolving every identifier (slow: over a second for the core). */
export function checkerEdits(code: string): { iife: Iife; edits: Edit[] } {
  const sf = ts.createSourceFile(FILE, code, ts.ScriptTarget.ES2015, true, ts.ScriptKind.JS);
  const host: ts.CompilerHost = {
    getSourceFile: (n) => (n === FILE ? sf : undefined),
    writeFile: () => undefined,
    getDefaultLibFileName: () => "/lib.d.ts",
    useCaseSensitiveFileNames: () => true,
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => "/",
    getNewLine: () => "\n",
    fileExists: (n) => n === FILE,
    readFile: () => undefined,
  };
  const checker = ts.createProgram([FILE], { allowJs: true, noLib: true, noResolve: true, types: [], target: ts.ScriptTarget.ES2015 }, host).getTypeChecker();
  let stmt: ts.Statement | undefined;
  let body: ts.Block | undefined;
  for (const st of sf.statements) {
    if (!ts.isExpressionStatement(st) || !ts.isCallExpression(st.expression) || st.expression.arguments.length) continue;
    let f: ts.Expression = st.expression.expression;
    while (ts.isParenthesizedExpression(f)) f = f.expression;
    if ((ts.isArrowFunction(f) || ts.isFunctionExpression(f)) && ts.isBlock(f.body)) {
      stmt = st;
      body = f.body;
    }
  }
  if (!stmt || !body) throw new Error("no IIFE");
  const declared: ts.Identifier[] = [];
  const bindings = (b: ts.BindingName): void => {
    if (ts.isIdentifier(b)) declared.push(b);
    else for (const e of b.elements) if (!ts.isOmittedExpression(e)) bindings(e.name);
  };
  // Names of the IIFE's function: its var declarations at any depth (not in nested functions), and
  // its body's let, const, class and function declarations.
  const vars = (n: ts.Node): void => {
    if (ts.isFunctionLike(n)) return;
    if (ts.isVariableDeclarationList(n) && !(n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) for (const d of n.declarations) bindings(d.name);
    ts.forEachChild(n, vars);
  };
  for (const st of body.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) declared.push(st.name);
    else if (ts.isVariableStatement(st) && st.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) for (const d of st.declarationList.declarations) bindings(d.name);
    else vars(st);
  }
  const lifted = new Set<ts.Symbol>(declared.map((d) => checker.getSymbolAtLocation(d) as ts.Symbol));
  const edits: Edit[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const p = node.parent;
      const short = p && ts.isShorthandPropertyAssignment(p) && p.name === node;
      // `{z = t}` in a binding pattern: the name is both the property read and the variable.
      const bound = p && ts.isBindingElement(p) && !p.propertyName && p.name === node && ts.isObjectBindingPattern(p.parent);
      const s = short ? checker.getShorthandAssignmentValueSymbol(p) : checker.getSymbolAtLocation(node);
      if (s && lifted.has(s)) edits.push({ at: node.end, shorthand: short || bound ? node.text : "" });
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  edits.sort((a, b) => a.at - b.at);
  const parts = body.statements.map((st) => ({ start: st.getStart(sf), end: st.end, fn: ts.isFunctionDeclaration(st) }));
  return { iife: { start: stmt.getStart(sf), end: stmt.end, parts, names: declared.map((d) => d.text) }, edits };
}

// ---- lifting -----------------------------------------------------------------------------------

/**
 * `code` (an esbuild IIFE bundle, minified or not) with the IIFE's body at the top level. Throws
 * when the bundle is not one IIFE, holds a construct the resolver does not handle, or when the
 * result does not parse.
 */
export function liftIife(code: string, suffix: string = TOP_SUFFIX): string {
  const { iife, edits } = resolverEdits(code);
  const renamed = (from: number, to: number): string => {
    let out = "";
    let pos = from;
    for (const e of edits) {
      if (e.at <= from || e.at > to) continue;
      out += code.slice(pos, e.at) + (e.shorthand ? ":" + e.shorthand + suffix : suffix);
      pos = e.at;
    }
    return out + code.slice(pos, to);
  };
  const text = (p: { start: number; end: number }): string => {
    const t = renamed(p.start, p.end);
    return /[;}]$/.test(t) ? t : t + ";";
  };
  const first = BUILTINS_FIRST.map((n) => "typeof " + n + ";").join("");
  const body = iife.parts.filter((p) => p.fn).map(text).join("") + iife.parts.filter((p) => !p.fn).map(text).join("");
  const out = code.slice(0, iife.start) + first + body + code.slice(iife.end);
  acorn.parse(out, { ecmaVersion: 2020, sourceType: "script" });
  return out;
}
