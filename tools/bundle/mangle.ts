// Which property names the device bundles may shorten: the firmware's internal members, never a public, option or runtime name.
//
// On a microcontroller code size is RAM, and member names are a third of the minified core
// (`this.reconcileWanted`…). esbuild renames properties matching a pattern, everywhere and
// consistently; this file computes that pattern with the TypeScript compiler:
//   candidates = members of the classes and interfaces declared under firmware/
//   reserved   = members of the public types (what applications, HALs and parts written by users
//                touch), the option names of every schema, and every member name the runtimes
//                declare (TypeScript's ES2015 library, @types/espruino, hal/espruino's declarations,
//                the JerryScript host's natives in hal/jerryscript/jhost.d.ts)
//   mangled    = candidates − reserved
// A name is renamed in every object, so one public use of a name keeps it everywhere.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
/** The natives of the JerryScript host: the JerryScript bundles call them by name. */
const JHOST_DECLARATIONS = path.join(ROOT, "hal/jerryscript/jhost.d.ts");
/** The computed list, kept between runs while the sources it was computed from are unchanged. */
const CACHE = path.join(ROOT, "dist", ".mangle-names.json");

/** A hash of every source the list depends on (this file, firmware/, hal/espruino/). */
function sourcesHash(): string {
  const h = crypto.createHash("sha256");
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".ts")) h.update(full).update(fs.readFileSync(full));
    }
  };
  walk(path.join(ROOT, "firmware"));
  walk(path.join(ROOT, "hal/espruino"));
  h.update(fs.readFileSync(JHOST_DECLARATIONS));
  h.update(fs.readFileSync(__filename));
  return h.digest("hex");
}

/**
 * Types applications and HALs written by users see: their public members keep their names
 * (private and protected ones do not). The Modem keeps only the members listed in PUBLIC_MODEM:
 * its engine, table and scheduler are for the driver's own parts, built with the same renaming.
 */
const PUBLIC_TYPES = new Set([
  "BaseSocket", "Socket", "UdpSocket", "Server", "Emitter", "Status", "LinkStatus", "Counters",
  "SocketError", "ModemError", "AtError", "Part", "RemoteInfo", "Signal", "TableStats",
  "Hal", "Uart", "Clock", "ByteCodec", "OutputPin", "InputPin", "ConsolePort",
  "BoardDef", "PinWiring", "PwrkeyWiring", "UartWiring",
  "DiagnoseOptions", "DiagnoseResult", "ToolsModem", "ListenOptions",
  "SupervisorOptions", "TableOptions",
]);

const PUBLIC_MODEM = ["hal", "board", "options", "start", "stop", "isOnline", "status", "connect", "udp", "listen", "resolve", "trace"];

/** Names runtimes look up by name that no declaration file lists (checked on the real interpreter). */
const EXTRA_RESERVED = ["isUTF8", "path", "exports", "default"];

/** Member names of a class or interface (only the public ones when `publicOnly`). */
function memberNames(node: ts.ClassDeclaration | ts.InterfaceDeclaration, out: Set<string>, publicOnly: boolean): void {
  for (const m of node.members as ts.NodeArray<ts.ClassElement | ts.TypeElement>) {
    const n = m.name as ts.PropertyName | undefined;
    if (!n || !(ts.isIdentifier(n) || ts.isStringLiteral(n))) continue;
    const mods = ts.canHaveModifiers(m) ? ts.getModifiers(m) || [] : [];
    if (publicOnly && mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) continue;
    out.add(n.text);
  }
}

/** Every property name a declaration file declares (the language's built-ins, our own runtime declarations). */
function declaredNames(sf: ts.SourceFile, out: Set<string>): void {
  const visit = (n: ts.Node): void => {
    if ((ts.isPropertySignature(n) || ts.isMethodSignature(n) || ts.isPropertyDeclaration(n) || ts.isMethodDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n)) && n.name) {
      if (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) out.add(n.name.text);
    }
    if (ts.isFunctionDeclaration(n) && n.name) out.add(n.name.text);
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) out.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/**
 * Names the device code uses on the interpreter's own objects, found with the type checker: a
 * member access or an object-literal key whose declaration is in a declaration file (Serial's
 * `setup`, the `path` of its options…), and any member of a value typed `any`. @types/espruino
 * declares thousands of names (`state`, `request`, `reset`…); reserving all of them would keep the
 * firmware's own members of the same name long, so only the ones really used are kept.
 */
