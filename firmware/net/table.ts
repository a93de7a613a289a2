// The socket table: links 0–9 and servers 0–3 mirroring the modem, one AT command slot shared round-robin, events in order.
//
// Who does what:
//   table.ts       link/server state, application requests, the command slot, events, close-exactly-once
//   rx-buffer.ts   buffer-access receive (AT+CIPRXGET notices, mode-4 counts, windowed mode-2 reads)
//   rx-push.ts     direct-push receive (+IPD / +RECEIVE mapped to links, overflow counted and reported)
//   tx.ts          AT+CIPSEND chunking, confirmation, shortfall retries, UDP destinations
//   servers.ts     AT+SERVERSTART/STOP, +CLIENT hand-over, allowlists
//   transparent.ts link 0 as the UART: data mode, +++ / DTR escape, ATO, CLOSED detection
//   reconcile.ts   AT+CIPCLOSE? after (re)coming online or a lost command: orphans closed, stale links ended
//
// The command slot. The AT engine runs one command at a time anyway; the table keeps at most one
// of its own commands in the engine and picks the next piece of work round-robin over
// (link i: close/open/read), (link i: send) and (server j: start/stop), so no link starves the
// others and the engine's queue never fills with socket traffic. Supervisor and resolver commands
// interleave freely.
//
// Events. Everything the application hears (connect, readable, drain, error, close, listening,
// client) goes through one fixed EventQueue handled by a Scheduler task, in the order it happened;
// a link's close event comes after its last data and exactly once, and only then is the slot free.
// Owner callbacks that throw are caught and counted (stats.callbackErrors).
//
// Memory: 10 Link objects (each with its receive ring and send queue) and 4 server slots are
// created in the constructor; nothing is allocated per packet except the strings that carry bytes.
import { ByteCodec, OutputPin, Uart } from "../core/hal";
import { Scheduler } from "../core/scheduler";
import { checkHost, checkPort } from "../core/validate";
import { AtCommand, AtResult, cipClose, cipOpen } from "../at/command";
import { AtEngine } from "../at/engine";
import { modemError } from "../at/errors";
import { PayloadKind } from "../at/parser";
import { ModemError } from "../modem/errors";
import { LinkLossReason } from "../modem/supervisor";
import { CloseReason, fromModem, SocketError, socketError } from "./errors";
import { EventQueue, EV_CLOSE, EV_CONNECT, EV_DRAIN, EV_ERROR, EV_LISTENING, EV_READABLE } from "./events";
import { Link, LinkCounters, LinkOwner, LINK_STATE_NAMES, L_CLOSED, L_CLOSING, L_FREE, L_OPEN, L_OPENING, L_RESOLVING } from "./link";
import { SocketTableOptions, validateSocketOptions } from "./options";
import { BufferRx } from "./rx-buffer";
import { PushRx } from "./rx-push";
import { Reconciler } from "./reconcile";
import { ServerOwner, Servers, ServerSlot } from "./servers";
import { TransparentPath } from "./transparent";
import { TxPath } from "./tx";
import { TX_OK, TX_REFUSED, TX_WAIT } from "./txqueue";

export const LINKS = 10;
export const SERVERS = 4;
/** Largest UDP datagram (the module's CIPSEND maximum). */
export const MAX_DATAGRAM = 1500;

/** What the table needs from the rest of the driver (the app layer wires these to the Resolver and the supervisor). */
export interface TableHooks {
  /** Resolve a host name to an IP address; `done` runs later, once. */
  resolve(host: string, done: (err: ModemError | null, ip: string) => void): void;
  /** A send failed with `+CIPERROR: 4` (PDN lost): the supervisor recovers the network. */
  networkError(): void;
  /** The UART's bit rate now (read deadlines grow with the time the bytes take on the wire). */
  baud(): number;
}

/** A snapshot of one link, for status(). */
export interface LinkStatus {
  link: number;
  state: string;
  proto: string;
  remote: string;
  localPort: number;
  server: number;
  rxBuffered: number;
  txQueued: number;
  counters: LinkCounters;
}

