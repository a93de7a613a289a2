// The socket table: a pool of provisioned link slots bound to the module's links 0–9, one AT command slot shared round-robin.
//
// Who does what: this file keeps slot state, the application's requests, the command slot and
// the lifecycle of a link (resolve → AT+CIPOPEN → `+CIPOPEN: <l>,0` → open → AT+CIPCLOSE or
// `+IPCLOSE`); rx.ts receives (buffer access and direct push) and tx.ts sends (AT+CIPSEND), each
// through the small interface it needs. Parts (servers, transparent mode) use `adopt`,
// `closeLink` and a slot's `raw` path.
//
// The command slot. The AT engine runs one command at a time anyway; the table keeps at most one
// of its own commands in it and picks the next piece of work round-robin over the slots (close /
// open / read, then send), so no link starves the others and supervisor commands interleave.
//
// Events. The table tells a slot's owner (the application's socket) connect, readable, drain,
// error and close; the owner queues them and emits from its own task. A close comes once, after
// the last data, and the slot is free only when the owner releases it.
//
// Memory: `links` slots (each with its ring and send queue) are allocated in the constructor.
import { ByteCodec } from "../core/hal";
import { Scheduler, Task, Timer } from "../core/sched";
import { checkHost, checkPort } from "../core/validate";
import { AtCommand, AtResult } from "../at/command";
import { AtEngine } from "../at/engine";
import { atError } from "../at/errors";
import { K_RXGET } from "../at/parser";
import { CloseReason, fromModem, SocketError, sockErr } from "./errors";
import { Rx } from "./rx";
import { EV_CLOSE, EV_CONNECT, EV_DRAIN, EV_ERROR, EV_READABLE, S_CLOSED, S_CLOSING, S_FREE, S_OPEN, S_OPENING, S_RESOLVING, TX_FULL, TX_OK, TX_WAIT } from "./consts";
import { Slot, SlotOwner } from "./slot";
import { Tx } from "./tx";

/** Module links and the largest datagram (the module's CIPSEND maximum). */
export const LINKS = 10;
export const MAX_DATAGRAM = 1500;

export interface TableOptions {
  /** Slots provisioned (1..10): sockets open at once. */
  links: number;
  dataMode: string;
  rxRingBytes: number;
  txQueueBytes: number;
  txQueueSlots: number;
  sendChunkBytes: number;
  readChunkBytes: number;
  sendRetries: number;
  udpRxSlots: number;
  connectTimeoutMs: number;
  subTerminated: boolean;
}

/** What the table needs from the rest of the driver. */
export interface TableHooks {
  /** Resolve a host name; `done` runs later, once. */
  resolve(host: string, done: (err: SocketError | null, ip: string) => void): void;
  /** `+CIPERROR: 4` under a send: the supervisor recovers the network. */
  networkError(): void;
  /** The UART's rate now (deadlines of long reads grow with wire time). */
  baud(): number;
}

export interface TableStats {
  /** Pushed bytes no link could be found for (dropped, never delivered elsewhere). */
  unmatchedBytes: number;
  /** Links the module had open that no socket owned, closed. */
  orphansClosed: number;
  reconciles: number;
  /** Commands the engine refused (queue full); retried. */
  refused: number;
  reads: number;
  readBytes: number;
  /** Malformed or failed reads (the socket got an error). */
  badReads: number;
  sends: number;
  shortfalls: number;
}

/** Deadline of short socket commands (AT+CIPOPEN's OK, queries), ms. */
const SHORT_MS = 10000;
/** Retry pause after the engine refused a command, ms. */
const REFUSED_MS = 20;

export class Table {
  readonly opts: TableOptions;
  readonly slots: Slot[];
  readonly stats: TableStats = { unmatchedBytes: 0, orphansClosed: 0, reconciles: 0, refused: 0, reads: 0, readBytes: 0, badReads: 0, sends: 0, shortfalls: 0 };
  readonly sched: Scheduler;
  readonly engine: AtEngine;
  readonly hooks: TableHooks;
  readonly codec: ByteCodec;
  online = false;
  /** Transparent mode's part: takes the line for a slot whose link just entered data mode (synchronously). */
  dataHook: ((s: Slot) => void) | undefined = undefined;
  /** Module links the module holds that no socket owns (closed when the command slot is free). */
  readonly orphan: boolean[] = [];
  private rx: Rx;
  private tx: Tx;
  private busy = 0;
  private task: Task;
  private cursor = 0;
  private retry: Timer | undefined = undefined;
  private reconcileWanted = 0;
  /** The command in flight in the command slot: its slot, that slot's generation, its completion. */
  private runS: Slot | undefined = undefined;
  private runGen = 0;
  private runDone: ((r: AtResult) => void) | undefined = undefined;
  /** Buffer access (AT+CIPRXGET=1): open slots read. */
  private buffered: boolean;
  /** The engine's completion for the command slot, made once (not a closure per command). */
  private ran: (r: AtResult) => void;

