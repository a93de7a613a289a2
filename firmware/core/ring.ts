// Fixed-capacity byte ring for the receive path: allocated once, moves whole chunks with native operations.
//
// Storage is one Uint8Array created in the constructor; nothing grows with traffic. Data enters and
// leaves as 8-bit strings (the UART's and the application's currency) through the HAL's ByteCodec,
// whose conversions are native on every runtime (E.toUint8Array/E.toString on Espruino, Buffer on
// the host). Copies use TypedArray.set/subarray: no byte is moved by a JavaScript loop.
//
// Why Uint8Array and not a string buffer: on Espruino a string is a chain of blocks and indexing
// or splitting a long one walks it from the start; a flat Uint8Array gives O(1) indexing and a memory cost fixed at start-up (capacity bytes + one JsVar header).
//
// The receive path's usual case costs no copy: a string written into an EMPTY ring is kept as it
// is (`str`) and `readAll` hands the same string back; it is copied into the array only when more
// is written or part of it is read. At most one such string (≤ capacity bytes, the payload the
// parser made anyway) is held besides the array, so memory stays bounded by the configuration.
import { ByteCodec } from "./hal";

export class ByteRing {
  readonly capacity: number;
  private buf: Uint8Array;
  private codec: ByteCodec;
  /** Index of the first unread byte. */
  private head = 0;
  /** Number of unread bytes. */
  private count = 0;
  /** The unread bytes as the string written into the empty ring, not yet copied ("" when none). */
  private str = "";

  /** `capacity` in bytes (integer ≥ 1). Throws RangeError otherwise (a programmer error). */
  constructor(capacity: number, codec: ByteCodec) {
    if (!(capacity >= 1) || Math.floor(capacity) !== capacity) {
      throw new RangeError("ByteRing capacity must be a positive integer, got " + capacity);
    }
    this.capacity = capacity;
    this.buf = new Uint8Array(capacity);
    this.codec = codec;
  }

  /** Bytes stored and not yet read. */
  get length(): number {
    return this.count;
  }

  /** Bytes that `write` would accept now. */
  free(): number {
    return this.capacity - this.count;
  }

  /** Discard everything. */
  clear(): void {
    this.head = 0;
    this.count = 0;
    this.str = "";
  }

  /**
   * Append as much of `data` (8-bit string or bytes) as fits; returns how many bytes were accepted.
   * The caller keeps the rest: nothing is dropped silently.
   */
  write(data: string | Uint8Array): number {
    if (this.count || typeof data !== "string") return this.copyIn(data);
    const n = data.length;
    if (n > this.capacity) return this.copyIn(data);
    this.str = data;
    this.count = n;
    return n;
  }

  private copyIn(data: string | Uint8Array): number {
    if (this.str) this.flat();
    const bytes = typeof data === "string" ? this.codec.toBytes(data) : data;
    let n = bytes.length;
    if (n > this.capacity - this.count) n = this.capacity - this.count;
    if (n === 0) return 0;
    let tail = this.head + this.count;
    if (tail >= this.capacity) tail -= this.capacity;
    const first = Math.min(n, this.capacity - tail);
    this.buf.set(bytes.subarray(0, first), tail);
    if (n > first) this.buf.set(bytes.subarray(first, n), 0);
    this.count += n;
    return n;
  }

  /** Up to `n` bytes starting `offset` bytes after the read position, as an 8-bit string; not removed. */
  peek(n: number, offset: number): string {
    if (offset < 0) offset = 0;
    if (offset >= this.count || n <= 0) return "";
    if (n > this.count - offset) n = this.count - offset;
    if (this.str) return this.str.substr(offset, n);
    let start = this.head + offset;
    if (start >= this.capacity) start -= this.capacity;
    const first = Math.min(n, this.capacity - start);
    const a = this.codec.fromBytes(this.buf, start, start + first);
    return n > first ? a + this.codec.fromBytes(this.buf, 0, n - first) : a;
  }

  /** Remove and return up to `n` bytes as an 8-bit string. */
  read(n: number): string {
    const s = this.peek(n, 0);
    this.skip(s.length);
    return s;
  }

  /** Remove and return everything stored, as an 8-bit string ("" when empty). One call for the receive path. */
  readAll(): string {
    const n = this.count;
    if (!n) return "";
    const s = this.str;
    if (!s) return this.copyOut(n);
    this.str = "";
    this.count = 0;
    return s;
  }

  private copyOut(n: number): string {
    const h = this.head;
    this.head = 0;
    this.count = 0;
    if (h + n <= this.capacity) return this.codec.fromBytes(this.buf, h, h + n);
    return this.codec.fromBytes(this.buf, h, this.capacity) + this.codec.fromBytes(this.buf, 0, h + n - this.capacity);
  }

  /** Remove up to `n` bytes without copying; returns how many were removed. */
  skip(n: number): number {
    if (n > this.count) n = this.count;
    if (n <= 0) return 0;
    if (this.str) {
      if (n === this.count) {
        this.str = "";
        this.count = 0;
        return n;
      }
      this.flat();
    }
    this.head += n;
    if (this.head >= this.capacity) this.head -= this.capacity;
    this.count -= n;
    if (this.count === 0) this.head = 0;
    return n;
  }

  /** Copy the held string into the array (more is written, or part of it is read). */
  private flat(): void {
    const b = this.codec.toBytes(this.str);
    this.str = "";
    this.buf.set(b, 0);
    this.head = 0;
  }
}
