// One provisioned link slot (a socket's state on our side) and its bounded send queue; slots come from a pool sized at start-up.
//
// A slot is bound to a module link number (0–9) while it holds a socket. Its receive ring and send
// queue are allocated once, when the pool is built; `reset()` frees the slot without allocating,
// and `gen` changes at every reuse so a late answer for an earlier socket is recognised.
import { ByteCodec } from "../core/hal";
import { ByteRing } from "../core/ring";
import { Fifo } from "../core/fifo";
import { Timer } from "../core/sched";
import { CloseReason, SocketError } from "./errors";
import { S_FREE, TX_FULL, TX_OK, TX_WAIT } from "./consts";

/** The application side of a slot: events arrive here (it queues them and emits from its own task). */
export interface SlotOwner {
  ev(type: number, arg: SocketError | CloseReason | undefined): void;
}

/** A part (transparent mode) that moves a slot's bytes instead of AT+CIPSEND. */
export interface RawPath {
  /** Bytes were queued on the slot. */
  kick(): void;
}

export interface Counters {
  /** Bytes received into the ring. */
  bytesIn: number;
  /** Bytes the module confirmed sent. */
  bytesOut: number;
  /** Bytes dropped because the ring was full (push), or a datagram's bytes. */
  drops: number;
  errors: number;
}

/**
 * The send queue: references to the application's write strings (no copy), up to `maxBytes`
 * (a write may cross the bound; the next one is refused until it drains) and `slots` writes.
 * UDP writes carry their destination.
 */
export class SendQueue {
  bytes = 0;
  private d: Fifo<string>;
  private h: Fifo<string>;
  private p: Fifo<number>;
  private off = 0;
  private max: number;

  constructor(slots: number, maxBytes: number) {
    this.d = new Fifo(slots);
    this.h = new Fifo(slots);
    this.p = new Fifo(slots);
    this.max = maxBytes;
  }

  count(): number {
    return this.d.n;
  }

  full(): boolean {
    return this.d.n === this.d.cap || this.bytes >= this.max;
  }

  clear(): void {
    this.d.clear();
    this.h.clear();
    this.p.clear();
    this.off = 0;
    this.bytes = 0;
  }

  /** Queue `data` for `host:port` ("" and 0 for TCP): TX_OK, TX_WAIT or TX_FULL. */
  push(data: string, host: string, port: number): number {
    if (this.full()) return TX_FULL;
    this.d.push(data);
    this.h.push(host);
    this.p.push(port);
    this.bytes += data.length;
    return this.full() ? TX_WAIT : TX_OK;
  }

  /**
   * Up to `max` bytes from the front, across writes (TCP stream). The front write itself when it
   * is exactly what is asked (the usual case: writes of sendChunkBytes), so the bytes in flight are
   * not held twice; never appended to (the queue still holds it).
   */
  peek(max: number): string {
    const first = this.d.peek();
    if (first !== undefined && !this.off && (first.length === max || (first.length < max && this.d.n === 1))) return first;
    let out = "";
    for (let k = 0; k < this.d.n && out.length < max; k++) {
      const s = this.d.at(k) as string;
      out += k === 0 ? s.substr(this.off, max) : s.substr(0, max - out.length);
    }
    return out;
  }

  /** Remove `n` confirmed bytes from the front. */
  consume(n: number): void {
    while (n > 0 && this.d.n) {
      const left = (this.d.peek() as string).length - this.off;
      if (n < left) {
        this.off += n;
        this.bytes -= n;
        return;
      }
      n -= left;
      this.shift(); // takes `left` off `bytes`
    }
  }

  /** The front write whole (a datagram), its host and port. */
  front(): string {
    return this.d.peek() || "";
  }

  frontHost(): string {
    return this.h.peek() || "";
  }

  frontPort(): number {
    return this.p.peek() || 0;
  }

