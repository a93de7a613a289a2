// Optional part "transparent": one link as the UART itself (AT+CIPMODE=1), borrowed from the engine; escapes, ends and liveness checked, never guessed.
//
// In data mode every byte from the module is the link's data and every byte written goes to the
// peer. The part borrows the line from the AT engine when CONNECT arrives and gives it back only
// in command mode. What can end data mode, and how each is told apart from payload:
//  - Our escape: ≥ escapeGuardMs of silence, `+++` as one write, then the module's `OK` — taken as
//    the answer only when it ends what arrived, after our own `+++` AND its trailing guard time
//    (a peer's "OK" before that is data). With `escapeWithDtr` (AT&D1) dropping DTR does it.
//  - The module's own endings: a run of its lines at the end of what arrived — `CLOSED` (the peer
//    closed), `+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY` (network lost), the boot banner (`RDY`,
//    `+CPIN: READY`, `SMS DONE`, `PB DONE`, `*ATREADY`). Payload can contain exactly those bytes,
//    so they are held back, writing stops, and once the line has been quiet for `quietMs` the part
//    probes with the escape, which is harmless either way: `OK` means the module was still in data
//    mode (the held bytes were payload: delivered, then ATO), silence means it had left it (the
//    link ended with that reason; the engine flushes the `+++` we typed on its command line).
//  - Nothing at all (a frozen module): after `idleProbeMs` without a received byte the same
//    escape probe runs; no OK hands the line back and the engine's probes decide (a stall resets).
// An incomplete run at the end (a lone CR, "\r\nCLO") is held `holdBackMs`, then delivered.
// Payload can never form an escape: a third `+` after a silence is held until 950 ms after the
// previous byte. Silences are measured from when the bytes have left the wire.
import type { Timer, Task } from "../core/sched";
import type { Borrower } from "../at/engine";
import type { AtResult } from "../at/command";
import type { Part, PartContext } from "../app/modem";
import { CloseReason, sockErr } from "../net/errors";
import { EV_ERROR, EV_READABLE, S_CLOSING, S_OPEN } from "../net/consts";
import type { RawPath, Slot } from "../net/slot";

/** The module's lines that end data mode, and the close reason each means. */
const MARKS = ["CLOSED", "NO CARRIER", "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY", "RDY", "+CPIN: READY", "SMS DONE", "PB DONE", "*ATREADY: 1"];
const WHY: CloseReason[] = ["remote", "remote", "network", "reboot", "reboot", "reboot", "reboot", "reboot"];
/**
 * The module's answers to our bytes that reached it after it left data mode (they ran as a command
 * line): they may follow its markers in a run, never start one.
 */
const ANSWERS = ["OK", "ERROR", "+IP ERROR: ", "+CME ERROR: "];

/** `tok` is one of the module's error answers (whole), or could become one (`part`). */
function isAnswer(tok: string, part: boolean): boolean {
  for (let k = 0; k < ANSWERS.length; k++) {
    const a = ANSWERS[k];
    if (part ? a.substr(0, tok.length) === tok || tok.substr(0, a.length) === a : tok === a || (a.charAt(a.length - 1) === " " && tok.substr(0, a.length) === a)) return true;
  }
  return false;
}
/** Longest run of module lines looked for at the end of the data, bytes. */
const MAX_RUN = 160;
/** The module's own guard after `+++` (section 5: it answers OK once that much silence followed), ms. */
const MODULE_GUARD_MS = 1000;
/** Time for the module's OK after the trailing guard, ms. */
const ANSWER_MS = 1000;
/** Spacing that keeps lone '+' bytes from forming "+++" (the module wants them ≤ 900 ms apart). */
const PLUS_SPACING_MS = 950;

const OFF = 0;
const DATA = 1;
/** Module lines held; waiting for the line to go quiet. */
const SUSPECT = 2;
/** Waiting for the silence before `+++`. */
const GUARD = 3;
/** `+++` (or DTR) sent; waiting for OK. */
const ESCAPED = 4;

/**
 * 0: `s` from `p` is no run of module lines; 1: it may become one (incomplete); 2: complete lines,
 * at least one a marker. `echoToo` (our `+++` is out): a `+++` may also be in the run — a module
 * that left data mode with echo on (a rebooted one) echoes our escape after its banner.
 */
