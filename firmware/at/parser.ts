// AT response parser: a pure machine turning UART chunks into events (lines, finals, prompt, payloads, data) for a sink.
//
// No timers, no I/O, no knowledge of commands. The engine tells it three things: whether a `>`
// prompt may come (`prompt`), whether the line is in transparent data mode (`dm`), and the
// buffer-access read in flight (`expectRead`), whose announced length it checks.
//
// Hot path. `feed` is a closure the UART calls directly with each chunk. While a length-announced
// payload is arriving (`+IPD<n>`, `+RECEIVE,<l>,<n>`, `+CIPRXGET: 2,<l>,<n>,<rest>`) it only
// appends the chunk to the payload string and compares lengths: two statements per chunk, because
// an interpreter that runs from source (Espruino) pays for every statement and call. The payload
// goes to the sink once, whole; bytes of the chunk past its end are parsed as text.
//
// Framing. A line ends at CR or LF; empty lines are skipped; one LF right after a CR is framing,
// also before a payload (`+IPD5<CR><LF>HELLO`). A command's echo (`AT…`) is a line of its own. A
// `+CIPRXGET: 2` payload must be followed by the `OK` line; anything else is reported as a bad
// read (its length lied or bytes were lost), as is a read header whose link or length does not
// match the read in flight.
//
// Buffer and its sizing rule. Only the unfinished tail of a line is kept between chunks, as a
// string of at most `maxLine` bytes: maxLine ≥ the longest line the modem sends (`AT+CIPOPEN?`
// lines ≈ 60 B, `+CDNSGIP` with a 253-byte name ≈ 300 B), so 256 is the floor and boards give
// 512–4096. Payload bytes never count against it. A longer line (counted whole, however it was
// chunked) is dropped: `overflow()` and `stats.overflows`, and parsing resumes after its end. A
// payload is at most `maxPayload` bytes; a larger "header" is an ordinary line.
import { parseUint } from "./errors";

/** Payload kinds. */
export const K_IPD = 0;
export const K_RECEIVE = 1;
export const K_RXGET = 2;

/** Final result codes. "ip" is `+IP ERROR: <x>` joined with the `ERROR` after it; "cip" is `+CIPERROR: <n>`. */
export type FinalKind = "ok" | "error" | "cme" | "ip" | "cip";

/** Receives the parser's events in stream order, synchronously inside `feed`. */
export interface ParserSink {
  /** An information line or unsolicited result code (without CR/LF). */
  line(text: string): void;
  /** A final result; `info` is the `<n|text>` field of CME/IP/CIP errors, "" otherwise. */
  final(kind: FinalKind, info: string): void;
  /** The modem's echo of a command (a line starting with "AT", any case). */
  echo(text: string): void;
  /** The `>` prompt (only while armed). */
  prompt(): void;
  /** `CONNECT` or `CONNECT <text>` (`CONNECT FAIL` is a final error). */
  connect(text: string): void;
  /**
   * A whole payload. `link` is -1 for `+IPD` (the push names no link); `rest` is the bytes left in
   * the module after a `+CIPRXGET: 2` read, else -1; `remote` is the `ip:port` of a `RECV FROM`
   * line just before `+IPD`, else "".
   */
  payload(kind: number, link: number, data: string, rest: number, remote: string): void;
  /** A buffer-access read's header or framing did not match the read asked for. */
  badRead(why: string): void;
  /** Bytes received in transparent data mode. */
  data(bytes: string): void;
  /** A line longer than maxLine was dropped. */
  overflow(): void;
}

export interface ParserStats {
  lines: number;
  payloads: number;
  payloadBytes: number;
  overflows: number;
}

/** The three numbers after `+CIPRXGET: 2,` into out[0..2]; false when malformed. */
function readHeader(s: string, out: number[]): boolean {
  const parts = s.split(",");
  if (parts.length !== 3) return false;
  for (let i = 0; i < 3; i++) {
    out[i] = parseUint(parts[i].trim());
    if (out[i] < 0) return false;
  }
  return true;
}

