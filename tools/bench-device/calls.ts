// `make bench-device-calls`: how often each firmware function runs per UART chunk and per read on the real interpreter, by file:line (a counting copy of the library bundle).
//
// The core bundle is built again exactly as dist/a76xx.js (same entry, minification and member
// renaming) except that every function body of firmware/ and hal/ starts with `__C[<id>]++`, and
// `var __C = new Uint32Array(<n>)` comes first. The device script prints the counters when a run
// ends. Each path runs at a short and a long stream (no valgrind: a few seconds each); the
// difference, divided by the chunks (and by the reads) of the difference, is what one chunk (one
// read) costs in JavaScript calls, function by function. The counters change the instruction
// counts, never the calls: use `make bench-device` for instructions.
//
// Environment: ESPRUINO (required), ONLY (paths, e.g. "buffer-32,push-32"; default buffer and push
// at 32 and 256, send at 32), TOP (rows per table, default 40).
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { LIBRARY, libraryOptions, ROOT } from "../bundle/build";
import { BenchPath, DeviceConfig, defaultConfig, runDevice } from "./device";

export interface FunctionSite {
  /** file:line of the function's start, from the repository root. */
  where: string;
  /** Its name where it has one (method, function, variable or property it is assigned to), else "(anonymous)". */
  name: string;
}

/** The name a function node is known by in its source. */
function siteName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (ts.isConstructorDeclaration(node)) {
    const cls = node.parent as ts.ClassDeclaration;
    return (cls.name ? cls.name.text : "class") + ".constructor";
  }
  const p = node.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (p && ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return p.name.text;
  if (p && ts.isBinaryExpression(p) && ts.isPropertyAccessExpression(p.left)) {
    // `this.feed = function …` in a class: the class's member of that name.
    return p.left.expression.kind === ts.SyntaxKind.ThisKeyword ? owner(node) + p.left.name.text : p.left.getText();
  }
  if (p && ts.isCallExpression(p)) return "(callback of " + p.expression.getText().slice(0, 40) + ")";
  return "(anonymous)";
}

/** The name of the class or function a method is in, for readability. */
function owner(node: ts.Node): string {
  for (let p = node.parent; p; p = p.parent) if (ts.isClassDeclaration(p) && p.name) return p.name.text + ".";
  return "";
}

/**
 * `source` with `__C[<id>]++` at the start of every function body; `sites` gets each function's
 * file:line and name, in id order.
 */
export function countCalls(file: string, source: string, sites: FunctionSite[]): string {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2015, true, ts.ScriptKind.TS);
  const edits: Array<{ at: number; text: string }> = [];
  const rel = path.relative(ROOT, file).split(path.sep).join("/");
  const visit = (node: ts.Node): void => {
    const fn = node as ts.FunctionLikeDeclaration;
    const isFn = ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node);
    if (isFn && fn.body) {
      const id = sites.length;
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      const name = ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node) ? owner(node) + siteName(node) : siteName(node);
      sites.push({ where: rel + ":" + line, name: name });
      if (ts.isBlock(fn.body)) edits.push({ at: fn.body.getStart(sf) + 1, text: "__C[" + id + "]++;" });
      else {
        edits.push({ at: fn.body.getStart(sf), text: "(__C[" + id + "]++, " });
        edits.push({ at: fn.body.getEnd(), text: ")" });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  edits.sort((a, b) => b.at - a.at);
  let out = source;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}

/**
 * Tokens of each counted function's minified text (parameters and body, the counter's own tokens
 * left out), by site id. The interpreter lexes a function's whole body at every call, the
 * branches it skips and what follows a `return` included, so calls x tokens is what a path pays
 * in lexing, function by function.
 */
export function tokensPerSite(text: string, sites: number): number[] {
  const out: number[] = new Array(sites).fill(0);
  const ast = acorn.parse(text, { ecmaVersion: 2020, sourceType: "script" });
  const count = (from: number, to: number): number => {
    let n = 0;
    for (const t of acorn.tokenizer(text.slice(from, to), { ecmaVersion: 2020 })) if (t) n++;
    return n;
  };
  // Each counter `__C[<id>]++` belongs to its innermost enclosing function (the minifier may have
  // folded it into the function's first expression, so it is found wherever it went).
  walk.ancestor(ast, {
    UpdateExpression(node: any, _state: unknown, ancestors: any[]) {
      const m = node.argument;
      if (m.type !== "MemberExpression" || m.object.type !== "Identifier" || m.object.name !== "__C" || m.property.type !== "Literal") return;
      const id = Number(m.property.value);
      for (let i = ancestors.length - 1; i >= 0; i--) {
        const f = ancestors[i];
        if (f.type === "FunctionDeclaration" || f.type === "FunctionExpression" || f.type === "ArrowFunctionExpression") {
          // `__C [ id ] ++` and the `;` or `,` after it.
          if (id >= 0 && id < sites) out[id] = count(f.start, f.end) - 6;
          return;
        }
      }
    },
  });
  return out;
}

/** The core library, built as dist/a76xx.js but counting calls; the text and the function sites. */
export async function countingBundle(): Promise<{ text: string; sites: FunctionSite[] }> {
  const sites: FunctionSite[] = [];
  const result = await esbuild.build({
    ...libraryOptions(LIBRARY[0], true),
    write: false,
    outfile: "a76xx-counting.js",
    plugins: [
      {
        name: "count-calls",
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, (args) => ({ contents: countCalls(args.path, fs.readFileSync(args.path, "utf8"), sites), loader: "ts" }));
        },
      },
    ],
  });
  const text = "var __C=new Uint32Array(" + sites.length + ");\n" + result.outputFiles[0].text;
  return { text, sites };
}

