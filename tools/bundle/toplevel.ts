// Turns esbuild's IIFE into top-level code for Espruino (boot code, the REPL): every function then costs one JsVar less.
//
// Espruino stores, in every function object made inside another function, a link to the scope it
// was made in (one JsVar); a function made at the top level of a script has none. The core bundle
// makes about 470 functions when it loads, all inside esbuild's `(()=>{…})()`: measured on
// `espruino-fixed`, 100 functions cost 633 JsVars inside a function and 531 at the top level (class
// methods alike). So the body of the IIFE is lifted to the top level, with two changes that keep
// its meaning:
// - every name declared directly in the IIFE gets `suffix` (its references too, found by the
//   TypeScript checker, so a nested name that shadows one is left alone): the names become globals,
//   and a user's `var t` must not replace the library's `t`. A suffix, not a prefix: Espruino
//   compares names from their first character, and a prefix every name shares made each name
//   lookup longer (measured: +20 % instructions per received byte);
// - its function declarations move to the front: Espruino hoists function declarations inside a
//   function but not at the top level of a script (`f(); function f(){}` fails there).
// Loaded as a module (`require`, Modules.addCached) the code runs inside the module's function as
// before; the names stay local to it.
import * as ts from "typescript";

/** The suffix of the lifted names: a user's globals never end with it in practice. */
export const TOP_SUFFIX = "$7";

const FILE = "/bundle.js";

function analyse(code: string): { sf: ts.SourceFile; checker: ts.TypeChecker } {
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
  const program = ts.createProgram([FILE], { allowJs: true, noLib: true, noResolve: true, types: [], target: ts.ScriptTarget.ES2015 }, host);
  return { sf, checker: program.getTypeChecker() };
}

/** The one `(()=>{…})();` (or `(function(){…})();`) statement of esbuild's IIFE format. */
function findIife(sf: ts.SourceFile): { stmt: ts.Statement; body: ts.Block } {
  const found: { stmt: ts.Statement; body: ts.Block }[] = [];
  for (const st of sf.statements) {
    if (!ts.isExpressionStatement(st) || !ts.isCallExpression(st.expression) || st.expression.arguments.length) continue;
    let callee: ts.Expression = st.expression.expression;
    while (ts.isParenthesizedExpression(callee)) callee = callee.expression;
    if ((ts.isArrowFunction(callee) || ts.isFunctionExpression(callee)) && !callee.parameters.length && ts.isBlock(callee.body)) found.push({ stmt: st, body: callee.body });
  }
  if (found.length !== 1) throw new Error(`expected one IIFE at the top level of the bundle, found ${found.length}`);
  return found[0];
}

function bindingNames(name: ts.BindingName, out: ts.Identifier[]): void {
  if (ts.isIdentifier(name)) out.push(name);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
}

/** The names a block declares directly (var, let, const, function, class). */
function declaredNames(body: ts.Block): ts.Identifier[] {
  const names: ts.Identifier[] = [];
  for (const st of body.statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bindingNames(d.name, names);
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.push(st.name);
  }
  return names;
}

/** The symbol an identifier refers to (for `{a}` shorthand: the variable, not the property). */
function referent(checker: ts.TypeChecker, id: ts.Identifier): ts.Symbol | undefined {
  const p = id.parent;
  if (p && ts.isShorthandPropertyAssignment(p) && p.name === id) return checker.getShorthandAssignmentValueSymbol(p);
  return checker.getSymbolAtLocation(id);
}

/**
 * `code` (an esbuild IIFE bundle, minified or not) with the IIFE's body at the top level. Throws
 * when the bundle is not one IIFE, or when the result still refers to a name it lifted without
 * its suffix (a reference the analysis missed).
 */
export function liftIife(code: string, suffix: string = TOP_SUFFIX): string {
  const { sf, checker } = analyse(code);
  const { stmt, body } = findIife(sf);
  const names = declaredNames(body);
  const lifted = new Set<ts.Symbol>();
  const plain = new Set<string>();
  for (const n of names) {
    const s = checker.getSymbolAtLocation(n);
    if (!s) throw new Error(`no symbol for the top-level name ${n.text}`);
    lifted.add(s);
    plain.add(n.text);
  }
  // Every reference to a lifted name, by its end: the suffix goes there (a `{t}` shorthand is spelled out).
  const edits: { at: number; id: ts.Identifier }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const s = referent(checker, node);
      if (s && lifted.has(s)) edits.push({ at: node.end, id: node });
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  const renamed = (from: number, to: number): string => {
    let out = "";
    let pos = from;
    for (const e of edits) {
      if (e.at <= from || e.at > to) continue;
      out += code.slice(pos, e.at);
      const p = e.id.parent;
      out += ts.isShorthandPropertyAssignment(p) && p.name === e.id ? ":" + e.id.text + suffix : suffix;
      pos = e.at;
    }
    return out + code.slice(pos, to);
  };
  edits.sort((a, b) => a.at - b.at);
  const stmtText = (st: ts.Statement): string => {
    const t = renamed(st.getStart(sf), st.end);
    return /[;}]$/.test(t) ? t : t + ";";
  };
  const fns = body.statements.filter((st) => ts.isFunctionDeclaration(st));
  const rest = body.statements.filter((st) => !ts.isFunctionDeclaration(st));
  const first = BUILTINS_FIRST.map((n) => "typeof " + n + ";").join("");
  const top = first + fns.map(stmtText).join("") + rest.map(stmtText).join("");
  const out = code.slice(0, stmt.getStart(sf)) + top + code.slice(stmt.end);
  checkLifted(out, plain, suffix);
  return out;
}

/**
 * Espruino adds a built-in class (String, Uint8Array…) to the global scope the first time code
 * uses it, at the end of the list of globals, and looks it up there, one name after another, at
 * every member lookup on one of its values (`s.length`, `b.set`) and every use of its name. Named
 * first (`typeof String;…`), before the lifted names, they stay at the front of the list; otherwise
 * each such lookup would walk past the library's hundreds of names (measured: +30 % instructions
 * per received byte). Only the ones the receive and send paths use: each costs a few JsVars.
 */
export const BUILTINS_FIRST = ["Object", "Function", "String", "Array", "ArrayBufferView", "Uint8Array", "Math", "E"];

/** A name the IIFE declared, used in `out` without its suffix and not declared by any scope there: a missed rename. */
function checkLifted(out: string, plain: Set<string>, suffix: string): void {
  const { sf, checker } = analyse(out);
  const missed: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && plain.has(node.text) && !plain.has(node.text + suffix)) {
      const p = node.parent;
      const isName = (ts.isPropertyAccessExpression(p) && p.name === node) || (ts.isPropertyAssignment(p) && p.name === node) || (ts.isMethodDeclaration(p) && p.name === node);
      if (!isName && !referent(checker, node)) missed.push(node.text + " at " + node.getStart(sf));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (missed.length) throw new Error(`lifting the IIFE left references to the names it renamed: ${missed.slice(0, 5).join(", ")}`);
}