export interface TableStats {
  /** Owner callbacks that threw (caught). */
  callbackErrors: number;
  /** Pushed bytes no link could be found for (dropped). */
  unmatchedBytes: number;
  /** Server clients closed at once because the allowlist did not admit them. */
  rejectedClients: number;
  /** Links the module had open that no socket owned, closed by reconciliation. */
  orphansClosed: number;
  /** Reconciliation runs. */
  reconciles: number;
  /** Commands the AT engine refused (queue full); retried. */
  refusedSubmits: number;
  /** AT+CIPRXGET=2 reads and the bytes they brought. */
  reads: number;
  readBytes: number;
  /** AT+CIPSEND commands and shortfalls (confirmed < requested). */
  sends: number;
  shortfalls: number;
  /** Transparent mode: escapes to command mode and returns with ATO. */
  escapes: number;
}

/** Slot indices of the round-robin work cycle. */
const WORK_SLOTS = LINKS * 2 + SERVERS;
/** Retry pause after the engine refused a command, ms. */
const REFUSED_RETRY_MS = 20;
/** Deadline of short socket commands (AT+CIPOPEN's OK, AT+SERVERSTART, queries), ms. */
const SHORT_MS = 10000;

export class SocketTable {
  readonly options: SocketTableOptions;
  readonly links: Link[];
  readonly servers: ServerSlot[];
  readonly stats: TableStats = {
    callbackErrors: 0,
    unmatchedBytes: 0,
    rejectedClients: 0,
    orphansClosed: 0,
    reconciles: 0,
    refusedSubmits: 0,
    reads: 0,
    readBytes: 0,
    sends: 0,
    shortfalls: 0,
    escapes: 0,
  };
  readonly engine: AtEngine;
  readonly sched: Scheduler;
  readonly uart: Uart;
  readonly hooks: TableHooks;
  readonly dtr: OutputPin | undefined;
  readonly events: EventQueue;
  readonly bufferRx: BufferRx;
  readonly pushRx: PushRx;
  readonly txPath: TxPath;
  readonly serverOps: Servers;
  readonly transparent: TransparentPath;
  readonly reconciler: Reconciler;

  /** The modem is online (supervisor said so and has not reported the links lost since). */
  online = false;
  /** One of the table's commands is in the engine. */
  private busy = false;
  private pumpPosted = false;
  private retryTimer = 0;
  private cursor = 0;
  /** Links the module has open but no socket owns: AT+CIPCLOSE them (from reconciliation or a late +CIPOPEN). */
  orphan: boolean[];

  /**
   * Creates every link and server slot (rings and queues allocated now) and registers the table's
   * URC prefixes on the engine (+CIPRXGET: 1, +IPCLOSE:, +CLIENT:, +CIPOPEN:, CLOSED, CONNECT;
   * 6 slots). Throws RangeError on invalid options (programmer error).
   * `dtr`: the board's DTR pin, used only with options.escapeWithDtr.
   */
  constructor(engine: AtEngine, uart: Uart, codec: ByteCodec, sched: Scheduler, options: SocketTableOptions, hooks: TableHooks, dtr: OutputPin | undefined) {
    validateSocketOptions(options);
    this.options = options;
    this.engine = engine;
    this.uart = uart;
    this.sched = sched;
    this.hooks = hooks;
    this.dtr = dtr;
    this.links = new Array(LINKS);
    for (let i = 0; i < LINKS; i++) {
      this.links[i] = new Link(i, options.rxRingBytes, options.txQueueSlots, options.txQueueBytes, options.udpRxSlots, codec);
    }
    this.orphan = new Array(LINKS);
    for (let i = 0; i < LINKS; i++) this.orphan[i] = false;
    this.servers = new Array(SERVERS);
    for (let i = 0; i < SERVERS; i++) this.servers[i] = new ServerSlot(i);
    const self = this;
    this.events = new EventQueue(LINKS * 6 + SERVERS * 4, sched, (t, target, gen, arg) => self.dispatch(t, target, gen, arg));
    this.bufferRx = new BufferRx(this);
    this.pushRx = new PushRx(this);
    this.txPath = new TxPath(this);
    this.serverOps = new Servers(this);
    this.transparent = new TransparentPath(this);
    this.reconciler = new Reconciler(this);
    engine.onUrc("+CIPRXGET: 1,", (line) => self.bufferRx.onNotice(line));
    engine.onUrc("+IPCLOSE:", (line) => self.onIpClose(line));
    engine.onUrc("+CIPOPEN:", (line) => self.onOpenResult(line));
    engine.onUrc("+CLIENT:", (line) => self.serverOps.onClient(line));
    engine.onUrc("CLOSED", () => self.transparent.onClosedLine());
    engine.onUrc("CONNECT", () => self.transparent.onConnectLine());
  }

