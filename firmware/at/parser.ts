// AT response parser: a pure machine turning UART chunks into events (lines, finals, prompt, payloads) for a sink.
//
// No timers, no I/O, no knowledge of commands: the engine tells it two things, whether a `>` prompt
// may come (armPrompt) and whether the UART is in transparent data mode (setDataMode).
//
// Framing. A line ends at CR or LF; empty lines are skipped. One LF right after a CR is framing, also
// before a payload or data-mode bytes (`+IPD5<CR><LF>HELLO`, `CONNECT 115200<CR><LF>…`). The echo of
// a command (`AT…<CR>`) is therefore a line of its own. Length-announced payloads (`+IPD<n>` with an
// optional `[+]RECV FROM:<ip>:<port>` line before it, `+RECEIVE,<l>,<n>`, `+CIPRXGET: 2,<l>,<n>,<rest>`
// and the 2n hex characters after `+CIPRXGET: 3,<l>,<n>,<rest>`) are streamed out in pieces as they
// arrive, never interpreted and never buffered. Hot path: indexOf/substr on whole chunks; the only
// per-character work is on framing bytes (CR/LF/space) at a line start.
//
// Buffer and its sizing rule. Only the unfinished tail of a line is kept between chunks, in a fixed
// ByteRing of `ringBytes`. A line is never longer than that, so the rule is: ringBytes ≥ the longest
// line the modem sends (`AT+CIPOPEN?` lines ≈ 60 B, `ATI`/`+CDNSGIP` with a 253-byte host name
// ≈ 300 B) — 256 is the floor, boards give 1024–4096. Payload and data-mode bytes never enter the
// ring, whatever their size. A line longer than ringBytes (counted whole, however it was chunked, so
// the outcome does not depend on chunking) is dropped: one `overflow` event, `stats.overflows`
// counted, and parsing resumes after the next CR or LF.
import { ByteCodec } from "../core/hal";
import { ByteRing } from "../core/ring";
import { parseUint } from "./errors";

/** Origin of a length-announced payload. "rxhex" data is hex text (2 characters per byte). */
export type PayloadKind = "ipd" | "receive" | "rxget" | "rxhex";

/** Final result codes. "ip" is `+IP ERROR: <x>` joined with the `ERROR` after it; "cip" is `+CIPERROR: <n>`. */
export type FinalKind = "ok" | "error" | "cme" | "ip" | "cip" | "noCarrier";

/** Receives the parser's events, in stream order. Calls happen synchronously inside `feed`. */
export interface AtParserSink {
  /** An information line or unsolicited result code (without CR/LF). */
  line(text: string): void;
  /** A final result; `info` is the `<n|text>` field of CME/IP/CIP errors, "" otherwise. */
  final(kind: FinalKind, info: string): void;
  /** The modem's echo of a command (a line starting with "AT", any case). */
  echo(text: string): void;
  /** The `>` prompt (only while armed). */
  prompt(): void;
  /** `CONNECT` or `CONNECT <text>`; `text` is "" for a bare CONNECT. (`CONNECT FAIL` is a final error.) */
  connect(text: string): void;
  /** A `CLOSED` line. */
  closed(): void;
  /**
   * A payload of `length` bytes begins. `link` is -1 for `+IPD` (the push carries none); `rest` is
   * the bytes left in the module after a `+CIPRXGET` read, else -1; `remote` is the `ip:port` of a
   * `RECV FROM` line just before `+IPD`, else "".
   */
  payloadStart(kind: PayloadKind, link: number, length: number, rest: number, remote: string): void;
  /** Some payload bytes (8-bit string, ≥ 1 byte). The pieces of one payload concatenate to it. */
  payloadData(kind: PayloadKind, link: number, data: string): void;
  /** The payload announced by the last payloadStart is complete. */
  payloadEnd(kind: PayloadKind, link: number): void;
  /** Bytes received in transparent data mode. */
  data(bytes: string): void;
  /** A line longer than the ring was dropped; parsing resumes after its end. */
  overflow(): void;
}

