// Transparent mode (AT+CIPMODE=1): link 0 is the UART; +++ (or DTR) escape with guard silences, commands, ATO; CLOSED ends it.
//
// In data mode every byte from the module is link 0's data and every byte written goes to the peer.
// Sending is a UART write of queued chunks (no AT+CIPSEND, no confirmation). Commands (ours — a
// close, a server stop, reconciliation — and the supervisor's health checks) wait in the AT engine;
// a watcher sees them and escapes: ≥ escapeGuardMs with no byte written, `+++` as one write, then
// the module's `OK` after another guard silence (or DTR dropped, with AT&D1, and its OK). The
// engine then runs the waiting commands and, when link 0 is still open, `ATO` returns to data mode.
//
// Markers in the data stream. In data mode the parser reports every byte as data, so the `OK` of
// an escape and the `CLOSED` the module prints when the peer closes are recognised here: only at
// the end of what has arrived (the module goes quiet after them), and an incomplete marker at the
// end is held back for holdBackMs (a few character times) before it is delivered as data. Payload
// that merely contains `+++`, `OK` or `CLOSED` passes through untouched; the one ambiguity the
// protocol leaves — a payload ending exactly in "\r\nCLOSED\r\n" — is documented in the README.
// Payload can never form an escape by accident: within a run of `+` that began after a silence,
// a third `+` is held until 950 ms after the previous byte (the module wants its three `+` at most
// 900 ms apart), however the application split its writes. Silences are measured from when the
// bytes have left the wire (a write returns before that: the HAL buffers), at the UART's baud.
import { TimerId } from "../core/scheduler";
import { socketError } from "./errors";
import { Link, L_CLOSING, L_OPEN } from "./link";
import type { SocketTable } from "./table";

const CLOSED_MARK = "\r\nCLOSED\r\n";
const OK_MARK = "\r\nOK\r\n";
/** How often the watcher looks for waiting commands while in data mode, ms. */
const WATCH_MS = 100;
/** Time for the OK after the second guard silence, ms. */
const ESCAPE_ANSWER_MS = 1500;
const ESCAPE_ATTEMPTS = 3;
/** Spacing of lone '+' bytes so they never form "+++" within 900 ms. */
const PLUS_SPACING_MS = 950;

function endsWith(s: string, tail: string): boolean {
  return s.length >= tail.length && s.substr(s.length - tail.length) === tail;
}

/** Length of the longest suffix of `s` that is a proper prefix of `mark` (it starts with CR), 0 if none. */
function partialSuffix(s: string, mark: string): number {
  const from = s.length - (mark.length - 1);
  let i = s.indexOf("\r", from > 0 ? from : 0);
  while (i >= 0) {
    const tail = s.substr(i);
    if (mark.substr(0, tail.length) === tail) return tail.length;
    i = s.indexOf("\r", i + 1);
  }
  return 0;
}

/** Number of '+' at the start of `s`, counting at most `max`. */
function leadingPluses(s: string, max: number): number {
  let n = 0;
  while (n < max && n < s.length && s.charCodeAt(n) === 43) n++;
  return n;
}

export class TransparentPath {
  private t: SocketTable;
  /** Link 0 is in a data-mode session (open in transparent mode). */
  private active = false;
  private escaping = false;
  private escapeSentAt = 0;
  private attempts = 0;
  private lastTx = 0;
  private held = "";
  private holdTimer: TimerId = 0;
  private watchTimer: TimerId = 0;
  private escTimer: TimerId = 0;
  private kickTimer: TimerId = 0;
  private kickPosted = false;
  /** '+' bytes written since the last silence, while nothing but '+' was written (-1: run broken). */
  private plusRun = -1;
  /** A server client on link 0 was announced: its CONNECT comes next; no command may be written before it. */
  private awaitingConnect = false;
  private awaitTimer: TimerId = 0;

  constructor(table: SocketTable) {
    this.t = table;
  }

  private link0(): Link {
    return this.t.links[0];
  }

  /** Link 0 just entered data mode (CIPOPEN's CONNECT, a server client's CONNECT, or ATO). */
  started(): void {
    this.active = true;
    this.escaping = false;
    this.attempts = 0;
    this.lastTx = this.t.sched.now();
    this.plusRun = -1;
    this.held = "";
    this.watch();
    this.kick();
  }

  /** Forget the session (links lost, engine reset). */
  reset(): void {
    this.active = false;
    this.escaping = false;
    this.held = "";
    this.awaitingConnect = false;
    const s = this.t.sched;
    s.clearTimer(this.holdTimer);
    s.clearTimer(this.watchTimer);
    s.clearTimer(this.escTimer);
    s.clearTimer(this.kickTimer);
    s.clearTimer(this.awaitTimer);
    this.holdTimer = 0;
    this.watchTimer = 0;
    this.escTimer = 0;
    this.kickTimer = 0;
    this.awaitTimer = 0;
    if (this.t.dtr && this.t.options.escapeWithDtr) this.t.dtr.write(true);
  }

