// `make jerry-figures`: measures the library on the JerryScript host: heap after load (source, snapshot), peak heap in a 64 KB receive, CPU per KB received (callgrind, native vs JavaScript codec).
//
// Needs JERRY_SDK (built with mem-stats) and, for the CPU figures, valgrind. A benchmark, not a
// test: it prints a table and one JSON object per line. CPU is counted in instructions
// (callgrind's "Collected"), never in wall time: per KB received = (Ir of an 80 KB receive - Ir of
// a 16 KB receive) / 64, so loading the bundle and bringing the modem up cancel out.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleJerryLib } from "./bundle";
import { buildJerryHost, jerrySdk, JHOST, ROOT, runJerry } from "./launch";
import { pattern, startRig } from "./rig";

const DRIVER = path.join(ROOT, "tools/jerry/echo-driver.js");

interface DriverResult {
  ok: boolean;
  why: string;
  heapPeak: number;
  heapSize: number;
}

/** Receive `bytes` from a server that sends the pattern, through the library from `file`; the driver's RESULT. */
async function receive(file: string, mode: string, bytes: number, extra: string[], wrapper?: string[]): Promise<{ result: DriverResult; stderr: string }> {
  const rig = await startRig(921600, pattern(bytes));
  try {
    const args = [`serial=${rig.pty}`, "baud=921600", `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, `bytes=${bytes}`, "recv=1"].concat(extra);
    const r = await runJerry([file, DRIVER], args, wrapper ? 900000 : 120000, JHOST, wrapper);
    const line = r.stdout.split("\n").filter((l) => l.indexOf("RESULT ") === 0)[0];
    if (!line) throw new Error("no RESULT from the driver:\n" + (r.stdout + r.stderr).substr(-3000));
    const result = JSON.parse(line.substr(7)) as DriverResult;
    if (!result.ok) throw new Error("receive failed: " + result.why);
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
  const probe = path.join(dir, "probe.js");
  fs.writeFileSync(probe, "jhost.gc(); print(JSON.stringify(jhost.heapStats()));");
  const rows: string[][] = [];
  const emit = (o: object) => console.log(JSON.stringify(o));

  // Heap after load: live bytes after a full GC, and the peak while loading.
  for (const [from, file] of [["source", lib.js], ["snapshot", lib.snapshot!]]) {
    const r = await runJerry([file, probe], [], 30000);
    const s = JSON.parse(r.stdout.trim()) as { size: number; allocated: number; peak: number };
    emit({ bench: "jerry-heap-after-load", from, bundleBytes: fs.statSync(file).size, live: s.allocated, loadPeak: s.peak, heap: s.size });
    rows.push([`heap after loading the library from ${from} (${fs.statSync(file).size} B file)`, `${s.allocated} B live, ${s.peak} B peak while loading`]);
  }

  // Peak heap over a 64 KB receive (the engine's peak since start; loading peaks lower, see above).
  for (const from of ["source", "snapshot"]) {
    for (const mode of ["buffer", "push"]) {
      const { result } = await receive(from === "source" ? lib.js : lib.snapshot!, mode, 65536, []);
      emit({ bench: "jerry-heap-peak-64k-receive", from, mode, peak: result.heapPeak, heap: result.heapSize });
      rows.push([`peak heap, 64 KB receive, ${mode} mode, library from ${from}`, `${result.heapPeak} B`]);
    }
  }

  // CPU per KB received, native codec vs a plain-JavaScript one (instructions, callgrind).
  if (spawnSync("valgrind", ["--version"]).status === 0) {
    for (const mode of ["buffer", "push"]) {
      for (const codec of ["native", "js"]) {
        const ir: number[] = [];
        for (const bytes of [16384, 81920]) {
          const out = path.join(dir, `callgrind-${mode}-${codec}-${bytes}.out`);
          const { stderr } = await receive(lib.snapshot!, mode, bytes, ["check=0"].concat(codec === "js" ? ["codec=js"] : []), ["valgrind", "--tool=callgrind", `--callgrind-out-file=${out}`]);
          const m = /Collected : (\d+)/.exec(stderr);
          if (!m) throw new Error("no callgrind total in:\n" + stderr.substr(-2000));
          ir.push(Number(m[1]));
        }
        const perKb = Math.round((ir[1] - ir[0]) / 64);
        emit({ bench: "jerry-cpu-per-kb-received", codec, mode, irPerKb: perKb, ir16k: ir[0], ir80k: ir[1] });
        rows.push([`CPU per KB received, ${codec} codec, ${mode} mode (callgrind)`, `${perKb} instructions`]);
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
