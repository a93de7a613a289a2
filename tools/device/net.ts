// Espruino's own net, http and dgram over the modem (the "net" part, dist/a76xx-net.js) on a real interpreter: the library and its parts stored as modules, a user's script written with require("net"/"http"/"dgram"), each exchange checked byte for byte against the simulator and real loopback servers.
//
// Scenarios (each its own interpreter run; `mode` is the modem's data mode, buffer or push):
//   http-close      http.get of a 32 KB binary body from a server that sends Connection: close and closes
//   http-keepalive  the same from a server that keeps the connection open (Content-Length ends the body)
//   echo            net.connect, 64 KB written in 2 KB pieces on 'drain', compared as the echo arrives
//   server          net.createServer().listen(8080) through the simulator's server; a real client gets
//                   a greeting and its 8 KB echoed
//   dgram           dgram socket bound to module port 5000: 3 datagrams to the UDP echo server and back
//   four            4 net.connect echoes of 8 KB at once, each a different pattern to its own echo server
//   drop            a 64 KB echo; the network drops under it after 16 KB: the net user sees error/close
// The bytes the device receives are compared on the device (echoes: against the pattern it sent) or
// printed base64 and compared here (the HTTP body), and what the servers received is compared here.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleLibrary, LIBRARY } from "../bundle/build";
import { checkDeviceSource } from "../check-device/check";
import { patternAt } from "../../examples/echo-check";
import { TcpClient, TcpPeer } from "../sim/index";
import { testPayload } from "../demo/payload";
import { HTTP_PATH } from "../demo/servers";
import { DataMode, DeviceEnv, MODULE_SERVER_PORT, MODULE_UDP_PORT } from "./env";
import { Runtime } from "./runtimes";

export const NET_SCENARIOS = ["http-close", "http-keepalive", "echo", "server", "dgram", "four", "drop"] as const;
export type NetScenario = (typeof NET_SCENARIOS)[number];

export const NET_HTTP_BYTES = 32 * 1024;
export const NET_ECHO_BYTES = 64 * 1024;
export const NET_SERVER_BYTES = 8 * 1024;
export const NET_FOUR_BYTES = 8 * 1024;
/** The drop comes once the device has this much of the echo back. */
export const NET_DROP_AFTER = 16 * 1024;

export interface NetRun {
  scenario: NetScenario;
  mode: DataMode;
  baud: number;
  ok: boolean;
  failures: string[];
  lines: string[];
  transcriptTail: string;
}

let modulesCache: Promise<{ [name: string]: string }> | undefined;

/** Every library bundle (core and parts) built with one shared renaming, device check passed; once per process. */
export function libraryModules(): Promise<{ [name: string]: string }> {
  if (!modulesCache) {
    modulesCache = (async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-libs-"));
      try {
        const out: { [name: string]: string } = {};
        // Twice, as bundleAll does: the second pass uses the renaming the first completed.
        for (let pass = 0; pass < 2; pass++) {
          for (const lib of LIBRARY) {
            const file = path.join(dir, lib.name + ".js");
            const r = await bundleLibrary(lib, file, true);
            if (r.findings.length) throw new Error(`device check failed on ${lib.name}: ` + r.findings.map((f) => f.line + " " + f.construct).join("; "));
            out[lib.name] = fs.readFileSync(file, "latin1");
          }
        }
        return out;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    })();
  }
  return modulesCache;
}

/** Store `names` (library modules) in the interpreter's Storage in `env`'s directory, using `rt`. Returns a failure or undefined. */
export async function storeModules(env: DeviceEnv, rt: Runtime, names: string[]): Promise<string | undefined> {
  const mods = await libraryModules();
  const lines: string[] = [];
  for (const n of names) {
    env.writeScript(n + ".js", mods[n]);
    lines.push(`require("Storage").write(${JSON.stringify(n)}, require("fs").readFileSync(${JSON.stringify(n + ".js")}));`);
  }
  lines.push('print("@@stored " + require("Storage").list().join(","));');
  const store = env.launch(rt, env.writeScript("store.js", lines.join("\n")));
  const stored = await store.waitLine((l) => /^@@stored /.test(l), 30000);
  await store.kill();
  if (!stored) return "storing the modules failed: " + store.tail(5);
  for (const n of names) if (stored.substr(9).split(",").indexOf(n) < 0) return `module ${n} missing from Storage: ${stored}`;
  return undefined;
}

