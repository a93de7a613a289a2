// The application's sockets: TCP Socket and UdpSocket, event-based like Node's net/dgram, over one table slot each.
//
// Data are 8-bit strings (the Espruino convention); write/send also take a Uint8Array. Events come
// from the socket's own scheduler task, in the order things happened, never inside the call that
// caused them: connect, data, error, drain, close (exactly once, after the last data). A failure
// of any call is an "error" event (never a throw); a socket that could not start emits "error"
// then "close". Each socket owns its task, so a thousand failing connect() calls in one tick
// queue a thousand events without any queue to overflow.
//
// Flow control, both ways, with Node's semantics: write() returns false once the send queue is at
// its bound (wait for "drain"); pause() stops "data" events (buffer mode then stops reading from
// the module: nothing is lost; push mode drops what does not fit the ring, with an "overflow"
// error) and resume() restarts them.
import { ByteCodec } from "../core/hal";
import { Fifo } from "../core/fifo";
import { Scheduler, Task } from "../core/sched";
import { CloseReason, SocketError, sockErr } from "../net/errors";
import { EV_CLOSE, EV_CONNECT, EV_DRAIN, EV_ERROR, EV_READABLE, S_CLOSED, stateWords, TX_FULL, TX_OK } from "../net/consts";
import { Slot, SlotOwner } from "../net/slot";
import { Table } from "../net/table";
import { Emitter } from "./emitter";

/** Bytes or an 8-bit string. */
export type Data = string | Uint8Array;

/** What every socket needs. */
export interface SocketContext {
  table: Table;
  sched: Scheduler;
  codec: ByteCodec;
}

/** Who sent a datagram (buffer-access mode cannot tell: address "" and port 0). */
export interface RemoteInfo {
  address: string;
  port: number;
  size: number;
}

/** Link state and counters of a socket, for status(). */
export interface LinkStatus {
  link: number;
  state: string;
  remote: string;
  localPort: number;
  rxBuffered: number;
  txQueued: number;
  bytesIn: number;
  bytesOut: number;
  drops: number;
  errors: number;
}

/** What TCP and UDP sockets share: a slot, its events, writing and closing. */
export class BaseSocket extends Emitter implements SlotOwner {
  /** "connecting"/"binding", "open", "closing", "closed". */
  state: string;
  /** Why it closed (undefined while open). */
  closeReason: CloseReason | undefined = undefined;
  /** The last error raised on it. */
  lastError: SocketError | null = null;
  /** Module link number (0–9), or -1 when it has none. */
  link = -1;
  protected ctx: SocketContext;
  protected slot: Slot | undefined = undefined;
  protected gen = 0;
  private task: Task;
  private connected = 0;
  private drained = 0;
  private readable = 0;
  private errs: Fifo<SocketError>;
  private closing: CloseReason | undefined = undefined;
  /** Error events dropped because four were already waiting. */
  errorsDropped = 0;
  protected paused = 0;

  constructor(ctx: SocketContext, state: string) {
    super();
    this.ctx = ctx;
    this.state = state;
    this.errs = new Fifo(4);
    const self = this;
    this.task = ctx.sched.task(function () {
      self.flush();
    });
  }

  /** Bind to `s` (or fail with `e`: "error" then "close", from the task). */
  bind(r: Slot | SocketError): void {
    if (r instanceof Slot) {
      this.slot = r;
      this.gen = r.gen;
      this.link = r.num;
      return;
    }
    this.ev(EV_ERROR, r);
    this.ev(EV_CLOSE, "error");
    this.state = "closed";
  }

  /** SlotOwner: the table's events, queued for the task. */
  ev(type: number, arg: SocketError | CloseReason | undefined): void {
    if (type === EV_CONNECT) this.connected = 1;
    else if (type === EV_READABLE) this.readable = 1;
    else if (type === EV_DRAIN) this.drained = 1;
    else if (type === EV_ERROR) {
      if (!this.errs.push(arg as SocketError)) this.errorsDropped++;
    } else if (type === EV_CLOSE) this.closing = arg as CloseReason;
    this.ctx.sched.post(this.task);
  }

  /** Emit what is pending, in order: connect, data, errors, drain, close. Data alone (the usual case) takes the short way. */
  private flush(): void {
    if (this.connected || this.drained || this.errs.n || this.closing !== undefined) this.flushAll();
    else if (this.readable) {
      this.readable = 0;
      this.deliver();
    }
  }

  private flushAll(): void {
    if (this.connected) {
      this.connected = 0;
      this.state = "open";
      this.opened();
    }
    if (this.readable) {
      this.readable = 0;
      this.deliver();
    }
    while (this.errs.n) {
      const e = this.errs.shift() as SocketError;
      this.lastError = e;
      this.emit("error", e);
    }
    if (this.drained) {
      this.drained = 0;
      this.emit("drain");
    }
    const why = this.closing;
    if (why !== undefined) {
      this.closing = undefined;
      this.state = "closed";
      this.deliverLast();
      this.closeReason = why;
      const s = this.slot;
      this.slot = undefined;
      if (s) this.ctx.table.release(s, this.gen);
      this.emit("close", why);
    }
  }

  /** The link opened (TCP "connect", UDP "listening"). */
  protected opened(): void {
    // subclasses emit their event
  }

  /** Received data may be waiting. */
  protected deliver(): void {
    // subclasses read the ring
  }

  /** The last data before "close" (a paused socket still gets them). */
  protected deliverLast(): void {
    this.deliver();
  }

  /** An error from a call, as an event (never a throw). */
  protected later(e: SocketError): false {
    this.ev(EV_ERROR, e);
    return false;
  }

