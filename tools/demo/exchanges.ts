// The demo's exchanges: each runs an app (examples/*.ts where one fits) on an online session and verifies the bytes on both sides, byte for byte.
//
// Verification never trusts the app's own opinion: the bytes are taken at the API boundary (taps on
// the sockets the app creates) and at the real loopback server, and compared with what was meant to
// travel (string equality, logged as sha256).
import { Socket } from "../../firmware/app/index";
import type { Server } from "../../firmware/parts/index";
import * as httpGetApp from "../../examples/http-get";
import * as serverApp from "../../examples/server";
import * as udpEchoApp from "../../examples/udp-echo";
import { TcpClient } from "../sim/index";
import * as bulkEcho from "./bulk-echo";
import { DemoLog, ExchangeResult } from "./log";
import { sha256, shortSha, testPayload } from "./payload";
import { HTTP_PATH, LoopbackServers } from "./servers";
import { MODULE_SERVER_PORT, MODULE_UDP_PORT, Session } from "./session";

/** What examples/server.ts sends each client first. */
const SERVER_GREETING = "hello from the modem\r\n";

/** Bytes a socket's owner wrote and received, and how it closed. */
interface SocketRecord {
  out: string[];
  in: string[];
  closeReason: string | undefined;
  errors: string[];
}

function bytesOf(d: string | Uint8Array): string {
  return typeof d === "string" ? d : Buffer.from(d).toString("latin1");
}

/** Watch a socket: what is written (write/end wrap the instance's write) and received, errors, the close. */
function tapSocket(s: Socket): SocketRecord {
  const rec: SocketRecord = { out: [], in: [], closeReason: undefined, errors: [] };
  const write = s.write.bind(s);
  s.write = (d: string | Uint8Array): boolean => {
    rec.out.push(bytesOf(d));
    return write(d);
  };
  s.on("data", (d: string) => rec.in.push(d));
  s.on("error", (e: { kind: string; text: string }) => rec.errors.push(e.kind + ": " + e.text));
  s.on("close", (why: string) => (rec.closeReason = why));
  return rec;
}

/** "sha256 abc123… (n bytes)" */
function described(s: string): string {
  return `${s.length} bytes, sha256 ${shortSha(s)}…`;
}

/** A check that is logged as it is made; `failures` collects what did not hold. */
class Checks {
  readonly failures: string[] = [];
  constructor(private log: DemoLog, private name: string) {}

  that(ok: boolean, what: string): void {
    this.log.line(`${this.name}: ${ok ? "ok" : "FAILED"} - ${what}`);
    if (!ok) this.failures.push(what);
  }

  /** `got` is exactly `want` (compared whole; reported by sha256, and by the first difference when they differ). */
  same(got: string, want: string, what: string): void {
    const ok = got === want && sha256(got) === sha256(want);
    this.that(ok, `${what}: ${described(got)}${ok ? "" : ` (expected ${described(want)}; ${firstDifference(got, want)})`}`);
  }
}

/** Where two byte strings part, with a few bytes of each from there (JSON-escaped). */
function firstDifference(got: string, want: string): string {
  let i = 0;
  while (i < got.length && i < want.length && got.charCodeAt(i) === want.charCodeAt(i)) i++;
  const excerpt = (s: string) => (i < s.length ? JSON.stringify(s.substr(i, 12)) + (s.length - i > 12 ? "…" : "") : "the end");
  return `first difference at byte ${i}: got ${excerpt(got)}, expected ${excerpt(want)}`;
}

function result(name: string, mode: string, out: number, inn: number, virtualMs: number, checks: Checks, note: string): ExchangeResult {
  const verified = checks.failures.length === 0;
  return { exchange: name, mode, bytesOut: out, bytesIn: inn, verified, virtualMs, note: verified ? note : checks.failures.join("; ") };
}

