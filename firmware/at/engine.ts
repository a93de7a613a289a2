// AT command engine, the one owner of the UART: one command in flight, a bounded queue, deadlines, resynchronisation, URC routing, data mode.
//
// Flow. The UART's receive side goes straight into the parser (no scheduler hop: the parser's
// payload path costs two statements a chunk). Parser events are handled here one after the other:
// an event answers the command in flight (information lines, prompt, final result, async
// completion, CONNECT) or is dispatched as what it is (URC table, payloads to the listener).
// Completion callbacks run from that handling and cannot re-enter the parser: `submit` only
// queues, and the next command is written by a scheduler task.
//
// Deadlines. A command waiting for its `>` prompt gets `promptMs` for it, and as long for the OK
// once its payload has left the wire (the module answers at once: a frozen one is noticed in
// seconds; its own `timeout` when shorter); then its own `timeout` runs for the async result. Any other command's
// `timeout` runs from when the request has left the wire. One timer
// serves every deadline: it is armed once and re-armed only when it fires early or a deadline comes
// sooner than it, so a stream of quick commands costs no timer calls. `hurry(ms)` shortens the deadline in flight (a boot banner
// arrived: a rebooted module will never answer it).
//
// Resynchronisation. After a timeout (or `+CIPERROR`, or data mode ended unexpectedly) nothing is
// sent until the module is provably in step again: probes are sent one at a time from a rotation
// of four queries with distinct answers (`AT+CMEE?` → `+CMEE:`, `AT+CIPHEAD?`, `AT+CIPSRIP?`,
// `AT+CIPMODE?`), and the engine is in step only when the answer of the LATEST probe (its line,
// then OK) arrives. The module answers in order, so an older probe's answer settles everything
// sent before it, and a late answer of the timed-out command (no probe line before its final) is
// dropped: a command never completes with another command's answer. A final that arrives before
// the request has even left the wire is a stray (a repeated answer), not this command's; so is an
// OK before a send's prompt, and a send's async result counts only after its prompt. After
// `stallAfter` timeouts in a row the engine stalls: everything queued fails and the listener
// (the supervisor) resets the module, then calls `reset()`.
//
// Data mode. A `connect` command's CONNECT (or a URC handler) hands the line to a Borrower
// (`borrow`): every received byte goes to it, it writes through `lineWrite`, queued commands wait
// and the borrower is told (`wantLine`) so it can leave data mode and `giveBack` the line. No probe
// is written into a borrowed line: a resynchronisation due meanwhile starts when it is given back.
//
// Memory: the queue, URC table and parser are sized at construction; nothing grows with traffic.
import { Uart } from "../core/hal";
import { Fifo } from "../core/fifo";
import { Scheduler, Task, Timer } from "../core/sched";
import { Tracer } from "../core/trace";
import { AtCommand, AtDone, AtResult, printable } from "./command";
import { AtError, AtErrorKind, atError } from "./errors";
import { AtParser, FinalKind, K_RXGET, ParserSink } from "./parser";

export interface EngineOptions {
  /** Longest line kept while it arrives (parser sizing rule), bytes. */
  maxLine: number;
  /** Largest payload accepted (A76XX reads and pushes are ≤ 1500), bytes. */
  maxPayload: number;
  /** Commands that may wait behind the one in flight. */
  queue: number;
  /** Information lines kept per command (more are dropped). */
  maxLines: number;
  /** Deadline for a `>` prompt, ms. */
  promptMs: number;
  /** Deadline of one resynchronisation probe, ms. */
  probeMs: number;
  /** Timeouts in a row (commands and probes) before the engine stalls (1..4). */
  stallAfter: number;
}

/** What the engine passes up besides command results. Methods must not throw (throws are caught and counted). */
export interface EngineListener {
  payload(kind: number, link: number, data: string, rest: number, remote: string): void;
  /** Data-mode bytes while nobody borrows the line (dropped when absent). A malformed read is not
   * reported here: its command fails with kind "badRead", which its owner reports. */
  data?(bytes: string): void;
  /** A command or probe timed out; `consecutive` counts timeouts since the modem last answered. */
  timeout(consecutive: number, request: string): void;
  /** The engine gave up; reset the module, then call `reset()`. */
  stall(consecutive: number): void;
}

