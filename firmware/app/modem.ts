// The API user code calls: createModem(hal, board, options) → Modem with start/stop/status, connect, udp, listen and events.
//
// A Modem composes the pieces of the driver and wires them together:
//   Scheduler → AtEngine (urcSlots 32) → ModemSupervisor (power, bring-up, recovery)
//                                      → Resolver (AT+CDNSGIP with a cache)
//                                      → SocketTable (links, servers, receive/send paths)
// The engine's payload/data events go to the table, its timeouts/stalls to the supervisor; the
// supervisor's online/linksLost go to the table (reconcile / close every socket with the reason)
// and become the Modem's "online"/"offline" events.
//
// Host names are resolved by the driver (AT+CDNSGIP) before AT+CIPOPEN rather than passed to the
// module: direct-push data names its sender only by IP, so the table must know each link's IP;
// the cache also saves a lookup per connection.
//
// Errors: invalid options are reported by start() as an "error" event {kind:"invalid"} and nothing
// touches the UART; invalid connect/udp/listen arguments, no free link/server and an offline modem
// give a socket that emits "error" then "close"("error") — before any byte reaches the UART.
import { BoardDef, validateBoard } from "../core/board";
import { Hal } from "../core/hal";
import { defaultSchedulerOptions, Scheduler, SchedulerOptions } from "../core/scheduler";
import { AtEngine, AtEngineOptions, defaultAtEngineOptions } from "../at/engine";
import { PayloadKind } from "../at/parser";
import { DnsCache } from "../modem/dns-cache";
import { Resolver } from "../modem/dns";
import { ModemError } from "../modem/errors";
import { ModemOptions, validateModemOptions, withDefaults } from "../modem/options";
import { LinkLossReason, MODEM_STATE_NAMES, ModemState, ModemStatus, ModemSupervisor } from "../modem/supervisor";
import { socketError } from "../net/errors";
import { SocketTableOptions, socketOptionsWithDefaults } from "../net/options";
import { LinkStatus, SocketTable, TableStats, LINKS } from "../net/table";
import { SERVER_STATE_NAMES } from "../net/servers";
import { overlay } from "../core/overlay";
import { Emitter } from "./emitter";
import { atCommand, diagnose, DiagnoseOptions, DiagnoseResult, passthrough, printStatus } from "./bringup";
import { ListenOptions, Server, Socket, SocketContext, UdpSocket } from "./sockets";

/**
 * Everything createModem accepts; every field is optional. Modem fields (apn, dataMode, baud,
 * timings…) are ModemOptions; socket fields are SocketTableOptions (rxRingBytes defaults to the
 * board's socketRxRingBytes, dataMode is shared). `engine`/`scheduler` override those layers' sizes.
 */
export interface CreateOptions extends Partial<ModemOptions>, Partial<Omit<SocketTableOptions, "dataMode">> {
  engine?: Partial<AtEngineOptions>;
  scheduler?: Partial<SchedulerOptions>;
  /** DNS cache entries (1..64, default 8) and lifetime (ms, default 300000). */
  dnsCacheEntries?: number;
  dnsTtlMs?: number;
}

/** Modem.status(): the supervisor's view plus every link and server. */
export interface FullStatus extends ModemStatus {
  online: boolean;
  links: LinkStatus[];
  servers: Array<{ index: number; state: string; port: number; accepted: number; rejected: number }>;
  sockets: TableStats;
}

/** Largest +IPD push the module sends (its maximum read and send size). */
const PUSH_MAX_BYTES = 1500;

/**
 * The modem and its sockets.
 * Events: "online"(ip), "offline"(reason: "network"|"reboot"|"reset"|"stop"), "state"(name),
 * "error"(ModemError or SocketError) — bring-up failures and rejected options.
 */
export class Modem extends Emitter {
  readonly hal: Hal;
  readonly board: BoardDef;
  readonly options: ModemOptions;
  readonly socketOptions: SocketTableOptions;
  readonly sched: Scheduler;
  readonly engine: AtEngine;
  readonly supervisor: ModemSupervisor;
  readonly resolver: Resolver;
  readonly table: SocketTable;
  /** Problems with the board or options (start() refuses to run while there are any). */
  readonly problems: string[];
  private ctx: SocketContext;
  private nextUdpPort = 49152;
  private rawListener: ((bytes: string) => void) | undefined = undefined;