/** A TCP echo of `bytes` pseudo-random bytes (every byte value, CR/LF/"OK"/"+IPD" inside) with the demo's bulk-echo app. */
export async function tcpEcho(session: Session, servers: LoopbackServers, log: DemoLog, bytes: number): Promise<ExchangeResult> {
  const name = "TCP echo";
  const peer = servers.tcpEcho;
  const conn = peer.conns.length; // the echo server's index of the connection this app makes
  const data = testPayload(bytes, 0x7c9 + conn);
  const checks = new Checks(log, `tcp-echo/${session.mode}`);
  let rec: SocketRecord | undefined = undefined;
  let appResult: { ok: boolean; summary: string } | undefined = undefined;
  const modem = session.appModem({ socket: (s) => (rec = tapSocket(s)) });
  log.line(`tcp-echo/${session.mode}: app bulk-echo sends ${described(data)} to the TCP echo server 127.0.0.1:${peer.port}`);
  const t0 = session.now();
  session.runtime.run(() => bulkEcho.main(modem, { host: "127.0.0.1", port: peer.port, data }, (ok, summary) => (appResult = { ok, summary })));
  const finished = await session.until(() => appResult !== undefined, 600000, 30000);
  const virtualMs = session.now() - t0;
  const r = rec as SocketRecord | undefined;
  const out = r ? r.out.join("") : "";
  const got = r ? r.in.join("") : "";
  checks.that(finished, finished ? `the app finished: ${(appResult as unknown as { summary: string }).summary}` : "the app did not finish in time");
  checks.same(out, data, "the app wrote");
  checks.same(peer.received[conn] || "", data, "the echo server received");
  checks.same(got, data, "the device received back");
  checks.that(!!r && r.errors.length === 0, "no socket errors" + (r && r.errors.length ? ": " + r.errors.join(", ") : ""));
  checks.that(!!appResult && (appResult as { ok: boolean }).ok, "the app reported success (echo identical, close local)");
  return result(name, session.mode, out.length, got.length, virtualMs, checks, `${bytes} bytes each way, sha256 ${shortSha(data)}… on both sides`);
}

/** examples/udp-echo.ts: three datagrams to the UDP echo server, each reply checked with its sender. */
export async function udpEchoExample(session: Session, servers: LoopbackServers, log: DemoLog): Promise<ExchangeResult> {
  const name = "UDP echo (examples/udp-echo)";
  const peer = servers.udpEcho;
  const first = peer.received.length;
  const count = 3;
  const sent: string[] = [];
  const replies: Array<{ data: string; address: string; port: number }> = [];
  let closed: string | undefined = undefined;
  const checks = new Checks(log, `udp-echo/${session.mode}`);
  const modem = session.appModem({
    udp: (u) => {
      const send = u.send.bind(u);
      u.send = (d: string | Uint8Array, host: string, port: number): boolean => {
        sent.push(bytesOf(d));
        return send(d, host, port);
      };
      u.on("message", (d: string, from: { address: string; port: number }) => replies.push({ data: d, address: from.address, port: from.port }));
      u.on("close", (why: string) => (closed = why));
    },
  });
  log.line(`udp-echo/${session.mode}: examples/udp-echo main(modem, {host: "127.0.0.1", port: "${peer.port}", localPort: "${MODULE_UDP_PORT}", count: "${count}"})`);
  const t0 = session.now();
  session.runtime.run(() => udpEchoApp.main(modem, { host: "127.0.0.1", port: String(peer.port), localPort: String(MODULE_UDP_PORT), count: String(count) }));
  const finished = await session.until(() => closed !== undefined, 60000);
  const virtualMs = session.now() - t0;
  checks.that(finished && closed === "local", `the example sent ${sent.length} datagrams and closed its socket (${closed || "still open"})`);
  checks.that(sent.length === count, `${count} datagrams sent`);
  for (let i = 0; i < sent.length; i++) {
    const atPeer = peer.received[first + i];
    const reply = replies[i];
    checks.that(!!atPeer && atPeer.data === sent[i], `datagram ${i + 1} ${JSON.stringify(sent[i])} reached the echo server intact`);
    checks.that(
      !!reply && reply.data === sent[i] && reply.address === "127.0.0.1" && reply.port === peer.port,
      `its reply came back intact from ${reply ? reply.address + ":" + reply.port : "nobody"}`,
    );
  }
  const out = sent.join("").length;
  const inn = replies.map((r) => r.data).join("").length;
  return result(name, session.mode, out, inn, virtualMs, checks, `${count} datagrams, each echoed intact with its sender`);
}

