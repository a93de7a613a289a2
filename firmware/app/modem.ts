// The composition root and the API user code calls: createModem(hal, board, options) → Modem (start/stop/status, connect, udp, events).
//
// A Modem wires the pieces together and owns nothing else:
//   Scheduler → AtEngine (owns the UART) → Supervisor (power, bring-up, recovery; scripts.ts)
//                                        → Resolver (AT+CDNSGIP, cached)
//                                        → Table (link slots, receive and send paths)
// The engine's payloads go to the table, its timeouts and stalls to the supervisor; the
// supervisor's online / links-lost go to the table and become the Modem's "online" / "offline".
// Optional parts (servers, transparent mode, bring-up tools, Espruino's network) plug in through
// `options.parts` and get a PartContext — the engine, the table and the scheduler — nothing else.
//
// Options are checked when the Modem is created, all in one place (options.ts): an unknown name,
// a wrong type or value, or a combination that cannot work throws an Error naming the option, the
// value and what is allowed, before any pin or byte is touched. Everything after that reports
// failures as events: "error" on the modem (bring-up) or on a socket.
import { BoardDef, checkBoard } from "../core/board";
import { Hal } from "../core/hal";
import { resolve } from "../core/options";
import { Scheduler } from "../core/sched";
import { makeTracer } from "../core/trace";
import { checkApn, checkAuthField } from "../core/validate";
import { a76xxBauds } from "../core/board";
import { AtEngine, EngineListener } from "../at/engine";
import { Resolver } from "../modem/dns";
import { ModemError } from "../modem/errors";
import { LossReason, stateNames, Supervisor, SupervisorListener } from "../modem/supervisor";
import { Signal } from "../modem/status";
import { SocketError } from "../net/errors";
import { Table, TableHooks, TableStats } from "../net/table";
import { Emitter, handlerThrew } from "./emitter";
import { LinkStatus, linkStatus, Socket, SocketContext, UdpSocket } from "./sockets";
import type { CloseReason } from "../net/errors";

/**
 * Every option createModem knows: `name=<default>:<rule>` (see core/options.ts). A function, so
 * the text takes heap only while createModem reads it.
 */
export function schema(): string {
  return (
    'apn="":s;user="":s;password="":s;authType=1:i1,2;pin="":s;dataMode="buffer":ebuffer|push|transparent;baud=0:i0,3686400;' +
    "probeTimeoutMs=500:i1,60000;probeIntervalMs=1000:i1,60000;bootTimeoutMs=30000:i1,600000;powerSettleMs=100:i0,60000;" +
    "powerOffWaitMs=3000:i0,60000;simTimeoutMs=20000:i1,600000;registrationTimeoutMs=180000:i1,3600000;registrationPollMs=2000:i100,600000;" +
    "backoffMinMs=1000:i1,3600000;backoffMaxMs=30000:i1,3600000;maxNetRetries=5:i1,100;maxResets=3:i1,100;healthCheckMs=5000:i0,3600000;" +
    "links=0:i0,10;rxRingBytes=0:i0,1048576;txQueueBytes=2048:i64,1048576;txQueueSlots=8:i1,64;sendChunkBytes=1024:i1,1500;" +
    "readChunkBytes=1460:i1,1500;sendRetries=8:i0,10;udpRxSlots=8:i1,64;connectTimeoutMs=75000:i1,600000;subTerminated=false:b;" +
    "dnsCacheEntries=4:i1,64;dnsTtlMs=300000:i1,86400000;atQueue=16:i2,64;escapeWithDtr=false:b;trace=false:t;parts=[]:p"
  );
}

/** An optional part: its own options (`name=<default>:<rule>;…`, appended to the schema) and what it adds to the modem. */
export interface Part {
  name: string;
  schema?: string;
  install(ctx: PartContext): void;
}

/** What a part gets: the pieces it plugs into, nothing of the modem's internals beyond them. */
export interface PartContext {
  modem: Modem;
  /** Every resolved option (the part's own included). */
  opts: { [name: string]: any };
  hal: Hal;
  sched: Scheduler;
  engine: AtEngine;
  table: Table;
  sup: Supervisor;
  /** A new TCP socket of the modem (a server's client), to bind to an adopted slot. */
  newSocket(): Socket;
}