  constructor(hal: Hal, board: BoardDef, given: CreateOptions | undefined) {
    super();
    this.hal = hal;
    this.board = board;
    const o = given || {};
    this.options = withDefaults(o);
    const sock = socketOptionsWithDefaults(o as Partial<SocketTableOptions>);
    sock.dataMode = this.options.dataMode;
    if (o.rxRingBytes === undefined) sock.rxRingBytes = board.socketRxRingBytes;
    this.socketOptions = sock;
    this.problems = validateBoard(board).concat(validateModemOptions(this.options));
    if (sock.dataMode === "push" && sock.rxRingBytes < PUSH_MAX_BYTES) {
      // A push is handed over whole; a smaller ring would drop every full-size one.
      this.problems.push("push mode needs rxRingBytes ≥ " + PUSH_MAX_BYTES + " (a push carries up to " + PUSH_MAX_BYTES + " bytes), got " + sock.rxRingBytes);
    }

    const schedOpts = overlay(defaultSchedulerOptions, o.scheduler);
    if (!o.scheduler || o.scheduler.readyQueueSize === undefined) schedOpts.readyQueueSize = 128;
    this.sched = new Scheduler(hal.clock, schedOpts);
    const engOpts = overlay(defaultAtEngineOptions, o.engine);
    if (!o.engine || o.engine.ringBytes === undefined) engOpts.ringBytes = board.atRxRingBytes;
    if (engOpts.urcSlots < 32) engOpts.urcSlots = 32;
    if (!o.engine || o.engine.queueSize === undefined) engOpts.queueSize = 16;
    const self = this;
    let table: SocketTable | undefined = undefined;
    let supervisor: ModemSupervisor | undefined = undefined;
    this.engine = new AtEngine(hal.uart, hal.codec, this.sched, engOpts, {
      payloadStart(kind: PayloadKind, link: number, length: number, rest: number, remote: string): void {
        if (table) table.payloadStart(kind, link, length, rest, remote);
      },
      payloadData(kind: PayloadKind, link: number, data: string): void {
        if (table) table.payloadData(kind, link, data);
      },
      payloadEnd(kind: PayloadKind, link: number): void {
        if (table) table.payloadEnd(kind, link);
      },
      data(bytes: string): void {
        const raw = self.rawListener;
        if (raw) raw(bytes);
        else if (table) table.data(bytes);
      },
      timeout(): void {
        if (supervisor) supervisor.noteTimeout();
      },
      stall(): void {
        if (supervisor) supervisor.noteStall();
      },
    });
    supervisor = new ModemSupervisor(hal, board, this.options, this.sched, this.engine);
    this.supervisor = supervisor;
    this.resolver = new Resolver(this.engine, this.sched, new DnsCache(o.dnsCacheEntries || 8, o.dnsTtlMs || 300000));
    table = new SocketTable(
      this.engine,
      hal.uart,
      hal.codec,
      this.sched,
      sock,
      {
        resolve(host: string, done: (err: ModemError | null, ip: string) => void): void {
          self.resolver.resolve(host, done);
        },
        baud(): number {
          return self.supervisor.currentBaud() || board.uart.baud;
        },
        networkError(): void {
          self.supervisor.noteNetworkError();
        },
      },
      hal.dtr,
    );
    this.table = table;
    this.ctx = { table: table, sched: this.sched, codec: hal.codec };
    supervisor.addListener({
      online(ip: string): void {
        self.table.onOnline();
        self.emit("online", ip);
      },
      linksLost(reason: LinkLossReason): void {
        self.table.onLinksLost(reason);
        self.emit("offline", reason);
      },
      state(state: ModemState): void {
        self.emit("state", MODEM_STATE_NAMES[state]);
      },
      failed(error: ModemError): void {
        self.emit("error", error);
      },
    });
  }

  /** Power up and bring the modem online ("online" follows). With problems in the options: an "error" event and nothing else. */
  start(): void {
    if (this.problems.length) {
      const self = this;
      const e = socketError("invalid", this.problems.join("; "));
      this.sched.post(() => self.emit("error", e));
      return;
    }
    this.supervisor.start();
  }

  /**
   * Close every socket (reason "stop"), close the network and power the module off; with
   * `keepPowered` the module stays on (a desk modem whose PWRKEY is not wired).
   */
  stop(keepPowered?: boolean): void {
    this.supervisor.stop(keepPowered);
  }