interface Case {
  name: string;
  path: BenchPath;
  chunk: number;
}

const CASES: Case[] = [
  { name: "buffer-32", path: "buffer", chunk: 32 },
  { name: "buffer-256", path: "buffer", chunk: 256 },
  { name: "push-32", path: "push", chunk: 32 },
  { name: "push-256", path: "push", chunk: 256 },
  { name: "send-32", path: "send", chunk: 32 },
];

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

const SHORT_READS = 10;
const LONG_READS = 45;

async function main(): Promise<number> {
  const espruino = process.env.ESPRUINO;
  if (!espruino) {
    console.log("bench-device-calls skipped: ESPRUINO is not set (the path of Espruino's Linux build)");
    return 0;
  }
  const only = process.env.ONLY ? process.env.ONLY.split(",").map((s) => s.trim()) : undefined;
  const cases = CASES.filter((c) => !only || only.indexOf(c.name) >= 0 || only.indexOf(c.path) >= 0);
  const top = Number(process.env.TOP) > 0 ? Number(process.env.TOP) : 40;
  const { text, sites } = await countingBundle();
  const tokens = tokensPerSite(text, sites.length);
  console.log(`bench-device-calls: ${sites.length} functions counted; each path at ${SHORT_READS} and ${LONG_READS} reads (sends of 16 and 64 KB), the difference per chunk and per read`);
  let bad = 0;
  for (const c of cases) {
    const runs = [];
    for (const long of [false, true]) {
      const cfg: DeviceConfig = { ...defaultConfig, path: c.path, chunk: c.chunk, reads: long ? LONG_READS : SHORT_READS, maxReads: LONG_READS, sendBytes: long ? 65536 : 16384 };
      const r = await runDevice(cfg, { espruino, timeoutMs: 600000 }, text);
      const m = /BENCH-CALLS (\[[0-9,]*\])/.exec(r.stdout);
      if (r.problem || !m || !r.result) {
        console.log(`${c.name}: FAILED: ${r.problem || "no BENCH-CALLS line"}`);
        bad++;
        break;
      }
      runs.push({ result: r.result, calls: JSON.parse(m[1]) as number[] });
    }
    if (runs.length < 2) continue;
    const [s, l] = runs;
    const send = c.path === "send";
    const bytes = send ? l.result.delivered - s.result.delivered : l.result.streamBytes - s.result.streamBytes;
    // Receive: chunks the driver was handed; send: AT+CIPSENDs of 1,024 bytes.
    const chunks = send ? bytes / defaultConfig.sendPiece : bytes / c.chunk;
    const reads = send ? bytes / defaultConfig.sendPiece : LONG_READS - SHORT_READS;
    const rows = sites.map((site, i) => ({ site, d: l.calls[i] - s.calls[i], tok: tokens[i] })).filter((r) => r.d !== 0);
    rows.sort((a, b) => b.d * b.tok - a.d * a.tok || b.d - a.d);
    const total = rows.reduce((a, r) => a + r.d, 0);
    const totalTok = rows.reduce((a, r) => a + r.d * r.tok, 0);
    const unit = send ? "AT+CIPSEND of 1,024 bytes" : c.chunk + "-byte chunk";
    console.log("");
    const per = send ? "send" : "read";
    console.log(`${c.name}: ${(total / chunks).toFixed(2)} firmware calls and ${fmt(totalTok / chunks)} tokens of their bodies per ${unit}; ${(total / reads).toFixed(1)} calls and ${fmt(totalTok / reads)} tokens per ${send ? "send" : "1,460-byte read or push"} (${bytes} ${send ? "payload" : "stream"} bytes, ${chunks.toFixed(1)} ${send ? "sends" : "chunks"} in the difference)`);
    console.log(`  ${"calls/chunk".padStart(11)}  ${("calls/" + per).padStart(10)}  ${"tokens/call".padStart(11)}  ${("tokens/" + per).padStart(11)}  function  (file:line), by tokens lexed`);
    for (const r of rows.slice(0, top)) {
      console.log(`  ${(r.d / chunks).toFixed(3).padStart(11)}  ${(r.d / reads).toFixed(2).padStart(10)}  ${String(r.tok).padStart(11)}  ${fmt((r.d * r.tok) / reads).padStart(11)}  ${r.site.name}  (${r.site.where})`);
    }
    if (rows.length > top) console.log(`  … ${rows.length - top} more functions, ${(rows.slice(top).reduce((a, r) => a + r.d, 0) / reads).toFixed(2)} calls and ${fmt(rows.slice(top).reduce((a, r) => a + r.d * r.tok, 0) / reads)} tokens per ${per} together`);
    console.log(JSON.stringify({ bench: "device-calls", path: c.path, chunk: c.chunk, per: unit, callsPerChunk: Number((total / chunks).toFixed(3)), callsPerRead: Number((total / reads).toFixed(2)), tokensPerRead: Math.round(totalTok / reads), functions: rows.map((r) => ({ fn: r.site.name, at: r.site.where, perChunk: Number((r.d / chunks).toFixed(4)), tokens: r.tok })) }));
  }
  return bad ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