export interface AtParserOptions {
  /** Bytes of the line ring (integer, 64..65536); see the sizing rule at the top of this file. */
  ringBytes: number;
  /** Largest announced payload accepted (integer, 1..1048576); a larger "header" is an ordinary line. */
  maxPayloadBytes: number;
}

export interface AtParserStats {
  lines: number;
  payloads: number;
  payloadBytes: number;
  /** Over-long lines dropped. */
  overflows: number;
}

/** Checks an integer option; throws RangeError (a programmer error) outside [min, max]. */
export function checkIntOption(name: string, v: number, min: number, max: number): void {
  if (typeof v !== "number" || !(v >= min && v <= max) || Math.floor(v) !== v) {
    throw new RangeError("AT option " + name + " must be an integer in " + min + ".." + max + ", got " + v);
  }
}

export class AtParser {
  readonly stats: AtParserStats = { lines: 0, payloads: 0, payloadBytes: 0, overflows: 0 };
  private ring: ByteRing;
  private sink: AtParserSink;
  private maxPayload: number;

  private dataMode = false;
  private promptArmed = false;
  /** The previous line ended at CR: one LF at the next byte is framing. */
  private skipLf = false;
  /** A prompt was just seen: one space at the next byte belongs to it. */
  private skipSpace = false;
  /** Dropping an over-long line until its end. */
  private discarding = false;

  private inPayload = false;
  private pKind: PayloadKind = "ipd";
  private pLink = -1;
  private pLeft = 0;

  /** `ip:port` of a RECV FROM line waiting for its `+IPD`, and the line itself. */
  private remote = "";
  private remoteLine = "";
  /** A `+IP ERROR:` line waiting for the `ERROR` it belongs to. */
  private ipPending = false;
  private ipInfo = "";
  private ipLine = "";

  /** Scratch fields of parseFields. */
  private f0 = 0;
  private f1 = 0;
  private f2 = 0;

  /** Throws RangeError on invalid options (programmer error). */
  constructor(options: AtParserOptions, codec: ByteCodec, sink: AtParserSink) {
    checkIntOption("ringBytes", options.ringBytes, 64, 65536);
    checkIntOption("maxPayloadBytes", options.maxPayloadBytes, 1, 1048576);
    this.ring = new ByteRing(options.ringBytes, codec);
    this.maxPayload = options.maxPayloadBytes;
    this.sink = sink;
  }

  /** Allow (or withdraw) one `>` prompt at a line start. The parser disarms itself when it reports one. */
  armPrompt(on: boolean): void {
    this.promptArmed = on;
  }

  /** Transparent data mode: every byte (after the payload in progress, if any) is reported as `data`. */
  setDataMode(on: boolean): void {
    this.dataMode = on;
  }

  isDataMode(): boolean {
    return this.dataMode;
  }

  /** True while a payload is being streamed (its end not yet received). */
  inPayloadNow(): boolean {
    return this.inPayload;
  }

  /** Forget all partial state (partial line, payload in progress, pending joins, modes). */
  reset(): void {
    this.ring.clear();
    this.dataMode = false;
    this.promptArmed = false;
    this.skipLf = false;
    this.skipSpace = false;
    this.discarding = false;
    this.inPayload = false;
    this.pLeft = 0;
    this.remote = "";
    this.remoteLine = "";
    this.ipPending = false;
  }