function usedRuntimeNames(sf: ts.SourceFile, checker: ts.TypeChecker, out: Set<string>): void {
  const fromDeclarationFile = (sym: ts.Symbol | undefined): boolean => {
    const decls = sym && sym.getDeclarations();
    return !!decls && decls.some((d) => d.getSourceFile().isDeclarationFile);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n)) {
      const name = n.name.text;
      const objType = checker.getTypeAtLocation(n.expression);
      if (objType.flags & ts.TypeFlags.Any) out.add(name);
      else {
        const sym = checker.getSymbolAtLocation(n.name);
        if (!sym || fromDeclarationFile(sym)) out.add(name);
      }
    } else if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n) || ts.isMethodDeclaration(n)) && n.name && ts.isObjectLiteralExpression(n.parent)) {
      if (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) {
        const name = n.name.text;
        const ctx = checker.getContextualType(n.parent);
        if (ctx) {
          const prop = ctx.getProperty(name);
          if (prop && fromDeclarationFile(prop)) out.add(name);
          if (ctx.flags & ts.TypeFlags.Any) out.add(name);
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/** Keys of the option schemas (`function schema()` and parts' `schema: "…"`): users pass them by name. */
function schemaKeys(sf: ts.SourceFile, out: Set<string>): void {
  const visit = (n: ts.Node): void => {
    const isSchema = (ts.isFunctionDeclaration(n) && n.name && n.name.text === "schema" && n.body) ||
      (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === "schema");
    if (isSchema) {
      // `name=<default>:<rule>;…`, possibly built with + from string literals.
      const init = ts.isFunctionDeclaration(n) ? n.body : (n as ts.PropertyAssignment).initializer;
      const text: string[] = [];
      const collect = (x: ts.Node): void => {
        if (ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x)) text.push(x.text);
        ts.forEachChild(x, collect);
      };
      if (init) collect(init);
      for (const entry of text.join("").split(";")) if (entry.indexOf("=") > 0) out.add(entry.substr(0, entry.indexOf("=")));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

let cached: RegExp | undefined;

/** The property names to shorten in device bundles, as esbuild's mangleProps pattern. */
export function manglePattern(): RegExp {
  if (cached) return cached;
  const hash = sourcesHash();
  try {
    const c = JSON.parse(fs.readFileSync(CACHE, "utf8")) as { hash: string; names: string[] };
    if (c.hash === hash) return (cached = new RegExp("^(" + c.names.join("|") + ")$"));
  } catch (e) {
    // no cache yet
  }
  const names = computeNames();
  fs.mkdirSync(path.dirname(CACHE), { recursive: true });
  fs.writeFileSync(CACHE, JSON.stringify({ hash, names }));
  return (cached = new RegExp("^(" + names.join("|") + ")$"));
}

function computeNames(): string[] {
  const config = ts.readConfigFile(path.join(ROOT, "hal/espruino/tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.join(ROOT, "hal/espruino"));
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const checker = program.getTypeChecker();
  const candidates = new Set<string>();
  const reserved = new Set<string>(EXTRA_RESERVED.concat(PUBLIC_MODEM));
  for (const sf of program.getSourceFiles()) {
    const rel = path.relative(ROOT, sf.fileName).split(path.sep).join("/");
    if (sf.isDeclarationFile) {
      // The language's library and our own runtime declarations reserve everything they declare;
      // @types/espruino only what the code uses (usedRuntimeNames).
      if (!/node_modules[\\/]@types[\\/]espruino/.test(sf.fileName)) declaredNames(sf, reserved);
      continue;
    }
    usedRuntimeNames(sf, checker, reserved);
    schemaKeys(sf, reserved);
    const visit = (n: ts.Node): void => {
      const name = (ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n)) && n.name ? n.name.text : "";
      if (ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n)) {
        if (name && PUBLIC_TYPES.has(name)) memberNames(n, reserved, true);
        if (rel.startsWith("firmware/")) memberNames(n, candidates, false);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  declaredNames(ts.createSourceFile(JHOST_DECLARATIONS, fs.readFileSync(JHOST_DECLARATIONS, "utf8"), ts.ScriptTarget.ES2015), reserved);
  return Array.from(candidates).filter((n) => !reserved.has(n) && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(n)).sort();
}

if (require.main === module) {
  const p = manglePattern();
  console.log(p.source.slice(2, -2).split("|").join(" "));
}
