// What Espruino's net stack over the modem costs next to the plain socket API, on the real interpreter: heap (JsVars) once online, and instructions per received KB under valgrind's callgrind. A measurement, not a test.
//
//   ESPRUINO=… [NETCOST_BAUD=921600] node_modules/.bin/ts-node --transpile-only tools/device/netcost.ts
//
// Both variants fetch the same HTTP response over a raw TCP connection (a GET written by hand, every
// byte counted, no HTTP parsing), in buffer mode, with the library and its parts as
// Storage modules (115200 baud unless NETCOST_BAUD says otherwise): `socket` uses modem.connect() (setup() without the net part), `net` uses
// require("net").connect() (connect() with the net part; NetworkJS polls the part). Instructions:
// callgrind's total for a run with a SMALL and a LARGE body; (large − small) / (LARGE − SMALL) KB
// is the cost per received KB, boot and bring-up cancelling out. Heap: process.memory().usage
// (after a garbage collection) once online, the net part's cost being the difference.
import * as fs from "fs";
import { spawnSync } from "child_process";
import { DeviceEnv } from "./env";
import { storeModules } from "./net";
import { Child } from "./process";
import { Runtime, runtimeFromEnv } from "./runtimes";
import { HTTP_PATH } from "../demo/servers";

const SMALL = 8 * 1024;
const LARGE = 40 * 1024;
/** NETCOST_BAUD=921600: the bytes come faster than the interpreter under callgrind takes them, so idle passes count less. */
const BAUD = parseInt(process.env.NETCOST_BAUD || "115200", 10);

type Variant = "socket" | "net";

function script(v: Variant, serial: string, port: number): string {
  const opts = JSON.stringify({ apn: "internet", serial, dataMode: "buffer", baud: BAUD });
  const req = JSON.stringify(`GET ${HTTP_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const common = [
    "var got = 0;",
    'function done() { print("@@done " + got); setTimeout(function () { quit(); }, 10); }',
  ];
  if (v === "socket") {
    return common
      .concat([
        `var modem = require("a76xx").setup("linux", ${opts});`,
        'modem.on("online", function () {',
        '  print("@@online usage=" + process.memory().usage);',
        `  var s = modem.connect("127.0.0.1", ${port});`,
        `  s.on("connect", function () { s.write(${req}); });`,
        '  s.on("data", function (d) { got += d.length; });',
        '  s.on("close", done);',
        "});",
        "modem.start();",
      ])
      .join("\n");
  }
  return common
    .concat([
      `var o = ${opts}; o.board = "linux";`,
      'require("a76xx").connect(undefined, o, function (err) {',
      '  if (err) { print("@@error " + JSON.stringify(err)); return; }',
      '  print("@@online usage=" + process.memory().usage);',
      `  var c = require("net").connect({ host: "127.0.0.1", port: ${port} }, function () { c.write(${req}); });`,
      '  c.on("data", function (d) { got += d.length; });',
      '  c.on("close", done);',
      "});",
    ])
    .join("\n");
}

interface Measure {
  variant: Variant;
  body: number;
  received: number;
  usageOnline: number;
  instructions: number | undefined;
}

async function measure(rt: Runtime, v: Variant, body: number, callgrind: boolean): Promise<Measure> {
  return DeviceEnv.with({ label: `netcost-${v}-${body}`, baud: BAUD, httpCloseAfterBody: true, httpBodyBytes: body }, async (env) => {
    const bad = await storeModules(env, rt, ["a76xx", "a76xx-net"]);
    if (bad) throw new Error(bad);
    const file = env.writeScript("main.js", script(v, env.sim.path, env.servers.httpPort));
    const out = env.dir + "/callgrind.out";
    const child = callgrind
      ? new Child("valgrind", ["--tool=callgrind", "--callgrind-out-file=" + out, rt.exe, file], { cwd: env.dir, clean: rt.def.clean })
      : env.launch(rt, file);
    const done = await child.waitFor(() => child.lines.filter((l) => /^@@(done|error)/.test(l))[0], 600000);
    if (!done || !/^@@done /.test(done)) throw new Error(`${v} ${body}: ${done || "no result"}: ${child.tail(10)}`);
    await child.waitFor(() => (child.running ? undefined : true), 120000);
    await child.kill();
    let instructions: number | undefined;
    if (callgrind) {
      const m = /^summary: (\d+)/m.exec(fs.readFileSync(out, "latin1"));
      instructions = m ? Number(m[1]) : undefined;
    }
    const usage = child.lines.filter((l) => /^@@online usage=/.test(l))[0];
    return { variant: v, body, received: Number(done.split(" ")[1]), usageOnline: usage ? Number(usage.split("=")[1]) : NaN, instructions };
  });
}

async function main(): Promise<void> {
  const rt = runtimeFromEnv("espruino");
  if (!rt) throw new Error("set ESPRUINO to Espruino's Linux build");
  const hasValgrind = spawnSync("valgrind", ["--version"]).status === 0;
  const rows: Measure[] = [];
  for (const v of ["socket", "net"] as Variant[]) {
    for (const body of [SMALL, LARGE]) {
      const r = await measure(rt, v, body, hasValgrind);
      rows.push(r);
      console.log(JSON.stringify({ bench: "net-cost", ...r }));
    }
  }
  const get = (v: Variant, b: number) => rows.filter((r) => r.variant === v && r.body === b)[0];
  console.log(`\nreceived over raw TCP in buffer mode at ${BAUD} baud, Espruino ${rt.exe}:`);
  console.log("variant   heap once online (JsVars)   instructions per received KB");
  for (const v of ["socket", "net"] as Variant[]) {
    const s = get(v, SMALL);
    const l = get(v, LARGE);
    const perKb = s.instructions !== undefined && l.instructions !== undefined ? Math.round((l.instructions - s.instructions) / ((l.received - s.received) / 1024)) : undefined;
    console.log(`${v.padEnd(9)} ${String(s.usageOnline).padStart(25)}   ${perKb === undefined ? "(no valgrind)" : perKb.toLocaleString("en-US")}`);
  }
  console.log(`net part once online: +${get("net", SMALL).usageOnline - get("socket", SMALL).usageOnline} JsVars`);
  process.exit(0);
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