  /** Parse one chunk (8-bit string, any length). Events go to the sink before this returns. */
  feed(chunk: string): void {
    const n = chunk.length;
    let pos = 0;
    // Next CR / LF at or after pos; -2 = not searched yet, -1 = none left in this chunk.
    let cr = -2;
    let lf = -2;
    while (pos < n) {
      if (this.skipLf) {
        this.skipLf = false;
        if (chunk.charCodeAt(pos) === 10) {
          pos++;
          continue;
        }
      }
      if (this.inPayload) {
        let take = n - pos;
        if (take > this.pLeft) take = this.pLeft;
        const piece = pos === 0 && take === n ? chunk : chunk.substr(pos, take);
        pos += take;
        this.pLeft -= take;
        this.stats.payloadBytes += take;
        this.sink.payloadData(this.pKind, this.pLink, piece);
        if (this.pLeft === 0) {
          this.inPayload = false;
          this.sink.payloadEnd(this.pKind, this.pLink);
        }
        continue;
      }
      if (this.dataMode) {
        if (this.ring.length) this.sink.data(this.ring.read(this.ring.length));
        this.sink.data(pos === 0 ? chunk : chunk.substr(pos));
        return;
      }
      if (this.skipSpace) {
        this.skipSpace = false;
        if (chunk.charCodeAt(pos) === 32) {
          pos++;
          continue;
        }
      }
      if (this.ring.length === 0 && !this.discarding) {
        // At a line start: framing bytes, then perhaps the prompt.
        const c = chunk.charCodeAt(pos);
        if (c === 13 || c === 10) {
          pos++;
          continue;
        }
        if (c === 62 && this.promptArmed) {
          this.promptArmed = false;
          this.skipSpace = true;
          pos++;
          this.sink.prompt();
          continue;
        }
      }
      if (cr !== -1 && cr < pos) cr = chunk.indexOf("\r", pos);
      if (lf !== -1 && lf < pos) lf = chunk.indexOf("\n", pos);
      const end = cr < 0 ? lf : lf < 0 ? cr : cr < lf ? cr : lf;
      if (end < 0) {
        this.stash(chunk, pos);
        return;
      }
      const atCr = chunk.charCodeAt(end) === 13;
      if (this.discarding) {
        this.discarding = false;
        this.skipLf = atCr;
        pos = end + 1;
        continue;
      }
      const held = this.ring.length;
      if (held + end - pos > this.ring.capacity) {
        this.ring.clear();
        this.dropLine();
        this.skipLf = atCr;
        pos = end + 1;
        continue;
      }
      let text = chunk.substring(pos, end);
      if (held) text = this.ring.read(held) + text;
      pos = end + 1;
      this.skipLf = atCr;
      this.lineDone(text);
    }
  }

  /** Keep the unfinished tail of a line, or start dropping it when it cannot fit. */
  private stash(chunk: string, pos: number): void {
    if (this.discarding) return;
    const rest = chunk.length - pos;
    if (this.ring.length + rest > this.ring.capacity) {
      this.ring.clear();
      this.discarding = true;
      this.dropLine();
      return;
    }
    this.ring.write(pos === 0 ? chunk : chunk.substr(pos));
  }

  private dropLine(): void {
    this.stats.overflows++;
    this.sink.overflow();
  }

  /**
   * Parse up to three comma-separated unsigned fields of `s` from `from` into f0..f2; returns how
   * many were read, or -1 when a field is not a number (extra fields beyond three are ignored).
   */
  private parseFields(s: string, from: number): number {
    let count = 0;
    let start = from;
    while (count < 3) {
      let comma = s.indexOf(",", start);
      if (comma < 0) comma = s.length;
      const v = parseUint(s.substring(start, comma));
      if (v < 0) return -1;
      if (count === 0) this.f0 = v;
      else if (count === 1) this.f1 = v;
      else this.f2 = v;
      count++;
      if (comma >= s.length) break;
      start = comma + 1;
    }
    return count;
  }

  private startPayload(kind: PayloadKind, link: number, length: number, rest: number, remote: string): void {
    this.stats.payloads++;
    this.sink.payloadStart(kind, link, length, rest, remote);
    if (length === 0) {
      this.sink.payloadEnd(kind, link);
      return;
    }
    this.inPayload = true;
    this.pKind = kind;
    this.pLink = link;
    this.pLeft = length;
  }

