// `make bench-device`: the receive and send paths on the real Espruino interpreter under callgrind, in instructions per stream byte; a table for people, JSON lines for tools.
//
// Each series runs one configuration of tools/bench-device/device-script.js twice, at a short and
// a long stream, and divides the difference of callgrind's totals by the difference of the bytes:
// loading the bundle, bring-up and tear-down cancel out. Receive paths count every byte the module
// side emitted (headers, payload, OK); the send path counts payload bytes the module received.
//
// Environment: ESPRUINO (required), ONLY (comma-separated series or paths, e.g. "buffer,floor-32"),
// JOBS (runs at once; default 2), OUT (callgrind files and each run's result; default
// dist/bench-device), REUSE=1 (print from the files of the last run with the same settings),
// BUNDLE (another build of the library to load instead of dist/a76xx.js: a patched copy for an
// experiment; give it its own OUT), MODEM_OPTIONS (JSON: more createModem options, e.g.
// '{"links":1}', also an experiment).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BenchPath, callgrindTotal, DeviceConfig, DeviceRun, defaultConfig, ROOT, runDevice, runProgram } from "./device";
import { CATEGORIES, categoryOf, diffProfiles, Profile, readProfile } from "./callgrind";

/** Issue 11's goal for the end-to-end receive path (buffer and push) at 32-byte chunks. */
const TARGET = 12600;
/** Reads (or pushes) of 1,460 bytes in the short and the long run; the long one is the stream. */
const SHORT_READS = 10;
const LONG_READS = 45;
const SHORT_SEND = 16384;
const LONG_SEND = 65536;

interface Series {
  name: string;
  path: BenchPath;
  chunk: number;
  what: string;
  /** Per payload byte sent (send) instead of per stream byte. */
  send: boolean;
  target?: number;
  /** Break the long−short difference down by interpreter function. */
  breakdown: boolean;
}

const SERIES: Series[] = [
  { name: "floor-32", path: "floor", chunk: 32, what: "floor: the stream to a handler that only counts bytes", send: false, breakdown: true },
  { name: "floor-256", path: "floor", chunk: 256, what: "floor: the stream to a handler that only counts bytes", send: false, breakdown: false },
  { name: "buffer-32", path: "buffer", chunk: 32, what: "buffer access (AT+CIPRXGET=2 reads) to the app's data event", send: false, target: TARGET, breakdown: true },
  { name: "buffer-256", path: "buffer", chunk: 256, what: "buffer access (AT+CIPRXGET=2 reads) to the app's data event", send: false, breakdown: true },
  { name: "push-32", path: "push", chunk: 32, what: "direct push (+RECEIVE,<l>,1460) to the app's data event", send: false, target: TARGET, breakdown: true },
  { name: "push-256", path: "push", chunk: 256, what: "direct push (+RECEIVE,<l>,1460) to the app's data event", send: false, breakdown: true },
  { name: "model-buffer-32", path: "model-buffer", chunk: 32, what: "the benchmark's own share of buffer-32: floor + module model + app check, no driver", send: false, breakdown: false },
  { name: "model-buffer-256", path: "model-buffer", chunk: 256, what: "the benchmark's own share of buffer-256", send: false, breakdown: false },
  { name: "model-push-32", path: "model-push", chunk: 32, what: "the benchmark's own share of push-32: floor + module model + app check, no driver", send: false, breakdown: false },
  { name: "model-push-256", path: "model-push", chunk: 256, what: "the benchmark's own share of push-256", send: false, breakdown: false },
  { name: "push-ipd-32", path: "push-ipd", chunk: 32, what: "direct push (+RECV FROM + +IPD1460) to the app's data event", send: false, breakdown: false },
  { name: "model-send-32", path: "model-send", chunk: 32, what: "the benchmark's own share of send-32: app pieces + module model checking every payload byte, no driver", send: true, breakdown: false },
  { name: "send-32", path: "send", chunk: 32, what: "send: app s.write with drain -> AT+CIPSEND=<l>,1024 (module answers in 32-byte chunks)", send: true, breakdown: true },
];