/** Options of listen() (the server part). */
export interface ListenOptions {
  /** Remote IPv4 addresses admitted (at least one); others are closed at once and counted in `rejected`. */
  allow?: string[];
}

/**
 * What listen() returns: a TCP server on one of the module's 4 server slots (made by the server
 * part; declared here so the modem does not depend on its parts).
 * Events: "listening"(), "connection"(Socket), "rejected"(ip, port), "error"(SocketError), "close"(reason).
 */
export interface Server extends Emitter {
  /** Server slot (0–3), or -1 when it never got one. */
  index: number;
  port: number;
  state: string;
  accepted: number;
  rejected: number;
  allow: string[] | undefined;
  /** Why it closed (undefined while open). */
  closeReason: CloseReason | undefined;
  /** Stop listening (AT+SERVERSTOP); accepted sockets stay open. */
  close(): void;
}

/** Largest push the module sends: push mode's ring must hold one whole. */
const PUSH_MAX = 1500;

/** Modem.status(). */
export interface Status {
  state: string;
  online: boolean;
  powered: boolean;
  /** Why the module was left on at stop ("" otherwise). */
  keptPowered: string;
  baud: number;
  foundAtBaud: number;
  sim: string;
  signal: Signal | undefined;
  creg: string;
  cgreg: string;
  cereg: string;
  ip: string;
  dataMode: string;
  lastError: ModemError | null;
  counters: { [k: string]: number };
  links: LinkStatus[];
  sockets: TableStats;
}

/**
 * What the engine, the supervisor and the table tell each other and the modem, in one object whose
 * methods are shared on its prototype: as listener objects of closures they cost about five JsVars
 * each per modem. The engine is made before the supervisor and the table, hence the checks.
 */
class Wiring implements EngineListener, SupervisorListener, TableHooks {
  private m: Modem;

  constructor(m: Modem) {
    this.m = m;
  }

  // The engine's
  payload(kind: number, link: number, data: string, rest: number, remote: string): void {
    const t = this.m.table;
    if (t) t.payload(kind, link, data, rest, remote);
  }

  timeout(): void {
    const s = this.m.sup;
    if (s) s.noteTimeout();
  }

  stall(): void {
    const s = this.m.sup;
    if (s) s.noteStall();
  }

  // The supervisor's
  state(name: string): void {
    this.m.emit("state", name);
  }

  online(ip: string): void {
    this.m.table.up();
    this.m.emit("online", ip);
  }

  linksLost(reason: LossReason): void {
    const m = this.m;
    m.table.down(reason);
    m.dns.clear();
    m.emit("offline", reason);
  }

  failed(e: ModemError): void {
    this.m.emit("error", e);
  }

  progress(text: string): void {
    this.m.emit("progress", text);
  }

  // The table's
  resolve(host: string, done: (err: SocketError | null, ip: string) => void): void {
    this.m.dns.resolve(host, done);
  }

  networkError(): void {
    this.m.sup.noteNetworkError();
  }

  baud(): number {
    return this.m.sup.baud || this.m.board.uart.baud;
  }
}

/**
 * The modem and its sockets.
 * Events: "online"(ip), "offline"(reason: "network"|"reboot"|"reset"|"stop"), "state"(name),
 * "progress"(text) during long waits, "error"(ModemError) when the bring-up fails.
 */
export class Modem extends Emitter {
  readonly hal: Hal;
  readonly board: BoardDef;
  /** The resolved options (defaults filled in). */
  readonly options: { [name: string]: any };
  readonly sched: Scheduler;
  readonly engine: AtEngine;
  readonly sup: Supervisor;
  readonly dns: Resolver;
  readonly table: Table;
  private ctx: SocketContext;
  private nextUdp = 49152;