function runAt(s: string, p: number, okToo: boolean, echoToo: boolean): number {
  let i = p;
  let seen = false;
  if (s.charCodeAt(i) !== 13) return 0;
  for (;;) {
    while (s.substr(i, 2) === "\r\n") i += 2;
    if (i >= s.length) return seen ? 2 : 1;
    if (i === s.length - 1 && s.charCodeAt(i) === 13) return 1;
    const e = s.indexOf("\r\n", i);
    const tok = e < 0 ? s.substr(i) : s.substring(i, e);
    if (e < 0) {
      // A line whose CR came without its LF yet (the UART cut between them): it may still complete.
      const t = tok.charCodeAt(tok.length - 1) === 13 ? tok.substr(0, tok.length - 1) : "";
      if (t && (MARKS.indexOf(t) >= 0 || (okToo && t === "OK") || (echoToo && t === "+++") || (seen && isAnswer(t, false)))) return 1;
      if (echoToo && tok === "+++") return seen ? 2 : 1;
      if (echoToo && "+++".substr(0, tok.length) === tok) return 1;
      if (okToo && "OK".substr(0, tok.length) === tok) return 1;
      if (seen && isAnswer(tok, true)) return 1;
      for (let k = 0; k < MARKS.length; k++) if (MARKS[k].substr(0, tok.length) === tok) return 1;
      return 0;
    }
    if ((echoToo && tok === "+++") || (seen && isAnswer(tok, false))) {
      i = e;
      continue;
    }
    if (!(okToo && tok === "OK") && MARKS.indexOf(tok) < 0) return 0;
    seen = true;
    i = e;
  }
}

/**
 * The reason of the last marker line in `run` ("" when none): the module's own lines come after
 * whatever payload the run began with, so the last one is the module's.
 */
function reasonOf(run: string): CloseReason | "" {
  let r: CloseReason | "" = "";
  let at = -1;
  for (let k = 0; k < MARKS.length; k++) {
    const i = run.lastIndexOf("\r\n" + MARKS[k] + "\r\n");
    if (i > at) {
      at = i;
      r = WHY[k];
    }
  }
  return r;
}