  // ==== application requests =======================================================================

  /**
   * Open a TCP client link to `host:port` for `owner`. Returns the link number, or a SocketError
   * ("invalid", "offline", "no-link") — then nothing was sent. The name is resolved through the
   * resolver first (an IP is needed to map direct-push data to the link). `owner.connected` or
   * `owner.error` + `owner.closed("error")` follow.
   */
  openTcp(host: string, port: number, owner: LinkOwner): number | SocketError {
    const bad = checkHost(host) || checkPort(port, false);
    if (bad) return socketError("invalid", bad);
    if (!this.online) return socketError("offline", "the modem is not online");
    const l = this.freeLink();
    if (l < 0) return socketError("no-link", this.transparentMode() ? "transparent mode has one link (link 0) and it is in use" : "all 10 links are in use");
    const link = this.links[l];
    link.state = L_RESOLVING;
    link.proto = "TCP";
    link.host = host;
    link.port = port;
    link.owner = owner;
    const gen = link.gen;
    const self = this;
    this.hooks.resolve(host, (err, ip) => {
      if (link.gen !== gen || link.state !== L_RESOLVING) return;
      if (err) {
        self.fail(link, fromModem(err, "cannot resolve " + host));
        return;
      }
      if (self.options.dataMode === "push" && self.sameRemote(link, ip, port)) {
        // A push names its link only by the sender's ip:port: two links to one remote cannot be told apart.
        self.fail(link, socketError("invalid", "push mode cannot tell two links to " + ip + ":" + port + " apart; close the other one or use buffer mode"));
        return;
      }
      link.ip = ip;
      link.state = L_OPENING;
      self.schedulePump();
    });
    return l;
  }

  /** Another TCP link (opening or open) already talks to `ip:port`. */
  private sameRemote(link: Link, ip: string, port: number): boolean {
    for (let i = 0; i < LINKS; i++) {
      const o = this.links[i];
      if (o !== link && o.proto === "TCP" && o.ip === ip && o.port === port && (o.state === L_OPENING || o.state === L_OPEN || o.state === L_CLOSING)) return true;
    }
    return false;
  }

  /**
   * Open a UDP link bound to `localPort` (1..65535) for `owner`. Returns the link number or a
   * SocketError ("invalid", "offline", "no-link"; transparent mode supports TCP only).
   */
  openUdp(localPort: number, owner: LinkOwner): number | SocketError {
    const bad = checkPort(localPort, false);
    if (bad) return socketError("invalid", "local " + bad);
    if (this.transparentMode()) return socketError("invalid", "UDP sockets need the buffer or push data mode");
    if (!this.online) return socketError("offline", "the modem is not online");
    const l = this.freeLink();
    if (l < 0) return socketError("no-link", "all 10 links are in use");
    const link = this.links[l];
    link.state = L_OPENING;
    link.proto = "UDP";
    link.localPort = localPort;
    link.owner = owner;
    this.schedulePump();
    return l;
  }

  /**
   * Listen on `port` with the first free server slot. `allow`: remote IPs admitted (undefined = all).
   * Returns the server index or a SocketError ("invalid", "offline", "no-server").
   */
  listen(port: number, owner: ServerOwner, allow: string[] | undefined): number | SocketError {
    return this.serverOps.listen(port, owner, allow);
  }

