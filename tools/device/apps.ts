// Every example app run as a device bundle on a real interpreter against the simulator and real loopback servers, each exchange checked byte for byte on both sides; shared by the device tests, `make demo ESPRUINO=…` and `make size`.
//
// What each app proves (and the args it gets):
//   echo-check  N pattern bytes to the TCP echo server; the app compares as it receives and prints
//               "echo-check passed"; the server must have received exactly the pattern.
//   tcp-echo    3 lines 2 s apart; every echo printed, concatenated, equals what the server got; closed: local.
//   udp-echo    3 datagrams; the server gets each, the app prints each reply (push mode: with the
//               server's address; buffer mode cannot tell the sender); udp closed: local.
//   http-get    GET of a 12 KB binary body from a server that closes right after the body; the
//               received bytes (tapped inside the interpreter) equal the server's response; done (local).
//   server      listens on module port 8080; a real client connects to the simulator's local port,
//               gets the greeting and its 1 KB echoed back; client gone: remote.
//   diagnose    every step PASS or SKIP, the TCP round trip echoes "ping".
//   net-client  require("http").get of the 12 KB body (the bytes the net part hands the interpreter,
//               tapped inside it, equal the server's response), then a require("net") echo of every
//               byte value that the app and the echo server both see intact; done.
import * as fs from "fs";
import { TcpClient } from "../sim/index";
import { patternAt } from "../../examples/echo-check";
import { testPayload } from "../demo/payload";
import { HTTP_PATH } from "../demo/servers";
import { Child } from "./process";
import { Runtime } from "./runtimes";
import { DataMode, DeviceEnv, MODULE_SERVER_PORT, MODULE_UDP_PORT } from "./env";
import { netReceiveTap, receiveTap, tappedBytes } from "./instrument";

export const DATA_MODES: DataMode[] = ["buffer", "push", "transparent"];
export const BAUDS = [115200, 921600];

/** The data modes each example app supports (UDP needs buffer or push mode). */
export const APP_MODES: { [app: string]: DataMode[] } = {
  diagnose: DATA_MODES,
  "echo-check": DATA_MODES,
  "http-get": DATA_MODES,
  server: DATA_MODES,
  "tcp-echo": DATA_MODES,
  "udp-echo": ["buffer", "push"],
  // Espruino's own http/net over the net part: the socket API's buffer and push modes.
  "net-client": ["buffer", "push"],
};

export interface AppRunOptions {
  app: string;
  mode: DataMode;
  baud: number;
  /** echo-check's byte count (default 16384). */
  bytes?: number;
  /** Scripts appended to the bundle (e.g. a memory sampler). */
  epilogue?: string[];
  /** Called with the environment once the interpreter runs. */
  onStart?: (env: DeviceEnv, child: Child) => void;
  /** The HTTP server closes right after the body (default true); false: keep-alive, the client closes. */
  httpCloseAfterBody?: boolean;
  /** Extra modem options for the bundle (e.g. `{trace: true}` when looking into a failure). */
  modem?: { [k: string]: unknown };
  /** server: the client connects this long after "listening" (default at once). */
  clientAfterMs?: number;
}

export interface AppRun {
  app: string;
  mode: DataMode;
  baud: number;
  runtime: string;
  ok: boolean;
  /** What did not hold, one sentence each. */
  failures: string[];
  bytesOut: number;
  bytesIn: number;
  /** Wall time of the whole run (interpreter start to result): a fact about this machine, never a measure. */
  wallMs: number;
  /** Every cleaned output line of the interpreter, and when it arrived (Date.now()). */
  lines: string[];
  lineTimes: number[];
  /** Last lines of the simulator's transcript (when the run failed). */
  transcriptTail: string;
  /** Every line the app was awaited for appeared (false: a hang, an early exit or an interpreter failure). */
  finished: boolean;
  /** Output lines that mean the interpreter itself failed (asserts, uncaught errors, out of memory). */
  fatal: string[];
}

/** A check list: each failed check is one sentence. */
class Checks {
  readonly failures: string[] = [];
  that(ok: boolean, what: string): void {
    if (!ok) this.failures.push(what);
  }
  same(got: string, want: string, what: string): void {
    if (got === want) return;
    let i = 0;
    while (i < got.length && i < want.length && got.charCodeAt(i) === want.charCodeAt(i)) i++;
    this.failures.push(`${what}: ${got.length} bytes where ${want.length} were expected, first difference at byte ${i}`);
  }
}