  /** Replace the front write's host (after resolving it). */
  setFrontHost(ip: string): void {
    // Fifo has no in-place write: rotate the front out and back in order.
    const n = this.h.n;
    this.h.shift();
    this.h.push(ip);
    for (let i = 1; i < n; i++) this.h.push(this.h.shift() as string);
  }

  /** Drop the front write (and what was sent of it). */
  shift(): void {
    const s = this.d.shift();
    if (s !== undefined) this.bytes -= s.length - this.off;
    this.h.shift();
    this.p.shift();
    this.off = 0;
    if (this.bytes < 0) this.bytes = 0;
  }
}

export class Slot {
  // Flags are 0/1, not booleans: on Espruino a field holding an integer is one variable, a field
  // holding true/false two (measured), and every provisioned slot carries these.
  /** Module link number while it holds a socket, -1 otherwise. */
  num = -1;
  state = S_FREE;
  gen = 0;
  udp = 0;
  /** Host as the application gave it, the address used (an IP), ports. */
  host = "";
  ip = "";
  port = 0;
  lport = 0;
  /** Server index that accepted this link, or -1. */
  server = -1;
  owner: SlotOwner | undefined = undefined;
  raw: RawPath | undefined = undefined;
  readonly ring: ByteRing;
  readonly tx: SendQueue;
  counters: Counters = { bytesIn: 0, bytesOut: 0, drops: 0, errors: 0 };
  /** end(): close once the send queue is empty. */
  ending = 0;
  reason: CloseReason = "local";
  openSent = 0;
  closeSent = 0;
  openTimer: Timer | undefined = undefined;
  /** The module closed the link; still reading what it announced. */
  peerClosed = 0;
  /** Buffer access: bytes the module holds (mode-4 answer or a read's rest), a notice since, a read in flight. */
  rxKnown = 0;
  rxNote = 0;
  rxBusy = 0;
  /** An overflow was reported and the application has not read since. */
  overflowed = 0;
  wantDrain = 0;
  txRetries = 0;
  txHold = 0;
  txTimer: Timer | undefined = undefined;
  txResolving = 0;
  /** UDP: the last destination (maps pushed datagrams when several UDP links are open). */
  lastIp = "";
  lastPort = 0;
  /** UDP datagrams in the ring: length, sender ip, sender port (fixed slots). */
  readonly dgLen: Fifo<number>;
  readonly dgIp: Fifo<string>;
  readonly dgPort: Fifo<number>;

  constructor(ringBytes: number, txSlots: number, txBytes: number, dgSlots: number, codec: ByteCodec) {
    this.ring = new ByteRing(ringBytes, codec);
    this.tx = new SendQueue(txSlots, txBytes);
    this.dgLen = new Fifo(dgSlots);
    this.dgIp = new Fifo(dgSlots);
    this.dgPort = new Fifo(dgSlots);
  }

  /** Back to FREE: ring and queue emptied, counters restarted, a new generation. */
  reset(): void {
    this.num = -1;
    this.state = S_FREE;
    this.gen++;
    this.udp = 0;
    this.host = "";
    this.ip = "";
    this.port = 0;
    this.lport = 0;
    this.server = -1;
    this.owner = undefined;
    this.raw = undefined;
    this.ring.clear();
    this.tx.clear();
    this.counters = { bytesIn: 0, bytesOut: 0, drops: 0, errors: 0 };
    this.ending = 0;
    this.reason = "local";
    this.openSent = 0;
    this.closeSent = 0;
    this.peerClosed = 0;
    this.rxKnown = 0;
    this.rxNote = 0;
    this.rxBusy = 0;
    this.overflowed = 0;
    this.wantDrain = 0;
    this.txRetries = 0;
    this.txHold = 0;
    this.txResolving = 0;
    this.lastIp = "";
    this.lastPort = 0;
    this.dgLen.clear();
    this.dgIp.clear();
    this.dgPort.clear();
  }
}
