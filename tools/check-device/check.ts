// The device check: parses JavaScript with acorn and reports every construct the Espruino interpreter cannot run.
import { parse, type AnyNode, type Identifier, type MemberExpression, type Program } from "acorn";
import { fullAncestor } from "acorn-walk";

/** One forbidden construct: 1-based line, 1-based column, and the construct's name as the report prints it. */
export interface Finding {
  line: number;
  column: number;
  construct: string;
}

/** Every construct name checkDeviceSource can report, apart from "syntax error: …". */
export const DEVICE_CONSTRUCTS: readonly string[] = [
  "default parameter", "rest parameter", "spread", "destructuring", "exponent operator",
  "optional chaining", "async function", "await", "generator", "labelled statement",
  "Map", "Set", "WeakMap", "Symbol",
  "Array.from", "Object.freeze", "Math.trunc", "Number.isInteger", "Array.prototype.slice",
  "call before declaration", "loop variable captured by closure",
  "class expression naming itself", "non-ASCII character", "arrow using this in a skipped branch",
];

const FORBIDDEN_GLOBALS: ReadonlySet<string> = new Set(["Map", "Set", "WeakMap", "Symbol"]);
const FORBIDDEN_MEMBERS: ReadonlySet<string> = new Set([
  "Array.from", "Object.freeze", "Math.trunc", "Number.isInteger", "Array.prototype.slice",
]);

type FunctionNode = Extract<AnyNode, { type: "FunctionDeclaration" | "FunctionExpression" | "ArrowFunctionExpression" }>;
type BindingKind = "var" | "let" | "const" | "using" | "class" | "function" | "param" | "catch" | "import" | "self";

/** A name declared in one scope: how it was declared, where its first `function` declaration starts, and whether the scope is a loop's (head or body). */
interface Binding {
  kinds: Set<BindingKind>;
  firstFunctionDeclaration: number;
  inLoop: boolean;
}

function isFunction(node: AnyNode): node is FunctionNode {
  return node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression";
}

function isLoop(node: AnyNode): boolean {
  switch (node.type) {
    case "ForStatement": case "ForInStatement": case "ForOfStatement": case "WhileStatement": case "DoWhileStatement":
      return true;
    default:
      return false;
  }
}

/** True for the nodes that hold declarations: program, functions, classes, blocks, switch, catch and for heads. */
function isScope(node: AnyNode): boolean {
  switch (node.type) {
    case "Program": case "ClassDeclaration": case "ClassExpression": case "BlockStatement": case "StaticBlock":
    case "SwitchStatement": case "CatchClause": case "ForStatement": case "ForInStatement": case "ForOfStatement":
      return true;
    default:
      return isFunction(node);
  }
}

/** Index of the innermost scope node in ancestors[0..from], or of the innermost function/program when varScope. */
function scopeIndex(ancestors: AnyNode[], from: number, varScope: boolean): number {
  for (let i = from; i > 0; i--) {
    const n = ancestors[i];
    if (varScope ? isFunction(n) : isScope(n)) return i;
  }
  return 0;
}

/** True when the scope at ancestors[index] belongs to a loop (its head or body) of the same function. */
function isLoopScope(ancestors: AnyNode[], index: number): boolean {
  for (let i = index; i >= 0; i--) {
    const n = ancestors[i];
    if (isLoop(n)) return true;
    if (isFunction(n) || n.type === "StaticBlock" || n.type === "Program") return false;
  }
  return false;
}

/** The property name of a member access when it is static (`a.b`, `a["b"]`, a[`b`]), else undefined. */
function propertyName(member: MemberExpression): string | undefined {
  const p = member.property;
  if (!member.computed) return p.type === "Identifier" ? p.name : undefined;
  if (p.type === "Literal" && typeof p.value === "string") return p.value;
  if (p.type === "TemplateLiteral" && p.expressions.length === 0) return p.quasis[0].value.cooked ?? undefined;
  return undefined;
}

/** The root identifier and dotted path of a static member chain such as `Array.prototype.slice`, else undefined. */
function memberPath(member: MemberExpression): { root: Identifier; path: string } | undefined {
  const names: string[] = [];
  let node: AnyNode = member;
  while (node.type === "MemberExpression") {
    const name = propertyName(node);
    if (name === undefined) return undefined;
    names.unshift(name);
    node = node.object;
  }
  return node.type === "Identifier" ? { root: node, path: [node.name].concat(names).join(".") } : undefined;
}

/** True when a pattern sits inside another destructuring pattern (reported once, at the outer one). */
function isNestedPattern(ancestors: AnyNode[]): boolean {
  for (let i = ancestors.length - 2; i >= 0; i--) {
    const t = ancestors[i].type;
    if (t === "ObjectPattern" || t === "ArrayPattern") return true;
    if (t !== "RestElement" && t !== "AssignmentPattern" && t !== "Property") return false;
  }
  return false;
}

/**
 * True when `child` sits where the interpreter may parse it without running it, one level below
 * `parent`: a branch of `?:`, the right of `&&`/`||`/`??`, an `if` branch, a `case`, a loop's body,
 * test or update. Espruino skips a `{…}` block as a whole, so the walk up stops at a block.
 */