interface Job {
  series: Series;
  long: boolean;
  cfg: DeviceConfig;
  out: string;
  run?: DeviceRun;
  seconds?: number;
}

interface Row {
  series: Series;
  short: Job;
  long: Job;
  /** Bytes of the difference: stream bytes, or payload bytes for send. */
  bytes: number;
  irPerByte: number;
  /** Send: per byte on the UART in either direction. */
  irPerUartByte?: number;
  problem: string;
}

function fmt(n: number): string {
  return isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-";
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w)))].concat(rows.map(line));
}

function selected(only: string | undefined): Series[] {
  if (!only) return SERIES;
  const want = only.split(",").map((s) => s.trim()).filter(Boolean);
  return SERIES.filter((s) => want.some((w) => w === s.name || w === s.path || w === String(s.chunk)));
}

async function runJobs(jobs: Job[], parallel: number, espruino: string, reuse: boolean, bundleText: string | undefined): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const t0 = Date.now();
      const saved = job.out + ".json";
      if (reuse && fs.existsSync(saved) && fs.existsSync(job.out)) {
        job.run = JSON.parse(fs.readFileSync(saved, "utf8")) as DeviceRun;
      } else {
        job.run = await runDevice(job.cfg, { espruino, callgrindOut: job.out, timeoutMs: 3600000 }, bundleText);
        fs.writeFileSync(saved, JSON.stringify({ ...job.run, stdout: job.run.stdout.slice(-4000), stderr: job.run.stderr.slice(-4000) }));
      }
      job.seconds = (Date.now() - t0) / 1000;
      const r = job.run.result;
      console.error(
        `  ${job.series.name} ${job.long ? "long " : "short"}: ${job.run.problem ? "FAILED: " + job.run.problem : fmt(job.run.ir || 0) + " instructions, " + (r ? r.streamBytes + " stream bytes" : "")} (${job.seconds.toFixed(0)} s)`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
}

/** Instructions of one idle-loop turn whose timer callback does nothing but re-arm itself. */
async function bareTurn(espruino: string, outDir: string, reuse: boolean): Promise<number | undefined> {
  const prog = (n: number) => `var n=0;function t(){if(++n<${n})setTimeout(t,0);else quit()}setTimeout(t,0);`;
  const ir = async (n: number) => {
    const out = path.join(outDir, `bare-turn-${n}.callgrind`);
    if (reuse && fs.existsSync(out)) return callgrindTotal(out);
    return (await runProgram(prog(n), { espruino, callgrindOut: out, timeoutMs: 600000 })).ir;
  };
  const a = await ir(500);
  const b = await ir(2000);
  if (a === undefined || b === undefined) return undefined;
  return (b - a) / 1500;
}

interface Activity {
  what: string;
  /** Inclusive instructions per stream (or payload) byte. */
  ir: number;
  /** How often per chunk (per AT+CIPSEND when sending), and instructions each time; NaN when not counted. */
  perChunk: number;
  each: number;
}

interface Breakdown {
  series: Series;
  total: number;
  chunkUnit: string;
  perChunk: { [k: string]: number };
  activities: Activity[];
  perByte: Array<{ category: string; ir: number }>;
  top: Array<{ fn: string; ir: number }>;
  /** Buffer and push: the same counts minus those of the benchmark's own share (the model-* series). */
  driver?: { model: string; perChunk: { [k: string]: number }; activities: Activity[] };
}

/** `b` minus the benchmark's own share `m` (per chunk and per byte of each, as measured on the same stream). */
function driverAlone(b: Breakdown, m: Breakdown): Breakdown["driver"] {
  const perChunk: { [k: string]: number } = {};
  for (const k of Object.keys(b.perChunk)) perChunk[k] = b.perChunk[k] - (m.perChunk[k] || 0);
  const activities = b.activities.map((a, i) => {
    const o = m.activities[i];
    const n = a.perChunk - o.perChunk;
    const ir = a.ir - o.ir;
    const unit = b.series.send ? defaultConfig.sendPiece : b.series.chunk;
    return { what: a.what, ir, perChunk: n, each: isFinite(n) && n > 0 ? (ir * unit) / n : NaN };
  });
  return { model: m.series.name, perChunk, activities };
}