/** Waits for a line `test` accepts; stops early on a fatal interpreter message or the process ending. */
async function awaitLine(child: Child, rt: Runtime, test: (l: string) => boolean, timeoutMs: number, checks: Checks, what: string): Promise<string | undefined> {
  const found = await child.waitFor((): { line?: string; fatal?: string } | undefined => {
    for (const l of child.lines) {
      for (const re of rt.def.fatal) if (re.test(l)) return { fatal: l };
      if (test(l)) return { line: l };
    }
    return undefined;
  }, timeoutMs);
  if (!found) {
    checks.that(false, child.running ? `no ${what} within ${Math.round(timeoutMs / 1000)} s` : `the interpreter exited (${child.exitCode === null ? child.exitSignal : "code " + child.exitCode}) before ${what}`);
    return undefined;
  }
  if (found.fatal !== undefined) {
    checks.that(false, `the interpreter failed: ${found.fatal}`);
    return undefined;
  }
  return found.line;
}

/** Guard against a hang; not a measure. Bring-up on the Linux build takes a few seconds. */
const BASE_TIMEOUT_MS = 90000;

function tcpEchoLines(count: number): string {
  let s = "";
  for (let i = 1; i <= count; i++) s += "hello " + i + "\n";
  return s;
}

/** Run one app bundle on `rt` in a fresh environment; never throws for a failed exchange (it is in `failures`). */
export async function runApp(rt: Runtime, o: AppRunOptions): Promise<AppRun> {
  const t0 = Date.now();
  const checks = new Checks();
  let bytesOut = 0;
  let bytesIn = 0;
  let lines: string[] = [];
  let lineTimes: number[] = [];
  let transcriptTail = "";
  let finished = true;
  try {
    await DeviceEnv.with({ label: `${o.app}-${o.mode}-${o.baud}`, baud: o.baud, httpCloseAfterBody: o.httpCloseAfterBody }, async (env) => {
      const sv = env.servers;
      const epilogue = (o.epilogue || []).slice();
      let args: { [k: string]: string } = {};
      const bytes = o.bytes || 16384;
      if (o.app === "echo-check") args = { host: "127.0.0.1", port: String(sv.tcpEcho.port), bytes: String(bytes) };
      else if (o.app === "tcp-echo") args = { host: "127.0.0.1", port: String(sv.tcpEcho.port), count: "3" };
      else if (o.app === "udp-echo") args = { host: "127.0.0.1", port: String(sv.udpEcho.port), localPort: String(MODULE_UDP_PORT), count: "3" };
      else if (o.app === "http-get") {
        args = { host: "127.0.0.1", port: String(sv.httpPort), path: HTTP_PATH };
        epilogue.push(receiveTap(rt.def));
      } else if (o.app === "net-client") {
        args = { url: `http://127.0.0.1:${sv.httpPort}${HTTP_PATH}`, host: "127.0.0.1", port: String(sv.tcpEcho.port) };
        epilogue.push(netReceiveTap(rt.def));
      } else if (o.app === "server") args = { port: String(MODULE_SERVER_PORT) };
      else if (o.app === "diagnose") args = { dns: "localhost", host: "127.0.0.1", port: String(sv.tcpEcho.port), send: "ping" };
      else throw new Error("no exchange defined for app " + o.app);
      const code = await env.appScript({ app: o.app, mode: o.mode, args, epilogue, modem: o.modem });
      const child = env.launch(rt, env.writeScript("main.js", code));
      lines = child.lines;
      lineTimes = child.lineTimes;
      if (o.onStart) o.onStart(env, child);
      const wait = async (test: (l: string) => boolean, what: string, ms = BASE_TIMEOUT_MS) => {
        const l = await awaitLine(child, rt, test, ms, checks, what);
        if (l === undefined) finished = false;
        return l;
      };

      if (o.app === "echo-check") {
        const want = patternAt(0, bytes);
        const l = await wait((x) => /^echo-check (passed|FAILED)/.test(x), "echo-check result", BASE_TIMEOUT_MS + bytes);
        if (l !== undefined) checks.that(l === `echo-check passed: ${bytes} bytes sent and echoed byte for byte`, `the app printed "${l}"`);
        checks.same(sv.tcpEcho.received[0] || "", want, "the echo server received");
        bytesOut = (sv.tcpEcho.received[0] || "").length;
        bytesIn = l !== undefined && /passed/.test(l) ? bytes : 0;
      } else if (o.app === "tcp-echo") {
        const want = tcpEchoLines(3);
        const l = await wait((x) => /^closed: /.test(x), "closed: line");
        let echoed = "";
        for (const x of child.lines) {
          const m = /^echo: (".*")$/.exec(x);
          if (m) echoed += JSON.parse(m[1]) as string;
        }
        if (l !== undefined) checks.that(l === "closed: local", `the app printed "${l}"`);
        checks.same(sv.tcpEcho.received[0] || "", want, "the echo server received");
        // The app calls end() right after its last write: the echo of that line may arrive after the
        // close it asked for (buffer mode reads it with a command the close precedes). Every earlier
        // echo must be there, in order and intact.
        const atLeast = tcpEchoLines(2);
        checks.that(
          echoed.length >= atLeast.length && want.substr(0, echoed.length) === echoed,
          `the app printed as echoed ${JSON.stringify(echoed)}: expected ${JSON.stringify(atLeast)} at least, in order, and nothing else than ${JSON.stringify(want)}`,
        );
        bytesOut = (sv.tcpEcho.received[0] || "").length;
        bytesIn = echoed.length;
      } else if (o.app === "udp-echo") {
        const l = await wait((x) => /^udp closed: /.test(x), "udp closed: line");
        if (l !== undefined) checks.that(l === "udp closed: local", `the app printed "${l}"`);
        const sent = sv.udpEcho.received.map((d) => d.data);
        checks.that(sent.join("|") === "ping 1|ping 2|ping 3", `the echo server received ${JSON.stringify(sent)}, not ping 1..3`);
        const replies: Array<{ from: string; data: string }> = [];
        for (const x of child.lines) {
          const m = /^reply from (\S*) (".*")$/.exec(x);
          if (m) replies.push({ from: m[1], data: JSON.parse(m[2]) as string });
        }
        if (o.mode === "push") {
          checks.that(replies.map((r) => r.data).join("|") === "ping 1|ping 2|ping 3", `the app got replies ${JSON.stringify(replies.map((r) => r.data))}, not ping 1..3`);
          const from = "127.0.0.1:" + sv.udpEcho.port;
          checks.that(replies.every((r) => r.from === from), `not every reply came from ${from}: ${JSON.stringify(replies.map((r) => r.from))}`);
        } else {
          // Buffer mode reports neither datagram boundaries nor senders: only the bytes, in order.
          checks.same(replies.map((r) => r.data).join(""), "ping 1ping 2ping 3", "the app received");
        }
        bytesOut = sent.join("").length;
        bytesIn = replies.map((r) => r.data).join("").length;
      } else if (o.app === "http-get") {
        const body = sv.httpBody;
        const l = await wait((x) => /^done \(/.test(x), "done line");
        const got = tappedBytes(child.lines);
        const headEnd = got.indexOf("\r\n\r\n");
        const req = sv.httpRequests[0];
        checks.that(!!req && req.method === "GET" && req.url === HTTP_PATH, `the server got ${req ? req.method + " " + req.url : "no request"}`);
        checks.that(child.lines.indexOf("HTTP/1.1 200 OK") >= 0, "the app did not print the status line HTTP/1.1 200 OK");
        // The server closes right behind the body, so either side's close may come first (local: the
        // app saw Content-Length and ended; remote: the server's close came in the same read).
        if (l !== undefined) checks.that(/^done \((local|remote)\): /.test(l) && l.indexOf(`: ${body.length} body bytes`) > 0, `the app printed "${l}" (expected done (local or remote): ${body.length} body bytes)`);
        checks.same(headEnd >= 0 ? got.substr(headEnd + 4) : "", body, "the body the socket received");
        bytesOut = req ? req.bytes : 0;
        bytesIn = got.length;
      } else if (o.app === "server") {
        const greeting = "hello from the modem\r\n";
        const payload = testPayload(1024, 0x5e7);
        const l = await wait((x) => /^listening on /.test(x), "listening line");
        const port = env.sim.listeningPort();
        checks.that(l === undefined || port !== undefined, "the simulator has no listening server");
        if (l !== undefined && port !== undefined && o.clientAfterMs) {
          await child.waitFor(() => undefined, o.clientAfterMs);
          checks.that(child.running, `the interpreter exited (${child.exitCode === null ? child.exitSignal : "code " + child.exitCode}) while listening, before a client came ${o.clientAfterMs / 1000} s later`);
        }
        if (l !== undefined && port !== undefined && child.running) {
          const client = await TcpClient.connect(port);
          try {
            const greeted = await child.waitFor(() => (client.received.length >= greeting.length ? true : undefined), 30000);
            checks.that(!!greeted, `the client did not get the greeting (got ${JSON.stringify(client.received)})`);
            client.send(payload);
            await child.waitFor(() => (client.received.length >= greeting.length + payload.length ? true : undefined), 60000);
            checks.same(client.received, greeting + payload, "the client received (greeting + its payload echoed)");
            bytesOut = client.received.length;
            bytesIn = payload.length;
          } finally {
            client.close();
          }
          const gone = await wait((x) => /^client gone: /.test(x), "client gone: line", 30000);
          if (gone !== undefined) checks.that(gone === "client gone: remote", `the app printed "${gone}"`);
        }
      } else if (o.app === "net-client") {
        const body = sv.httpBody;
        let msg = "hello over require('net')\r\n";
        for (let i = 0; i < 256; i++) msg += String.fromCharCode(i);
        const l = await wait((x) => x === "done" || /^(http|net|modem) error/.test(x), "done line");
        if (l !== undefined) checks.that(l === "done", `the app printed "${l}"`);
        checks.that(child.lines.indexOf("HTTP status 200") >= 0, "the app did not print HTTP status 200");
        checks.that(child.lines.indexOf(`body: ${body.length} bytes`) >= 0, `the app did not print "body: ${body.length} bytes"`);
        // What the net part handed the interpreter before the response ended is the HTTP response.
        const bodyLine = child.lines.findIndex((x) => /^body: /.test(x));
        const got = tappedBytes(child.lines.slice(0, bodyLine < 0 ? child.lines.length : bodyLine));
        const headEnd = got.indexOf("\r\n\r\n");
        checks.same(headEnd >= 0 ? got.substr(headEnd + 4) : "", body, "the body the net part handed the interpreter");
        checks.that(child.lines.indexOf(`echo: intact, ${msg.length} bytes`) >= 0, `the app did not print "echo: intact, ${msg.length} bytes"`);
        checks.same(sv.tcpEcho.received[0] || "", msg, "the echo server received");
        bytesOut = (sv.httpRequests[0] ? sv.httpRequests[0].bytes : 0) + (sv.tcpEcho.received[0] || "").length;
        bytesIn = got.length + msg.length;
      } else if (o.app === "diagnose") {
        const l = await wait((x) => /^diagnosis: \d+ passed, \d+ failed/.test(x), "diagnosis summary");
        const fails = child.lines.filter((x) => /^FAIL\b/.test(x));
        checks.that(fails.length === 0, `diagnosis steps failed: ${fails.join(" | ")}`);
        if (l !== undefined) checks.that(/ 0 failed/.test(l), `the app printed "${l}"`);
        checks.that(child.lines.some((x) => /^PASS\s+TCP round trip/.test(x)), "the TCP round trip step did not pass");
        checks.same(sv.tcpEcho.received[0] || "", "ping", "the echo server received");
        bytesOut = (sv.tcpEcho.received[0] || "").length;
        bytesIn = bytesOut;
      }
      for (const x of child.lines) for (const re of rt.def.fatal) if (re.test(x)) checks.that(false, `the interpreter printed: ${x}`);
      if (checks.failures.length && env.sim.transcriptPath) transcriptTail = tailOfFile(env.sim.transcriptPath, 30);
    });
  } catch (e) {
    finished = false;
    checks.that(false, "harness error: " + (e instanceof Error ? e.message : String(e)));
  }
  const failures = checks.failures.filter((f, i, a) => a.indexOf(f) === i);
  const fatal = lines.filter((l) => rt.def.fatal.some((re) => re.test(l)));
  return { app: o.app, mode: o.mode, baud: o.baud, runtime: rt.def.id, ok: failures.length === 0, failures, bytesOut, bytesIn, wallMs: Date.now() - t0, lines: lines.slice(), lineTimes: lineTimes.slice(), transcriptTail, finished, fatal };
}

function tailOfFile(file: string, n: number): string {
  try {
    return fs.readFileSync(file, "latin1").split("\n").slice(-n - 1).join("\n");
  } catch (e) {
    void e;
    return "";
  }
}

/** A failure message for a test: what failed, the interpreter's last lines, the simulator transcript's tail. */
export function describeRun(r: AppRun, lineCount = 25): string {
  const banner = r.lines.findIndex((l) => l.indexOf("espruino.com/Donate") >= 0);
  const out = r.lines.slice(banner + 1).filter((l) => !/^@@(rx|mem) /.test(l)).slice(-lineCount).join("\n    ");
  return (
    `${r.app} ${r.mode} ${r.baud} on ${r.runtime}: ${r.failures.join("; ")}\n  interpreter output (last lines):\n    ${out}` +
    (r.transcriptTail ? `\n  simulator transcript (last lines):\n    ${r.transcriptTail.split("\n").map((l) => (l.length > 160 ? l.substr(0, 160) + "..." : l)).join("\n    ")}` : "")
  );
}