/** Who holds the line in data mode. */
export interface Borrower {
  /** Bytes from the module. */
  data(bytes: string): void;
  /** A command waits for the line: leave data mode and give it back when possible. */
  wantLine(): void;
}

export type UrcHandler = (line: string) => void;

export interface EngineStats {
  commands: number;
  timeouts: number;
  resyncs: number;
  /** Finals dropped while resynchronising (late answers). */
  late: number;
  /** Finals with no command to answer (or before its request left the wire). */
  strays: number;
  echoes: number;
  /** Callbacks and handlers that threw (caught). */
  errors: number;
  /** Unsolicited lines no prefix claimed. */
  unknown: number;
}

const IDLE = 0;
const CMD = 1;
const SYNC = 2;
const STALLED = 3;

/** Resynchronisation probes: request and the prefix of its answer line. */
/** The resynchronisation probes, request then answer prefix (a string in the code until a probe is due). */
function probes(): string[] {
  return "AT+CMEE? +CMEE: AT+CIPHEAD? +CIPHEAD: AT+CIPSRIP? +CIPSRIP: AT+CIPMODE? +CIPMODE:".split(" ");
}

function startsWith(s: string, p: string): boolean {
  return s.substr(0, p.length) === p;
}

/** Field `k` (comma-separated) of `s` from `from`, trimmed. */
function field(s: string, from: number, k: number): string {
  const f = s.substr(from).split(",");
  return k < f.length ? f[k].trim() : "";
}

export class AtEngine implements ParserSink {
  readonly parser: AtParser;
  readonly stats: EngineStats = { commands: 0, timeouts: 0, resyncs: 0, late: 0, strays: 0, echoes: 0, errors: 0, unknown: 0 };
  /** When the module last answered a command, ms (the supervisor's health check skips a busy line). */
  answeredAt = 0;
  /** The AT trace (makeTracer), or undefined: off. */
  trace: Tracer | undefined = undefined;
  readonly opts: EngineOptions;
  private uart: Uart;
  private sched: Scheduler;
  private l: EngineListener;
  private q: Fifo<AtCommand | AtDone | undefined>;
  private pumpTask: Task;
  private phase = IDLE;
  private cur: AtCommand | undefined = undefined;
  private done: AtDone | undefined = undefined;
  private lines: string[] = [];
  private gotOk = 0;
  private asyncLine = "";
  private asyncErr: AtError | null = null;
  private prompted = 0;
  private deadline = 0;
  private timer: Timer | undefined = undefined;
  /** When the armed timer fires, ms. */
  private timerAt = 0;
  private consecutive = 0;
  /** When the bytes written so far will have left the wire, ms. */
  private wireEnd = 0;
  /** When the request in flight will have left the wire, ms (a final before that is a stray). */
  private reqEnd = 0;
  private baud = 115200;
  private up: string[] = [];
  private uh: UrcHandler[] = [];
  private probes = 0;
  private probeSeen = -1;
  private syncPrefix = "";
  private b: Borrower | undefined = undefined;
  private started = 0;
  /** No command is written before this time (a data-mode CONNECT is announced), ms. */
  private holdUntil = 0;
  /** A resynchronisation is due once the borrowed line is given back (nothing may be written into data mode). */
  private syncDue = 0;
  /** A buffer-access read's data, delivered only once its OK confirms the framing. */
  private held: string | undefined = undefined;
  private heldLink = -1;
  private heldRest = -1;

  constructor(uart: Uart, sched: Scheduler, opts: EngineOptions, listener: EngineListener) {
    this.uart = uart;
    this.sched = sched;
    this.opts = opts;
    this.l = listener;
    this.q = new Fifo(opts.queue * 2);
    const self = this;
    this.pumpTask = sched.task(function () {
      self.pump();
    });
    this.parser = new AtParser(opts.maxLine, opts.maxPayload, this);
  }

  /** Take the UART's receive side (the parser's feed is the handler). Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = 1;
    this.uart.onData(this.parser.feed);
  }

  /** The UART runs at `baud` now (wire times depend on it). */
  setBaud(baud: number): void {
    this.baud = baud;
  }

