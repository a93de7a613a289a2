// One direction of a serial wire: bytes leave back to back at the sender's line rate and arrive in chunks.
//
// Used by the simulated UART pair (virtual clock, deterministic) and by the simulator's
// pseudo-terminal bridge (wall clock). A byte takes 10 bit times (8N1). Chunking models what a
// receiver's driver hands up: a chunk is delivered when `chunkSize` bytes have arrived or the line
// goes idle, at the moment its last byte has fully arrived.
import { Clock, TimerHandle } from "../../firmware/core/hal";

/** Chooses the size of the next chunk (≥ 1) given how many bytes are waiting. */
export type ChunkPolicy = (waiting: number) => number;

export interface PacedLineOptions {
  /** Bits per second; 0 = no pacing (delivered on the next timer turn). */
  baud: number;
  /** Fixed chunk size in bytes, or a policy returning one per chunk. */
  chunk: number | ChunkPolicy;
}

export class PacedLine {
  baud: number;
  chunk: number | ChunkPolicy;
  /** Total bytes delivered. */
  delivered = 0;
  private clock: Clock;
  private sink: (chunk: string, at: number, baud: number) => void;
  private pending = "";
  private timer: TimerHandle | undefined = undefined;
  /** When the wire finishes carrying the bytes already committed to chunks. */
  private busyUntil = 0;

  /** `sink` gets each chunk, the time its last byte arrived and the sender's baud when it was sent. */
  constructor(clock: Clock, options: PacedLineOptions, sink: (chunk: string, at: number, baud: number) => void) {
    this.clock = clock;
    this.baud = options.baud;
    this.chunk = options.chunk;
    this.sink = sink;
  }

  /** Milliseconds one byte occupies the wire (10 bits) at the current baud. */
  byteTimeMs(): number {
    return this.baud > 0 ? 10000 / this.baud : 0;
  }

  /** Bytes queued and not yet delivered. */
  waiting(): number {
    return this.pending.length;
  }

  /** Queue bytes for transmission. */
  send(data: string): void {
    if (!data.length) return;
    this.pending += data;
    if (this.timer === undefined) this.scheduleNext();
  }

  /** Drop everything not yet delivered (e.g. the receiver's port was closed). */
  clear(): void {
    this.pending = "";
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private nextChunkSize(): number {
    const want = typeof this.chunk === "number" ? this.chunk : this.chunk(this.pending.length);
    const n = Math.max(1, Math.floor(want));
    return Math.min(n, this.pending.length);
  }

  private scheduleNext(): void {
    const n = this.nextChunkSize();
    const now = this.clock.now();
    const start = this.busyUntil > now ? this.busyUntil : now;
    const done = start + n * this.byteTimeMs();
    const baud = this.baud;
    this.busyUntil = done;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const out = this.pending.substr(0, n);
      this.pending = this.pending.substr(n);
      this.delivered += out.length;
      if (this.pending.length) this.scheduleNext();
      this.sink(out, done, baud);
    }, done - now);
  }
}