  /** Throws Error on a bad board or options (see the file header). */
  constructor(hal: Hal, board: BoardDef, given?: { [name: string]: unknown }) {
    super();
    checkBoard(board);
    // Resolved in a function of its own: the closures made below keep this scope, not the schema text.
    const o = modemOptions(board, given);
    const parts = o.parts as Part[];
    this.hal = hal;
    this.board = board;
    this.options = o;
    const sched = new Scheduler(hal.clock, 16, 20);
    this.sched = sched;
    // A throw in the driver's tasks or in a user's handler is counted and printed, never silent.
    sched.onError = function (e) {
      if (hal.log) hal.log("a76xx: internal error (please report): " + errText(e));
    };
    handlerThrew.report = function (e) {
      if (hal.log) hal.log("a76xx: an event handler threw: " + errText(e));
    };
    const w = new Wiring(this);
    this.engine = new AtEngine(hal.uart, sched, { maxLine: board.atRxRingBytes, maxPayload: 1500, queue: o.atQueue, maxLines: 16, promptMs: 5000, probeMs: 1000, stallAfter: 3 }, w);
    this.dns = new Resolver(this.engine, sched, o.dnsCacheEntries, o.dnsTtlMs);
    const sup = new Supervisor(hal, board, o as any, sched, this.engine, w);
    this.sup = sup;
    const table = new Table(this.engine, sched, hal.codec, o as any, w);
    this.table = table;
    this.ctx = { table: table, sched: sched, codec: hal.codec };
    this.trace(o.trace);
    const ctx = this.ctx;
    const pc: PartContext = {
      modem: this,
      opts: o,
      hal: hal,
      sched: sched,
      engine: this.engine,
      table: table,
      sup: sup,
      newSocket: function () {
        return new Socket(ctx);
      },
    };
    for (let i = 0; i < parts.length; i++) parts[i].install(pc);
  }

  /** The AT trace: true prints through the HAL's log, a function gets each line, false turns it off. */
  trace(on: boolean | ((line: string) => void)): void {
    const out = typeof on === "function" ? on : on ? this.hal.log : undefined;
    const sched = this.sched;
    this.engine.trace = out
      ? makeTracer(function () {
          return sched.now();
        }, out)
      : undefined;
  }

  /** Power up and bring the modem online ("online" follows, or "error"). */
  start(): void {
    this.sup.start();
  }

  /**
   * Close every socket (reason "stop") and the network, then power the module off — unless
   * `keepPowered`, or the board has no PWRKEY line to power it on again (status().keptPowered says so).
   */
  stop(keepPowered?: boolean): void {
    this.sup.stop(keepPowered === true);
  }

  isOnline(): boolean {
    return this.sup.isOnline() && this.table.online;
  }

  status(): Status {
    const s = this.sup;
    const f = s.facts;
    const c = s.counters;
    const links: LinkStatus[] = [];
    for (let i = 0; i < this.table.slots.length; i++) if (this.table.slots[i].num >= 0) links.push(linkStatus(this.table.slots[i]));
    return {
      state: stateNames()[s.state],
      online: this.isOnline(),
      powered: s.powered,
      keptPowered: s.keptPowered,
      baud: s.baud,
      foundAtBaud: s.foundAtBaud,
      sim: f.sim,
      signal: f.signal,
      creg: s.regText(f.creg),
      cgreg: s.regText(f.cgreg),
      cereg: s.regText(f.cereg),
      ip: f.ip,
      dataMode: this.options.dataMode,
      lastError: s.lastError,
      counters: { reboots: c.reboots, recoveries: c.recoveries, resets: c.resets, powerCycles: c.powerCycles, timeouts: c.timeouts, lateBanners: c.lateBanners, resyncs: this.engine.stats.resyncs },
      links: links,
      sockets: this.table.stats,
    };
  }

  /**
   * A TCP connection to `host` (name or IPv4) and `port`. Returns the Socket at once; "connect"
   * follows, or "error" then "close" (invalid arguments, no free link, offline: nothing is sent).
   */
  connect(host: string, port: number): Socket {
    const s = new Socket(this.ctx);
    s.remoteAddress = typeof host === "string" ? host : "";
    s.remotePort = typeof port === "number" ? port : 0;
    s.bind(this.table.openTcp(host, port, s));
    return s;
  }