export class AtParser {
  /** Bytes of the payload in progress (0: none). First field: the hot path reads it per chunk. */
  n = 0;
  /** The payload so far (may run past `n` until it is split off). */
  a = "";
  /** Parse one chunk (8-bit string of any length ≥ 1); events go to the sink before it returns. Pass it to the UART as is. */
  feed: (chunk: string) => void;
  /** Transparent data mode: every byte (after a payload in progress) goes to sink.data. */
  dm = false;
  /** A `>` prompt may come (cleared when it does). */
  prompt = false;
  readonly stats: ParserStats = { lines: 0, payloads: 0, payloadBytes: 0, overflows: 0 };
  private sink: ParserSink;
  private maxLine: number;
  private maxPayload: number;
  private tail = "";
  private skipLf = false;
  private skipSpace = false;
  private dropping = false;
  /** A payload announced by a header line, waiting for its framing LF before it starts. */
  private pn = -1;
  private pk = 0;
  private pl = -1;
  private pr = -1;
  private prem = "";
  /** `ip:port` of a RECV FROM line waiting for its `+IPD`, and the line itself. */
  private remote = "";
  private remoteLine = "";
  /** A `+IP ERROR:` line waiting for the `ERROR` it belongs to. */
  private ipLine = "";
  /** After a `+CIPRXGET: 2` payload the next line must be OK. */
  private okNext = false;
  /** The read in flight: link and most bytes asked (-1: none). */
  private rdLink = -1;
  private rdMax = -1;

  /** `maxLine` 64..65536 and `maxPayload` 1..65536 bytes (see the sizing rule above). */
  constructor(maxLine: number, maxPayload: number, sink: ParserSink) {
    this.sink = sink;
    this.maxLine = maxLine;
    this.maxPayload = maxPayload;
    const p = this;
    this.feed = function (d: string): void {
      if (p.n) {
        p.a += d;
        if (p.a.length < p.n) return;
        d = p.endPayload();
        if (!d) return;
      }
      p.text(d);
    };
  }

  /** The buffer-access read in flight: `link` and the most bytes it may bring; link -1 when none. */
  expectRead(link: number, max: number): void {
    this.rdLink = link;
    this.rdMax = max;
  }

  /** True while a payload is arriving. */
  inPayload(): boolean {
    return this.n > 0 || this.pn >= 0;
  }

  /** Drop a payload in progress (its command timed out); returns the bytes dropped. */
  abortPayload(): number {
    const got = this.a.length;
    const was = this.n > 0 || this.pn >= 0;
    this.n = 0;
    this.a = "";
    this.pn = -1;
    return was ? got : -1;
  }

  /** Forget all partial state: line tail, payload, pending joins, prompt, data mode. */
  reset(): void {
    this.n = 0;
    this.a = "";
    this.pn = -1;
    this.dm = false;
    this.prompt = false;
    this.tail = "";
    this.skipLf = false;
    this.skipSpace = false;
    this.dropping = false;
    this.remote = "";
    this.ipLine = "";
    this.okNext = false;
    this.rdLink = -1;
  }

  /** The payload is complete: hand it over and return what followed it in the chunk. */
  private endPayload(): string {
    const all = this.a;
    const n = this.n;
    this.n = 0;
    this.a = "";
    let rest = "";
    let data = all;
    if (all.length > n) {
      data = all.substr(0, n);
      rest = all.substr(n);
    }
    this.emitPayload(data);
    return rest;
  }

  private emitPayload(data: string): void {
    this.stats.payloads++;
    this.stats.payloadBytes += data.length;
    if (this.pk === K_RXGET) this.okNext = true;
    this.sink.payload(this.pk, this.pl, data, this.pr, this.prem);
  }

  private text(d: string): void {
    let pos = 0;
    const len = d.length;
    while (pos < len) {
      const c = d.charCodeAt(pos);
      if (this.skipLf) {
        // One LF after a CR is framing, also the one ending CONNECT before data-mode bytes.
        this.skipLf = false;
        if (c === 10) {
          pos++;
          continue;
        }
      }
      if (this.dm) {
        this.sink.data(pos ? d.substr(pos) : d);
        return;
      }
      if (this.pn >= 0) {
        // The announced payload starts here.
        this.n = this.pn;
        this.pn = -1;
        this.a = pos ? d.substr(pos) : d;
        if (this.a.length < this.n) return;
        d = this.endPayload();
        this.text(d);
        return;
      }
      if (this.skipSpace) {
        this.skipSpace = false;
        if (c === 32) {
          pos++;
          continue;
        }
      }
      if (this.tail === "" && !this.dropping) {
        if (c === 13 || c === 10) {
          pos++;
          continue;
        }
        if (c === 62 && this.prompt) {
          this.prompt = false;
          this.skipSpace = true;
          pos++;
          this.sink.prompt();
          continue;
        }
      }
      const cr = d.indexOf("\r", pos);
      const lf = d.indexOf("\n", pos);
      const end = cr < 0 ? lf : lf < 0 || cr < lf ? cr : lf;
      if (end < 0) {
        this.keep(d.substr(pos));
        return;
      }
      this.skipLf = d.charCodeAt(end) === 13;
      let line = d.substring(pos, end);
      pos = end + 1;
      if (this.dropping) {
        this.dropping = false;
        continue;
      }
      if (this.tail) {
        line = this.tail + line;
        this.tail = "";
      }
      if (line.length > this.maxLine) {
        this.dropLine();
        continue;
      }
      this.stats.lines++;
      this.line(line);
    }
  }

