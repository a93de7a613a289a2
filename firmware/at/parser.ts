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
  const f = s.split(",");
  return f.length === 3 && (out[0] = uint(f[0])) >= 0 && (out[1] = uint(f[1])) >= 0 && (out[2] = uint(f[2])) >= 0;
}

/** A header field: digits, spaces around them allowed; -1 otherwise. */
function uint(x: string): number {
  const v = parseInt(x, 10);
  return v >= 0 && String(v) === x ? v : parseUint(x.trim());
}

export class AtParser {
  /**
   * Bytes of the payload in progress still to come (≤ 0 when none: `feed` subtracts every chunk's
   * length and hands the chunk on once it is not positive). First field: the hot path reads it per chunk.
   */
  r = 0;
  /** The payload so far. */
  a = "";
  /** Bytes of the payload in progress (0: none). */
  n = 0;
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
  private skipLf = 0;
  private skipSpace = 0;
  private dropping = 0;
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
  private okNext = 0;
  /** The read in flight: link and most bytes asked (-1: none). */
  private rdLink = -1;
  private rdMax = -1;

  /** `maxLine` 64..65536 and `maxPayload` 1..65536 bytes (see the sizing rule above). */
  constructor(maxLine: number, maxPayload: number, sink: ParserSink) {
    this.sink = sink;
    this.maxLine = maxLine;
    this.maxPayload = maxPayload;
    const p = this;
    // The UART handler: a payload chunk costs one comparison and one append (the payload's last
    // chunk, and text, go to `chunk`).
    this.feed = function (d: string): void {
      if ((p.r -= d.length) > 0) p.a += d;
      else p.chunk(d);
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
    this.r = 0;
    this.a = "";
    this.pn = -1;
    return was ? got : -1;
  }

  /** Forget all partial state: line tail, payload, pending joins, prompt, data mode. */
  reset(): void {
    this.n = 0;
    this.r = 0;
    this.a = "";
    this.pn = -1;
    this.dm = false;
    this.prompt = false;
    this.tail = "";
    this.skipLf = 0;
    this.skipSpace = 0;
    this.dropping = 0;
    this.remote = "";
    this.ipLine = "";
    this.okNext = 0;
    this.rdLink = -1;
  }

  /**
   * A chunk `feed` does not simply append: text, or the last chunk of a payload (`r` is minus the
   * bytes of `d` past its end; they are split off the short chunk, never off the long payload).
   */
  private chunk(d: string): void {
    if (this.n) this.end(d);
    else {
      this.r = 0;
      this.text(d);
    }
  }

  /** The last chunk of a payload (kept apart from `chunk`: a text chunk does not lex it). */
  private end(d: string): void {
    const over = -this.r;
    let rest = "";
    if (over) {
      rest = d.substr(d.length - over);
      d = d.substr(0, d.length - over);
    }
    this.a += d;
    const data = this.a;
    const n = this.n;
    this.n = 0;
    this.r = 0;
    this.a = "";
    this.emitPayload(data, n);
    if (!rest) return;
    // The usual end of a read: its OK alone in the rest of the chunk (the line loop is skipped).
    if (rest === "\r\nOK\r\n" && this.okNext && !this.tail && !this.ipLine && !this.remote) {
      this.okNext = 0;
      this.stats.lines++;
      this.sink.final("ok", "");
    } else this.text(rest);
  }

  /** `data` is `n` bytes long (a long string's length would be counted block by block). */
  private emitPayload(data: string, n: number): void {
    this.stats.payloads++;
    this.stats.payloadBytes += n;
    if (this.pk === K_RXGET) this.okNext = 1;
    this.sink.payload(this.pk, this.pl, data, this.pr, this.prem);
  }

  // The line loop is kept short (its whole body is lexed again for every line and every skipped
  // CR/LF on an interpreter that runs from source): framing states go to `edge`.
  private text(d: string): void {
    let pos = 0;
    const len = d.length;
    while (pos < len) {
      if (this.skipLf) {
        // One LF after a CR is framing, also before a payload or data-mode bytes.
        this.skipLf = 0;
        if (d.charCodeAt(pos) === 10 && ++pos === len) return;
      }
      if (this.pn >= 0 && !this.dm) {
        this.start(pos ? d.substr(pos) : d);
        return;
      }
      if (this.dm || this.skipSpace || this.dropping) {
        pos = this.edge(d, pos);
        if (pos < 0) return;
        continue;
      }
      let c = d.charCodeAt(pos);
      if (this.tail === "") {
        while (c === 13 || c === 10) {
          if (++pos === len) return;
          c = d.charCodeAt(pos);
        }
        if (c === 62 && this.prompt) {
          this.gotPrompt();
          pos++;
          continue;
        }
      }
      let end = d.indexOf("\r", pos);
      const lf = d.indexOf("\n", pos);
      if (end < 0 || (lf >= 0 && lf < end)) end = lf;
      if (end < 0) {
        this.keep(d.substr(pos));
        return;
      }
      this.skipLf = d.charCodeAt(end) === 13 ? 1 : 0;
      let line = d.substring(pos, end);
      pos = end + 1;
      if (this.tail) {
        line = this.tail + line;
        this.tail = "";
      }
      if (line.length > this.maxLine) this.dropLine();
      else {
        this.stats.lines++;
        this.line(line);
      }
    }
  }

  /** The `>` prompt (armed): reported, and one space after it is framing. */
  private gotPrompt(): void {
    this.prompt = false;
    this.skipSpace = 1;
    this.sink.prompt();
  }

  /** The announced payload starts with `d` (once per read: kept apart from `edge`, which is long). */
  private start(d: string): void {
    this.n = this.r = this.pn;
    this.pn = -1;
    this.a = "";
    this.feed(d);
  }

  /**
   * A framing state at `pos`: data mode, the space after a prompt, a line being dropped. Returns
   * where the line loop goes on, or -1 when the chunk is consumed.
   */
  private edge(d: string, pos: number): number {
    if (this.dm) {
      this.sink.data(pos ? d.substr(pos) : d);
      return -1;
    }
    if (this.skipSpace) {
      this.skipSpace = 0;
      return d.charCodeAt(pos) === 32 ? pos + 1 : pos;
    }
    // The rest of an over-long line is dropped up to its end.
    const cr = d.indexOf("\r", pos);
    const lf = d.indexOf("\n", pos);
    const end = cr < 0 ? lf : lf < 0 || cr < lf ? cr : lf;
    if (end < 0) return -1;
    this.skipLf = d.charCodeAt(end) === 13 ? 1 : 0;
    this.dropping = 0;
    return end + 1;
  }

  /** Keep the unfinished tail of a line, or start dropping it when it cannot fit. */
  private keep(s: string): void {
    if (this.dropping) return;
    if (this.tail.length + s.length > this.maxLine) {
      this.tail = "";
      this.dropping = 1;
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
    if (len === 0) this.emitPayload("", 0);
    else this.pn = len;
  }

  private emitFinal(kind: FinalKind, info: string): void {
    if (this.ipLine) this.ipFinal(kind, info);
    else this.sink.final(kind, info);
  }

  /** A final after a held `+IP ERROR:` line: an ERROR joins it, anything else releases it as a line. */
  private ipFinal(kind: FinalKind, info: string): void {
    const held = this.ipLine;
    this.ipLine = "";
    if (kind === "error") {
      kind = "ip";
      info = held.substr(10).trim();
    } else {
      this.sink.line(held);
    }
    this.sink.final(kind, info);
  }

  /**
   * Classify one complete, non-empty line. Short on purpose: OK and `+` lines (read headers,
   * pushes, URCs) are the hot ones; everything else is looked at in `other`.
   */
  private line(text: string): void {
    if (this.okNext) {
      this.okNext = 0;
      if (text !== "OK") this.sink.badRead("no OK after the data");
    }
    if (this.remote && this.afterRemote(text)) return;
    const c = text.charCodeAt(0);
    if (c === 79 && text === "OK") this.emitFinal("ok", "");
    else if (c === 43) this.plus(text);
    else this.other(text, c);
  }

  /** The line after a RECV FROM: its `+IPD<n>` (true: taken), or the RECV FROM was a plain line. */
  private afterRemote(text: string): boolean {
    const r = this.remote;
    this.remote = "";
    if (text.substr(0, 4) === "+IPD" && this.ipd(text, r)) return true;
    this.sink.line(this.remoteLine);
    return false;
  }

  /** A line starting with `+`. */
  private plus(text: string): void {
    const h = text.substr(0, 4);
    if (h === "+CIP" ? this.cip(text) : h === "+REC" ? this.rec(text) : h === "+IPD" ? this.ipd(text, "") : this.plusOther(text, h)) return;
    this.sink.line(text);
  }

  /** `+IPD<n>` (true: a payload announced). */
  private ipd(text: string, remote: string): boolean {
    const n = parseUint(text.substr(4));
    if (n < 0 || n > this.maxPayload) return false;
    this.announce(K_IPD, -1, n, -1, remote);
    return true;
  }

  /** `+CIPRXGET: 2,<l>,<n>,<rest>` (a read's header) or `+CIPERROR: <n>`; true when taken. */
  private cip(text: string): boolean {
    if (text.substr(0, 13) === "+CIPRXGET: 2,") {
      // The modem's canonical numbers are checked natively here; anything else by readHeader.
      const f = text.substr(13).split(",");
      const h = [parseInt(f[0], 10), parseInt(f[1], 10), parseInt(f[2], 10)];
      const ok = f.length === 3 && h[0] >= 0 && h[1] >= 0 && h[2] >= 0 && String(h[0]) === f[0] && String(h[1]) === f[1] && String(h[2]) === f[2];
      if (!ok && !readHeader(text.substr(13), h)) return false;
      if (h[1] > this.maxPayload) return false;
      if (this.rdLink >= 0 && (h[0] !== this.rdLink || h[1] > this.rdMax)) this.sink.badRead("read header " + text.substr(11) + " does not match the read asked for");
      else this.announce(K_RXGET, h[0], h[1], h[2], "");
      return true;
    }
    if (text.substr(0, 10) !== "+CIPERROR:") return false;
    this.emitFinal("cip", text.substr(10).trim());
    return true;
  }

  /** `+RECEIVE,<l>,<n>` (a push) or `+RECV FROM:<ip>:<port>` (the sender of the `+IPD` next); true when taken. */
  private rec(text: string): boolean {
    if (text.substr(0, 9) === "+RECEIVE,") {
      const f = text.substr(9).split(",");
      const l = parseUint(f[0]);
      const n = f.length === 2 ? parseUint(f[1]) : -1;
      if (l < 0 || n < 0 || n > this.maxPayload) return false;
      this.announce(K_RECEIVE, l, n, -1, "");
      return true;
    }
    if (text.substr(0, 11) !== "+RECV FROM:") return false;
    this.remote = text.substr(11);
    this.remoteLine = text;
    return true;
  }

  /** `+IP ERROR:` (held for the ERROR it belongs to) and `+CME ERROR:`; true when taken. */
  private plusOther(text: string, head: string): boolean {
    if (head === "+IP ") {
      if (text.substr(0, 10) !== "+IP ERROR:") return false;
      if (this.ipLine) this.sink.line(this.ipLine);
      this.ipLine = text;
      return true;
    }
    if (head !== "+CME" || text.substr(0, 11) !== "+CME ERROR:") return false;
    this.emitFinal("cme", text.substr(11).trim());
    return true;
  }

  /** Lines not starting with `+` (OK was taken by `line`): finals, CONNECT, RECV FROM, echoes. */
  private other(text: string, c: number): void {
    if (c === 69) {
      if (text === "ERROR") return this.emitFinal("error", "");
    } else if (c === 78) {
      if (text === "NO CARRIER") return this.emitFinal("error", text);
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
      if (c1 === 84 || c1 === 116) return this.sink.echo(text);
    }
    this.sink.line(text);
  }
}