  /**
   * Queue a command; `done` gets its result exactly once. False (and `done` never called) when the
   * queue is full or the engine is stalled. Throws RangeError for a non-printable request (a
   * programmer error: callers validate what users hand in).
   */
  submit(c: AtCommand, done: AtDone | undefined): boolean {
    if (!c.raw && !printable(c.request)) throw new RangeError("AT request must be printable ASCII");
    if (this.phase === STALLED || !this.q.push(c)) return false;
    this.q.push(done);
    if (this.b) this.wantLine();
    else if (this.phase === IDLE) this.sched.post(this.pumpTask);
    return true;
  }

  /**
   * `submit` for a caller running in a scheduler task of its own (the socket table): when the
   * engine is idle with nothing queued, the command is written now, without going through the
   * queue and the engine's task (a command per read would pay both).
   */
  submitNow(c: AtCommand, done: AtDone | undefined): boolean {
    if (this.phase !== IDLE || this.q.n || this.b || this.sched.clock.now() < this.holdUntil) return this.submit(c, done);
    if (!c.raw && !printable(c.request)) throw new RangeError("AT request must be printable ASCII");
    this.begin(c, done);
    return true;
  }

  /** Commands waiting behind the one in flight. */
  queued(): number {
    return this.q.n / 2;
  }

  /** A command or probe is in flight. */
  busy(): boolean {
    return this.phase === CMD || this.phase === SYNC;
  }

  stalled(): boolean {
    return this.phase === STALLED;
  }

  /** Route unsolicited lines starting with `prefix` to `handler` (longest prefix wins; "" = lines nothing else claims). */
  onUrc(prefix: string, handler: UrcHandler): void {
    for (let i = 0; i < this.up.length; i++) {
      if (this.up[i] === prefix) {
        this.uh[i] = handler;
        return;
      }
    }
    this.up.push(prefix);
    this.uh.push(handler);
  }

  /** Shorten the deadline of what is in flight to at most `ms` from now. */
  hurry(ms: number): void {
    if (this.phase !== CMD && this.phase !== SYNC) return;
    const d = this.sched.now() + ms;
    if (d >= this.deadline) return;
    this.deadline = d;
    this.sched.cancel(this.timer);
    this.timer = undefined;
    this.arm();
  }

  /**
   * Forget everything: the command in flight and the queued ones complete with kind "reset", the
   * parser drops partial state, data mode ends, the timeout count restarts. After a module reset.
   */
  reset(): void {
    this.sched.cancel(this.timer);
    this.timer = undefined;
    this.parser.reset();
    this.consecutive = 0;
    this.b = undefined;
    this.holdUntil = 0;
    this.syncDue = 0;
    const d = this.done;
    const had = this.phase === CMD;
    this.cur = undefined;
    this.done = undefined;
    this.phase = IDLE;
    if (had && d) this.call(d, this.result(err("reset", "engine reset"), ""));
    this.failQueue("reset", "engine reset");
  }

  // ---- data mode ----------------------------------------------------------------------------

  /** Write no command for up to `ms` (the module announced data mode: its CONNECT comes next); borrow() ends it. */
  hold(ms: number): void {
    this.holdUntil = this.sched.now() + ms;
    const self = this;
    this.sched.after(ms, function () {
      self.sched.post(self.pumpTask);
    });
  }

  /** Hand the line to `b` (data mode): received bytes go to it; commands wait. */
  borrow(b: Borrower): void {
    this.b = b;
    this.holdUntil = 0;
    this.parser.dm = true;
    if (this.trace) this.trace("*", "data mode on", false);
    if (this.q.n) this.wantLine();
  }

  /** True while the line is borrowed. */
  borrowed(): boolean {
    return this.b !== undefined;
  }

  /** Write raw bytes while the line is borrowed (payload in data mode, `+++`). */
  lineWrite(bytes: string): void {
    this.write(bytes, true);
  }

  /**
   * Data mode is over: commands may run again. `unexpected`: the module left data mode on its own
   * (the peer closed, it rebooted): what the host wrote last may sit on its command line, so the
   * engine resynchronises (flushing that line) before the next command.
   */
  giveBack(unexpected: boolean): void {
    this.b = undefined;
    this.parser.dm = false;
    if (this.trace) this.trace("*", "data mode off", false);
    if (this.phase === STALLED) return;
    if ((unexpected || this.syncDue) && this.phase === IDLE) this.startSync(unexpected ? "\r" : "");
    else if (this.phase === IDLE) this.sched.post(this.pumpTask);
  }

