// One link slot of the socket table (0–9): state, protocol, addresses, receive ring, send queue, counters, receive bookkeeping.
//
// Slots are created once with the table (rings and queues allocated then) and reused: `reset()`
// returns a slot to FREE without allocating. `gen` changes at every reuse so that a late command
// result for an earlier socket on the same link is recognised and ignored.
import { ByteCodec } from "../core/hal";
import { ByteRing } from "../core/ring";
import { TimerId } from "../core/scheduler";
import { CloseReason, SocketError } from "./errors";
import { SendQueue } from "./txqueue";

/** Link states. */
export const L_FREE = 0;
/** Waiting for the host name to resolve. */
export const L_RESOLVING = 1;
/** AT+CIPOPEN waiting (or sent, waiting for `+CIPOPEN: <l>,<err>`). */
export const L_OPENING = 2;
export const L_OPEN = 3;
/** AT+CIPCLOSE to be sent or in flight. */
export const L_CLOSING = 4;
/** Closed; the owner's close event is queued (the ring's last bytes are delivered before it). */
export const L_CLOSED = 5;

export const LINK_STATE_NAMES = ["free", "resolving", "opening", "open", "closing", "closed"];

/** What the socket table tells a link's owner (the application's socket). Called from Scheduler tasks, in order. */
export interface LinkOwner {
  /** The link is open (TCP connected, UDP bound). */
  connected(): void;
  /** Bytes (or datagrams) are waiting in the receive ring: read them with table.read / table.readDatagram. */
  readable(): void;
  /** The send queue emptied after a write that was told to wait. */
  drain(): void;
  error(e: SocketError): void;
  /** Told exactly once; the link slot is free again after this returns. */
  closed(reason: CloseReason): void;
}

/** Per-link counters (they restart when a new socket takes the slot). */
export interface LinkCounters {
  /** Bytes received from the modem into the ring. */
  bytesIn: number;
  /** Bytes the modem confirmed sent (TCP: `+CIPSEND` confirmed length; transparent: written). */
  bytesOut: number;
  /** Bytes (or, for UDP, bytes of whole datagrams) dropped because the ring was full. */
  drops: number;
  /** Error events raised on the socket. */
  errors: number;
}

export class Link {
  readonly index: number;
  readonly ring: ByteRing;
  readonly tx: SendQueue;
  state = L_FREE;
  gen = 0;
  proto: "TCP" | "UDP" = "TCP";
  /** Host as the application gave it, and the address used (an IP after resolution). */
  host = "";
  ip = "";
  port = 0;
  localPort = 0;
  /** Server index that accepted this link, or -1 for a client link. */
  server = -1;
  owner: LinkOwner | undefined = undefined;
  counters: LinkCounters = { bytesIn: 0, bytesOut: 0, drops: 0, errors: 0 };

  // ---- closing
  /** Close after the send queue is empty (end()). */
  ending = false;
  /** The reason the owner will be told. */
  closeReason: CloseReason = "local";
  /** The readable/close events are queued. */
  readablePending = false;
  openTimer: TimerId = 0;
  /** AT+CIPOPEN / AT+CIPCLOSE was submitted for the current state. */
  openSent = false;
  closeSent = false;
  /** An overflow was reported and the application has not consumed since (further drops are only counted). */
  overflowQueued = false;
  /** The module closed the link; still reading what it holds (readAfterRemoteClose). */
  peerClosed = false;
  /** UDP: the last destination sent to (maps pushed datagrams when several UDP links are open). */
  lastDestIp = "";
  lastDestPort = 0;

  // ---- buffer-access receive
  /** Bytes the module holds for this link (mode-4 answer or the rest of the last read); -1 = unknown. */
  rxKnown = 0;
  /** A `+CIPRXGET: 1,<l>` notice arrived since the last mode-4 query. */
  rxNotified = false;
  /** An AT+CIPRXGET for this link is in flight. */
  rxBusy = false;
  /** Payload bytes being received right now did not fit (push/transparent). */
  rxDropping = 0;