/** Natives that call back into JavaScript: their inclusive cost is the callback's, not theirs. */
const CALLBACK_NATIVES = /apply_or_call|forEach|_map|filter|reduce|some|every|find|sort|replace|setTimeout|setInterval|emit|_on$|_bind/;

/** What the interpreter does per chunk and where the instructions of one stream byte go. */
function breakdown(row: Row): Breakdown {
  const short: Profile = readProfile(row.short.out);
  const long: Profile = readProfile(row.long.out);
  const d = diffProfiles(long, short);
  // Per chunk delivered to the driver, or per AT+CIPSEND of 1,024 bytes when sending.
  const chunks = row.series.send ? row.bytes / defaultConfig.sendPiece : row.bytes / row.series.chunk;
  const calls = (fn: string) => (d.calls.get(fn) || 0) / chunks;
  const incl = (fn: string) => (d.inclusive.get(fn) || 0) / row.bytes;
  const perChunk = {
    "function calls (JS and native)": calls("jspeFunctionCall"),
    "tokens lexed": calls("jslGetNextToken"),
    "variables allocated": calls("jsvNewWithFlags"),
    "scope lookups": calls("jspeiFindInScopes"),
    "member lookups": calls("jspGetNamedField"),
    "name searches in a variable's children": calls("jsvFindChildFromString"),
    "garbage collections": calls("jsvGarbageCollect"),
  };
  const activity = (what: string, fns: string[], counter: string | undefined): Activity => {
    let ir = 0;
    for (const f of fns) ir += incl(f);
    const n = counter ? calls(counter) : NaN;
    return { what, ir, perChunk: n, each: counter ? (ir * row.bytes) / (n * chunks) : NaN };
  };
  const natives = [...d.inclusive.keys()].filter((k) => k.startsWith("jswrap_") && k.indexOf("'") < 0 && !CALLBACK_NATIVES.test(k));
  const activities = [
    activity("lexing: reading tokens of the source it runs (jslGetNextToken)", ["jslGetNextToken"], "jslGetNextToken"),
    activity("member lookups: obj.x, this.x, s.length (jspGetNamedField)", ["jspGetNamedField"], "jspGetNamedField"),
    activity("  those found on a prototype or built in: methods, s.length, s.substr (jspGetNamedFieldInParents)", ["jspGetNamedFieldInParents"], "jspGetNamedFieldInParents"),
    activity("variable lookups through the scopes (jspGetNamedVariable)", ["jspGetNamedVariable"], "jspeiFindInScopes"),
    activity("allocating variables (jsvNewWithFlags)", ["jsvNewWithFlags"], "jsvNewWithFlags"),
    activity("freeing variables (jsvFreePtr)", ["jsvFreePtr"], "jsvFreePtr"),
    activity("native functions that do not call back: substr, indexOf, set, E.toString... (jswrap_*)", natives, undefined),
  ];
  const cats = new Map<string, number>();
  for (const [fn, ir] of d.self) cats.set(categoryOf(fn), (cats.get(categoryOf(fn)) || 0) + ir);
  const perByte = CATEGORIES.map((c) => ({ category: c.name, ir: (cats.get(c.name) || 0) / row.bytes })).filter((c) => Math.abs(c.ir) >= 0.5);
  perByte.sort((a, b) => b.ir - a.ir);
  const top = [...d.self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([fn, ir]) => ({ fn, ir: ir / row.bytes }));
  const chunkUnit = row.series.send ? defaultConfig.sendPiece + "-byte AT+CIPSEND" : row.series.chunk + "-byte chunk";
  return { series: row.series, total: (long.total - short.total) / row.bytes, chunkUnit, perChunk, activities, perByte, top };
}