  /** When the bytes written so far will have left the wire, ms on the scheduler's clock. */
  wireIdleAt(): number {
    return this.wireEnd;
  }

  // ---- internals ----------------------------------------------------------------------------

  private deliver(k: number, link: number, d: string, rest: number, rem: string): void {
    try {
      this.l.payload(k, link, d, rest, rem);
    } catch (e) {
      this.stats.errors++;
    }
  }

  private wantLine(): void {
    const b = this.b;
    if (!b) return;
    try {
      b.wantLine();
    } catch (e) {
      this.stats.errors++;
    }
  }

  private write(s: string, bytes: boolean): void {
    const now = this.sched.clock.now();
    this.uart.write(s);
    this.wireEnd = (this.wireEnd > now ? this.wireEnd : now) + (s.length * 10000) / this.baud;
    if (this.trace) this.trace(">", s, bytes);
  }

  private call(d: AtDone, r: AtResult): void {
    try {
      d(r);
    } catch (e) {
      this.stats.errors++;
    }
  }

  private result(e: AtError | null, connect: string): AtResult {
    return { error: e, lines: this.lines, async: this.asyncLine, connect: connect };
  }

  /** Fail the commands queued now; those their callbacks submit stay queued (else a caller that retries at once never ends). */
  private failQueue(kind: AtErrorKind, text: string): void {
    for (let n = this.q.n / 2; n > 0; n--) {
      this.q.shift();
      const d = this.q.shift() as AtDone | undefined;
      if (d) this.call(d, { error: err(kind, text), lines: [], async: "", connect: "" });
    }
  }

  /** Make the timer fire by the deadline: kept when it fires no later (it re-arms if early), else set again. */
  private arm(): void {
    if (this.timer) {
      if (this.timerAt <= this.deadline) return;
      this.sched.cancel(this.timer);
    }
    const self = this;
    this.timerAt = this.deadline;
    this.timer = this.sched.after(this.deadline - this.sched.now(), function () {
      self.timer = undefined;
      self.onTimer();
    });
  }

  private pump(): void {
    if (this.phase !== IDLE || !this.q.n || this.sched.now() < this.holdUntil) return;
    if (this.b) {
      this.wantLine();
      return;
    }
    const c = this.q.shift() as AtCommand;
    this.begin(c, this.q.shift() as AtDone | undefined);
  }

  /** Write command `c` (the engine is idle) and arm its deadline. */
  private begin(c: AtCommand, done: AtDone | undefined): void {
    this.done = done;
    this.cur = c;
    this.lines = [];
    this.gotOk = 0;
    this.asyncLine = "";
    this.asyncErr = null;
    this.prompted = 0;
    this.phase = CMD;
    this.stats.commands++;
    this.parser.prompt = c.payload !== undefined;
    if (c.readLink !== undefined) this.parser.expectRead(c.readLink, c.readMax as number);
    this.write(c.raw ? c.request : c.request + "\r", false);
    this.reqEnd = this.wireEnd;
    this.deadline = this.wireEnd + (c.payload !== undefined ? this.opts.promptMs : c.timeout);
    this.arm();
  }

  /** End the command in flight; `next`: IDLE, SYNC (resynchronise first) or STALLED. */
  private finish(e: AtError | null, connect: string, answered: boolean, next: number, syncPrefix: string): void {
    const d = this.done;
    const res = this.result(e, connect);
    this.cur = undefined;
    this.done = undefined;
    this.lines = [];
    this.parser.prompt = false;
    this.parser.expectRead(-1, 0);
    if (answered) {
      this.consecutive = 0;
      this.answeredAt = this.sched.now();
    }
    this.phase = IDLE;
    this.held = undefined;
    if (next === SYNC) this.startSync(syncPrefix);
    else if (next === STALLED) this.phase = STALLED;
    else if (this.q.n) this.sched.post(this.pumpTask);
    if (d) this.call(d, res);
    if (next === STALLED && this.phase === STALLED) this.stall();
  }

  private startSync(prefix: string): void {
    if (this.b) {
      // The line is borrowed (data mode began while a command was in flight): a probe would go
      // to the peer. Resynchronise when the line is given back.
      this.phase = IDLE;
      this.syncDue = 1;
      return;
    }
    this.syncDue = 0;
    this.stats.resyncs++;
    this.phase = SYNC;
    this.probes = 0;
    this.probeSeen = -1;
    this.syncPrefix = prefix;
    this.sendProbe();
  }