  // ---- send
  /** write() returned false: tell `drain` when the queue empties. */
  wantDrain = false;
  /** Attempts made for the current chunk's unconfirmed rest. */
  txRetries = 0;
  /** No AT+CIPSEND before this time (ms): the module's send buffer was full. */
  txHoldUntil = 0;
  /** The timer that pumps again at txHoldUntil (0 = none). */
  txHoldTimer: TimerId = 0;
  /** A UDP destination is being resolved. */
  txResolving = false;

  // ---- UDP receive: datagram boundaries in the ring
  private dgLen: number[];
  private dgIp: string[];
  private dgPort: number[];
  private dgHead = 0;
  private dgCount = 0;

  constructor(index: number, ringBytes: number, txSlots: number, txBytes: number, udpSlots: number, codec: ByteCodec) {
    this.index = index;
    this.ring = new ByteRing(ringBytes, codec);
    this.tx = new SendQueue(txSlots, txBytes);
    this.dgLen = new Array(udpSlots);
    this.dgIp = new Array(udpSlots);
    this.dgPort = new Array(udpSlots);
    for (let i = 0; i < udpSlots; i++) {
      this.dgLen[i] = 0;
      this.dgIp[i] = "";
      this.dgPort[i] = 0;
    }
  }

  /** Back to FREE: ring and queue emptied, counters restarted, a new generation. */
  reset(): void {
    this.state = L_FREE;
    this.gen++;
    this.proto = "TCP";
    this.host = "";
    this.ip = "";
    this.port = 0;
    this.localPort = 0;
    this.server = -1;
    this.owner = undefined;
    this.counters = { bytesIn: 0, bytesOut: 0, drops: 0, errors: 0 };
    this.ending = false;
    this.closeReason = "local";
    this.readablePending = false;
    this.openTimer = 0;
    this.openSent = false;
    this.closeSent = false;
    this.overflowQueued = false;
    this.lastDestIp = "";
    this.lastDestPort = 0;
    this.peerClosed = false;
    this.rxKnown = 0;
    this.rxNotified = false;
    this.rxBusy = false;
    this.rxDropping = 0;
    this.wantDrain = false;
    this.txRetries = 0;
    this.txHoldUntil = 0;
    this.txResolving = false;
    this.ring.clear();
    this.tx.clear();
    this.dgHead = 0;
    this.dgCount = 0;
  }

  /** True while the link holds a socket (not FREE). */
  inUse(): boolean {
    return this.state !== L_FREE;
  }

  /** True while the module has the link open (commands on it are allowed). */
  isOpen(): boolean {
    return this.state === L_OPEN;
  }

  // ---- datagram bookkeeping (UDP)

  /** Room for one more datagram record. */
  dgRoom(): boolean {
    return this.dgCount < this.dgLen.length;
  }

  /** Record a datagram of `len` bytes just written to the ring, from `ip:port` ("" and 0 when unknown). */
  dgPush(len: number, ip: string, port: number): void {
    let tail = this.dgHead + this.dgCount;
    if (tail >= this.dgLen.length) tail -= this.dgLen.length;
    this.dgLen[tail] = len;
    this.dgIp[tail] = ip;
    this.dgPort[tail] = port;
    this.dgCount++;
  }

  dgPending(): number {
    return this.dgCount;
  }

  dgFrontLen(): number {
    return this.dgCount ? this.dgLen[this.dgHead] : 0;
  }

  dgFrontIp(): string {
    return this.dgCount ? this.dgIp[this.dgHead] : "";
  }

  dgFrontPort(): number {
    return this.dgCount ? this.dgPort[this.dgHead] : 0;
  }

  dgShift(): void {
    if (this.dgCount === 0) return;
    this.dgIp[this.dgHead] = "";
    this.dgHead++;
    if (this.dgHead === this.dgLen.length) this.dgHead = 0;
    this.dgCount--;
  }
}

/** Splits "ip:port" (the last ':' separates the port). Returns the port, or -1 when malformed; the ip goes to out[0]. */
export function splitRemote(remote: string, out: string[]): number {
  out[0] = ""; // never leave the previous call's address behind
  const c = remote.lastIndexOf(":");
  if (c <= 0) return -1;
  out[0] = remote.substr(0, c);
  const p = parseInt(remote.substr(c + 1), 10);
  return isNaN(p) ? -1 : p;
}
