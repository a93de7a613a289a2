// The application's socket objects: TCP Socket, UdpSocket and Server, event-based like Node's net/dgram, over the socket table.
//
// Data are 8-bit strings (the Espruino convention); write/send also take a Uint8Array. Events are
// emitted from Scheduler tasks, in the order things happened, never inside write()/end() calls.
// Flow control, both ways, with Node's semantics:
//   sending:   write() returns false when the send queue is at its bound — wait for "drain".
//              A write that cannot be queued at all raises an "error" {kind:"queue-full"}.
//   receiving: "data" events deliver what the receive ring holds; pause() stops them and resume()
//              restarts them. In buffer mode a paused or slow socket stops reading from the module
//              (nothing is lost: the module and TCP hold the rest); in push mode the ring overflows
//              and an "error" {kind:"overflow"} reports the dropped bytes.
import { ByteCodec } from "../core/hal";
import { Scheduler } from "../core/scheduler";
import { CloseReason, SocketError, socketError } from "../net/errors";
import { LinkOwner } from "../net/link";
import { ServerOwner } from "../net/servers";
import { LinkStatus, SocketTable } from "../net/table";
import { TX_OK, TX_REFUSED } from "../net/txqueue";
import { Emitter } from "./emitter";

/** Bytes or an 8-bit string. */
export type Data = string | Uint8Array;

function toStr(codec: ByteCodec, d: Data): string | undefined {
  if (typeof d === "string") return d;
  if (d instanceof Uint8Array) return codec.fromBytes(d, 0, d.length);
  return undefined;
}

/** Shared plumbing: the table, the scheduler (for deferred error events) and the codec. */
export interface SocketContext {
  table: SocketTable;
  sched: Scheduler;
  codec: ByteCodec;
}

/** What sockets and servers share: a lifecycle state, the close reason, errors as events from tasks. */
class Endpoint extends Emitter {
  /** Lifecycle as words: "connecting"/"binding"/"starting", "open"/"listening", "closing", "closed". */
  state: string;
  /** Why it closed (undefined while open). */
  closeReason: CloseReason | undefined = undefined;
  /** The last error raised on it. */
  lastError: SocketError | null = null;
  protected ctx: SocketContext;
  private errorPosted = false;

  constructor(ctx: SocketContext, initialState: string) {
    super();
    this.ctx = ctx;
    this.state = initialState;
  }

  /**
   * Emit an error for a failed call, from a task (never inside the call). Calls that fail before
   * that task runs share it: one "error" event with the latest error, however many calls failed
   * (an application ignoring backpressure must not flood the scheduler's fixed ready queue).
   */
  later(e: SocketError): void {
    this.lastError = e;
    if (this.errorPosted) return;
    const self = this;
    this.ctx.sched.post(() => {
      self.errorPosted = false;
      self.emit("error", self.lastError);
    });
    this.errorPosted = true;
  }

  /** It could not start: "error" then "close"("error"), from a task. */
  failEarly(e: SocketError): void {
    const self = this;
    this.lastError = e;
    this.state = "closed";
    this.closeReason = "error";
    this.ctx.sched.post(() => {
      self.emit("error", e);
      self.emit("close", "error");
    });
  }

  // ---- owner callbacks every kind shares (called by the socket table from its event task)

  error(e: SocketError): void {
    this.lastError = e;
    this.emit("error", e);
  }

  closed(reason: CloseReason): void {
    this.state = "closed";
    this.closeReason = reason;
    this.emit("close", reason);
  }
}

/** What TCP and UDP sockets share: the link and the queueing of data. */
class LinkSocket extends Endpoint {
  /** Link number on the module (0–9), or -1 when it never got one. */
  link = -1;

  // Written out: without it esbuild emits `super(...arguments)`, a spread Espruino cannot run.
  constructor(ctx: SocketContext, initialState: string) {
    super(ctx, initialState);
  }

  /** Link state and counters (bytesIn, bytesOut, drops, errors), or undefined when it has no link. */
  stats(): LinkStatus | undefined {
    return this.link >= 0 && this.state !== "closed" ? this.ctx.table.status(this.link) : undefined;
  }

  /**
   * Queue `data` for the link (to host:port for UDP). True when more may be written now; false when
   * the caller should wait for "drain" (queued) or an "error" follows (not queued). `what` names the
   * call in error texts.
   */
  protected queue(data: Data, host: string, port: number, what: string): boolean {
    const s = toStr(this.ctx.codec, data);
    if (s === undefined) {
      this.later(socketError("invalid", what + "() takes a string or a Uint8Array"));
      return false;
    }
    if (this.link < 0 || this.state === "closed") {
      this.later(socketError("closed", what + " on a closed socket"));
      return false;
    }
    const r = this.ctx.table.write(this.link, this as unknown as LinkOwner, s, host, port);
    if (typeof r !== "number") {
      this.later(r);
      return false;
    }
    if (r === TX_REFUSED) {
      this.later(socketError("queue-full", "send queue full: " + s.length + " bytes not queued; wait for 'drain'"));
      return false;
    }
    return r === TX_OK;
  }

  /** Close once everything queued is sent. */
  protected closeAfterQueue(): void {
    if (this.link < 0 || this.state === "closed") return;
    this.state = "closing";
    this.ctx.table.end(this.link, this as unknown as LinkOwner);
  }

  drain(): void {
    this.emit("drain");
  }
}