/** The device side: connect() with the net part, then the scenario's code once online (plain ES5). */
export function netScript(o: { scenario: NetScenario; serial: string; mode: DataMode; baud: number; tcpPort: number; udpPort: number; httpPort: number; fourPorts: number[] }): string {
  const opts = { board: "linux", serial: o.serial, apn: "internet", dataMode: o.mode, baud: o.baud };
  const pre = [
    'var B = "OK\\r\\n+IPD5\\r\\n+++\\r\\nCLOSED\\r\\n";',
    "for (var i = 0; i < 256; i++) B += String.fromCharCode(i);",
    'function pat(off, len) { var out = "", at = off % B.length; while (out.length < len) { out += B.substr(at, len - out.length); at = 0; } return out; }',
    // One echo over a net socket: `total` pattern bytes from offset `off`, 2 KB per 'drain', compared as they come back.
    "function echo(id, off, total, onProgress, port) {",
    "  var sent = 0, got = 0, fin = false;",
    `  var c = require("net").connect({ host: "127.0.0.1", port: port || ${o.tcpPort} }, function () { print("@@connected " + id); pump(); });`,
    "  function pump() { if (sent < total) { var n = total - sent < 2048 ? total - sent : 2048; var p = pat(off + sent, n); sent += n; c.write(p); } }",
    '  c.on("drain", pump);',
    '  c.on("data", function (d) {',
    "    if (fin) return;",
    '    if (got + d.length > total || d !== pat(off + got, d.length)) { fin = true; print("@@fail " + id + " echo differs at byte " + got); c.end(); return; }',
    "    var before = got; got += d.length;",
    "    if (onProgress) onProgress(before, got);",
    '    if (got === total) { fin = true; print("@@ok " + id + " " + got); c.end(); }',
    "  });",
    '  c.on("error", function (e) { print("@@error " + id + " " + JSON.stringify(e)); });',
    '  c.on("close", function (had) { print("@@close " + id + " " + got); });',
    "}",
  ];
  let run: string[];
  if (o.scenario === "http-close" || o.scenario === "http-keepalive") {
    run = [
      "var got = 0;",
      `var req = require("http").get("http://127.0.0.1:${o.httpPort}${HTTP_PATH}", function (res) {`,
      '  print("@@status " + res.statusCode);',
      '  res.on("data", function (d) { got += d.length; print("@@rx " + btoa(d)); });',
      '  res.on("close", function () { print("@@done http " + got); });',
      "});",
      'req.on("error", function (e) { print("@@error http " + JSON.stringify(e)); });',
    ];
  } else if (o.scenario === "echo") {
    run = [`echo("e", 0, ${NET_ECHO_BYTES});`];
  } else if (o.scenario === "four") {
    // Four servers: push mode cannot tell two links to one ip:port apart (the table refuses the second).
    run = [`var ports = ${JSON.stringify(o.fourPorts)};`, `for (var k = 0; k < 4; k++) echo("s" + k, k * 71, ${NET_FOUR_BYTES}, undefined, ports[k]);`];
  } else if (o.scenario === "drop") {
    run = [`echo("d", 0, ${NET_ECHO_BYTES}, function (before, got) { if (before < ${NET_DROP_AFTER} && got >= ${NET_DROP_AFTER}) print("@@reached " + got); });`];
  } else if (o.scenario === "server") {
    run = [
      'var srv = require("net").createServer(function (c) {',
      '  print("@@client");',
      '  c.write("hello from net\\r\\n");',
      '  c.on("data", function (d) { c.write(d); });',
      '  c.on("close", function () { print("@@client gone"); });',
      "});",
      `srv.listen(${MODULE_SERVER_PORT});`,
      'print("@@listening");',
    ];
  } else {
    run = [
      'var u = require("dgram").createSocket("udp4");',
      // Counted in bytes: buffer mode joins datagrams (it keeps neither boundaries nor senders).
      "var got = 0;",
      'u.on("message", function (msg, rinfo) { got += msg.length; print("@@udp " + btoa(msg) + " from " + rinfo.address + ":" + rinfo.port); if (got >= 141) { u.close(); print("@@udp done"); } });',
      'u.on("error", function (e) { print("@@error udp " + JSON.stringify(e)); });',
      `u.bind(${MODULE_UDP_PORT}, function () {`,
      '  print("@@bound");',
      `  for (var k = 1; k <= 3; k++) { var m = "ping " + k + " " + pat(k * 50, 40); u.send(m, 0, m.length, ${o.udpPort}, "127.0.0.1"); }`,
      "});",
    ];
  }
  return pre
    .concat([
      'var a76xx = require("a76xx");',
      `var opts = ${JSON.stringify(opts)};`,
      'opts.parts = [require("a76xx-server")];',
      "var gprs = a76xx.connect(undefined, opts, function (err) {",
      '  if (err) { print("@@connect error " + JSON.stringify(err)); return; }',
      '  gprs.getIP(function (e, ip) { print("@@online " + ip); });',
      "  run();",
      "});",
      'gprs.on("error", function (e) { print("modem error: " + e.kind + " " + e.text); });',
      "function run() {",
    ])
    .concat(run.map((l) => "  " + l))
    .concat(["}"])
    .join("\n");
}