  private emitFinal(kind: FinalKind, info: string): void {
    if (this.ipPending) {
      this.ipPending = false;
      if (kind === "error") {
        kind = "ip";
        info = this.ipInfo;
      } else {
        this.sink.line(this.ipLine);
      }
    }
    this.sink.final(kind, info);
  }

  /** Classify one complete, non-empty line. */
  private lineDone(text: string): void {
    this.stats.lines++;
    const c = text.charCodeAt(0);
    if (this.remote !== "") {
      if (c === 43 && text.substr(0, 4) === "+IPD") {
        const len = parseUint(text.substr(4));
        if (len >= 0 && len <= this.maxPayload) {
          const r = this.remote;
          this.remote = "";
          this.startPayload("ipd", -1, len, -1, r);
          return;
        }
      }
      const held = this.remoteLine;
      this.remote = "";
      this.sink.line(held);
    }
    if (c === 43) {
      // '+'
      const c1 = text.charCodeAt(1);
      if (c1 === 73) {
        // "+I…"
        if (text.substr(0, 4) === "+IPD") {
          const len = parseUint(text.substr(4));
          if (len >= 0 && len <= this.maxPayload) {
            this.startPayload("ipd", -1, len, -1, "");
            return;
          }
        } else if (text.substr(0, 10) === "+IP ERROR:") {
          if (this.ipPending) this.sink.line(this.ipLine);
          this.ipPending = true;
          this.ipInfo = text.substr(10).trim();
          this.ipLine = text;
          return;
        }
      } else if (c1 === 82) {
        // "+R…"
        if (text.substr(0, 11) === "+RECV FROM:") {
          this.remote = text.substr(11);
          this.remoteLine = text;
          return;
        }
        if (text.substr(0, 9) === "+RECEIVE," && this.parseFields(text, 9) === 2 && this.f1 <= this.maxPayload) {
          this.startPayload("receive", this.f0, this.f1, -1, "");
          return;
        }
      } else if (c1 === 67) {
        // "+C…"
        const head = text.substr(0, 13);
        if (head === "+CIPRXGET: 2," || head === "+CIPRXGET: 3,") {
          const hex = head.charCodeAt(11) === 51;
          if (this.parseFields(text, 13) === 3 && this.f1 <= this.maxPayload) {
            this.startPayload(hex ? "rxhex" : "rxget", this.f0, hex ? this.f1 * 2 : this.f1, this.f2, "");
            return;
          }
        } else if (text.substr(0, 11) === "+CME ERROR:") {
          this.emitFinal("cme", text.substr(11).trim());
          return;
        } else if (text.substr(0, 10) === "+CIPERROR:") {
          this.emitFinal("cip", text.substr(10).trim());
          return;
        }
      }
    } else if (c === 79) {
      // 'O'
      if (text === "OK") {
        this.emitFinal("ok", "");
        return;
      }
    } else if (c === 69) {
      // 'E'
      if (text === "ERROR") {
        this.emitFinal("error", "");
        return;
      }
    } else if (c === 78) {
      // 'N'
      if (text === "NO CARRIER") {
        this.emitFinal("noCarrier", "");
        return;
      }
    } else if (c === 67) {
      // 'C'
      if (text.substr(0, 7) === "CONNECT" && (text.length === 7 || text.charCodeAt(7) === 32)) {
        const rest = text.substr(8);
        if (rest === "FAIL") this.emitFinal("error", text);
        else this.sink.connect(rest);
        return;
      }
      if (text === "CLOSED") {
        this.sink.closed();
        return;
      }
    } else if (c === 82) {
      // 'R'
      if (text.substr(0, 10) === "RECV FROM:") {
        this.remote = text.substr(10);
        this.remoteLine = text;
        return;
      }
    } else if (c === 65 || c === 97) {
      // 'A' / 'a': the echo of a command
      const c1 = text.charCodeAt(1);
      if (c1 === 84 || c1 === 116) {
        this.sink.echo(text);
        return;
      }
    }
    this.sink.line(text);
  }
}