  /** Stop server `index` (its accepted links stay open). */
  closeServer(index: number, owner: ServerOwner): void {
    this.serverOps.close(index, owner);
  }

  /** Give an accepted link (from ServerOwner.client) its owner. */
  attach(l: number, owner: LinkOwner): void {
    const link = this.links[l];
    if (link && link.inUse()) link.owner = owner;
  }

  /**
   * Queue `data` (non-empty 8-bit string; UDP: ≤ 1500 bytes with an IP or host name and port) on
   * link `l`. Returns TX_OK, TX_WAIT (accepted; wait for `drain`) or TX_REFUSED (nothing queued:
   * the queue is full, or the socket is closing), or a SocketError for invalid input.
   */
  write(l: number, owner: LinkOwner, data: string, host: string, port: number): number | SocketError {
    const link = this.links[l];
    if (!link || link.owner !== owner || link.state === L_FREE) return socketError("closed", "the socket is closed");
    if (link.proto === "UDP") {
      const bad = checkHost(host) || checkPort(port, false);
      if (bad) return socketError("invalid", bad);
      if (data.length < 1 || data.length > MAX_DATAGRAM) return socketError("invalid", "a datagram must be 1.." + MAX_DATAGRAM + " bytes, got " + data.length);
    }
    if (link.ending || link.peerClosed || link.state === L_CLOSING || link.state === L_CLOSED) return socketError("closed", "the socket is closing");
    if (data.length === 0) return TX_OK;
    const r = link.tx.push(data, host, port);
    if (r === TX_REFUSED || r === TX_WAIT) link.wantDrain = true;
    if (r !== TX_REFUSED) this.kickTx(link);
    return r;
  }

  /** Take up to `max` received bytes of link `l` (TCP). Consuming re-opens the receive window. */
  read(l: number, owner: LinkOwner, max: number): string {
    const link = this.links[l];
    if (!link || link.owner !== owner || link.state === L_FREE) return "";
    const s = link.ring.read(max);
    if (s.length) this.afterConsume(link);
    return s;
  }

  /** Bytes waiting in link `l`'s receive ring. */
  buffered(l: number): number {
    const link = this.links[l];
    return link && link.state !== L_FREE ? link.ring.length : 0;
  }

  /**
   * Take the next received datagram of UDP link `l` into out.data/ip/port; false when none.
   * Buffer-access mode gives no sender: ip "" and port 0 (the module does not report it).
   */
  readDatagram(l: number, owner: LinkOwner, out: { data: string; ip: string; port: number }): boolean {
    const link = this.links[l];
    if (!link || link.owner !== owner || link.dgPending() === 0) return false;
    out.data = link.ring.read(link.dgFrontLen());
    out.ip = link.dgFrontIp();
    out.port = link.dgFrontPort();
    link.dgShift();
    this.afterConsume(link);
    return true;
  }

  /**
   * The owner's link when a local close still has work to do on the module; undefined when there is
   * none (not the owner, already closing) or the close was settled here (never opened, peer gone).
   */
  private closable(l: number, owner: LinkOwner, graceful: boolean): Link | undefined {
    const link = this.links[l];
    if (!link || link.owner !== owner) return undefined;
    if (link.state === L_RESOLVING || (link.state === L_OPENING && !link.openSent)) {
      // Not open yet: end() sends what was written once it is, then closes; destroy() gives up now.
      if (graceful) link.ending = true;
      else this.finish(link, "local");
      return undefined;
    }
    if (link.state === L_FREE || link.state === L_CLOSING || link.state === L_CLOSED) return undefined;
    if (link.peerClosed) {
      this.finish(link, link.closeReason);
      return undefined;
    }
    return link;
  }