/** Where the first of the module's marker lines (`\r\nCLOSED\r\n` …) is in `s` from `from` on, or -1. */
function midMark(s: string, from: number): number {
  let at = -1;
  if (s.indexOf("\r\n", from) < 0) return at;
  for (let k = 0; k < MARKS.length; k++) {
    const i = s.indexOf("\r\n" + MARKS[k] + "\r\n", from);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

class Transparent implements Borrower, RawPath {
  private c: PartContext;
  private slot: Slot | undefined = undefined;
  private gen = 0;
  private mode = OFF;
  private held = "";
  private heldRun = false;
  /** `held` is everything since one of the module's lines that arrived with more bytes after it. */
  private holdAll = false;
  private timer: Timer | undefined = undefined;
  /** Hold-back of an incomplete run (its own timer: the escape's timer must survive received bytes). */
  private hold: Timer | undefined = undefined;
  private idle: Timer | undefined = undefined;
  private pace: Timer | undefined = undefined;
  private lastRx = 0;
  private escAt = 0;
  /** Why we escape: 0 commands wait, 1 verify held module lines, 2 liveness probe. */
  private purpose = 0;
  private plusRun = -1;
  private plusWait = 0;
  private txTask: Task;
  private guard: number;
  private dtr: boolean;

  constructor(ctx: PartContext) {
    this.c = ctx;
    this.guard = ctx.opts.escapeGuardMs;
    this.dtr = ctx.opts.escapeWithDtr && !!ctx.hal.dtr;
    const self = this;
    this.txTask = ctx.sched.task(function () {
      self.write();
    });
    ctx.table.dataHook = function (s: Slot) {
      self.take(s);
    };
    ctx.engine.onUrc("CONNECT", function () {
      // A server client on link 0: the module is in data mode now (after +CLIENT).
      const s = ctx.table.slotOf(0);
      self.take(s && s.state === S_OPEN && s.owner ? s : undefined);
    });
    ctx.engine.onUrc("CLOSED", function () {
      // The peer closed the link while we were out of data mode (commands before ATO): ATO would fail.
      const s = self.live();
      if (s && self.mode === OFF) ctx.table.finish(s, "remote");
    });
  }

  /** Data mode has begun for `s` (undefined: a client we refused; leave at once). */
  take(s: Slot | undefined): void {
    const c = this.c;
    this.slot = s;
    this.gen = s ? s.gen : 0;
    this.mode = DATA;
    this.held = "";
    this.heldRun = false;
    this.holdAll = false;
    c.sched.cancel(this.hold);
    this.plusRun = -1;
    this.lastRx = c.sched.now();
    if (s) s.raw = this;
    c.engine.borrow(this);
    if (!s) return this.escape(0);
    this.armIdle(c.opts.idleProbeMs);
    this.kick();
  }

  private live(): Slot | undefined {
    const s = this.slot;
    return s && s.gen === this.gen && s.state === S_OPEN ? s : undefined;
  }

  private wait(ms: number, fn: () => void): void {
    const c = this.c;
    c.sched.cancel(this.timer);
    this.timer = c.sched.after(ms, function () {
      fn();
    });
  }

  /** Probe once the line has been quiet for idleProbeMs: check again in `delay` ms. */
  private armIdle(delay: number): void {
    const c = this.c;
    const ms = c.opts.idleProbeMs;
    c.sched.cancel(this.idle);
    this.idle = undefined;
    if (!ms) return;
    const self = this;
    this.idle = c.sched.after(delay, function () {
      self.idle = undefined;
      if (self.mode === OFF) return; // command mode: take() arms it again
      const quiet = c.sched.now() - self.lastRx;
      if (self.mode === DATA && quiet >= ms) return self.escape(2);
      // Check again when the line will have been quiet long enough (or when held lines are settled).
      const wait = self.mode === DATA ? ms - quiet : ms;
      self.armIdle(wait > 1 ? wait : 1);
    });
  }

  // ---- received bytes --------------------------------------------------------------------------

  data(bytes: string): void {
    const c = this.c;
    this.lastRx = c.sched.now();
    const s = this.held + bytes;
    this.held = "";
    c.sched.cancel(this.hold);
    // Bytes restart the quiet wait of held lines; they must not stop an escape under way (GUARD, ESCAPED).
    if (this.mode === DATA || this.mode === SUSPECT) c.sched.cancel(this.timer);
    // No tolerance before the module's guard: it is still in data mode then and forwards the peer's bytes.
    const okToo = this.mode === ESCAPED && (this.dtr || c.sched.now() >= this.escAt + MODULE_GUARD_MS);
    let from = 0;
    if (this.holdAll) {
      // Holding all since a module line in mid-stream: an echo is bounded by what we had in flight.
      if (s.length <= 2 * c.opts.sendChunkBytes + MAX_RUN) return this.keep(s, okToo);
      this.holdAll = false; // more than any echo: the peer is still sending, that line was payload
      from = 2;
    }
    // Where a run of module lines (complete or not) may start, within the last MAX_RUN bytes.
    let p = s.length > MAX_RUN ? s.indexOf("\r", s.length - MAX_RUN) : s.indexOf("\r");
    let kind = 0;
    while (p >= 0) {
      kind = runAt(s, p, okToo, this.mode === ESCAPED && !this.dtr);
      if (kind) break;
      p = s.indexOf("\r", p + 1);
    }
    if (!kind) {
      const q = this.mode === DATA || this.mode === SUSPECT ? midMark(s, from) : -1;
      if (q < 0) {
        this.deliver(s);
        if (this.mode === SUSPECT) this.resume();
        return;
      }
      // One of the module's lines with bytes after it: a rebooted module echoes what we wrote
      // meanwhile. Hold everything from the line on (writing stops), as for a run at the end.
      this.deliver(s.substr(0, q));
      this.holdAll = true;
      return this.keep(s.substr(q), okToo);
    }
    this.deliver(s.substr(0, p));
    if (kind === 1) {
      // Incomplete: more of the module's line is on its way, or it was payload after all.
      this.held = s.substr(p);
      this.heldRun = false;
      const self = this;
      this.hold = c.sched.after(c.opts.holdBackMs, function () {
        self.flushHeld();
      });
      return;
    }
    this.keep(s.substr(p), okToo);
  }

  /** Hold `s` (module lines, or what followed one) until the line is quiet or our escape is answered. */
  private keep(s: string, okToo: boolean): void {
    const c = this.c;
    const self = this;
    this.held = s;
    this.heldRun = true;
    if (okToo && s.substr(s.length - 6) === "\r\nOK\r\n") {
      // The module's OK is the last thing it sends (it holds the peer's data from then on); a
      // peer's OK forwarded before the escape may still be on the line, followed by more bytes.
      // So the OK answers only once the line stays quiet after it.
      this.hold = c.sched.after(c.opts.holdBackMs, function () {
        self.escaped();
      });
      return;
    }
    if (this.mode === DATA || this.mode === SUSPECT) {
      this.mode = SUSPECT;
      this.wait(c.opts.quietMs, function () {
        if (self.mode === SUSPECT) self.escape(1);
      });
    }
  }

  /** Held bytes that did not become a run of module lines: they were payload. */
  private flushHeld(): void {
    const h = this.held;
    this.held = "";
    this.heldRun = false;
    this.holdAll = false;
    this.deliver(h);
    if (this.mode === SUSPECT) this.resume();
  }

  private resume(): void {
    this.mode = DATA;
    this.kick();
  }

  private deliver(d: string): void {
    if (!d) return;
    const o = this.slot;
    const s = o && o.gen === this.gen && (o.state === S_OPEN || o.state === S_CLOSING) ? o : undefined;
    const t = this.c.table;
    if (!s) {
      t.stats.unmatchedBytes += d.length;
      return;
    }
    const took = s.ring.write(d);
    s.counters.bytesIn += took;
    if (took < d.length) {
      s.counters.drops += d.length - took;
      if (!s.overflowed) {
        s.overflowed = 1;
        t.tell(s, EV_ERROR, sockErr("overflow", "receive ring full (" + s.ring.capacity + " bytes): " + s.counters.drops + " bytes dropped; read faster (transparent mode has no flow control)"));
      }
    }
    if (took) t.tell(s, EV_READABLE, undefined);
  }

  // ---- escape ------------------------------------------------------------------------------

  /** Commands are waiting (engine), or the slot closes: leave data mode. */
  wantLine(): void {
    if (this.mode === DATA) this.escape(0);
  }

  private escape(purpose: number): void {
    const c = this.c;
    const self = this;
    this.purpose = purpose;
    c.sched.cancel(this.idle);
    this.idle = undefined;
    if (this.dtr) {
      (c.hal.dtr as { write(a: boolean): void }).write(false);
      this.mode = ESCAPED;
      this.escAt = c.sched.now();
      return this.wait(ANSWER_MS + 500, function () {
        self.noAnswer();
      });
    }
    this.mode = GUARD;
    const quiet = c.sched.now() - c.engine.wireIdleAt();
    this.wait(this.guard - quiet, function () {
      if (self.mode !== GUARD) return;
      c.engine.lineWrite("+++");
      self.escAt = c.engine.wireIdleAt();
      self.mode = ESCAPED;
      self.wait(self.escAt - c.sched.now() + self.guard + ANSWER_MS, function () {
        self.noAnswer();
      });
    });
  }

  /** The module answered the escape: command mode with the link still open. */
  private escaped(): void {
    const c = this.c;
    c.sched.cancel(this.timer);
    c.sched.cancel(this.hold);
    const run = this.held;
    this.held = "";
    this.holdAll = false;
    if (this.dtr) (c.hal.dtr as { write(a: boolean): void }).write(true);
    // What was held before the OK was payload that looked like module lines.
    if (this.heldRun) this.deliver(run.substr(0, run.length - 6));
    this.mode = OFF;
    c.engine.giveBack(false);
    // The table's work (AT+CIPCLOSE of a closing socket) waited for the line.
    c.table.kick();
    const s = this.live();
    if (!s) return;
    if (s.state !== S_OPEN || s.ending) return;
    // Back to data mode after whatever made us escape (queued commands run first, FIFO).
    const self = this;
    const gen = s.gen;
    const ok = c.engine.submit({ request: "ATO", timeout: 5000, connect: true }, function (r: AtResult) {
      if (r.error) {
        if (s.gen === gen && s.state === S_OPEN) c.table.fail(s, sockErr("lost", "ATO failed: " + r.error.text));
        return;
      }
      // The module is in data mode again: take the line whatever became of the socket meanwhile (a
      // closing one escapes at once so its AT+CIPCLOSE can go; a gone one leaves at once too).
      self.take(s.gen === gen ? s : undefined);
    });
    if (!ok) c.table.fail(s, sockErr("lost", "ATO refused: the AT queue is full"));
  }

  /** No OK after the escape: the module is not in data mode (it left on its own), or it is not answering. */
  private noAnswer(): void {
    const c = this.c;
    if (this.mode !== ESCAPED) return;
    c.sched.cancel(this.hold);
    if (this.dtr) (c.hal.dtr as { write(a: boolean): void }).write(true);
    const run = this.heldRun ? this.held : "";
    this.held = "";
    this.heldRun = false;
    this.holdAll = false;
    this.mode = OFF;
    const why = reasonOf(run);
    // The module's own lines ended data mode; what we wrote since may sit on its command line: the engine flushes it.
    c.engine.giveBack(true);
    c.table.kick();
    const s = this.live();
    if (why === "network") c.sup.noteNetworkError();
    else if (why === "reboot") c.sup.noteReboot();
    if (!s) return;
    if (why) return c.table.finish(s, why);
    // Nothing said why: ask the module whether the link is still there (a frozen module stalls the engine instead).
    c.table.finish(s, "lost");
    c.table.reconcile();
  }

  // ---- sending -----------------------------------------------------------------------------

  /** RawPath: bytes queued on the slot, or its close was asked for. */
  kick(): void {
    this.c.sched.post(this.txTask);
  }

  private write(): void {
    const c = this.c;
    const s = this.live();
    if (this.mode !== DATA) return;
    if (!s) {
      // Closed while in data mode: leave it so the close (or the next socket) can go.
      if (this.slot && this.slot.gen === this.gen && this.slot.state > S_OPEN) this.escape(0);
      return;
    }
    if (!s.tx.count()) return;
    const now = c.sched.now();
    if (now < this.plusWait) return;
    // Paced by the wire: the next chunk goes when what was written has almost left it. Otherwise
    // the UART buffers without bound (drain would mean nothing) and an escape waits for all of it.
    const ahead = c.engine.wireIdleAt() - now;
    const lead = (c.opts.sendChunkBytes * 10000) / c.table.hooks.baud();
    if (ahead - lead >= 1) {
      if (!this.pace) {
        const self = this;
        this.pace = c.sched.after(ahead - lead, function () {
          self.pace = undefined;
          self.kick();
        });
      }
      return;
    }
    let chunk = s.tx.peek(c.opts.sendChunkBytes);
    if (now - c.engine.wireIdleAt() >= 900) this.plusRun = 0; // a silence: a new run of '+' could start an escape
    if (this.plusRun >= 0) {
      let p = 0;
      while (p < 3 && p < chunk.length && chunk.charCodeAt(p) === 43) p++;
      if (this.plusRun + p >= 3) {
        // The third '+' within 900 ms after a silence: write at most two, hold the next.
        chunk = chunk.substr(0, 2 - this.plusRun);
        this.plusRun = 2;
        if (!chunk) {
          const self = this;
          this.plusWait = c.engine.wireIdleAt() + PLUS_SPACING_MS;
          c.sched.after(this.plusWait - now, function () {
            self.plusRun = -1;
            self.kick();
          });
          return;
        }
      } else this.plusRun = p === chunk.length ? this.plusRun + p : -1;
    }
    c.engine.lineWrite(chunk);
    s.tx.consume(chunk.length);
    s.counters.bytesOut += chunk.length;
    if (!s.tx.count()) c.table.emptied(s);
    else this.kick();
  }
}

/** The part: `parts: [transparent]` with `dataMode: "transparent"`. */
export const transparent: Part = {
  name: "transparent",
  schema: "escapeGuardMs=1100:i1000,10000;holdBackMs=30:i1,1000;quietMs=200:i10,5000;idleProbeMs=4000:i0,3600000",
  install: function (ctx: PartContext): void {
    new Transparent(ctx);
  },
};