/**
 * A TCP connection (a client from Modem.connect, or a server's client).
 * Events: "connect"(), "data"(string), "drain"(), "error"(SocketError), "close"(reason: CloseReason).
 * "close" comes exactly once, after the last "data".
 */
export class Socket extends LinkSocket implements LinkOwner {
  remoteAddress = "";
  remotePort = 0;
  /** Bytes delivered by "data" events. */
  bytesRead = 0;
  private paused = false;

  constructor(ctx: SocketContext) {
    super(ctx, "connecting");
  }

  /**
   * Queue data to send. Returns true when more may be written now, false when the caller should
   * wait for "drain" (the data WAS queued unless an "error" follows: queue-full, closed, invalid).
   */
  write(data: Data): boolean {
    return this.queue(data, "", 0, "write");
  }

  /** Send `data` (optional), then close once everything queued is sent. */
  end(data?: Data): void {
    if (data !== undefined) this.write(data);
    this.closeAfterQueue();
  }

  /** Close now; queued data are dropped. */
  destroy(): void {
    if (this.link < 0 || this.state === "closed") return;
    this.state = "closing";
    this.ctx.table.destroy(this.link, this);
  }

  /** Stop "data" events (received bytes wait in the ring; see the file header for what that does per mode). */
  pause(): void {
    this.paused = true;
  }

  /** Restart "data" events, delivering what is waiting. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const self = this;
    this.ctx.sched.post(() => self.deliver());
  }

  isPaused(): boolean {
    return this.paused;
  }

  private deliver(): void {
    if (this.link < 0) return;
    const table = this.ctx.table;
    for (;;) {
      if (this.paused && this.state !== "closed") return;
      const n = table.buffered(this.link);
      if (n === 0) return;
      const s = table.read(this.link, this, n);
      if (!s) return;
      this.bytesRead += s.length;
      this.emit("data", s);
    }
  }

  // ---- LinkOwner

  connected(): void {
    this.state = "open";
    this.emit("connect");
  }

  readable(): void {
    this.deliver();
  }

  closed(reason: CloseReason): void {
    // The ring is still readable here: a paused socket gets its last data before "close".
    this.paused = false;
    this.state = "closed";
    this.deliver();
    this.closeReason = reason;
    this.emit("close", reason);
  }
}

/** Who sent a datagram. Buffer-access mode cannot tell (address "" and port 0): use push mode when it matters. */
export interface RemoteInfo {
  address: string;
  port: number;
  size: number;
}

/**
 * A UDP socket bound to a local port.
 * Events: "listening"(), "message"(data: string, rinfo: RemoteInfo), "drain"(), "error"(SocketError), "close"(reason).
 */
export class UdpSocket extends LinkSocket implements LinkOwner {
  localPort = 0;
  private out = { data: "", ip: "", port: 0 };

  constructor(ctx: SocketContext) {
    super(ctx, "binding");
  }

  /** Queue one datagram (1..1500 bytes) for host:port. Returns false when the caller should wait for "drain". */
  send(data: Data, host: string, port: number): boolean {
    return this.queue(data, host, port, "send");
  }

  /** Close after queued datagrams are sent. */
  close(): void {
    this.closeAfterQueue();
  }

  // ---- LinkOwner

  connected(): void {
    this.state = "open";
    this.emit("listening");
  }

  readable(): void {
    const out = this.out;
    while (this.link >= 0 && this.ctx.table.readDatagram(this.link, this, out)) {
      const data = out.data;
      this.emit("message", data, { address: out.ip, port: out.port, size: data.length });
    }
  }
}

/** Options of Modem.listen. */
export interface ListenOptions {
  /** Remote IPv4 addresses admitted (others are closed at once and counted in `rejected`). */
  allow?: string[];
}

/**
 * A TCP server on one of the module's 4 server slots.
 * Events: "listening"(), "connection"(Socket), "rejected"(ip, port) for a client the allowlist
 * refused (already closed), "error"(SocketError), "close"(reason).
 */
export class Server extends Endpoint implements ServerOwner {
  /** Server slot (0–3), or -1 when it never got one. */
  index = -1;
  port = 0;
  /** Clients accepted and clients rejected by the allowlist. */
  accepted = 0;
  rejected = 0;
  private onClient: ((s: Socket) => void) | undefined;

  constructor(ctx: SocketContext, onClient: ((s: Socket) => void) | undefined) {
    super(ctx, "starting");
    this.onClient = onClient;
  }

  /** Stop listening (AT+SERVERSTOP); accepted sockets stay open. */
  close(): void {
    if (this.index < 0 || this.state === "closed") return;
    this.state = "closing";
    this.ctx.table.closeServer(this.index, this);
  }

  listening(): void {
    this.state = "listening";
    this.emit("listening");
  }

  client(link: number, ip: string, port: number): LinkOwner | undefined {
    const s = new Socket(this.ctx);
    s.link = link;
    s.remoteAddress = ip;
    s.remotePort = port;
    s.state = "open";
    this.ctx.table.attach(link, s); // before the application's callback, so it can write at once
    this.accepted++;
    if (this.onClient) {
      try {
        this.onClient(s);
      } catch (e) {
        this.handlerErrors++;
      }
    }
    this.emit("connection", s);
    return s;
  }

  rejectedClient(ip: string, port: number): void {
    this.rejected++;
    this.emit("rejected", ip, port);
  }
}