  /** Close after everything queued is sent (TCP end; UDP close). */
  end(l: number, owner: LinkOwner): void {
    const link = this.closable(l, owner, true);
    if (!link) return;
    link.ending = true;
    if (link.tx.length() === 0) this.startClose(link, "local");
    else this.kickTx(link);
  }

  /** Close now; queued writes are dropped. */
  destroy(l: number, owner: LinkOwner): void {
    const link = this.closable(l, owner, false);
    if (!link) return;
    link.tx.clear();
    this.startClose(link, "local");
  }

  status(l: number): LinkStatus {
    const link = this.links[l];
    const remote = link.proto === "UDP" ? "" : link.ip ? link.ip + ":" + link.port : link.host ? link.host + ":" + link.port : "";
    return {
      link: l,
      state: LINK_STATE_NAMES[link.state],
      proto: link.state === L_FREE ? "" : link.proto,
      remote: remote,
      localPort: link.localPort,
      server: link.server,
      rxBuffered: link.ring.length,
      txQueued: link.tx.bytes(),
      counters: link.counters,
    };
  }

  /** Links holding a socket. */
  linksInUse(): number {
    let n = 0;
    for (let i = 0; i < LINKS; i++) if (this.links[i].inUse()) n++;
    return n;
  }

  transparentMode(): boolean {
    return this.options.dataMode === "transparent";
  }

  // ==== supervisor ===========================================================================

  /** The supervisor reports the modem online: reconcile the table with the module, then serve requests. */
  onOnline(): void {
    this.online = true;
    this.reconciler.request();
    this.schedulePump();
  }

  /** The supervisor reports every link lost: each socket and server is told once, with the reason. */
  onLinksLost(reason: LinkLossReason): void {
    this.online = false;
    this.transparent.abandon();
    for (let i = 0; i < LINKS; i++) {
      this.orphan[i] = false;
      this.finish(this.links[i], reason);
    }
    for (let i = 0; i < SERVERS; i++) this.serverOps.finish(this.servers[i], reason);
  }

  // ==== engine listener (payloads and transparent data) ======================================

  payloadStart(kind: PayloadKind, link: number, length: number, rest: number, remote: string): void {
    if (kind === "rxget") this.bufferRx.start(link, length, rest);
    else this.pushRx.start(kind, link, length, remote);
  }

  payloadData(kind: PayloadKind, link: number, data: string): void {
    if (kind === "rxget") this.bufferRx.data(link, data);
    else this.pushRx.data(data);
  }

  payloadEnd(kind: PayloadKind, link: number): void {
    if (kind === "rxget") this.bufferRx.end(link);
    else this.pushRx.end();
  }

  /** Transparent data-mode bytes. */
  data(bytes: string): void {
    this.transparent.onData(bytes);
  }

  // ==== internals shared with the path modules ==================================================

  /** First free link (transparent mode: link 0 only), or -1. */
  /**
   * A free link for a socket of ours, or -1. Taken from the top (9 down): the module gives accepted
   * server clients the lowest free number, and a `+CLIENT` on a link we are still resolving or
   * opening would end that socket.
   */
  freeLink(): number {
    if (this.transparentMode()) return this.links[0].state === L_FREE && !this.orphan[0] ? 0 : -1;
    for (let i = LINKS - 1; i >= 0; i--) if (this.links[i].state === L_FREE && !this.orphan[i]) return i;
    return -1;
  }

  /** Queue an event for link/server `target`. A full queue is settled at once (never loses a close). */
  post(type: number, target: number, gen: number, arg: unknown): void {
    if (this.events.push(type, target, gen, arg)) return;
    this.events.drain();
    this.events.push(type, target, gen, arg);
  }

  /** Raise an error event on `link` (counted). */
  raise(link: Link, e: SocketError): void {
    link.counters.errors++;
    this.post(EV_ERROR, link.index, link.gen, e);
  }

  /** Bytes or datagrams arrived on `link`: one readable event until the owner handles it. */
  notifyReadable(link: Link): void {
    if (link.readablePending) return;
    link.readablePending = true;
    this.post(EV_READABLE, link.index, link.gen, undefined);
  }

