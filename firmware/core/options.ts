// Options as data: one schema per layer (default and rule), one validation that refuses bad or unknown options at once, by name.
//
// A rule is a short string: "i<min>,<max>" an integer in range, "b" a boolean, "e<a>|<b>|…" one of
// those strings, "s" a string (its content is checked by the layer that uses it), "B" a list of
// baud rates, "f" a function, "o" an object, "t" a boolean or a function, "p" a list of parts. `resolve` returns a new object
// with every schema key (the default where the caller gave nothing) and throws an Error naming the
// option, the value and what is allowed, with a "did you mean" for a near-miss unknown name: a
// configuration mistake is a programmer error and is reported before any byte is sent.
import { A76XX_BAUDS } from "./board";

/** name → [default, rule]. */
export type Schema = { [name: string]: [unknown, string] };

/** Edit distance between two short names (case-insensitive), for "did you mean". */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev: number[] = [];
  for (let j = 0; j <= b.length; j++) prev.push(j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1);
      cur.push(Math.min(sub, prev[j] + 1, cur[j - 1] + 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The name in `names` closest to `name` when it is a near miss (distance ≤ 2), else "". */
export function nearest(name: string, names: string[]): string {
  let best = "";
  let bestD = 3;
  for (let i = 0; i < names.length; i++) {
    const d = distance(name, names[i]);
    if (d < bestD) {
      bestD = d;
      best = names[i];
    }
  }
  return best;
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : typeof v === "function" ? "a function" : String(v);
}

/** Why `v` breaks `rule`, or "" when it is fine. */
function breaks(v: unknown, rule: string): string {
  const k = rule.charAt(0);
  if (k === "i") {
    const r = rule.substr(1).split(",");
    const min = Number(r[0]);
    const max = Number(r[1]);
    return typeof v === "number" && v >= min && v <= max && Math.floor(v) === v ? "" : "an integer in " + min + ".." + max;
  }
  if (k === "b") return typeof v === "boolean" ? "" : "true or false";
  if (k === "s") return typeof v === "string" ? "" : "a string";
  if (k === "f") return typeof v === "function" ? "" : "a function";
  if (k === "o") return typeof v === "object" && v !== null ? "" : "an object";
  if (k === "t") return typeof v === "boolean" || typeof v === "function" ? "" : "true, false or a function(line)";
  if (k === "p") return v instanceof Array ? "" : "a list of parts";
  if (k === "e") {
    const list = rule.substr(1).split("|");
    return list.indexOf(v as string) >= 0 ? "" : "one of " + list.join(", ");
  }
  if (k === "B") {
    if (!(v instanceof Array) || v.length > 16) return "a list of up to 16 baud rates";
    for (let i = 0; i < v.length; i++) if (A76XX_BAUDS.indexOf(v[i]) < 0) return "a list of baud rates the A76XX supports (" + A76XX_BAUDS.join(", ") + ")";
    return "";
  }
  return "";
}

/**
 * `given` checked against `schema` (every key of `given` must be in it) and completed with the
 * defaults. Throws Error("a76xx: option …") on the first problem.
 */
export function resolve(schema: Schema, given: unknown): { [name: string]: any } {
  const out: { [name: string]: any } = {};
  const names = Object.keys(schema);
  if (given !== undefined && (typeof given !== "object" || given === null)) throw new Error("a76xx: options must be an object, got " + show(given));
  const g = (given || {}) as { [name: string]: unknown };
  const keys = Object.keys(g);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!schema.hasOwnProperty(key)) {
      const near = nearest(key, names);
      throw new Error("a76xx: option " + JSON.stringify(key) + " is unknown" + (near ? " (did you mean " + JSON.stringify(near) + "?)" : "; known options: " + names.join(", ")));
    }
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const v = g[name];
    if (v === undefined) {
      out[name] = schema[name][0];
      continue;
    }
    const why = breaks(v, schema[name][1]);
    if (why) throw new Error("a76xx: option " + name + " is " + show(v) + "; it must be " + why);
    out[name] = v;
  }
  return out;
}