/** examples/http-get.ts: GET of a 12 KB binary body from the loopback HTTP server; status 200 and the body's sha256 checked. */
export async function httpGetExample(session: Session, servers: LoopbackServers, log: DemoLog): Promise<ExchangeResult> {
  const name = "HTTP GET (examples/http-get)";
  const checks = new Checks(log, `http-get/${session.mode}`);
  const seenRequests = servers.httpRequests.length;
  let rec: SocketRecord | undefined = undefined;
  const modem = session.appModem({
    socket: (s) => {
      rec = tapSocket(s);
      s.on("connect", () => log.line(`http-get/${session.mode}: connected on link ${s.link}; the example sends its GET`));
    },
  });
  const appLines = session.appLines.length;
  log.line(`http-get/${session.mode}: examples/http-get main(modem, {host: "127.0.0.1", port: "${servers.httpPort}", path: "${HTTP_PATH}"}); the body is ${described(servers.httpBody)}`);
  const t0 = session.now();
  session.runtime.run(() => httpGetApp.main(modem, { host: "127.0.0.1", port: String(servers.httpPort), path: HTTP_PATH }));
  const finished = await session.until(() => !!rec && rec.closeReason !== undefined, 120000);
  const virtualMs = session.now() - t0;
  const r = rec as SocketRecord | undefined;
  const request = r ? r.out.join("") : "";
  const response = r ? r.in.join("") : "";
  const headEnd = response.indexOf("\r\n\r\n");
  const statusLine = response.substr(0, response.indexOf("\r\n"));
  const body = headEnd >= 0 ? response.substr(headEnd + 4) : "";
  const printed = session.appLines.slice(appLines);
  checks.that(finished && !!r && r.closeReason === "local", `the example closed the connection after Content-Length (${r ? r.closeReason : "no socket"})`);
  const req = servers.httpRequests[seenRequests];
  checks.that(!!req && req.method === "GET" && req.url === HTTP_PATH, `the server got ${req ? req.method + " " + req.url + " (Host: " + req.host + ")" : "no request"}`);
  checks.that(/^HTTP\/1\.1 200 /.test(statusLine), `status line "${statusLine}"`);
  checks.same(body, servers.httpBody, "the body");
  checks.that(printed.indexOf("HTTP/1.1 200 OK") >= 0 && printed.indexOf(`done (local): ${servers.httpBody.length} body bytes`) >= 0, "the example printed the status line and the body size");
  return result(name, session.mode, request.length, response.length, virtualMs, checks, `200, body ${servers.httpBody.length} bytes sha256 ${shortSha(body)}…`);
}

/** examples/server.ts on the modem: a real loopback client connects, gets the greeting and its 1 KB echoed; both directions checked. */
export async function serverExample(session: Session, log: DemoLog): Promise<ExchangeResult> {
  const name = "TCP server accept (examples/server)";
  const checks = new Checks(log, `server/${session.mode}`);
  const payload = testPayload(1024, 0x5e7);
  let srv: Server | undefined = undefined;
  const accepted: SocketRecord[] = [];
  const modem = session.appModem({
    server: (s) => {
      srv = s;
      s.on("connection", (c: Socket) => accepted.push(tapSocket(c)));
    },
  });
  log.line(`server/${session.mode}: examples/server main(modem, {port: "${MODULE_SERVER_PORT}"})`);
  const t0 = session.now();
  session.runtime.run(() => serverApp.main(modem, { port: String(MODULE_SERVER_PORT) }));
  const server = (): Server | undefined => srv;
  const listening = await session.until(() => !!server() && server()!.state === "listening", 30000);
  const hostPort = listening ? session.sim.serverPort(server()!.index) : undefined;
  checks.that(listening && hostPort !== undefined, `listening on module port ${MODULE_SERVER_PORT} (the simulator's server ${server() ? server()!.index : "?"} is 127.0.0.1:${hostPort} on this machine)`);
  let client: TcpClient | undefined = undefined;
  let received = "";
  let sockIn = "";
  let closeReason: string | undefined = undefined;
  if (hostPort !== undefined) {
    client = await TcpClient.connect(hostPort);
    const c = client;
    log.line(`server/${session.mode}: a loopback client connected from 127.0.0.1:${c.sock.localPort}; it sends ${described(payload)}`);
    const greeted = await session.until(() => accepted.length === 1 && c.received.length >= SERVER_GREETING.length, 30000);
    checks.that(greeted, "the modem accepted the client and greeted it");
    c.send(payload);
    await session.until(() => c.received.length >= SERVER_GREETING.length + payload.length, 60000);
    received = c.received;
    const rec = accepted[0];
    sockIn = rec ? rec.in.join("") : "";
    c.close();
    await session.until(() => !!rec && rec.closeReason !== undefined, 30000);
    closeReason = rec ? rec.closeReason : undefined;
  }
  checks.same(sockIn, payload, "the accepted socket received (client → modem)");
  checks.same(received, SERVER_GREETING + payload, "the client received the greeting and the echo (modem → client)");
  checks.that(closeReason === "remote", `the accepted socket closed when the client left (${closeReason || "still open"})`);
  const s = server();
  if (s && s.state === "listening") {
    session.runtime.run(() => s.close());
    const stopped = await session.until(() => s.closeReason !== undefined, 30000);
    checks.that(stopped && s.closeReason === "local", `the server stopped (AT+SERVERSTOP; close ${s.closeReason || "not yet"})`);
  }
  const virtualMs = session.now() - t0;
  return result(name, session.mode, received.length, sockIn.length, virtualMs, checks, `greeting + ${payload.length}-byte echo to a real client, both directions`);
}