  /**
   * Every link is gone but the module may still be in data mode (a stop, a network loss): leave it,
   * so the supervisor's commands (AT+NETCLOSE…) do not wait forever behind the data stream.
   */
  abandon(): void {
    const dataMode = this.t.engine.isDataMode();
    this.reset();
    if (!dataMode) return;
    this.active = true;
    this.beginEscape();
  }

  /** Commands must wait: a server client's CONNECT (data mode) is announced but has not arrived. */
  blocksCommands(): boolean {
    return this.awaitingConnect;
  }

  /**
   * `+CLIENT` on link 0 in transparent mode: the module sends CONNECT next and is then in data mode.
   * Hold every command until it arrives (or 2 s pass), so none is written into the data stream.
   */
  expectConnect(): void {
    const t = this.t;
    this.awaitingConnect = true;
    t.sched.clearTimer(this.awaitTimer);
    const self = this;
    this.awaitTimer = t.sched.setTimer(2000, () => {
      self.awaitTimer = 0;
      self.awaitingConnect = false;
      t.schedulePump();
    });
  }

  /** When the bytes written so far will have left the wire (10 bits a byte at the UART's baud). */
  private afterWire(now: number, bytes: number): number {
    const start = this.lastTx > now ? this.lastTx : now;
    return start + (bytes * 10000) / this.t.hooks.baud();
  }

  /** Write queued data (one chunk per task) while in data mode. */
  kick(): void {
    if (this.kickPosted || this.kickTimer) return;
    this.kickPosted = true;
    const self = this;
    this.t.sched.post(() => {
      self.kickPosted = false;
      self.writeChunk();
    });
  }

  private writeChunk(): void {
    const t = this.t;
    const link = this.link0();
    if (!this.active || this.escaping || !t.engine.isDataMode() || link.state !== L_OPEN) return;
    if (link.tx.length() === 0) return;
    const now = t.sched.now();
    let chunk = link.tx.peekStream(t.options.sendChunkBytes);
    if (now - this.lastTx >= 900) this.plusRun = 0; // a silence: a new run of '+' could start an escape
    if (this.plusRun >= 0) {
      const p = leadingPluses(chunk, 3);
      if (this.plusRun + p >= 3) {
        // This would be the third '+' within 900 ms after a silence: write at most two, hold the next.
        chunk = chunk.substr(0, 2 - this.plusRun);
        this.plusRun = 2;
        if (chunk.length === 0) {
          const self = this;
          const wait = this.lastTx + PLUS_SPACING_MS - now;
          this.kickTimer = t.sched.setTimer(wait > 0 ? wait : 0, () => {
            self.kickTimer = 0;
            self.plusRun = -1; // more than 900 ms after the previous '+': this run cannot escape
            self.kick();
          });
          return;
        }
      } else {
        this.plusRun = p === chunk.length ? this.plusRun + p : -1;
      }
    }
    t.uart.write(chunk);
    this.lastTx = this.afterWire(now, chunk.length);
    link.tx.consume(chunk.length);
    link.counters.bytesOut += chunk.length;
    if (link.tx.length() === 0) {
      t.txEmptied(link);
      return;
    }
    this.kick();
  }

  private watch(): void {
    const self = this;
    this.t.sched.clearTimer(this.watchTimer);
    this.watchTimer = this.t.sched.setTimer(WATCH_MS, () => {
      self.watchTimer = 0;
      if (!self.active || !self.t.engine.isDataMode()) return;
      if (!self.escaping && self.t.engine.queued() > 0) self.beginEscape();
      self.watch();
    });
  }

  /** Leave data mode: DTR, or +++ between two guard silences. */
  private beginEscape(): void {
    const t = this.t;
    this.escaping = true;
    const self = this;
    if (t.options.escapeWithDtr && t.dtr) {
      t.dtr.write(false);
      this.escapeSentAt = t.sched.now();
      this.escTimer = t.sched.setTimer(ESCAPE_ANSWER_MS, () => self.escapeTimedOut());
      return;
    }
    const quiet = t.sched.now() - this.lastTx;
    const wait = t.options.escapeGuardMs - quiet;
    this.escTimer = t.sched.setTimer(wait > 0 ? wait : 0, () => {
      self.escTimer = 0;
      if (!self.escaping) return;
      t.uart.write("+++");
      self.lastTx = self.afterWire(t.sched.now(), 3);
      self.escapeSentAt = self.lastTx;
      self.escTimer = t.sched.setTimer(t.options.escapeGuardMs + ESCAPE_ANSWER_MS, () => self.escapeTimedOut());
    });
  }

