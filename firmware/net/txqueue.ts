// Bounded per-socket send queue: fixed slots holding the application's write strings (and UDP destinations), counted in bytes.
//
// The queue keeps references to the strings the application wrote (no copy; on Espruino a copy
// into a byte buffer and back would cost twice). Node semantics: a write is accepted while the
// queue is below its bound (`slots` writes, `maxBytes` bytes) — even one that takes it over —
// and `push` says TX_WAIT once the bound is reached; the owner gets `drain` when it is empty. A
// write while at the bound (the caller ignored the wait) is refused, never dropped silently. So
// the queue holds at most maxBytes plus one write, and that last write is memory the application
// already had.

/** push() results. */
export const TX_OK = 0;
/** Accepted, but the queue is at its bound: wait for `drain`. */
export const TX_WAIT = 1;
/** Refused (no slot, or the bytes would exceed the bound): nothing was queued. */
export const TX_REFUSED = -1;

export class SendQueue {
  readonly slots: number;
  readonly maxBytes: number;
  private data: string[];
  private host: string[];
  private port: number[];
  private head = 0;
  private count = 0;
  /** Bytes of the head entry already sent. */
  private offset = 0;
  private queuedBytes = 0;

  /** `slots` ≥ 1 and `maxBytes` ≥ 1 (validated by the table's options). */
  constructor(slots: number, maxBytes: number) {
    this.slots = slots;
    this.maxBytes = maxBytes;
    this.data = new Array(slots);
    this.host = new Array(slots);
    this.port = new Array(slots);
    this.clear();
  }

  /** Bytes queued and not yet confirmed sent. */
  bytes(): number {
    return this.queuedBytes;
  }

  /** Writes (or datagrams) queued. */
  length(): number {
    return this.count;
  }

  /** True when the caller should wait before writing more. */
  full(): boolean {
    return this.count === this.slots || this.queuedBytes >= this.maxBytes;
  }

  clear(): void {
    for (let i = 0; i < this.slots; i++) {
      this.data[i] = "";
      this.host[i] = "";
      this.port[i] = 0;
    }
    this.head = 0;
    this.count = 0;
    this.offset = 0;
    this.queuedBytes = 0;
  }

  /** Queue `data` (non-empty 8-bit string) for `host:port` ("" and 0 for TCP). Returns TX_OK, TX_WAIT or TX_REFUSED. */
  push(data: string, host: string, port: number): number {
    const n = data.length;
    if (this.full()) return TX_REFUSED;
    let tail = this.head + this.count;
    if (tail >= this.slots) tail -= this.slots;
    this.data[tail] = data;
    this.host[tail] = host;
    this.port[tail] = port;
    this.count++;
    this.queuedBytes += n;
    return this.full() ? TX_WAIT : TX_OK;
  }

  /** Up to `max` bytes from the front, spanning writes (TCP stream). "" when empty. */
  peekStream(max: number): string {
    if (this.count === 0) return "";
    let i = this.head;
    let out = this.data[i].substr(this.offset, max);
    let k = 1;
    while (out.length < max && k < this.count) {
      i++;
      if (i === this.slots) i = 0;
      out += this.data[i].substr(0, max - out.length);
      k++;
    }
    return out;
  }

  /** Remove `n` bytes from the front (TCP stream: the confirmed part of a chunk). */
  consume(n: number): void {
    while (n > 0 && this.count > 0) {
      const left = this.data[this.head].length - this.offset;
      if (n < left) {
        this.offset += n;
        this.queuedBytes -= n;
        return;
      }
      n -= left;
      this.queuedBytes -= left;
      this.dropHead();
    }
  }

  /** The front datagram (UDP), whole; "" when empty. */
  peekDatagram(): string {
    return this.count ? this.data[this.head] : "";
  }

  peekHost(): string {
    return this.count ? this.host[this.head] : "";
  }

  peekPort(): number {
    return this.count ? this.port[this.head] : 0;
  }

  /** Replace the front datagram's host (after name resolution). */
  setHost(ip: string): void {
    if (this.count) this.host[this.head] = ip;
  }

  /** Remove the front datagram. */
  shift(): void {
    if (this.count === 0) return;
    this.queuedBytes -= this.data[this.head].length - this.offset;
    this.dropHead();
  }

  private dropHead(): void {
    this.data[this.head] = "";
    this.host[this.head] = "";
    this.head++;
    if (this.head === this.slots) this.head = 0;
    this.count--;
    this.offset = 0;
    if (this.count === 0) this.head = 0;
  }
}
