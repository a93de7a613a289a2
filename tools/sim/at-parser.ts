// The modem's UART input reader: echo, CR-terminated command lines, CIPSEND payloads (<SUB>/<ESC>), data mode and the "+++" guard timing.
//
// Three modes:
//  - command: bytes are echoed (the modem decides whether echo is on), collected up to <CR>; a line
//    is handed up from its "AT" (anything before it is line noise). <LF> and NUL are ignored,
//    backspace (0x08/0x7F) deletes. Lines that arrive while a command runs are queued by the caller.
//  - payload: after a CIPSEND prompt. Fixed length: exactly n bytes of any value. Variable length:
//    up to <SUB> (not sent), <ESC> cancels, and the payload is cut at `maxLen`.
//  - data (transparent): every byte is for the peer, except a "+++" that is preceded by `guardMs`
//    of silence, whose characters are at most `plusGapMs` apart and which is followed by `guardMs`
//    of silence. Times are per byte: a chunk that finished arriving at `at` carried its i-th byte
//    at `at - (n-1-i) * byteMs`. Candidate "+" bytes are held back until the rule is decided, then
//    released to the peer as data if it fails.

/** Time services the reader needs (the simulator's clock, with timers it can cancel on power loss). */
export interface ReaderTimers {
  now(): number;
  after(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

export interface ReaderEvents {
  /** Bytes to echo back (command and payload modes); the modem drops them when echo is off. */
  echo(bytes: string): void;
  /** A complete command line, starting at "AT" (case as typed), without its <CR>. */
  line(text: string): void;
  /** The CIPSEND payload is complete. */
  payload(data: string): void;
  /** <ESC> in a variable-length payload: nothing is sent. */
  cancel(): void;
  /** Data-mode bytes for the peer. */
  data(bytes: string): void;
  /** A valid "+++" escape was recognised (its guard after has elapsed). */
  escape(): void;
}

export type ReaderMode = "command" | "payload" | "data";

export interface ReaderOptions {
  guardMs: number;
  plusGapMs: number;
  maxLineBytes: number;
}

const CR = "\r";
const SUB = "\x1a";
const ESC = "\x1b";

export class CommandReader {
  mode: ReaderMode = "command";
  private lineBuf = "";
  private payloadLen: number | undefined = undefined;
  private payloadMax = 1500;
  private payloadBuf = "";
  // data mode
  private lastByteAt = 0;
  private held = "";
  private lastPlusAt = 0;
  private escTimer: unknown = undefined;
  private readonly opts: ReaderOptions;

  constructor(private timers: ReaderTimers, private events: ReaderEvents, options?: Partial<ReaderOptions>) {
    this.opts = {
      guardMs: options && options.guardMs !== undefined ? options.guardMs : 1000,
      plusGapMs: options && options.plusGapMs !== undefined ? options.plusGapMs : 900,
      maxLineBytes: (options && options.maxLineBytes) || 2048,
    };
  }

  /** Forget everything (power loss, reboot). */
  reset(): void {
    this.cancelEscTimer();
    this.mode = "command";
    this.lineBuf = "";
    this.payloadBuf = "";
    this.held = "";
  }

  /**
   * Switch to payload collection. Bytes the host sent after the command line but before the `> `
   * prompt are dropped: the host must wait for the prompt (doc section 4), and a firmware that
   * does not must fail here rather than pass.
   */
  expectPayload(len: number | undefined, maxLen: number): void {
    this.mode = "payload";
    this.payloadLen = len;
    this.payloadMax = maxLen;
    this.payloadBuf = "";
    this.lineBuf = "";
  }

  /** Enter data mode; `since` is the reference for the first guard (usually the CONNECT time). */
  enterData(since: number): void {
    this.cancelEscTimer();
    this.mode = "data";
    this.held = "";
    this.lastByteAt = since;
  }

  /** Leave data mode (escape, DTR, link closed). Held candidate bytes are dropped. */
  enterCommand(): void {
    this.cancelEscTimer();
    this.mode = "command";
    this.held = "";
    this.lineBuf = "";
  }

  /** Bytes from the host; the chunk's last byte finished arriving at `at`; one byte lasts `byteMs`. */
  feed(chunk: string, at: number, byteMs: number): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === "command") i = this.feedCommand(chunk, i);
      else if (this.mode === "payload") i = this.feedPayload(chunk.substr(i), true, i);
      else {
        this.feedData(chunk, i, at, byteMs);
        i = chunk.length;
      }
    }
  }

  // Returns the index where processing stopped (end of chunk, or after a line when the mode may change).
  private feedCommand(chunk: string, from: number): number {
    let echo = "";
    for (let i = from; i < chunk.length; i++) {
      const c = chunk[i];
      echo += c;
      if (c === CR) {
        this.events.echo(echo);
        echo = "";
        const line = this.lineBuf;
        this.lineBuf = "";
        const at = line.search(/at/i);
        if (at >= 0) this.events.line(line.substr(at));
        if (this.mode !== "command") return i + 1;
        continue;
      }
      if (c === "\n" || c === "\0") continue;
      if (c === "\b" || c === "\x7f") {
        this.lineBuf = this.lineBuf.substr(0, Math.max(0, this.lineBuf.length - 1));
        continue;
      }
      if (this.lineBuf.length < this.opts.maxLineBytes) this.lineBuf += c;
    }
    if (echo.length) this.events.echo(echo);
    return chunk.length;
  }

  // Returns the absolute chunk index consumed up to (offset + consumed).
  private feedPayload(data: string, echo: boolean, offset = 0): number {
    let take: number;
    if (this.payloadLen !== undefined) {
      take = Math.min(data.length, this.payloadLen - this.payloadBuf.length);
      const part = data.substr(0, take);
      if (echo) this.events.echo(part);
      this.payloadBuf += part;
      if (this.payloadBuf.length >= this.payloadLen) this.finishPayload();
      return offset + take;
    }
    for (let i = 0; i < data.length; i++) {
      const c = data[i];
      if (c === SUB || c === ESC) {
        if (echo && i) this.events.echo(data.substr(0, i));
        const p = this.payloadBuf + data.substr(0, i);
        this.payloadBuf = p;
        if (c === ESC) {
          this.mode = "command";
          this.payloadBuf = "";
          this.events.cancel();
        } else this.finishPayload();
        return offset + i + 1;
      }
      if (this.payloadBuf.length + i + 1 >= this.payloadMax) {
        const part = data.substr(0, i + 1);
        if (echo) this.events.echo(part);
        this.payloadBuf += part;
        this.finishPayload();
        return offset + i + 1;
      }
    }
    if (echo) this.events.echo(data);
    this.payloadBuf += data;
    return offset + data.length;
  }

  private finishPayload(): void {
    const p = this.payloadBuf;
    this.payloadBuf = "";
    this.mode = "command";
    this.events.payload(p);
  }

  private feedData(chunk: string, from: number, at: number, byteMs: number): void {
    const g = this.opts.guardMs;
    let out = "";
    const n = chunk.length;
    for (let i = from; i < n; i++) {
      const c = chunk[i];
      const t = at - (n - 1 - i) * byteMs;
      if (this.escTimer !== undefined) this.cancelEscTimer(); // a byte inside the guard after "+++"
      if (c === "+" && this.held.length < 3 && (this.held.length === 0 ? t - this.lastByteAt >= g : t - this.lastPlusAt <= this.opts.plusGapMs)) {
        this.held += c;
        this.lastPlusAt = t;
      } else {
        out += this.held + c;
        this.held = "";
      }
      this.lastByteAt = t;
    }
    if (out.length) this.events.data(out);
    if (this.held.length === 3) {
      const wait = this.lastPlusAt + g - this.timers.now();
      this.escTimer = this.timers.after(wait > 0 ? wait : 0, () => {
        this.escTimer = undefined;
        this.held = "";
        this.mode = "command";
        this.lineBuf = "";
        this.events.escape();
      });
    } else if (this.held.length) {
      // An incomplete "+" or "++": if the next "+" does not come in time, it was data.
      const wait = this.lastPlusAt + this.opts.plusGapMs - this.timers.now();
      this.escTimer = this.timers.after(wait > 0 ? wait + 0.001 : 0.001, () => {
        this.escTimer = undefined;
        const h = this.held;
        this.held = "";
        if (h.length) this.events.data(h);
      });
    }
  }

  private cancelEscTimer(): void {
    if (this.escTimer !== undefined) this.timers.cancel(this.escTimer);
    this.escTimer = undefined;
  }
}
