// Options as data: one schema string per layer (name, default, rule) and one validation that refuses bad or unknown options at once, by name.
//
// A schema is `name=<default as JSON>:<rule>` entries joined by ";" — a string, because on a
// board every object and array costs memory. Rules: "i<min>,<max>" an integer in range, "b" a
// boolean, "e<a>|<b>|…" one of those strings, "s" a string (its content is checked by the layer
// that uses it), "B" a list of baud rates, "t" a boolean or a function, "p" a list of parts.
// `resolve` returns an object with every schema name (the default where the caller gave nothing)
// and throws an Error naming the option, the value and what is allowed, with a "did you mean" for
// a near-miss unknown name: a configuration mistake is a programmer error, reported before any
// byte is sent.
import { a76xxBauds } from "./board";

/** Edit distance between two short names (case-insensitive), for "did you mean". */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev: number[] = [];
  for (let j = 0; j <= b.length; j++) prev.push(j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j - 1] + (a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1), prev[j] + 1, cur[j - 1] + 1));
    prev = cur;
  }
  return prev[b.length];
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : typeof v === "function" ? "a function" : String(v);
}

/** Why `v` breaks `rule`, or "" when it is fine. */
function breaks(v: unknown, rule: string): string {
  const k = rule.charAt(0);
  const r = rule.substr(1).split(k === "e" ? "|" : ",");
  const t = typeof v;
  if (k === "i") return t === "number" && (v as number) >= +r[0] && (v as number) <= +r[1] && Math.floor(v as number) === v ? "" : "an integer in " + r[0] + ".." + r[1];
  if (k === "b") return t === "boolean" ? "" : "true or false";
  if (k === "s") return t === "string" ? "" : "a string";
  if (k === "t") return t === "boolean" || t === "function" ? "" : "true, false or a function(line)";
  if (k === "p") return Array.isArray(v) ? "" : "a list of parts";
  if (k === "e") return r.indexOf(v as string) >= 0 ? "" : "one of " + r.join(", ");
  // "B": baud rates
  if (!(Array.isArray(v)) || v.length > 16) return "a list of up to 16 baud rates";
  const ok = a76xxBauds();
  for (let i = 0; i < v.length; i++) if (ok.indexOf(v[i]) < 0) return "a list of rates the A76XX supports (" + ok.join(", ") + ")";
  return "";
}

/**
 * `given` checked against `schema` (every name of `given` must be in it) and completed with the
 * defaults. Throws Error("a76xx: option …") on the first problem.
 */
export function resolve(schema: string, given: unknown): { [name: string]: any } {
  if (given !== undefined && (typeof given !== "object" || given === null)) throw new Error("a76xx: options must be an object, got " + show(given));
  const g = (given || {}) as { [name: string]: unknown };
  const entries = schema.split(";");
  const names: string[] = [];
  const out: { [name: string]: any } = {};
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const eq = e.indexOf("=");
    const colon = e.lastIndexOf(":");
    const name = e.substr(0, eq);
    names.push(name);
    const v = g[name];
    if (v === undefined) {
      out[name] = JSON.parse(e.substring(eq + 1, colon));
      continue;
    }
    const why = breaks(v, e.substr(colon + 1));
    if (why) throw new Error("a76xx: option " + name + " is " + show(v) + "; it must be " + why);
    out[name] = v;
  }
  for (const key in g) {
    if (names.indexOf(key) >= 0) continue;
    let near = "";
    let best = 3;
    for (let i = 0; i < names.length; i++) {
      const d = distance(key, names[i]);
      if (d < best) {
        best = d;
        near = names[i];
      }
    }
    throw new Error("a76xx: option " + JSON.stringify(key) + " is unknown" + (near ? " (did you mean " + JSON.stringify(near) + "?)" : "; known: " + names.join(", ")));
  }
  return out;
}