  /** Raise `e`, then close the link (AT+CIPCLOSE when the module may have it open) with reason "error". */
  fail(link: Link, e: SocketError): void {
    if (link.state === L_FREE || link.state === L_CLOSED) return;
    this.raise(link, e);
    if (link.state === L_OPEN || (link.state === L_OPENING && link.openSent)) this.startClose(link, "error");
    else this.finish(link, "error");
  }

  /** Ask the module to close `link`; the owner hears `reason` once the close is done. */
  startClose(link: Link, reason: CloseReason): void {
    if (link.state === L_FREE || link.state === L_CLOSED || link.state === L_CLOSING) return;
    if (link.openTimer) this.sched.clearTimer(link.openTimer);
    link.openTimer = 0;
    link.state = L_CLOSING;
    link.closeSent = false;
    link.closeReason = reason;
    this.schedulePump();
  }

  /**
   * The link is closed (the module no longer has it, or never will): queue the owner's close event
   * (after any data still in the ring). Idempotent: a link is finished once per socket.
   */
  finish(link: Link, reason: CloseReason): void {
    if (link.state === L_FREE || link.state === L_CLOSED) return;
    if (link.openTimer) this.sched.clearTimer(link.openTimer);
    link.openTimer = 0;
    if (link.txHoldTimer) this.sched.clearTimer(link.txHoldTimer);
    link.txHoldTimer = 0;
    if ((link.rxKnown > 0 || link.rxNotified || link.rxBusy) && reason !== "local" && link.state === L_OPEN) {
      // The module held bytes we could not read before the link closed (never read a closed link:
      // doc section 9). Reported, never silent.
      link.counters.drops += link.rxKnown;
      this.raise(link, socketError("lost", (link.rxKnown > 0 ? link.rxKnown + " received bytes" : "received bytes") + " were still in the module when the link closed"));
    }
    link.state = L_CLOSED;
    link.closeReason = reason;
    link.tx.clear();
    link.rxKnown = 0;
    link.rxNotified = false;
    this.post(EV_CLOSE, link.index, link.gen, reason);
  }

  /** Run `cmd` in the table's command slot; `handler` gets its result (skipped when `link`'s socket changed meanwhile). */
  run(cmd: AtCommand, link: Link | undefined, handler: (r: AtResult) => void): boolean {
    if (this.busy) return false;
    const gen = link ? link.gen : 0;
    const self = this;
    this.busy = true;
    const ok = this.engine.submit(cmd, (r) => {
      self.busy = false;
      if (!link || link.gen === gen) handler(r);
      self.schedulePump();
    });
    if (!ok) {
      this.busy = false;
      this.stats.refusedSubmits++;
      if (!this.retryTimer) {
        this.retryTimer = this.sched.setTimer(REFUSED_RETRY_MS, () => {
          self.retryTimer = 0;
          self.schedulePump();
        });
      }
    }
    return ok;
  }

  /** True when no table command is in the engine. */
  idle(): boolean {
    return !this.busy;
  }

  schedulePump(): void {
    if (this.pumpPosted) return;
    const self = this;
    this.sched.post(() => self.pump());
    this.pumpPosted = true; // only once posted: a refused post must not leave the table waiting forever
  }

  // ==== private ==============================================================================

  private kickTx(link: Link): void {
    if (this.transparentMode()) this.transparent.kick();
    else this.schedulePump();
  }

  private afterConsume(link: Link): void {
    link.overflowQueued = false; // the next overflow is a new incident
    if (this.options.dataMode === "buffer" && link.state === L_OPEN && (link.rxKnown > 0 || link.rxNotified)) this.schedulePump();
  }

  private pump(): void {
    this.pumpPosted = false;
    if (this.busy || !this.online || this.transparent.blocksCommands()) return;
    if (this.reconciler.work()) return;
    // Transparent data mode: sending is a UART write; a command submitted now waits in the engine
    // until the transparent path escapes to command mode (it watches the engine's queue).
    if (this.engine.isDataMode()) this.transparent.kick();
    for (let k = 0; k < WORK_SLOTS; k++) {
      let i = this.cursor + k;
      if (i >= WORK_SLOTS) i -= WORK_SLOTS;
      if (this.work(i)) {
        this.cursor = i + 1 === WORK_SLOTS ? 0 : i + 1;
        return;
      }
      if (this.busy) return;
    }
  }