  constructor(engine: AtEngine, sched: Scheduler, codec: ByteCodec, opts: TableOptions, hooks: TableHooks) {
    this.opts = opts;
    this.buffered = opts.dataMode === "buffer";
    this.engine = engine;
    this.sched = sched;
    this.hooks = hooks;
    this.codec = codec;
    this.slots = [];
    for (let i = 0; i < opts.links; i++) this.slots.push(new Slot(opts.rxRingBytes, opts.txQueueSlots, opts.txQueueBytes, opts.udpRxSlots, codec));
    for (let i = 0; i < LINKS; i++) this.orphan.push(false);
    const self = this;
    this.task = sched.task(function () {
      self.pump();
    });
    this.ran = function (r: AtResult): void {
      self.ranCmd(r);
    };
    this.rx = new Rx(this);
    this.tx = new Tx(this);
    engine.onUrc("+CIPRXGET: 1,", function (line: string) {
      self.rx.notice(line);
    });
    engine.onUrc("+IPCLOSE:", function (line: string) {
      self.onIpClose(line);
    });
    engine.onUrc("+CIPOPEN:", function (line: string) {
      self.onOpenResult(line);
    });
  }

  // ==== application requests ===================================================================

  /**
   * Open a TCP link to `host:port` for `owner`: the slot, or a SocketError ("invalid", "offline",
   * "no-link") when nothing was sent. The name is resolved first (push data names its sender by IP).
   */
  openTcp(host: string, port: number, owner: SlotOwner): Slot | SocketError {
    const bad = checkHost(host) || checkPort(port, false);
    if (bad) return sockErr("invalid", bad);
    const s = this.claim(owner);
    if (!(s instanceof Slot)) return s;
    s.state = S_RESOLVING;
    s.host = host;
    s.port = port;
    const gen = s.gen;
    const self = this;
    this.hooks.resolve(host, function (err, ip) {
      if (s.gen !== gen || s.state !== S_RESOLVING) return;
      if (err) return self.fail(s, err);
      if (self.opts.dataMode === "push" && self.remoteTaken(s, ip, port)) {
        // A push names its link only by the sender's ip:port: two links to one remote cannot be told apart.
        return self.fail(s, sockErr("invalid", "push mode cannot tell two links to " + ip + ":" + port + " apart; close the other or use buffer mode"));
      }
      s.ip = ip;
      s.state = S_OPENING;
      self.kick();
    });
    return s;
  }

  /** Open a UDP link bound to `lport` for `owner`. */
  openUdp(lport: number, owner: SlotOwner): Slot | SocketError {
    const bad = checkPort(lport, false);
    if (bad) return sockErr("invalid", "local " + bad);
    if (this.opts.dataMode === "transparent") return sockErr("invalid", "UDP sockets need the buffer or push data mode");
    const s = this.claim(owner);
    if (!(s instanceof Slot)) return s;
    s.state = S_OPENING;
    s.udp = 1;
    s.lport = lport;
    this.kick();
    return s;
  }

  /** A free slot and a free module link number for `owner`, or the error. */
  private claim(owner: SlotOwner): Slot | SocketError {
    if (!this.online) return sockErr("offline", "the modem is not online");
    const num = this.freeNum();
    const s = this.freeSlot();
    if (!s || num < 0) return sockErr("no-link", "all " + (s ? LINKS + " module links" : this.slots.length + " provisioned links") + " are in use");
    s.num = num;
    s.owner = owner;
    return s;
  }

  /** A free module link number, from the top (the module gives server clients the lowest free one). */
  private freeNum(): number {
    const top = this.opts.dataMode === "transparent" ? 0 : LINKS - 1;
    for (let n = top; n >= 0; n--) if (!this.orphan[n] && !this.slotOf(n)) return n;
    return -1;
  }