  private escapeTimedOut(): void {
    this.escTimer = 0;
    if (!this.escaping) return;
    this.attempts++;
    if (this.attempts < ESCAPE_ATTEMPTS) {
      this.escaping = false;
      if (this.t.dtr && this.t.options.escapeWithDtr) this.t.dtr.write(true);
      this.beginEscape();
      return;
    }
    // The module does not leave data mode: report, give the link up and let the engine try commands
    // (a module that ignores the escape will fail them and the supervisor resets it).
    const link = this.link0();
    this.reset();
    this.t.engine.setDataMode(false);
    if (link.state === L_OPEN || link.state === L_CLOSING) this.t.fail(link, socketError("escape", "no OK after " + ESCAPE_ATTEMPTS + " escape attempts"));
  }

  /** Command mode reached: run what waits, then ATO when link 0 is still open. */
  private escaped(): void {
    const t = this.t;
    t.sched.clearTimer(this.escTimer);
    this.escTimer = 0;
    this.escaping = false;
    this.active = false;
    if (t.dtr && t.options.escapeWithDtr) t.dtr.write(true);
    t.stats.escapes++;
    t.engine.setDataMode(false);
    const link = this.link0();
    if (link.state !== L_OPEN) {
      t.schedulePump(); // e.g. close the rejected client that brought us into data mode
      return;
    }
    const gen = link.gen;
    const self = this;
    // Queued behind the commands that made us escape (FIFO), so they run first.
    const ok = t.engine.submit({ request: "ATO", connect: true, timeoutMs: 5000 }, (r) => {
      if (link.gen !== gen || link.state !== L_OPEN) return;
      if (r.error) t.finish(link, "lost");
      else self.started();
    });
    if (!ok) t.finish(link, "lost");
  }

  /** The peer closed link 0 while in data mode (the module is in command mode now). */
  private closedInData(): void {
    const t = this.t;
    const link = this.link0();
    this.reset();
    t.engine.setDataMode(false);
    t.finish(link, link.state === L_CLOSING ? link.closeReason : "remote");
    t.schedulePump();
  }

  /** Bytes from the module in data mode. */
  onData(bytes: string): void {
    const t = this.t;
    let s = this.held ? this.held + bytes : bytes;
    this.held = "";
    t.sched.clearTimer(this.holdTimer);
    this.holdTimer = 0;
    if (endsWith(s, CLOSED_MARK)) {
      this.deliver(s.substr(0, s.length - CLOSED_MARK.length));
      this.closedInData();
      return;
    }
    if (this.escaping && endsWith(s, OK_MARK) && (t.options.escapeWithDtr || t.sched.now() - this.escapeSentAt >= t.options.escapeGuardMs - 100)) {
      this.deliver(s.substr(0, s.length - OK_MARK.length));
      this.escaped();
      return;
    }
    let k = partialSuffix(s, CLOSED_MARK);
    if (this.escaping) {
      const k2 = partialSuffix(s, OK_MARK);
      if (k2 > k) k = k2;
    }
    if (k > 0) {
      this.held = s.substr(s.length - k);
      s = s.substr(0, s.length - k);
      const self = this;
      this.holdTimer = t.sched.setTimer(t.options.holdBackMs, () => {
        self.holdTimer = 0;
        const h = self.held;
        self.held = "";
        self.deliver(h);
      });
    }
    this.deliver(s);
  }

  private deliver(s: string): void {
    if (!s) return;
    const link = this.link0();
    if (link.state !== L_OPEN && link.state !== L_CLOSING) {
      this.t.stats.unmatchedBytes += s.length;
      return;
    }
    const took = link.ring.write(s);
    link.counters.bytesIn += took;
    if (took < s.length) this.t.pushRx.overflow(link, s.length - took);
    if (took > 0) this.t.notifyReadable(link);
  }

  /** A `CLOSED` line in command mode: link 0 ended (our own AT+CIPCLOSE=0 prints one too). */
  onClosedLine(): void {
    const link = this.link0();
    if (!this.t.transparentMode()) return;
    if (link.state === L_CLOSING && link.closeSent) return;
    if (link.state === L_OPEN || link.state === L_CLOSING) {
      this.reset();
      this.t.finish(link, link.state === L_CLOSING ? link.closeReason : "remote");
    }
  }

  /** An unsolicited CONNECT: a server client on link 0 in transparent mode; data mode starts now. */
  onConnectLine(): void {
    const t = this.t;
    const link = this.link0();
    if (!t.transparentMode()) return;
    this.awaitingConnect = false;
    t.sched.clearTimer(this.awaitTimer);
    this.awaitTimer = 0;
    if (link.state === L_OPEN && link.server >= 0) {
      t.engine.setDataMode(true);
      this.started();
      return;
    }
    if (t.orphan[0]) {
      // A client the allowlist rejected: the module put it in data mode. Leave at once; the orphan
      // close runs when command mode is back.
      t.engine.setDataMode(true);
      this.started();
      this.beginEscape();
    }
  }
}