function isSkippedEdge(parent: AnyNode, child: AnyNode): boolean {
  switch (parent.type) {
    case "ConditionalExpression": return child === parent.consequent || child === parent.alternate;
    case "LogicalExpression": return child === parent.right;
    case "IfStatement": return child === parent.consequent || child === parent.alternate;
    case "SwitchCase": return child !== parent.test;
    case "WhileStatement": case "DoWhileStatement": case "ForInStatement": case "ForOfStatement": return child === parent.body;
    case "ForStatement": return child === parent.body || child === parent.test || child === parent.update;
    default: return false;
  }
}

/**
 * For a `this` at ancestors[last]: the arrow functions it belongs to (those between it and the
 * nearest ordinary function) that are defined in a skipped branch. The debug interpreter asserts
 * (`jsvHasChildren(obj)` in jsvar.c) when it parses such an arrow without running it, because an
 * arrow that uses `this` captures it at definition; a release build lets it pass.
 */
function arrowsUsingThisInSkippedBranch(ancestors: AnyNode[]): AnyNode[] {
  let fn = 0;
  for (let i = ancestors.length - 2; i > 0; i--) {
    const t = ancestors[i].type;
    if (t === "FunctionDeclaration" || t === "FunctionExpression") {
      fn = i;
      break;
    }
  }
  const out: AnyNode[] = [];
  for (let a = ancestors.length - 2; a > fn; a--) {
    if (ancestors[a].type !== "ArrowFunctionExpression") continue;
    for (let i = a - 1; i >= fn; i--) {
      const parent = ancestors[i];
      if (parent.type === "BlockStatement" || isFunction(parent) || parent.type === "Program") break;
      if (isSkippedEdge(parent, ancestors[i + 1])) {
        out.push(ancestors[a]);
        break;
      }
    }
  }
  return out;
}

/** Line, column and the first non-ASCII character of every line that has one (the espruino CLI's upload mangles them). */
function nonAsciiFindings(code: string): Finding[] {
  const out: Finding[] = [];
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /[^\x00-\x7f]/.exec(lines[i]);
    if (m) out.push({ line: i + 1, column: m.index + 1, construct: "non-ASCII character" });
  }
  return out;
}

interface AcornError {
  message: string;
  pos?: number;
  loc?: { line: number; column: number };
}

/** The program, or a "syntax error" finding from whichever parse (script, then module) got further into the code. */
function parseProgram(code: string): Program | Finding {
  let best: AcornError | undefined;
  for (const sourceType of ["script", "module"] as const) {
    try {
      return parse(code, { ecmaVersion: "latest", sourceType, locations: true });
    } catch (e) {
      const err: AcornError = e instanceof Error ? e : { message: String(e) };
      if (!best || (err.pos ?? -1) > (best.pos ?? -1)) best = err;
    }
  }
  const err = best ?? { message: "unknown error" };
  return {
    line: err.loc ? err.loc.line : 1,
    column: err.loc ? err.loc.column + 1 : 1,
    construct: "syntax error: " + err.message,
  };
}

/**
 * Checks JavaScript source for constructs the Espruino interpreter cannot run.
 * Returns the findings sorted by position (empty when the code is fine for the device); code that does
 * not parse as a script nor as a module gives a single "syntax error: <acorn message>" finding.
 */