  /** Try work item `i`; true when a command was submitted. */
  private work(i: number): boolean {
    if (i < LINKS) return this.control(this.links[i]);
    if (i < LINKS * 2) {
      const link = this.links[i - LINKS];
      if (this.transparentMode()) return false;
      return link.state === L_OPEN && !link.peerClosed ? this.txPath.work(link) : false;
    }
    return this.serverOps.work(this.servers[i - LINKS * 2]);
  }

  /** Close, open or read on `link`. */
  private control(link: Link): boolean {
    const self = this;
    if (link.state === L_CLOSING) {
      if (link.closeSent) return false;
      link.closeSent = true;
      const sent = this.run(cipClose(link.index), link, (r) => {
        // Refused or unanswered: the module's view may differ from ours; ask it.
        if (r.error) self.reconciler.request();
        self.finish(link, link.closeReason);
      });
      if (!sent) link.closeSent = false;
      return sent;
    }
    if (this.orphan[link.index] && (link.state === L_FREE || link.state === L_RESOLVING || (link.state === L_OPENING && !link.openSent))) {
      // The module still holds this number (reconciliation found it): free it before opening ours.
      const l = link.index;
      return this.run(cipClose(l), undefined, () => {
        self.orphan[l] = false;
        self.stats.orphansClosed++;
        self.schedulePump();
      });
    }
    if (link.state === L_OPENING && !link.openSent) return this.sendOpen(link);
    if (link.state === L_OPEN && this.options.dataMode === "buffer") {
      if (this.bufferRx.work(link)) return true;
      if (link.peerClosed && link.rxKnown === 0 && !link.rxNotified && !link.rxBusy) this.finish(link, link.closeReason);
    }
    return false;
  }

  private sendOpen(link: Link): boolean {
    const transparent = this.transparentMode();
    const built = link.proto === "TCP" ? cipOpen(link.index, "TCP", link.ip, link.port, 0, transparent) : cipOpen(link.index, "UDP", "", 0, link.localPort, false);
    const self = this;
    let cmd: AtCommand;
    if (transparent) {
      cmd = { request: built.request, connect: true, timeoutMs: this.options.connectTimeoutMs };
    } else {
      // Completes on OK; the result `+CIPOPEN: <l>,<err>` is taken as a URC (before or after the OK),
      // so a slow connect does not hold the AT engine for minutes.
      cmd = { request: built.request, timeoutMs: SHORT_MS };
    }
    link.openSent = true;
    const ok = this.run(cmd, link, (r) => {
      if (link.state !== L_OPENING) return;
      if (r.error) {
        self.raise(link, fromModem(r.error, "AT+CIPOPEN failed"));
        if (r.error.kind === "timeout") self.startClose(link, "error");
        else self.finish(link, "error");
        return;
      }
      if (transparent) self.opened(link);
    });
    if (!ok) {
      link.openSent = false;
      return false;
    }
    if (!transparent) {
      link.openTimer = this.sched.setTimer(this.options.connectTimeoutMs, () => {
        link.openTimer = 0;
        if (link.state === L_OPENING) self.fail(link, { kind: "timeout", code: -1, text: "no +CIPOPEN result within " + self.options.connectTimeoutMs + " ms" });
      });
    }
    return true;
  }

  /** The link is open on the module. */
  opened(link: Link): void {
    if (link.openTimer) this.sched.clearTimer(link.openTimer);
    link.openTimer = 0;
    link.state = L_OPEN;
    this.post(EV_CONNECT, link.index, link.gen, undefined);
    if (this.transparentMode()) this.transparent.started();
    if (link.ending && link.tx.length() === 0) this.startClose(link, "local"); // end() before it opened
    this.schedulePump();
  }