function printBreakdown(b: Breakdown): void {
  const unit = b.series.send ? "payload byte" : "stream byte";
  console.log("");
  console.log(`${b.series.name}: per ${b.chunkUnit}: ` + Object.entries(b.perChunk).map(([k, v]) => `${v.toFixed(1)} ${k}`).join(", "));
  console.log(`  where the ${fmt(b.total)} instructions of one ${unit} go, by activity (inclusive; the lines overlap):`);
  for (const a of b.activities) {
    const each = isFinite(a.each) ? `  ${a.perChunk.toFixed(1)} per ${b.series.send ? "send" : "chunk"}, ${fmt(a.each)} each` : "";
    console.log(`    ${fmt(a.ir).padStart(8)}  ${((100 * a.ir) / b.total).toFixed(0).padStart(3)}%  ${a.what}${each}`);
  }
  console.log("  by function group (self instructions; these add up):");
  for (const c of b.perByte) console.log(`    ${fmt(c.ir).padStart(8)}  ${((100 * c.ir) / b.total).toFixed(0).padStart(3)}%  ${c.category}`);
  console.log("  top functions (self): " + b.top.map((t) => `${t.fn} ${fmt(t.ir)}`).join(", "));
  const d = b.driver;
  if (!d) return;
  console.log(`  the driver alone (minus ${d.model}), per ${b.chunkUnit}: ` + Object.entries(d.perChunk).map(([k, v]) => `${v.toFixed(1)} ${k}`).join(", "));
  for (const a of d.activities) {
    const each = isFinite(a.each) ? `  ${a.perChunk.toFixed(1)} per ${b.series.send ? "send" : "chunk"}, ${fmt(a.each)} each` : "";
    console.log(`    ${fmt(a.ir).padStart(8)}  ${a.what}${each}`);
  }
}

