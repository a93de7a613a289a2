// `make jerry-figures`: measures the core on the JerryScript host: heap after load (source, snapshot, each part, createModem), peak heap in a 64 KB echo and receive, CPU per KB received (callgrind, native vs JavaScript codec).
//
// Needs JERRY_SDK (built with mem-stats) and, for the CPU figures, valgrind. A benchmark, not a
// test: it prints a table and one JSON object per line. Heap figures are the engine's own counters
// (bytes live after a full GC; the peak since start). CPU is counted in instructions (callgrind's
// "Collected"), never in wall time: per KB received = (Ir of an 80 KB receive - Ir of a 16 KB
// receive) / 64, so loading the bundle and bringing the modem up cancel out.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleJerryLib } from "./bundle";
import { CORE_HEAP_LIMIT, coreHeap, heapAfterLoading } from "./heap";
import { buildJerryHost, jerrySdk, JHOST, ROOT, runJerry } from "./launch";
import { pattern, startRig } from "./rig";

const DRIVER = path.join(ROOT, "tools/jerry/echo-driver.js");

interface DriverResult {
  ok: boolean;
  why: string;
  heapPeak: number;
  heapSize: number;
}

/** Echo `bytes` (or with `recv`, only receive them from a server that sends the pattern) through the core from `files`; the driver's RESULT. */
async function transfer(files: string[], mode: string, bytes: number, recv: boolean, extra: string[], wrapper?: string[], baud = 921600): Promise<{ result: DriverResult; stderr: string }> {
  const rig = await startRig(baud, recv ? pattern(bytes) : undefined);
  try {
    const args = [`serial=${rig.pty}`, `baud=${baud}`, `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, `bytes=${bytes}`].concat(recv ? ["recv=1"] : [], extra);
    const r = await runJerry(files.concat([DRIVER]), args, wrapper ? 300000 : 120000, JHOST, wrapper);
    const line = r.stdout.split("\n").filter((l) => l.indexOf("RESULT ") === 0)[0];
    if (!line) throw new Error("no RESULT from the driver:\n" + (r.stdout + r.stderr).substr(-3000));
    const result = JSON.parse(line.substr(7)) as DriverResult;
    if (!result.ok) throw new Error((recv ? "receive" : "echo") + " failed: " + result.why);
    return { result, stderr: r.stderr };
  } finally {
    await rig.close();
  }
}

async function main(): Promise<number> {
  const { sdk, why } = jerrySdk();
  if (!sdk) {
    console.error("make jerry-figures: " + why);
    return 2;
  }
  buildJerryHost(sdk);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-figures-"));
  const lib = await bundleJerryLib(sdk, dir);
  const rows: string[][] = [];
  const emit = (o: object) => console.log(JSON.stringify(o));
  const kb = (n: number) => n.toLocaleString("en-US") + " B";

  // Heap after loading the core: live bytes after a full GC, and the peak while loading.
  const h = await coreHeap(lib);
  emit({ bench: "jerry-heap-empty-engine", live: h.empty.live });
  rows.push(["heap of the engine alone (no script)", kb(h.empty.live)]);
  // The core loaded three ways: the bundle, its snapshot, and its static snapshot after the literal list.
  const core: { [from: string]: string[] } = { source: [lib.js], snapshot: [lib.snapshot!], "static snapshot": [lib.literals!, lib.staticSnapshot!] };
  for (const [from, file, f] of [["source", lib.js, h.source], ["snapshot", lib.snapshot!, h.snapshot!], ["static snapshot", lib.staticSnapshot!, h.staticSnapshot!]] as Array<[string, string, typeof h.source]>) {
    const bytes = fs.statSync(file).size;
    emit({ bench: "jerry-heap-after-load", from, bundleBytes: bytes, live: f.live, loadPeak: f.loadPeak, heap: f.heap, limit: CORE_HEAP_LIMIT });
    rows.push([`heap after loading the core from ${from} (${kb(bytes)} file)`, `${kb(f.live)} live, ${kb(f.loadPeak)} peak while loading (aim <= ${kb(CORE_HEAP_LIMIT)})`]);
  }
  // What each optional part adds when loaded after the core (snapshots, then static snapshots).
  for (const name of Object.keys(lib.parts)) {
    const p = lib.parts[name];
    const withPart = await heapAfterLoading([lib.snapshot!, p.snapshot!]);
    const withStatic = await heapAfterLoading(core["static snapshot"].concat([p.staticSnapshot!]));
    const adds = withPart.live - h.snapshot!.live;
    const addsStatic = withStatic.live - h.staticSnapshot!.live;
    emit({ bench: "jerry-heap-part", part: name, snapshotBytes: p.snapshotBytes, adds, staticSnapshotBytes: p.staticSnapshotBytes, addsStatic });
    rows.push([`heap added by the ${name} part (snapshot ${kb(p.snapshotBytes!)} / static ${kb(p.staticSnapshotBytes!)} file)`, `${kb(adds)} / ${kb(addsStatic)}`]);
  }
  // createModem on the jerry-linux board (4 links, its ring sizes), nothing started.
  const create = path.join(dir, "create.js");
  fs.writeFileSync(create, "var m = A76XX.setup('jerry-linux', { serial: '/dev/null' });");
  for (const [from, base] of [["snapshot", h.snapshot!], ["static snapshot", h.staticSnapshot!]] as Array<[string, typeof h.source]>) {
    const created = await heapAfterLoading(core[from].concat([create]));
    emit({ bench: "jerry-heap-create-modem", from, board: "jerry-linux", live: created.live, adds: created.live - base.live });
    rows.push([`heap after the core (${from}) + createModem, jerry-linux (4 links)`, `${kb(created.live)} live (+${kb(created.live - base.live)})`]);
  }

  // Peak heap over a 64 KB echo and a 64 KB receive (the engine's peak since start: loading peaks lower).
  for (const what of ["echo", "receive"]) {
    for (const from of ["source", "snapshot", "static snapshot"]) {
      for (const mode of ["buffer", "push"]) {
        const { result } = await transfer(core[from], mode, 65536, what === "receive", []);
        emit({ bench: `jerry-heap-peak-64k-${what}`, from, mode, peak: result.heapPeak, heap: result.heapSize });
        rows.push([`peak heap, 64 KB ${what}, ${mode} mode, core from ${from}`, kb(result.heapPeak)]);
      }
    }
  }

  // CPU per KB received, native codec vs a plain-JavaScript one (instructions, callgrind), at
  // CPU_BAUD (921600 by default). Under valgrind the host runs tens of times slower: in push mode,
  // which has no flow control, a slow codec may not keep up with the line; that row then says so.
  const cpuBaud = Number(process.env.CPU_BAUD || 921600);
  if (spawnSync("valgrind", ["--version"]).status === 0) {
    for (const mode of ["buffer", "push"]) {
      for (const codec of ["native", "js"]) {
        const ir: number[] = [];
        const title = `CPU per KB received, ${codec} codec, ${mode} mode, ${cpuBaud} baud, core from its static snapshot (callgrind)`;
        try {
          for (const bytes of [16384, 81920]) {
            const out = path.join(dir, `callgrind-${mode}-${codec}-${bytes}.out`);
            const { stderr } = await transfer(core["static snapshot"], mode, bytes, true, ["check=0"].concat(codec === "js" ? ["codec=js"] : []), ["valgrind", "--tool=callgrind", `--callgrind-out-file=${out}`], cpuBaud);
            const m = /Collected : (\d+)/.exec(stderr);
            if (!m) throw new Error("no callgrind total in:\n" + stderr.substr(-2000));
            ir.push(Number(m[1]));
          }
        } catch (e) {
          emit({ bench: "jerry-cpu-per-kb-received", codec, mode, baud: cpuBaud, failed: (e as Error).message });
          rows.push([title, "failed under valgrind: " + (e as Error).message]);
          continue;
        }
        const perKb = Math.round((ir[1] - ir[0]) / 64);
        emit({ bench: "jerry-cpu-per-kb-received", codec, mode, baud: cpuBaud, irPerKb: perKb, ir16k: ir[0], ir80k: ir[1] });
        rows.push([title, `${perKb.toLocaleString("en-US")} instructions`]);
      }
    }
  } else {
    rows.push(["CPU per KB received", "skipped: valgrind is not installed"]);
  }

  fs.rmSync(dir, { recursive: true, force: true });
  console.log("");
  const w = Math.max.apply(null, rows.map((r) => r[0].length));
  for (const r of rows) console.log(r[0].padEnd(w) + "  " + r[1]);
  return 0;
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(err.message);
  process.exit(1);
});