  private sendProbe(): void {
    const k = this.probes % 4;
    this.probes++;
    this.probeSeen = -1;
    this.parser.prompt = false;
    this.write(this.syncPrefix + probes()[k * 2] + "\r", false);
    this.syncPrefix = "";
    this.deadline = this.wireEnd + this.opts.probeMs;
    this.sched.cancel(this.timer);
    this.timer = undefined;
    this.arm();
  }

  private stall(): void {
    this.sched.cancel(this.timer);
    this.timer = undefined;
    this.phase = STALLED;
    this.failQueue("stalled", "modem not answering");
    try {
      this.l.stall(this.consecutive);
    } catch (e) {
      this.stats.errors++;
    }
  }

  private onTimer(): void {
    if (this.phase !== CMD && this.phase !== SYNC) return;
    if (this.sched.now() < this.deadline) {
      this.arm();
      return;
    }
    this.stats.timeouts++;
    const n = ++this.consecutive;
    const c = this.cur;
    const request = this.phase === CMD && c ? c.request : probes()[((this.probes - 1) % 4) * 2];
    try {
      this.l.timeout(n, request);
    } catch (e) {
      this.stats.errors++;
    }
    if (this.trace) this.trace("*", "timeout: " + request, false);
    const stall = n >= this.opts.stallAfter;
    if (this.phase === CMD && c) {
      this.parser.abortPayload();
      this.held = undefined;
      // A send still waiting for its prompt may get it late: ESC cancels it before the probe.
      const waiting = c.payload !== undefined && !this.prompted;
      this.finish(err("timeout", (waiting ? "no prompt for " : "no answer to ") + c.request), "", false, stall ? STALLED : SYNC, waiting ? "\x1b" : "");
    } else if (this.b) {
      this.phase = IDLE;
      this.syncDue = 1;
    } else if (stall) {
      this.stall();
    } else {
      this.sendProbe();
    }
  }

  private dispatch(text: string): void {
    let best = -1;
    let bestLen = -1;
    for (let i = 0; i < this.up.length; i++) {
      const p = this.up[i];
      if (p.length > bestLen && startsWith(text, p)) {
        best = i;
        bestLen = p.length;
      }
    }
    if (best < 0 || bestLen === 0) this.stats.unknown++;
    if (best < 0) return;
    try {
      this.uh[best](text);
    } catch (e) {
      this.stats.errors++;
    }
  }

  // ---- the parser's events (AtEngine is its sink: no forwarding closures, one call less per line) --

  echo(text: string): void {
    this.stats.echoes++;
    if (this.trace) this.trace("<", text, false);
  }

  payload(k: number, link: number, d: string, rest: number, rem: string): void {
    if (this.trace) this.trace("<", d, true);
    if (k === K_RXGET && this.phase === CMD) {
      this.held = d;
      this.heldLink = link;
      this.heldRest = rest;
    } else {
      // A push proves the module alive: no health check while data flows (its answer would wait behind the pushes).
      this.answeredAt = this.sched.clock.now();
      this.deliver(k, link, d, rest, rem);
    }
  }

  data(d: string): void {
    const b = this.b;
    if (this.trace) this.trace("<", d, true);
    try {
      if (b) b.data(d);
      else if (this.l.data) this.l.data(d);
    } catch (e) {
      this.stats.errors++;
    }
  }

  overflow(): void {
    if (this.trace) this.trace("*", "over-long line dropped", false);
  }

  /** True when a registered URC prefix (not the catch-all "") starts `text`. */
  private isUrc(text: string): boolean {
    for (let i = 0; i < this.up.length; i++) if (this.up[i] && startsWith(text, this.up[i])) return true;
    return false;
  }