  /** `+CIPOPEN: <l>,<err>` (the async result of our AT+CIPOPEN; query answers never reach here). */
  private onOpenResult(line: string): void {
    const body = line.substr(10);
    const comma = body.indexOf(",");
    if (comma < 0) return;
    const l = parseInt(body.substr(0, comma), 10);
    const err = parseInt(body.substr(comma + 1), 10);
    if (!(l >= 0 && l < LINKS) || isNaN(err)) return;
    const link = this.links[l];
    if (link.state === L_OPENING && link.openSent) {
      if (err === 0) this.opened(link);
      else {
        this.raise(link, fromModem(modemError("async", String(err)), "AT+CIPOPEN failed"));
        this.finish(link, "error");
      }
      return;
    }
    if (err === 0 && (link.state === L_FREE || link.state === L_CLOSING || link.state === L_CLOSED)) {
      // A late success for a socket that gave up (timed out, destroyed while connecting, its
      // AT+CIPCLOSE refused): the module has a link nobody owns. Closed once the slot is free.
      this.orphan[l] = true;
      this.schedulePump();
    }
  }

  /** `+IPCLOSE: <l>,<reason>`: the module closed the link on its own. */
  private onIpClose(line: string): void {
    const body = line.substr(9).trim();
    const comma = body.indexOf(",");
    const l = parseInt(comma < 0 ? body : body.substr(0, comma), 10);
    const why = comma < 0 ? 0 : parseInt(body.substr(comma + 1), 10);
    if (!(l >= 0 && l < LINKS)) return;
    const link = this.links[l];
    this.orphan[l] = false;
    if (link.state === L_CLOSING) {
      // We are closing it too: an AT+CIPCLOSE in flight finishes it; one not yet sent is not needed.
      if (!link.closeSent) this.finish(link, link.closeReason);
      return;
    }
    const reason: CloseReason = why === 1 ? "remote" : why === 2 ? "timeout" : "local";
    if (this.options.readAfterRemoteClose && this.options.dataMode === "buffer" && link.state === L_OPEN && (link.rxKnown > 0 || link.rxNotified || link.rxBusy)) {
      // Read what the module still holds, then close (see the option's caveat).
      link.peerClosed = true;
      link.closeReason = reason;
      link.tx.clear();
      this.schedulePump();
      return;
    }
    this.finish(link, reason);
  }

  private dispatch(type: number, target: number, gen: number, arg: unknown): void {
    if (type >= EV_LISTENING) {
      this.serverOps.dispatch(type, target, gen, arg);
      return;
    }
    const link = this.links[target];
    if (link.gen !== gen) return;
    const owner = link.owner;
    try {
      switch (type) {
        case EV_CONNECT:
          if (owner && link.state === L_OPEN) owner.connected();
          break;
        case EV_READABLE:
          link.readablePending = false;
          if (owner && (link.ring.length > 0 || link.dgPending() > 0)) owner.readable();
          break;
        case EV_DRAIN:
          if (owner) owner.drain();
          break;
        case EV_ERROR:
          if (owner) owner.error(arg as SocketError);
          break;
        case EV_CLOSE:
          // Last data first; during closed() the ring can still be read (a paused socket flushes it); then the slot is free.
          if (owner && (link.ring.length > 0 || link.dgPending() > 0)) owner.readable();
          if (owner) owner.closed(arg as CloseReason);
          link.reset();
          this.schedulePump();
          break;
      }
    } catch (e) {
      this.stats.callbackErrors++;
      if (type === EV_CLOSE && link.gen === gen) link.reset();
    }
  }

  /** The send queue of `link` emptied: drain event when a write was told to wait; close when ending. */
  txEmptied(link: Link): void {
    if (link.wantDrain) {
      link.wantDrain = false;
      this.post(EV_DRAIN, link.index, link.gen, undefined);
    }
    if (link.ending && link.state === L_OPEN) this.startClose(link, "local");
  }
}