async function main(): Promise<number> {
  const espruino = process.env.ESPRUINO;
  if (!espruino) {
    console.error("make bench-device needs ESPRUINO: the path of Espruino's Linux build (e.g. ESPRUINO=/path/to/espruino make bench-device)");
    return 2;
  }
  if (!fs.existsSync(espruino)) {
    console.error(`ESPRUINO=${espruino}: no such file`);
    return 2;
  }
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    console.error("valgrind is needed (Debian package valgrind): apt-get install valgrind");
    return 2;
  }
  const series = selected(process.env.ONLY);
  if (series.length === 0) {
    console.error(`ONLY=${process.env.ONLY} names no series; series: ${SERIES.map((s) => s.name).join(", ")}`);
    return 2;
  }
  const parallel = Number(process.env.JOBS) > 0 ? Number(process.env.JOBS) : Math.min(2, os.cpus().length);
  const outDir = path.resolve(process.env.OUT || path.join(ROOT, "dist", "bench-device"));
  fs.mkdirSync(outDir, { recursive: true });
  const t0 = Date.now();

  const extra = process.env.MODEM_OPTIONS ? (JSON.parse(process.env.MODEM_OPTIONS) as { [name: string]: unknown }) : undefined;
  if (extra) console.log(`bench-device: createModem options added: ${JSON.stringify(extra)}`);
  const jobs: Job[] = [];
  for (const s of series) {
    for (const long of [true, false]) {
      const cfg: DeviceConfig = {
        ...defaultConfig,
        path: s.path,
        chunk: s.chunk,
        reads: long ? LONG_READS : SHORT_READS,
        maxReads: LONG_READS,
        sendBytes: long ? LONG_SEND : SHORT_SEND,
      };
      if (extra) cfg.options = extra;
      const size = s.send ? cfg.sendBytes : cfg.reads;
      jobs.push({ series: s, long, cfg, out: path.join(outDir, `${s.name}-${size}.callgrind`) });
    }
  }
  console.log(`bench-device: ${espruino} under callgrind, ${jobs.length} runs, ${parallel} at a time (profiles in ${path.relative(process.cwd(), outDir)})`);
  const bundleFile = process.env.BUNDLE;
  if (bundleFile && !fs.existsSync(bundleFile)) {
    console.error(`BUNDLE=${bundleFile}: no such file`);
    return 2;
  }
  if (bundleFile) console.log(`bench-device: loading ${bundleFile} instead of dist/a76xx.js`);
  await runJobs(jobs, parallel, espruino, process.env.REUSE === "1", bundleFile ? fs.readFileSync(bundleFile, "latin1") : undefined);
  const turn = await bareTurn(espruino, outDir, process.env.REUSE === "1");

  const rows: Row[] = [];
  for (const s of series) {
    const long = jobs.find((j) => j.series === s && j.long) as Job;
    const short = jobs.find((j) => j.series === s && !j.long) as Job;
    const problem = long.run!.problem || short.run!.problem;
    const lr = long.run!.result;
    const sr = short.run!.result;
    let bytes = NaN;
    let irPerByte = NaN;
    let irPerUartByte: number | undefined = undefined;
    if (!problem && lr && sr && long.run!.ir !== undefined && short.run!.ir !== undefined) {
      const dIr = long.run!.ir - short.run!.ir;
      bytes = s.send ? lr.delivered - sr.delivered : lr.streamBytes - sr.streamBytes;
      irPerByte = dIr / bytes;
      if (s.send) irPerUartByte = dIr / (lr.streamBytes + lr.hostBytes - sr.streamBytes - sr.hostBytes);
    }
    rows.push({ series: s, short, long, bytes, irPerByte, irPerUartByte, problem });
  }
  const floorOf = (chunk: number) => {
    const f = rows.find((r) => r.series.path === "floor" && r.series.chunk === chunk && !r.problem);
    return f ? f.irPerByte : NaN;
  };

  console.log("");
  console.log(`receive: the module side streams ${LONG_READS} (and ${SHORT_READS}) reads or pushes of 1,460 bytes; instructions per stream byte = (Ir long - Ir short) / (stream bytes long - short)`);
  console.log("  stream bytes: every byte the module side emitted (headers, payload, OK); chunks delivered one per idle-loop turn by setTimeout(..., 0)");
  console.log("  x floor: ratio to the floor at the same chunk size; over floor: instructions per stream byte above it (the driver and the app's check)");
  /** The benchmark's own share (model-buffer, model-push) under a buffer or push series. */
  const modelOf = (r: Row) => {
    if (r.series.path !== "buffer" && r.series.path !== "push" && r.series.path !== "send") return NaN;
    const m = rows.find((x) => x.series.path === "model-" + r.series.path && x.series.chunk === r.series.chunk && !x.problem);
    return m ? m.irPerByte : NaN;
  };
  const recv = rows.filter((r) => !r.series.send).map((r) => {
    const floor = floorOf(r.series.chunk);
    const isFloor = r.series.path === "floor" || r.series.path.startsWith("model-");
    const driver = r.problem ? NaN : r.irPerByte - modelOf(r);
    const target = r.series.target ? (r.irPerByte <= r.series.target ? "meets" : "above") + " <= " + fmt(r.series.target) : "";
    return [
      r.series.path, String(r.series.chunk), r.problem ? "FAILED" : fmt(r.irPerByte), isFloor || r.problem ? "" : (r.irPerByte / floor).toFixed(1),
      isFloor || r.problem ? "" : fmt(r.irPerByte - floor), isFinite(driver) ? fmt(driver) : "", r.problem ? r.problem : target,
    ];
  });
  console.log("  driver alone: path minus its model-* series (the floor, the module model's and the app check's work per read): what the library itself costs");
  for (const l of table(["path", "chunk", "Ir/stream byte", "x floor", "over floor", "driver alone", "target (issue 11: end to end at 32-byte chunks)"], recv)) console.log(l);
  const sends = rows.filter((r) => r.series.send);
  if (sends.length) {
    console.log("");
    console.log(`send: the app writes ${LONG_SEND} (and ${SHORT_SEND}) bytes in 1,024-byte s.write calls with drain; instructions per payload byte = (Ir long - Ir short) / (bytes long - short)`);
    const srows = sends.map((r) => {
      const driver = r.problem ? NaN : r.irPerByte - modelOf(r);
      return [r.series.path, String(r.series.chunk), r.problem ? "FAILED" : fmt(r.irPerByte), r.problem ? "" : fmt(r.irPerUartByte as number), isFinite(driver) ? fmt(driver) : "", r.problem || ""];
    });
    for (const l of table(["path", "chunk", "Ir/payload byte", "Ir/UART byte (both ways)", "driver alone", ""], srows)) console.log(l);
  }
  if (turn !== undefined) {
    console.log("");
    console.log(`for scale: one idle-loop turn whose timer callback only re-arms itself costs ${fmt(turn)} instructions (${fmt(turn / 32)} per byte at 32-byte chunks, ${fmt(turn / 256)} at 256)`);
  }

  const breakdowns = rows.filter((r) => r.series.breakdown && !r.problem).map(breakdown);
  for (const b of breakdowns) {
    const m = rows.find((r) => r.series.path === "model-" + b.series.path && r.series.chunk === b.series.chunk && !r.problem);
    if (m) b.driver = driverAlone(b, breakdown(m));
  }
  for (const b of breakdowns) printBreakdown(b);

  console.log("");
  for (const r of rows) {
    const floor = floorOf(r.series.chunk);
    const j = {
      bench: "device",
      path: r.series.path,
      chunk: r.series.chunk,
      unit: r.series.send ? "payload byte" : "stream byte",
      irPerByte: isFinite(r.irPerByte) ? Math.round(r.irPerByte) : null,
      floorRatio: !r.series.send && r.series.path !== "floor" && isFinite(r.irPerByte) ? Number((r.irPerByte / floor).toFixed(2)) : undefined,
      overFloor: !r.series.send && r.series.path !== "floor" && isFinite(r.irPerByte) ? Math.round(r.irPerByte - floor) : undefined,
      driverAlone: isFinite(r.irPerByte - modelOf(r)) ? Math.round(r.irPerByte - modelOf(r)) : undefined,
      irPerUartByte: r.irPerUartByte !== undefined ? Math.round(r.irPerUartByte) : undefined,
      target: r.series.target,
      bytes: isFinite(r.bytes) ? r.bytes : null,
      short: { reads: r.series.send ? undefined : SHORT_READS, sendBytes: r.series.send ? SHORT_SEND : undefined, ir: r.short.run!.ir, streamBytes: r.short.run!.result?.streamBytes, hostBytes: r.short.run!.result?.hostBytes },
      long: { reads: r.series.send ? undefined : LONG_READS, sendBytes: r.series.send ? LONG_SEND : undefined, ir: r.long.run!.ir, streamBytes: r.long.run!.result?.streamBytes, hostBytes: r.long.run!.result?.hostBytes },
      board: defaultConfig.board,
      baud: defaultConfig.baud,
      verified: !r.problem,
      problem: r.problem || undefined,
    };
    console.log(JSON.stringify(j));
  }
  for (const b of breakdowns) {
    const perByte: { [k: string]: number } = {};
    for (const c of b.perByte) perByte[c.category] = Math.round(c.ir);
    const perChunk: { [k: string]: number } = {};
    for (const [k, v] of Object.entries(b.perChunk)) perChunk[k] = Number(v.toFixed(1));
    const activities: { [k: string]: number } = {};
    for (const a of b.activities) activities[a.what.trim()] = Math.round(a.ir);
    const driver: { [k: string]: unknown } | undefined = b.driver ? { minus: b.driver.model, perChunk: {}, activitiesPerByte: {} } : undefined;
    if (b.driver && driver) {
      for (const [k, v] of Object.entries(b.driver.perChunk)) (driver.perChunk as { [k: string]: number })[k] = Number(v.toFixed(1));
      for (const a of b.driver.activities) (driver.activitiesPerByte as { [k: string]: number })[a.what.trim()] = Math.round(a.ir);
    }
    console.log(JSON.stringify({ bench: "device-breakdown", path: b.series.path, chunk: b.series.chunk, per: b.chunkUnit, perChunk, activitiesPerByte: activities, groupsPerByte: perByte, driverAlone: driver }));
  }
  if (turn !== undefined) console.log(JSON.stringify({ bench: "device-idle-turn", ir: Math.round(turn) }));
  const seconds = (Date.now() - t0) / 1000;
  console.log(JSON.stringify({ bench: "device-run", seconds: Math.round(seconds), runs: jobs.length + 2, jobs: parallel }));
  console.log("");
  const failed = rows.filter((r) => r.problem);
  console.log(`bench-device: ${rows.length - failed.length} of ${rows.length} series verified in ${(seconds / 60).toFixed(1)} min`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