  isOnline(): boolean {
    return this.supervisor.isOnline() && this.table.online;
  }

  status(): FullStatus {
    const s = this.supervisor.status() as FullStatus;
    s.online = this.isOnline();
    s.links = [];
    for (let i = 0; i < LINKS; i++) s.links.push(this.table.status(i));
    s.servers = [];
    for (let i = 0; i < this.table.servers.length; i++) {
      const v = this.table.servers[i];
      s.servers.push({ index: i, state: SERVER_STATE_NAMES[v.state], port: v.port, accepted: v.accepted, rejected: v.rejected });
    }
    s.sockets = this.table.stats;
    return s;
  }

  /**
   * Open a TCP connection to `host` (name or IPv4) and `port` (1..65535). Returns the Socket at
   * once; "connect" follows, or "error" then "close". Invalid arguments, no free link and an
   * offline modem are reported the same way and send nothing.
   */
  connect(host: string, port: number): Socket {
    const s = new Socket(this.ctx);
    s.remoteAddress = typeof host === "string" ? host : "";
    s.remotePort = typeof port === "number" ? port : 0;
    const r = this.table.openTcp(host, port, s);
    if (typeof r !== "number") s.failEarly(r);
    else s.link = r;
    return s;
  }

  /** A UDP socket bound to `localPort` (1..65535; a port from 49152 up when omitted). "listening" follows. */
  udp(localPort?: number): UdpSocket {
    const u = new UdpSocket(this.ctx);
    let p = localPort;
    if (p === undefined) {
      p = this.nextUdpPort;
      this.nextUdpPort = this.nextUdpPort >= 65535 ? 49152 : this.nextUdpPort + 1;
    }
    u.localPort = p;
    const r = this.table.openUdp(p, u);
    if (typeof r !== "number") u.failEarly(r);
    else u.link = r;
    return u;
  }

  /**
   * Listen for TCP clients on `port` with one of the module's 4 servers. `onClient(socket)` gets each
   * accepted client (also the "connection" event). `opts.allow`: admitted remote IPs.
   */
  listen(port: number, onClient?: (s: Socket) => void, opts?: ListenOptions): Server {
    const srv = new Server(this.ctx, onClient);
    srv.port = typeof port === "number" ? port : 0;
    const r = this.table.listen(port, srv, opts ? opts.allow : undefined);
    if (typeof r !== "number") srv.failEarly(r);
    else srv.index = r;
    return srv;
  }

  /**
   * Send the engine's data-mode bytes to `fn` instead of the socket table (the REPL passthrough of
   * bringup.ts); undefined gives them back to the table.
   */
  setRawListener(fn: ((bytes: string) => void) | undefined): void {
    this.rawListener = fn;
  }

  /** Resolve a host name through the modem (cached). */
  resolve(host: string, done: (err: ModemError | null, ip: string) => void): void {
    this.resolver.resolve(host, done);
  }

  // ---- bring-up helpers for the REPL (firmware/app/bringup.ts); they print through hal.log ----

  private print(): (line: string) => void {
    const log = this.hal.log;
    return log ? log : function (): void {};
  }

  /**
   * One-call diagnosis, printing each step with PASS/FAIL/SKIP: module answering (and at which baud),
   * SIM, signal in dBm, registration, APN, NETOPEN, IP address, a DNS lookup and, with {host, port},
   * a TCP round trip. Starts the modem when it is off.
   */
  diagnose(opts?: DiagnoseOptions, done?: (r: DiagnoseResult) => void): void {
    diagnose(this, opts || {}, this.print(), done);
  }

  /** A raw AT command (printable, without CR), its answer printed: `modem.at("AT+CSQ")`. */
  at(request: string, done?: (ok: boolean, lines: string[]) => void): void {
    atCommand(this, request, this.print(), done);
  }

  /** Bridge the REPL console to the modem's UART until `escape` (default Ctrl+]). */
  passthrough(escape?: string, done?: () => void): void {
    passthrough(this, this.hal.console, escape, this.print(), done);
  }

  /** Print the supervisor's and the socket table's status and counters. */
  printStatus(): void {
    printStatus(this, this.print());
  }
}

/** Set up the modem driver for `board` on `hal` (see CreateOptions). Touches no pin or UART until start(). */
export function createModem(hal: Hal, board: BoardDef, options?: CreateOptions): Modem {
  return new Modem(hal, board, options);
}