  /** Keep the unfinished tail of a line, or start dropping it when it cannot fit. */
  private keep(s: string): void {
    if (this.dropping) return;
    if (this.tail.length + s.length > this.maxLine) {
      this.tail = "";
      this.dropping = true;
      this.dropLine();
      return;
    }
    this.tail += s;
  }

  private dropLine(): void {
    this.stats.overflows++;
    this.sink.overflow();
  }

  /** A header announced `len` payload bytes: they start after the line's framing. */
  private announce(kind: number, link: number, len: number, rest: number, remote: string): void {
    this.pk = kind;
    this.pl = link;
    this.pr = rest;
    this.prem = remote;
    if (len === 0) this.emitPayload("");
    else this.pn = len;
  }

  private emitFinal(kind: FinalKind, info: string): void {
    if (this.ipLine) {
      const held = this.ipLine;
      this.ipLine = "";
      if (kind === "error") {
        kind = "ip";
        info = held.substr(10).trim();
      } else {
        this.sink.line(held);
      }
    }
    this.sink.final(kind, info);
  }

  /** Classify one complete, non-empty line. */
  private line(text: string): void {
    if (this.okNext) {
      this.okNext = false;
      if (text !== "OK") this.sink.badRead("no OK after the data");
    }
    const c = text.charCodeAt(0);
    if (this.remote) {
      const r = this.remote;
      this.remote = "";
      if (text.substr(0, 4) === "+IPD") {
        const n = parseUint(text.substr(4));
        if (n >= 0 && n <= this.maxPayload) {
          this.announce(K_IPD, -1, n, -1, r);
          return;
        }
      }
      this.sink.line(this.remoteLine);
    }
    if (c === 43) {
      // '+'
      const head = text.substr(0, 4);
      if (head === "+IPD") {
        const n = parseUint(text.substr(4));
        if (n >= 0 && n <= this.maxPayload) {
          this.announce(K_IPD, -1, n, -1, "");
          return;
        }
      } else if (head === "+IP ") {
        if (text.substr(0, 10) === "+IP ERROR:") {
          if (this.ipLine) this.sink.line(this.ipLine);
          this.ipLine = text;
          return;
        }
      } else if (head === "+REC") {
        if (text.substr(0, 11) === "+RECV FROM:") {
          this.remote = text.substr(11);
          this.remoteLine = text;
          return;
        }
        if (text.substr(0, 9) === "+RECEIVE,") {
          const f = text.substr(9).split(",");
          const l = parseUint(f[0]);
          const n = f.length === 2 ? parseUint(f[1]) : -1;
          if (l >= 0 && n >= 0 && n <= this.maxPayload) {
            this.announce(K_RECEIVE, l, n, -1, "");
            return;
          }
        }
      } else if (head === "+CIP") {
        if (text.substr(0, 13) === "+CIPRXGET: 2,") {
          const h = [0, 0, 0];
          if (readHeader(text.substr(13), h) && h[1] <= this.maxPayload) {
            if (this.rdLink >= 0 && (h[0] !== this.rdLink || h[1] > this.rdMax)) {
              this.sink.badRead("read header " + text.substr(11) + " does not match the read asked for");
              return;
            }
            this.announce(K_RXGET, h[0], h[1], h[2], "");
            return;
          }
        } else if (text.substr(0, 10) === "+CIPERROR:") {
          this.emitFinal("cip", text.substr(10).trim());
          return;
        }
      } else if (head === "+CME") {
        if (text.substr(0, 11) === "+CME ERROR:") {
          this.emitFinal("cme", text.substr(11).trim());
          return;
        }
      }
    } else if (c === 79) {
      if (text === "OK") {
        this.emitFinal("ok", "");
        return;
      }
    } else if (c === 69) {
      if (text === "ERROR") {
        this.emitFinal("error", "");
        return;
      }
    } else if (c === 78) {
      if (text === "NO CARRIER") {
        this.emitFinal("error", text);
        return;
      }
    } else if (c === 67) {
      if (text.substr(0, 7) === "CONNECT" && (text.length === 7 || text.charCodeAt(7) === 32)) {
        const rest = text.substr(8);
        if (rest === "FAIL") this.emitFinal("error", text);
        else this.sink.connect(rest);
        return;
      }
    } else if (c === 82) {
      if (text.substr(0, 10) === "RECV FROM:") {
        this.remote = text.substr(10);
        this.remoteLine = text;
        return;
      }
    } else if (c === 65 || c === 97) {
      const c1 = text.charCodeAt(1);
      if (c1 === 84 || c1 === 116) {
        this.sink.echo(text);
        return;
      }
    }
    this.sink.line(text);
  }
}