  freeSlot(): Slot | undefined {
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i].state === S_FREE) return this.slots[i];
    return undefined;
  }

  /** The slot bound to module link `num` (resolving to closing), or undefined. */
  slotOf(num: number): Slot | undefined {
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s.num === num && s.state !== S_FREE && s.state !== S_CLOSED) return s;
    }
    return undefined;
  }

  /** Another TCP slot (opening or open) already talks to `ip:port`. */
  private remoteTaken(s: Slot, ip: string, port: number): boolean {
    for (let i = 0; i < this.slots.length; i++) {
      const o = this.slots[i];
      if (o !== s && !o.udp && o.ip === ip && o.port === port && o.state >= S_OPENING && o.state <= S_CLOSING) return true;
    }
    return false;
  }

  /**
   * Queue `data` (8-bit string; UDP: 1..1500 bytes for host:port) on slot `s`: TX_OK, TX_WAIT
   * (queued; wait for drain), TX_FULL (nothing queued), or a SocketError for invalid input.
   */
  write(s: Slot, owner: SlotOwner, data: string, host: string, port: number): number | SocketError {
    if (s.owner !== owner || s.state === S_FREE || s.state >= S_CLOSING || s.ending || s.peerClosed) return sockErr("closed", "the socket is closed or closing");
    if (!this.codec.is8bit(data)) return sockErr("invalid", "data has characters above 0xFF (UTF-8 text?): send bytes (E.toString of a Uint8Array, or Latin-1 characters)");
    if (s.udp) {
      const bad = checkHost(host) || checkPort(port, false);
      if (bad) return sockErr("invalid", bad);
      if (data.length < 1 || data.length > MAX_DATAGRAM) return sockErr("invalid", "a datagram must be 1.." + MAX_DATAGRAM + " bytes, got " + data.length);
    }
    if (!data.length) return TX_OK;
    const r = s.tx.push(data, host, port);
    if (r !== TX_OK) s.wantDrain = 1;
    if (r !== TX_FULL) this.kickTx(s);
    return r;
  }

  kickTx(s: Slot): void {
    if (s.raw) s.raw.kick();
    else this.kick();
  }

  /** The owner read from the ring: the read window re-opens. */
  consumed(s: Slot): void {
    s.overflowed = 0;
    if (s.rxKnown > 0 || s.rxNote) this.kick();
  }

  /** Close after the send queue is empty (TCP end; UDP close). */
  end(s: Slot, owner: SlotOwner): void {
    if (s.owner !== owner) return;
    if (!this.settleEarly(s, true)) return;
    s.ending = 1;
    if (!s.tx.count()) this.startClose(s, "local");
    else this.kickTx(s);
  }

  /** Close now; queued writes are dropped. */
  destroy(s: Slot, owner: SlotOwner): void {
    if (s.owner !== owner) return;
    if (!this.settleEarly(s, false)) return;
    s.tx.clear();
    this.startClose(s, "local");
  }

  /** False when the close was settled here (not open yet, already closing, peer gone). */
  private settleEarly(s: Slot, graceful: boolean): boolean {
    if (s.state === S_RESOLVING || (s.state === S_OPENING && !s.openSent)) {
      // end() before it opened sends what was written once it is, then closes; destroy() gives up now.
      if (graceful) s.ending = 1;
      else this.finish(s, "local");
      return false;
    }
    if (s.state === S_FREE || s.state >= S_CLOSING) return false;
    if (s.peerClosed) {
      this.finish(s, s.reason);
      return false;
    }
    return true;
  }

  /** The owner has handled the close event: the slot is free again. */
  release(s: Slot, gen: number): void {
    if (s.gen !== gen || s.state !== S_CLOSED) return;
    s.reset();
    this.kick();
  }

  // ==== parts ===================================================================================

  /**
   * A server accepted a client on module link `num`: bind it to a free slot as an open TCP link
   * (owner set later by the part). Undefined when no slot is free (the part closes the link).
   */
  adopt(num: number, ip: string, port: number, server: number): Slot | undefined {
    const old = this.slotOf(num);
    // The module reused a link we still thought busy: that socket is gone.
    if (old) this.finish(old, "lost");
    this.orphan[num] = false;
    const s = this.freeSlot();
    if (!s) return undefined;
    s.num = num;
    s.state = S_OPEN;
    s.ip = ip;
    s.host = ip;
    s.port = port;
    s.server = server;
    return s;
  }

  /** Close module link `num`, which no socket owns, when the command slot is free. */
  closeLink(num: number): void {
    this.orphan[num] = true;
    this.kick();
  }

  /** Run `c` in the table's command slot (false when busy or refused); `done` is skipped when the slot's socket changed. */
  run(c: AtCommand, s: Slot | undefined, done: (r: AtResult) => void): boolean {
    if (this.busy) return false;
    this.busy = 1;
    this.runS = s;
    this.runGen = s ? s.gen : 0;
    this.runDone = done;
    // Always called from the table's task: the engine may write at once.
    if (this.engine.submitNow(c, this.ran)) return true;
    this.busy = 0;
    this.runS = undefined;
    this.runDone = undefined;
    this.refused();
    return false;
  }

  /** The command slot's command completed. */
  private ranCmd(r: AtResult): void {
    const s = this.runS;
    const done = this.runDone as (r: AtResult) => void;
    this.busy = 0;
    this.runS = undefined;
    this.runDone = undefined;
    if (!s || s.gen === this.runGen) done(r);
    this.kick();
  }

  /** The engine refused a command (queue full): try again a little later. */
  private refused(): void {
    const self = this;
    this.stats.refused++;
    if (this.retry) return;
    this.retry = this.sched.after(REFUSED_MS, function () {
      self.retry = undefined;
      self.kick();
    });
  }

  // ==== supervisor ================================================================================

  /** The modem is online: reconcile with the module, then serve requests. */
  up(): void {
    this.online = true;
    this.reconcileWanted = 1;
    // Queued now, before the app hears "online": a transparent server's AT+SERVERSTART must be
    // the last command (a client's CONNECT can come right after it and turn commands into data).
    this.pump();
  }

  /** Every link was lost: each socket is told once, with the reason. */
  down(reason: CloseReason): void {
    this.online = false;
    for (let n = 0; n < LINKS; n++) this.orphan[n] = false;
    for (let i = 0; i < this.slots.length; i++) this.finish(this.slots[i], reason);
  }

  /** Ask AT+CIPCLOSE? at the next free command slot. */
  reconcile(): void {
    this.reconcileWanted = 1;
    this.kick();
  }

  // ==== events to owners ==========================================================================

  tell(s: Slot, type: number, arg: SocketError | CloseReason | undefined): void {
    if (type === EV_ERROR) s.counters.errors++;
    const o = s.owner;
    if (o) o.ev(type, arg);
  }

  /** Raise `e`, then close (AT+CIPCLOSE when the module may have the link) with reason "error". */
  fail(s: Slot, e: SocketError): void {
    if (s.state === S_FREE || s.state === S_CLOSED) return;
    this.tell(s, EV_ERROR, e);
    if (s.state === S_OPEN || (s.state === S_OPENING && s.openSent)) this.startClose(s, "error");
    else this.finish(s, "error");
  }

  /** Ask the module to close the link; the owner hears `reason` when it is closed. */
  startClose(s: Slot, reason: CloseReason): void {
    if (s.state === S_FREE || s.state >= S_CLOSING) return;
    this.sched.cancel(s.openTimer);
    s.state = S_CLOSING;
    s.closeSent = 0;
    s.reason = reason;
    // In data mode the AT+CIPCLOSE waits for the line: the raw path leaves data mode first.
    if (s.raw) s.raw.kick();
    this.kick();
    // A link in data mode: its part leaves data mode so that AT+CIPCLOSE can go.
    if (s.raw) s.raw.kick();
  }

  /** The link is closed (or never will be open): the owner's close event, once. */
  finish(s: Slot, reason: CloseReason): void {
    if (s.state === S_FREE || s.state === S_CLOSED) return;
    this.sched.cancel(s.openTimer);
    this.sched.cancel(s.txTimer);
    s.state = S_CLOSED;
    s.reason = reason;
    s.tx.clear();
    s.rxKnown = 0;
    s.rxNote = 0;
    this.tell(s, EV_CLOSE, reason);
  }

  /** The send queue emptied: drain when a write was told to wait; close when ending. */
  emptied(s: Slot): void {
    if (s.wantDrain) {
      s.wantDrain = 0;
      this.tell(s, EV_DRAIN, undefined);
    }
    if (s.ending && s.state === S_OPEN) this.startClose(s, "local");
  }

  /** Bytes or a datagram arrived on `s`. */
  readable(s: Slot): void {
    this.tell(s, EV_READABLE, undefined);
  }

  // ==== engine listener ===========================================================================

  payload(kind: number, link: number, data: string, rest: number, remote: string): void {
    if (kind === K_RXGET) this.rx.readData(link, data, rest);
    else this.rx.pushed(kind, link, data, remote);
  }

  // ==== the command slot ==========================================================================

  kick(): void {
    this.sched.post(this.task);
  }

  private pump(): void {
    if (this.busy || !this.online || this.engine.borrowed()) return;
    if (this.reconcileWanted && this.sendReconcile()) return;
    if (this.orphan.indexOf(true) >= 0 && this.orphans()) return;
    const k = this.slots.length * 2;
    for (let j = 0; j < k; j++) {
      let i = this.cursor + j;
      if (i >= k) i -= k;
      const s = this.slots[i >> 1];
      if (s.state === S_FREE) {
        // Nothing to do (not called: each call is lexed whole), for its send half either.
        if (!(i & 1)) j++;
        continue;
      }
      // Transparent mode sends only through the raw path (an accepted client's bytes wait for its CONNECT).
      const sent = i & 1 ? s.state === S_OPEN && !s.peerClosed && !s.raw && this.opts.dataMode !== "transparent" && this.tx.work(s) : this.control(s);
      if (sent) {
        this.cursor = i + 1 === k ? 0 : i + 1;
        return;
      }
      if (this.busy) return;
    }
  }

  /** Close the first orphan link that no slot of ours is about to use; true when a command went out. */
  private orphans(): boolean {
    for (let n = 0; n < LINKS; n++) {
      if (!this.orphan[n]) continue;
      // Also when one of ours waits to open on that number (claimed before the reconciliation found it).
      const o = this.slotOf(n);
      if (!o || o.state === S_RESOLVING || (o.state === S_OPENING && !o.openSent)) {
        this.closeOrphan(n);
        return true;
      }
    }
    return false;
  }

  /** AT+CIPCLOSE for module link `n`, which no socket owns. */
  private closeOrphan(n: number): void {
    const self = this;
    this.run({ request: "AT+CIPCLOSE=" + n, timeout: SHORT_MS, async: "+CIPCLOSE: " + n + ",", errField: 0 }, undefined, function () {
      self.orphan[n] = false;
      self.stats.orphansClosed++;
    });
  }

  /** Close, open or read on `s`; true when a command went out. */
  // Short: the open slot's read is the hot case; closing and opening are apart.
  private control(s: Slot): boolean {
    const st = s.state;
    if (st === S_OPEN) return this.buffered && (this.rx.work(s) || (s.peerClosed > 0 && this.readAllDone(s)));
    if (st === S_CLOSING) return this.closeWork(s);
    return st === S_OPENING && !s.openSent && this.sendOpen(s);
  }

  /** A slot whose peer closed has had everything announced read: it closes now. */
  private readAllDone(s: Slot): boolean {
    if (!s.rxKnown && !s.rxNote && !s.rxBusy) this.finish(s, s.reason);
    return false;
  }

  /** AT+CIPCLOSE for a closing slot (once). */
  private closeWork(s: Slot): boolean {
    const self = this;
    if (s.closeSent) return false;
    s.closeSent = 1;
    const sent = this.run({ request: "AT+CIPCLOSE=" + s.num, timeout: SHORT_MS, async: "+CIPCLOSE: " + s.num + ",", errField: 0 }, s, function (r) {
      // Refused or unanswered: the module's view may differ from ours; ask it.
      if (r.error) self.reconcile();
      self.finish(s, s.reason);
    });
    if (!sent) s.closeSent = 0;
    return sent;
  }

  private sendOpen(s: Slot): boolean {
    const self = this;
    const transparent = this.opts.dataMode === "transparent";
    const req = "AT+CIPOPEN=" + s.num + (s.udp ? ',"UDP",,,' + s.lport : ',"TCP","' + s.ip + '",' + s.port);
    // Completes on OK (transparent: on CONNECT); the result `+CIPOPEN: <l>,<err>` is a URC, so a
    // slow connect does not hold the AT engine for minutes.
    const c: AtCommand = transparent ? { request: req, timeout: this.opts.connectTimeoutMs, connect: true } : { request: req, timeout: SHORT_MS };
    s.openSent = 1;
    const ok = this.run(c, s, function (r) {
      if (s.state !== S_OPENING) return;
      if (r.error) {
        self.tell(s, EV_ERROR, fromModem(r.error, "AT+CIPOPEN failed"));
        if (r.error.kind === "timeout") self.startClose(s, "error");
        else self.finish(s, "error");
        return;
      }
      if (transparent) self.opened(s);
    });
    if (!ok) {
      s.openSent = 0;
      return false;
    }
    if (!transparent) {
      const gen = s.gen;
      s.openTimer = this.sched.after(this.opts.connectTimeoutMs, function () {
        if (s.gen === gen && s.state === S_OPENING) self.fail(s, sockErr("timeout", "no +CIPOPEN result within " + self.opts.connectTimeoutMs + " ms"));
      });
    }
    return true;
  }

  /** The link is open on the module (transparent mode: CONNECT came, the module is in data mode). */
  opened(s: Slot): void {
    this.sched.cancel(s.openTimer);
    s.state = S_OPEN;
    const h = this.dataHook;
    if (h && this.opts.dataMode === "transparent") h(s);
    this.tell(s, EV_CONNECT, undefined);
    if (s.ending && !s.tx.count()) this.startClose(s, "local");
    this.kickTx(s);
  }

  /** `+CIPOPEN: <l>,<err>`: the async result of our AT+CIPOPEN (query answers never reach here). */
  private onOpenResult(line: string): void {
    const f = line.substr(10).split(",");
    const l = parseInt(f[0], 10);
    const err = parseInt(f[1], 10);
    if (!(l >= 0 && l < LINKS) || isNaN(err)) return;
    const s = this.slotOf(l);
    if (s && s.state === S_OPENING && s.openSent) {
      if (err === 0) this.opened(s);
      else {
        this.tell(s, EV_ERROR, fromModem(atError("async", String(err)), "AT+CIPOPEN failed"));
        this.finish(s, "error");
      }
      return;
    }
    // A late success for a socket that gave up: the module has a link nobody owns.
    if (err === 0 && (!s || s.state >= S_CLOSING)) this.closeLink(l);
  }

  /** `+IPCLOSE: <l>,<reason>`: the module closed the link on its own. */
  private onIpClose(line: string): void {
    const f = line.substr(9).split(",");
    const l = parseInt(f[0], 10);
    const why = parseInt(f[1], 10);
    if (!(l >= 0 && l < LINKS)) return;
    this.orphan[l] = false;
    const s = this.slotOf(l);
    if (!s) return;
    if (s.state === S_CLOSING) {
      // Closing it ourselves: an AT+CIPCLOSE in flight finishes it; one not yet sent is not needed.
      if (!s.closeSent) this.finish(s, s.reason);
      return;
    }
    const reason: CloseReason = why === 1 ? "remote" : why === 2 ? "timeout" : "local";
    if (this.opts.dataMode === "buffer" && s.state === S_OPEN && (s.rxKnown > 0 || s.rxNote || s.rxBusy)) {
      // Bytes announced before the close are read, exactly as many as announced; then it closes.
      s.peerClosed = 1;
      s.reason = reason;
      s.tx.clear();
      this.kick();
      return;
    }
    this.finish(s, reason);
  }

  /** AT+CIPCLOSE?: orphans closed, sockets the module no longer has finished ("lost"). */
  private sendReconcile(): boolean {
    const self = this;
    const gens: number[] = [];
    for (let i = 0; i < this.slots.length; i++) gens.push(this.slots[i].gen);
    const ok = this.run({ request: "AT+CIPCLOSE?", timeout: 5000, match: "+CIPCLOSE: ", need: true }, undefined, function (r) {
      if (r.error || !r.lines.length) return;
      const flags = r.lines[0].substr(11).split(",");
      for (let n = 0; n < LINKS && n < flags.length; n++) {
        const open = flags[n].trim() === "1";
        const s = self.slotOf(n);
        const mine = s && s.gen === gens[self.slots.indexOf(s)];
        if (open && (!s || s.state === S_RESOLVING || (s.state === S_OPENING && !s.openSent))) self.orphan[n] = true;
        else if (!open && s && mine && s.state === S_OPEN && !s.raw) self.finish(s, "lost");
      }
    });
    if (ok) {
      this.reconcileWanted = 0;
      this.stats.reconciles++;
    }
    return ok;
  }
}