  /** Queue data for the link (host:port for UDP): true when more may be written now. */
  protected queue(data: Data, host: string, port: number): boolean {
    const s = this.slot;
    const str = typeof data === "string" ? data : data instanceof Uint8Array ? this.ctx.codec.fromBytes(data, 0, data.length) : undefined;
    if (str === undefined) return this.later(sockErr("invalid", "write/send takes a string or a Uint8Array"));
    if (!s || this.state === "closed") return this.later(sockErr("closed", "the socket is closed"));
    const r = this.ctx.table.write(s, this, str, host, port);
    if (typeof r !== "number") return this.later(r);
    if (r === TX_FULL) return this.later(sockErr("queue-full", "send queue full: " + str.length + " bytes not queued; wait for 'drain'"));
    return r === TX_OK;
  }

  /** Close once everything queued is sent. */
  protected endSlot(): void {
    const s = this.slot;
    if (!s || this.state === "closed") return;
    this.state = "closing";
    this.ctx.table.end(s, this);
  }

  /** Stop "data"/"message" events: received bytes wait (buffer mode stops reading from the module; push mode may overflow). */
  pause(): void {
    this.paused = 1;
  }

  /** Restart the events, delivering what waits. */
  resume(): void {
    if (!this.paused) return;
    this.paused = 0;
    this.ev(EV_READABLE, undefined);
  }

  isPaused(): boolean {
    return this.paused > 0;
  }

  /** True when a write now would be queued (the send queue is below its bound). */
  canWrite(): boolean {
    const s = this.slot;
    return !!s && s.gen === this.gen && this.state === "open" && !s.tx.full();
  }

  /** Link state and counters, or undefined without a link. */
  stats(): LinkStatus | undefined {
    const s = this.slot;
    if (!s || s.gen !== this.gen || s.state === S_CLOSED) return undefined;
    return linkStatus(s);
  }
}

/** A slot's status record. */
export function linkStatus(s: Slot): LinkStatus {
  const c = s.counters;
  return {
    link: s.num,
    state: stateWords()[s.state],
    remote: s.udp ? "" : (s.ip || s.host) + ":" + s.port,
    localPort: s.lport,
    rxBuffered: s.ring.length,
    txQueued: s.tx.bytes,
    bytesIn: c.bytesIn,
    bytesOut: c.bytesOut,
    drops: c.drops,
    errors: c.errors,
  };
}

/**
 * A TCP connection (a client from Modem.connect, or a server's client).
 * Events: "connect"(), "data"(string), "drain"(), "error"(SocketError), "close"(reason).
 */
export class Socket extends BaseSocket {
  remoteAddress = "";
  remotePort = 0;
  /** Bytes delivered by "data" events or read(). */
  bytesRead = 0;

  constructor(ctx: SocketContext) {
    super(ctx, "connecting");
  }

  /** Queue data: true when more may be written now, false to wait for "drain" (or an "error" follows). */
  write(data: Data): boolean {
    return this.queue(data, "", 0);
  }

  /** Send `data` (optional), then close once everything queued is sent. */
  end(data?: Data): void {
    if (data !== undefined) this.write(data);
    this.endSlot();
  }

  /** Close now; queued data are dropped. */
  destroy(): void {
    const s = this.slot;
    if (!s || this.state === "closed") return;
    this.state = "closing";
    this.ctx.table.destroy(s, this);
  }

  /**
   * Pull-mode reading for adapters (Espruino's network): up to `max` received bytes waiting (""
   * when none). Pause the socket first so no "data" event takes them; the last bytes of a closing
   * socket still come as "data" just before "close".
   */
  read(max: number): string {
    const s = this.slot;
    if (!s || s.gen !== this.gen) return "";
    const d = s.ring.read(max);
    if (d) {
      this.bytesRead += d.length;
      this.ctx.table.consumed(s);
    }
    return d;
  }

  protected opened(): void {
    this.emit("connect");
  }

  protected deliver(): void {
    const s = this.slot;
    if (!s || this.paused) return;
    const d = s.ring.readAll();
    if (!d) return;
    this.ctx.table.consumed(s);
    this.bytesRead += d.length;
    this.emit("data", d);
  }

  protected deliverLast(): void {
    this.paused = 0;
    this.deliver();
  }
}

/**
 * A UDP socket bound to a local port.
 * Events: "listening"(), "message"(data, RemoteInfo), "drain"(), "error"(SocketError), "close"(reason).
 */
export class UdpSocket extends BaseSocket {
  localPort = 0;

  constructor(ctx: SocketContext) {
    super(ctx, "binding");
  }

  /** Queue one datagram (1..1500 bytes) for host:port; false to wait for "drain". */
  send(data: Data, host: string, port: number): boolean {
    return this.queue(data, host, port);
  }

  /** Close after queued datagrams are sent. */
  close(): void {
    this.endSlot();
  }

  protected opened(): void {
    this.emit("listening");
  }

  /** Pull-mode: the next datagram waiting, or undefined (pause the socket first; see Socket.read). */
  readDatagram(): { data: string; address: string; port: number } | undefined {
    const s = this.slot;
    if (!s || s.gen !== this.gen || !s.dgLen.n) return undefined;
    const d = s.ring.read(s.dgLen.shift() as number);
    const r = { data: d, address: s.dgIp.shift() as string, port: s.dgPort.shift() as number };
    this.ctx.table.consumed(s);
    return r;
  }

  protected deliver(): void {
    let m;
    while (!this.paused && (m = this.readDatagram())) this.emit("message", m.data, { address: m.address, port: m.port, size: m.data.length });
  }

  protected deliverLast(): void {
    this.paused = 0;
    this.deliver();
  }
}