const TIMEOUT_MS = 150000;
const FATAL_EXTRA = /Uncaught|ASSERT\(|Out of Memory|LOW_MEMORY/;

/** The base64 chunks printed as "@@rx …", decoded and joined. */
function rxBytes(lines: string[]): string {
  let s = "";
  for (const l of lines) if (/^@@rx /.test(l)) s += Buffer.from(l.substr(5), "base64").toString("latin1");
  return s;
}

/** Run one scenario on `rt`; never throws for a failed exchange (it is in `failures`). */
export async function runNet(rt: Runtime, o: { scenario: NetScenario; mode: DataMode; baud: number }): Promise<NetRun> {
  const failures: string[] = [];
  let lines: string[] = [];
  let transcriptTail = "";
  const extra: TcpPeer[] = [];
  const fail = (f: string): void => {
    failures.push(f);
  };
  try {
    await DeviceEnv.with({ label: `net-${o.scenario}-${o.mode}`, baud: o.baud, httpCloseAfterBody: o.scenario === "http-close", httpBodyBytes: NET_HTTP_BYTES }, async (env) => {
      const sv = env.servers;
      const bad = await storeModules(env, rt, ["a76xx", "a76xx-server", "a76xx-net"]);
      if (bad) {
        fail(bad);
        return;
      }
      const four: TcpPeer[] = [];
      if (o.scenario === "four") {
        four.push(sv.tcpEcho);
        for (let k = 1; k < 4; k++) {
          const p = await TcpPeer.listen({ echo: true });
          extra.push(p);
          four.push(p);
        }
      }
      const script = netScript({ scenario: o.scenario, serial: env.sim.path, mode: o.mode, baud: o.baud, tcpPort: sv.tcpEcho.port, udpPort: sv.udpEcho.port, httpPort: sv.httpPort, fourPorts: four.map((p) => p.port) });
      const findings = checkDeviceSource(script);
      if (findings.length) {
        fail("device check failed on the script: " + findings.map((f) => f.line + " " + f.construct).join("; "));
        return;
      }
      const child = env.launch(rt, env.writeScript("main.js", script));
      lines = child.lines;
      const fatal = () => child.lines.filter((l) => rt.def.fatal.some((re) => re.test(l)) || FATAL_EXTRA.test(l));
      const until = async (test: (l: string) => boolean, what: string, ms = TIMEOUT_MS) => {
        const found = await child.waitFor(() => {
          if (fatal().length) return "fatal";
          for (const l of child.lines) if (test(l)) return l;
          return undefined;
        }, ms);
        if (found === undefined) fail(child.running ? `no ${what} within ${ms / 1000} s` : `the interpreter exited (${child.exitCode}) before ${what}`);
        return found === "fatal" ? undefined : found;
      };
      const online = await until((l) => /^@@online |^@@connect error/.test(l), "online line");
      if (online === undefined || !/^@@online /.test(online)) {
        if (online) fail("connect() failed: " + online);
      } else if (o.scenario === "http-close" || o.scenario === "http-keepalive") {
        const done = await until((l) => /^@@done http|^@@error http/.test(l), "end of the response");
        if (done !== undefined && !/^@@done http /.test(done)) fail("http printed " + done);
        const req = sv.httpRequests[0];
        if (!req || req.method !== "GET" || req.url !== HTTP_PATH) fail(`the server got ${req ? req.method + " " + req.url : "no request"}`);
        if (child.lines.indexOf("@@status 200") < 0) fail("no status 200 printed");
        const got = rxBytes(child.lines);
        if (got !== sv.httpBody) fail(`the body received on the device: ${got.length} bytes where ${sv.httpBody.length} were expected, first difference at byte ${firstDiff(got, sv.httpBody)}`);
      } else if (o.scenario === "echo") {
        const end = await until((l) => /^@@close e /.test(l), "close of the echo socket");
        if (end !== undefined && child.lines.indexOf(`@@ok e ${NET_ECHO_BYTES}`) < 0) fail("the echo did not complete: " + child.lines.filter((l) => /^@@(fail|error|close)/.test(l)).join(" | "));
        const rec = sv.tcpEcho.received[0] || "";
        if (rec !== patternAt(0, NET_ECHO_BYTES)) fail(`the echo server received ${rec.length} bytes, not the ${NET_ECHO_BYTES}-byte pattern (first difference at ${firstDiff(rec, patternAt(0, NET_ECHO_BYTES))})`);
      } else if (o.scenario === "four") {
        await until((l) => child.lines.filter((x) => /^@@close s\d /.test(x)).length === 4, "close of all four sockets");
        for (let k = 0; k < 4; k++) if (child.lines.indexOf(`@@ok s${k} ${NET_FOUR_BYTES}`) < 0) fail(`socket s${k} did not complete its echo`);
        for (let k = 0; k < 4; k++) {
          const rec = four[k].received;
          if (rec.length !== 1 || rec[0] !== patternAt(k * 71, NET_FOUR_BYTES)) fail(`echo server ${k} received ${JSON.stringify(rec.map((r) => r.length))} bytes per connection, not socket s${k}'s ${NET_FOUR_BYTES} bytes intact`);
        }
        const opened = child.lines.filter((l) => /^@@connected s\d/.test(l)).length;
        if (opened !== 4) fail(`${opened} of 4 sockets connected`);
      } else if (o.scenario === "drop") {
        const reached = await until((l) => /^@@reached /.test(l), `${NET_DROP_AFTER / 1024} KB of echo`);
        if (reached !== undefined) {
          env.sim.sim.dropNetworkNow();
          const end = await until((l) => /^@@close d /.test(l), "close of the socket after the drop", 60000);
          if (end !== undefined) {
            const got = parseInt(end.split(" ")[2], 10);
            if (!(got >= NET_DROP_AFTER && got < NET_ECHO_BYTES)) fail(`the socket closed after ${got} bytes: expected between ${NET_DROP_AFTER} and ${NET_ECHO_BYTES}`);
          }
          if (child.lines.some((l) => /^@@(ok|fail) d/.test(l))) fail("the echo " + (child.lines.some((l) => /^@@ok d/.test(l)) ? "completed despite the drop" : "received wrong bytes before the drop"));
          const rec = sv.tcpEcho.received[0] || "";
          if (rec !== patternAt(0, rec.length)) fail(`the echo server received bytes that differ from the pattern at ${firstDiff(rec, patternAt(0, rec.length))}`);
        }
      } else if (o.scenario === "server") {
        const l = await until((x) => x === "@@listening", "listening line");
        let port: number | undefined;
        if (l !== undefined) await child.waitFor(() => (port = env.sim.listeningPort()), 60000);
        if (l !== undefined && port === undefined) fail("the simulator has no listening server");
        if (port !== undefined) {
          const greeting = "hello from net\r\n";
          const payload = testPayload(NET_SERVER_BYTES, 0x5e7);
          const client = await TcpClient.connect(port);
          try {
            const greeted = await child.waitFor(() => (client.received.length >= greeting.length ? true : undefined), 60000);
            if (!greeted) fail(`the client got no greeting (got ${JSON.stringify(client.received)})`);
            client.send(payload);
            await child.waitFor(() => (client.received.length >= greeting.length + payload.length ? true : undefined), 90000);
            if (client.received !== greeting + payload) fail(`the client received ${client.received.length} bytes where ${greeting.length + payload.length} (greeting + its echo) were expected, first difference at ${firstDiff(client.received, greeting + payload)}`);
          } finally {
            client.close();
          }
          await until((x) => x === "@@client gone", "the server's client close", 60000);
          if (child.lines.indexOf("@@client") < 0) fail("the connection callback never ran");
        }
      } else if (o.scenario === "dgram") {
        await until((x) => x === "@@udp done" || /^@@error udp/.test(x), "the three replies' bytes");
        const sent = sv.udpEcho.received.map((d) => d.data);
        const want = [1, 2, 3].map((k) => "ping " + k + " " + patternAt(k * 50, 40)); // 3 × 47 = 141 bytes
        if (sent.join("|") !== want.join("|")) fail(`the echo server received ${JSON.stringify(sent)}, not the 3 datagrams`);
        const replies: Array<{ data: string; from: string }> = [];
        for (const x of child.lines) {
          const m = /^@@udp (\S*) from (\S*)$/.exec(x);
          if (m) replies.push({ data: Buffer.from(m[1], "base64").toString("latin1"), from: m[2] });
        }
        if (o.mode === "push") {
          if (replies.map((r) => r.data).join("|") !== want.join("|")) fail(`the device got ${JSON.stringify(replies.map((r) => r.data))}, not the 3 datagrams back`);
          const from = "127.0.0.1:" + sv.udpEcho.port;
          if (!replies.every((r) => r.from === from)) fail(`not every reply came from ${from}: ${replies.map((r) => r.from).join(", ")}`);
        } else if (replies.map((r) => r.data).join("") !== want.join("")) {
          // Buffer mode keeps neither datagram boundaries nor senders: only the bytes, in order.
          fail(`the device got ${JSON.stringify(replies.map((r) => r.data).join(""))}, not the 3 datagrams' bytes in order`);
        }
      }
      for (const l of fatal()) fail("the interpreter printed: " + l);
      if (failures.length && env.sim.transcriptPath) {
        try {
          transcriptTail = fs.readFileSync(env.sim.transcriptPath, "latin1").split("\n").slice(-25).join("\n");
        } catch (e) {
          void e;
        }
      }
    });
  } catch (e) {
    fail("harness error: " + (e instanceof Error ? e.message : String(e)));
  } finally {
    for (const p of extra) await p.close();
  }
  return { scenario: o.scenario, mode: o.mode, baud: o.baud, ok: failures.length === 0, failures: failures.filter((f, i, a) => a.indexOf(f) === i), lines: lines.slice(), transcriptTail };
}

function firstDiff(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** A failure message: what failed, the interpreter's last lines (base64 chunks left out), the transcript's tail. */
export function describeNetRun(r: NetRun): string {
  const banner = r.lines.findIndex((l) => l.indexOf("espruino.com/Donate") >= 0);
  const out = r.lines.slice(banner + 1).filter((l) => !/^@@rx /.test(l) && l.trim()).slice(-25);
  return (
    `net ${r.scenario} ${r.mode} ${r.baud}: ${r.failures.join("; ")}\n  interpreter output (last lines):\n    ${out.join("\n    ")}` +
    (r.transcriptTail ? `\n  simulator transcript (last lines):\n    ${r.transcriptTail.split("\n").map((l) => (l.length > 160 ? l.substr(0, 160) + "..." : l)).join("\n    ")}` : "")
  );
}
