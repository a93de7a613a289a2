// Where two bench-device series differ, by interpreter (C) function: instructions and calls per stream byte from the profiles `make bench-device` keeps.
//
// Usage: npx ts-node tools/bench-device/compare.ts <series> [<series>|-] [regexp] [rows]
//   e.g. compare.ts buffer-32 model-buffer-32 '^jsw' 30   (what the driver adds to its model)
//        compare.ts buffer-32 - '^jspGetNamedField'       (one series alone)
// A series is read from OUT (default dist/bench-device): <name>-10 and -45 (receive) or
// -16384 and -65536 (send) callgrind files and their .json results; "dir:name" reads another
// directory (a BUNDLE experiment's OUT). Per series, (long - short) / (bytes long - bytes short),
// as run.ts computes its totals. Columns: inclusive and self instructions per byte of the first
// minus the second, and calls per 1,000 bytes; sorted by the inclusive difference. Interpreter
// functions are C functions: one JavaScript function's cost shows up spread over them (see
// `make bench-device-calls` for JavaScript calls and tokens).
import * as fs from "fs";
import { diffProfiles, Profile, readProfile } from "./callgrind";

interface Series {
  name: string;
  d: { inclusive: Map<string, number>; self: Map<string, number>; calls: Map<string, number> };
  bytes: number;
  total: number;
}

function load(spec: string): Series {
  const dir = spec.indexOf(":") >= 0 ? spec.split(":")[0] : process.env.OUT || "dist/bench-device";
  const name = spec.indexOf(":") >= 0 ? spec.split(":")[1] : spec;
  const send = name.indexOf("send") >= 0;
  const [a, b] = send ? ["16384", "65536"] : ["10", "45"];
  const file = (n: string) => dir + "/" + name + "-" + n + ".callgrind";
  const s: Profile = readProfile(file(a));
  const l: Profile = readProfile(file(b));
  const js = JSON.parse(fs.readFileSync(file(a) + ".json", "utf8"));
  const jl = JSON.parse(fs.readFileSync(file(b) + ".json", "utf8"));
  const bytes = send ? jl.result.delivered - js.result.delivered : jl.result.streamBytes - js.result.streamBytes;
  return { name: spec, d: diffProfiles(l, s), bytes, total: (l.total - s.total) / bytes };
}

const [first, second, filter, rows] = process.argv.slice(2);
if (!first) {
  console.error("usage: compare.ts <series> [<series>|-] [regexp] [rows]");
  process.exit(2);
}
const A = load(first);
const B = second && second !== "-" ? load(second) : undefined;
console.log(A.name + " " + A.total.toFixed(0) + " per byte" + (B ? "; " + B.name + " " + B.total.toFixed(0) + " per byte" : ""));
const re = new RegExp(filter || ".");
const names = new Set([...A.d.inclusive.keys(), ...(B ? B.d.inclusive.keys() : [])]);
const per = (s: Series | undefined, m: "inclusive" | "self" | "calls", k: string) => (s ? (s.d[m].get(k) || 0) / s.bytes : 0);
const out = [...names]
  .filter((k) => re.test(k))
  .map((k) => ({ k, di: per(A, "inclusive", k) - per(B, "inclusive", k), ds: per(A, "self", k) - per(B, "self", k), dc: (per(A, "calls", k) - per(B, "calls", k)) * 1000 }))
  .sort((x, y) => y.di - x.di)
  .slice(0, Number(rows) || 40);
console.log("incl/byte self/byte calls/kB  function");
for (const r of out) console.log(r.di.toFixed(0).padStart(9), r.ds.toFixed(0).padStart(9), r.dc.toFixed(1).padStart(9), " ", r.k);