export function checkDeviceSource(code: string): Finding[] {
  const program = parseProgram(code);
  if (!("type" in program)) return [program];

  const findings: Finding[] = nonAsciiFindings(code);
  const arrowsReported = new Set<AnyNode>();
  const report = (node: AnyNode, construct: string): void => {
    const start = node.loc ? node.loc.start : { line: 1, column: 0 };
    findings.push({ line: start.line, column: start.column + 1, construct });
  };

  const scopes = new Map<AnyNode, Map<string, Binding>>();
  const declare = (ancestors: AnyNode[], index: number, name: string, kind: BindingKind, declaration?: AnyNode): void => {
    const scope = ancestors[index];
    let bindings = scopes.get(scope);
    if (!bindings) scopes.set(scope, (bindings = new Map()));
    let binding = bindings.get(name);
    if (!binding) {
      binding = { kinds: new Set(), firstFunctionDeclaration: Infinity, inLoop: isLoopScope(ancestors, index) };
      bindings.set(name, binding);
    }
    binding.kinds.add(kind);
    if (declaration) binding.firstFunctionDeclaration = Math.min(binding.firstFunctionDeclaration, declaration.start);
  };

  // A binding identifier (walker type "VariablePattern"): climb out of the pattern to what declares it.
  const declareBinding = (id: Identifier, ancestors: AnyNode[]): void => {
    let child: AnyNode = id;
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const n = ancestors[i];
      switch (n.type) {
        case "ObjectPattern": case "ArrayPattern": case "RestElement": case "AssignmentPattern": case "Property":
          child = n;
          continue;
        case "VariableDeclarator": {
          const declaration = ancestors[i - 1];
          if (declaration.type !== "VariableDeclaration") return;
          const kind = declaration.kind === "await using" ? "using" : declaration.kind;
          declare(ancestors, scopeIndex(ancestors, i - 2, kind === "var"), id.name, kind);
          return;
        }
        case "FunctionDeclaration":
          if (n.id === child) declare(ancestors, scopeIndex(ancestors, i - 1, false), id.name, "function", n);
          else declare(ancestors, i, id.name, "param");
          return;
        case "FunctionExpression": case "ArrowFunctionExpression":
          declare(ancestors, i, id.name, n.id === child ? "self" : "param");
          return;
        case "ClassDeclaration":
          declare(ancestors, scopeIndex(ancestors, i - 1, false), id.name, "class");
          return;
        case "ClassExpression":
          declare(ancestors, i, id.name, "self");
          return;
        case "CatchClause":
          declare(ancestors, i, id.name, "catch");
          return;
        default:
          return; // an assignment target (`x = …`, `for (x of …)`): neither a declaration nor a read
      }
    }
  };

  // Every identifier read in expression position, with the scope nodes enclosing it (outermost first).
  const references = new Map<Identifier, AnyNode[]>();
  const members: { node: MemberExpression; root: Identifier; path: string }[] = [];

  fullAncestor(program, (node: AnyNode, _state: unknown, ancestors: AnyNode[], type: string) => {
    switch (node.type) {
      case "FunctionDeclaration": case "FunctionExpression": case "ArrowFunctionExpression":
        if (node.async) report(node, "async function");
        if (node.generator) report(node, "generator");
        for (const param of node.params) {
          if (param.type === "AssignmentPattern") report(param, "default parameter");
          else if (param.type === "RestElement") report(param, "rest parameter");
        }
        break;
      case "SpreadElement":
        report(node, "spread");
        break;
      case "ObjectPattern": case "ArrayPattern":
        if (!isNestedPattern(ancestors)) report(node, "destructuring");
        break;
      case "BinaryExpression": case "AssignmentExpression":
        if (node.operator === "**" || node.operator === "**=") report(node, "exponent operator");
        break;
      case "ChainExpression":
        report(node, "optional chaining");
        break;
      case "AwaitExpression":
        report(node, "await");
        break;
      case "ForOfStatement":
        if (node.await) report(node, "await");
        break;
      case "VariableDeclaration":
        if (node.kind === "await using") report(node, "await");
        break;
      case "YieldExpression":
        report(node, "generator");
        break;
      case "LabeledStatement":
        report(node, "labelled statement");
        break;
      case "ThisExpression":
        for (const arrow of arrowsUsingThisInSkippedBranch(ancestors)) {
          if (arrowsReported.has(arrow)) continue;
          arrowsReported.add(arrow);
          report(arrow, "arrow using this in a skipped branch");
        }
        break;
      case "ImportSpecifier": case "ImportDefaultSpecifier": case "ImportNamespaceSpecifier":
        declare(ancestors, 0, node.local.name, "import");
        break;
      case "MemberExpression": {
        const found = memberPath(node);
        if (found && FORBIDDEN_MEMBERS.has(found.path)) members.push({ node, root: found.root, path: found.path });
        break;
      }
      case "Identifier":
        if (type === "VariablePattern") declareBinding(node, ancestors);
        else if (ancestors[ancestors.length - 2].type !== "ExportAllDeclaration") { // `export * as Map from …` names no variable
          references.set(node, ancestors.filter(isScope));
        }
        break;
      default:
        break;
    }
  });

  const resolve = (name: string, chain: AnyNode[]): { binding: Binding; depth: number } | undefined => {
    for (let i = chain.length - 1; i >= 0; i--) {
      const binding = scopes.get(chain[i])?.get(name);
      if (binding) return { binding, depth: i };
    }
    return undefined;
  };

  for (const [id, chain] of references) {
    const found = resolve(id.name, chain);
    if (!found) {
      if (FORBIDDEN_GLOBALS.has(id.name)) report(id, id.name);
      continue;
    }
    const { binding, depth } = found;
    if (binding.kinds.has("self") && chain[depth].type === "ClassExpression") {
      // Espruino does not bind a class expression's own name inside its body.
      report(id, "class expression naming itself");
    }
    // A function created between the declaring scope and the reference defers (or repeats) the read.
    const inNestedFunction = chain.slice(depth + 1).some(isFunction);
    if (!inNestedFunction && binding.firstFunctionDeclaration !== Infinity && id.start < binding.firstFunctionDeclaration) {
      report(id, "call before declaration");
    }
    if (inNestedFunction && binding.inLoop && (binding.kinds.has("let") || binding.kinds.has("const"))) {
      report(id, "loop variable captured by closure");
    }
  }

  for (const { node, root, path } of members) {
    if (!resolve(root.name, references.get(root) ?? [])) report(node, path);
  }

  return findings.sort((a, b) => a.line - b.line || a.column - b.column || (a.construct < b.construct ? -1 : a.construct > b.construct ? 1 : 0));
}