  line(text: string): void {
    if (this.trace) this.trace("<", text, false);
    const c = this.cur;
    if (this.phase === CMD && c) {
      if (c.async && !this.asyncLine && (c.payload === undefined || this.prompted) && startsWith(text, c.async)) {
        this.asyncLine = text;
        if (c.errField !== undefined) {
          const f = field(text, c.async.length, c.errField);
          if (f !== "0") this.asyncErr = atError("async", f);
        }
        if (this.gotOk) this.finish(this.asyncErr, "", true, IDLE, "");
        return;
      }
      if (!this.gotOk && c.match !== undefined && (c.match === "" ? !this.isUrc(text) : startsWith(text, c.match))) {
        if (this.lines.length < this.opts.maxLines) this.lines.push(text);
        return;
      }
    } else if (this.phase === SYNC) {
      const pr = probes();
      for (let k = 0; k < 4; k++) {
        if (startsWith(text, pr[k * 2 + 1])) {
          this.probeSeen = k;
          return;
        }
      }
    }
    this.dispatch(text);
  }

  // Kept short (it runs for every OK): the command's answer and resynchronisation are apart.
  final(kind: FinalKind, info: string): void {
    if (this.trace) this.trace("<", kind === "ok" ? "OK" : kind + " " + info, false);
    if (this.phase === CMD && this.cur && !this.gotOk) this.cmdFinal(this.cur, kind, info);
    else this.otherFinal(kind);
  }

  /** A final while command `c` waits for one. */
  private cmdFinal(c: AtCommand, kind: FinalKind, info: string): void {
    // A send is answered with its prompt or an error, never OK: an OK before the prompt is a
    // repeated answer of something earlier (a lost prompt still fails at the prompt deadline).
    const early = c.payload !== undefined && !this.prompted;
    if (this.sched.clock.now() < this.reqEnd || (kind === "ok" && (early || (c.need && this.lines.length === 0)))) {
      this.stats.strays++;
      return;
    }
    if (kind !== "ok") return this.cmdError(kind, info, early);
    this.gotOk = 1;
    const h = this.held;
    if (h !== undefined) {
      this.held = undefined;
      this.deliver(K_RXGET, this.heldLink, h, this.heldRest, "");
    }
    if (c.connect) return;
    if (!c.async || this.asyncLine) return this.finish(this.asyncErr, "", true, IDLE, "");
    if (c.payload !== undefined) this.deadline = this.sched.clock.now() + c.timeout; // the send's result may take long
  }

  private cmdError(kind: Exclude<FinalKind, "ok">, info: string, early: boolean): void {
    const e = kind === "error" && this.asyncErr ? this.asyncErr : atError(kind, info);
    if (early && kind !== "cip") e.kind = "noPrompt";
    // An error before the prompt may not be this send's (a repeat): its prompt may still come and
    // would take the next command as payload, so ESC cancels it before the probe.
    this.finish(e, "", true, early || kind === "cip" ? SYNC : IDLE, early ? "\x1b" : "");
  }

  /** A final with no command waiting for one: a probe's, a late or a stray one. */
  private otherFinal(kind: FinalKind): void {
    if (this.phase === SYNC) {
      const latest = (this.probes - 1) % 4;
      if (kind === "ok" && this.probeSeen === latest) {
        this.consecutive = 0;
        this.sched.cancel(this.timer);
        this.timer = undefined;
        this.phase = IDLE;
        if (this.q.n) this.sched.post(this.pumpTask);
      } else {
        this.stats.late++;
      }
      this.probeSeen = -1;
      return;
    }
    this.stats.strays++;
  }

  prompt(): void {
    const c = this.cur;
    if (this.phase !== CMD || !c || c.payload === undefined || this.prompted) return;
    this.prompted = 1;
    this.write(c.payload, true);
    this.deadline = this.wireEnd + (c.timeout < this.opts.promptMs ? c.timeout : this.opts.promptMs);
    this.arm();
  }

  connect(text: string): void {
    if (this.trace) this.trace("<", "CONNECT " + text, false);
    const c = this.cur;
    if (this.phase === CMD && c && c.connect) {
      this.parser.dm = true;
      this.finish(null, text, true, IDLE, "");
      return;
    }
    this.dispatch(text ? "CONNECT " + text : "CONNECT");
  }

  badRead(why: string): void {
    const c = this.cur;
    if (this.trace) this.trace("*", "bad read: " + why, false);
    if (this.phase === CMD && c) {
      this.parser.abortPayload();
      this.finish(err("badRead", why), "", true, SYNC, "");
    }
  }
}

function err(kind: AtErrorKind, text: string): AtError {
  return { kind: kind, code: -1, text: text };
}
