// Reads a callgrind output file: total instructions, each function's own (self) instructions and how often it was called; groups the interpreter's functions.
import * as fs from "fs";

export interface Profile {
  total: number;
  /** Self instructions per function name (callgrind's recursion suffix `'N` folded in). */
  self: Map<string, number>;
  /** Calls per callee name, summed over every caller. */
  calls: Map<string, number>;
  /**
   * Inclusive instructions per raw name (callgrind keeps a function's recursive activations apart
   * as `name'2`…, so the plain name's inclusive cost counts every nested activation once).
   */
  inclusive: Map<string, number>;
}

function baseName(name: string): string {
  const q = name.indexOf("'");
  return q < 0 ? name : name.substr(0, q);
}

/**
 * Parse callgrind's format (name compression `(id) name`, one event `Ir`, one position column).
 * A cost line right after `calls=` is the inclusive cost of that call and is not self cost.
 */
export function readProfile(file: string): Profile {
  const names = new Map<string, string>();
  const raw = new Map<string, string>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let fnRaw = "";
  let cfnRaw = "";
  const calls = new Map<string, number>();
  let total = 0;
  let fn = "";
  let cfn = "";
  let callLine = false;
  const lines = fs.readFileSync(file, "latin1").split("\n");
  const named = (spec: string): [string, string] => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!m) return [baseName(spec), spec];
    if (m[2] !== undefined) {
      names.set(m[1], baseName(m[2]));
      raw.set(m[1], m[2]);
    }
    return [names.get(m[1]) || "?", raw.get(m[1]) || "?"];
  };
  for (const line of lines) {
    if (line.length === 0) continue;
    const c = line.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42) {
      // "<position> <Ir>"
      const sp = line.indexOf(" ");
      const ir = sp < 0 ? 0 : Number(line.substr(sp + 1));
      // A call's cost counts in the caller's inclusive cost unless the callee is the caller itself.
      if (!callLine) self.set(fn, (self.get(fn) || 0) + ir);
      if (!callLine || cfnRaw !== fnRaw) inclusive.set(fnRaw, (inclusive.get(fnRaw) || 0) + ir);
      callLine = false;
      continue;
    }
    if (line.startsWith("fn=")) {
      [fn, fnRaw] = named(line.substr(3));
    } else if (line.startsWith("cfn=")) {
      [cfn, cfnRaw] = named(line.substr(4));
    } else if (line.startsWith("calls=")) {
      const n = parseInt(line.substr(6), 10);
      calls.set(cfn, (calls.get(cfn) || 0) + n);
      callLine = true;
    } else if (line.startsWith("summary: ") || line.startsWith("totals: ")) {
      total = Number(line.substr(line.indexOf(" ") + 1));
    }
  }
  return { total, self, calls, inclusive };
}

/** Where the interpreter's instructions go, by the naming of Espruino's sources. */
export const CATEGORIES: Array<{ name: string; test: (fn: string) => boolean }> = [
  { name: "lexing (jsl*: tokens, characters)", test: (f) => f.startsWith("jsl") },
  { name: "string iterators (source text and strings)", test: (f) => /^jsv(String|Array|Object|)Iterator/.test(f) || f.startsWith("jsvStringIterator") },
  { name: "name lookup (scopes, members, string compares)", test: (f) => /^(jsvFindChild|jspeiFindInScopes|jspGetNamedField|jspGetVarNamedField|jsvIsStringEqual|jsvFastPrefixEqual|jsvCompareString|jsvGetNextSibling|jsvGetFirstChild|jsvGetLastChild|jsvSkipName|jsvGetCharactersInVar|jswFindBuiltIn|jswGetBuiltInLibrary|jspeiFindOnTop|jspeiFindChildFromStringInParents|jspGetBuiltinPrototype|jspGetNamedFieldInParents)/.test(f) || f.startsWith("__strcmp") || f === "strcmp" },
  { name: "allocation and freeing (jsvNew*, jsvFree*, GC)", test: (f) => /^(jsvNew|jsvFree|jsvGarbageCollect|jsvResetVariable|jsvCreateNewChild|jsvMakeIntoVariableName|jsvCopy|jsvUnLockFreeIfNeeded|jsvAddName|jsvAddNamedChild|jsvSetValueOfName|jsvMakeFunctionParameter)/.test(f) },
  { name: "locks and references (jsvLock/UnLock/Ref)", test: (f) => /^(jsvLock|jsvUnLock|jsvGetRef|jsvSetRef|jsvRef|jsvUnRef|jsvGetAddressOf|jsvGetRefs|jsvSetRefs|jsvGetLocks|_jsvGetAddressOf)/.test(f) },
  { name: "other variable code (jsv*)", test: (f) => f.startsWith("jsv") },
  { name: "parser and evaluator (jsp*, jspe*)", test: (f) => f.startsWith("jsp") },
  { name: "natives (jswrap_*)", test: (f) => f.startsWith("jswrap") || f.startsWith("jsw") },
  { name: "event loop, timers, I/O (jsi*, jsh*, jst*)", test: (f) => /^(jsi|jsh|jst|jsu|kbhit|select|__select|clock_gettime|__clock_gettime|gettimeofday|pthread|__pthread)/.test(f) },
  { name: "everything else (libc, math, misc)", test: () => true },
];

export function categoryOf(fn: string): string {
  for (const c of CATEGORIES) if (c.test(fn)) return c.name;
  return CATEGORIES[CATEGORIES.length - 1].name;
}

function diffMaps(long: Map<string, number>, short: Map<string, number>): Map<string, number> {
  const d = new Map<string, number>();
  for (const [k, v] of long) d.set(k, v - (short.get(k) || 0));
  for (const [k, v] of short) if (!long.has(k)) d.set(k, -v);
  return d;
}

/** long − short per function (self instructions, calls, inclusive instructions). */
export function diffProfiles(long: Profile, short: Profile): { self: Map<string, number>; calls: Map<string, number>; inclusive: Map<string, number> } {
  return { self: diffMaps(long.self, short.self), calls: diffMaps(long.calls, short.calls), inclusive: diffMaps(long.inclusive, short.inclusive) };
}