  /** A UDP socket bound to `localPort` (a port from 49152 up when omitted); "listening" follows. */
  udp(localPort?: number): UdpSocket {
    const u = new UdpSocket(this.ctx);
    let p = localPort;
    if (p === undefined) {
      p = this.nextUdp;
      this.nextUdp = this.nextUdp >= 65535 ? 49152 : this.nextUdp + 1;
    }
    u.localPort = p;
    u.bind(this.table.openUdp(p, u));
    return u;
  }

  /**
   * A TCP server on `port` (one of the module's 4): needs the server part (`parts: [server]`),
   * which replaces this method. Without it, calling it is a programmer error and throws.
   */
  listen(port: number, onClient?: (s: Socket) => void, opts?: ListenOptions): Server {
    throw new Error("a76xx: listen() needs the server part: options.parts = [require(\"a76xx-server\")]");
  }

  /** Resolve a host name through the modem (cached); `done(err, ip)` later. */
  resolve(host: string, done: (err: SocketError | null, ip: string) => void): void {
    this.dns.resolve(host, done);
  }
}

/** Checks the schema cannot express: contents of strings, baud, combinations. Throws Error. */
/** The options `given` resolved against the schema (core and parts) and the board's sizes; throws Error when invalid. */
function modemOptions(board: BoardDef, given?: { [name: string]: unknown }): { [name: string]: any } {
  if (board.options) {
    // The board's defaults under what the application passed.
    const g: { [name: string]: unknown } = {};
    for (const k in board.options) g[k] = board.options[k];
    for (const k in given) g[k] = given[k];
    given = g;
  }
  const parts = given && Array.isArray(given.parts) ? (given.parts as Part[]) : [];
  let text = schema();
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (!p || typeof p.install !== "function") throw new Error("a76xx: option parts must list parts (objects with install), got " + String(p));
    if (p.schema) text += ";" + p.schema;
  }
  const o = resolve(text, given);
  check(o, parts);
  if (!o.links) o.links = board.links;
  if (!o.rxRingBytes) o.rxRingBytes = board.socketRxRingBytes;
  if (o.dataMode === "push" && o.rxRingBytes < PUSH_MAX) throw new Error("a76xx: option rxRingBytes is " + o.rxRingBytes + "; push mode needs at least " + PUSH_MAX + " (a push carries up to " + PUSH_MAX + " bytes)");
  o.parts = parts;
  return o;
}

/** An exception as text, with its stack when the runtime keeps one. */
function errText(e: unknown): string {
  const x = e as { stack?: string };
  return String(e) + (x && typeof x.stack === "string" ? "\n" + x.stack : "");
}

function check(o: { [name: string]: any }, parts: Part[]): void {
  const bad = checkApn(o.apn) || (o.user ? checkAuthField("user", o.user) || checkAuthField("password", o.password) : undefined);
  if (bad) throw new Error("a76xx: option " + bad);
  if (o.pin && !/^[0-9]{4,8}$/.test(o.pin)) throw new Error("a76xx: option pin is " + JSON.stringify(o.pin) + "; it must be 4 to 8 digits");
  if (o.baud && a76xxBauds().indexOf(o.baud) < 0) throw new Error("a76xx: option baud is " + o.baud + "; it must be one of " + a76xxBauds().join(", "));
  if (o.backoffMaxMs < o.backoffMinMs) throw new Error("a76xx: option backoffMaxMs (" + o.backoffMaxMs + ") is below backoffMinMs (" + o.backoffMinMs + ")");
  if (o.dataMode === "transparent") {
    let has = false;
    for (let i = 0; i < parts.length; i++) if (parts[i].name === "transparent") has = true;
    if (!has) throw new Error('a76xx: option dataMode "transparent" needs the transparent part: parts: [require("a76xx-transparent")] (or import transparent from firmware/parts)');
  }
}
