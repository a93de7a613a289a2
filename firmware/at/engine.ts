// AT command engine: one command in flight, a bounded queue behind it, timeouts, resynchronisation, URC routing.
//
// Flow. UART chunks are posted to the Scheduler and fed to the AtParser in order; the parser's
// events are handled here one after the other (never nested): an event either answers the command
// in flight (its information lines, prompt, final result, async completion, CONNECT) or is
// dispatched as what it is (URC table, payload/data listener). Completion callbacks run from that
// handling but cannot re-enter the parser: `submit` only queues, and the next command is written by
// a task posted to the Scheduler after the current one. Timer expiries are Scheduler tasks too.
//
// Timeouts. A command that is not answered within its `timeoutMs` completes with kind "timeout";
// the engine then resynchronises before the next command: it sends the probe `syncRequest`
// (default `AT+CMEE?`, preceded by ESC when the command still waited for its `>` prompt, so a late
// prompt cannot swallow the probe as payload) and waits for the `syncMatch` line (default `+CMEE:`) followed by OK. A late
// OK/ERROR of the timed-out command has no such line before it and is dropped, so it can never
// complete the next command; late information lines go to the URC table. The same happens after an
// abort and after `+CIPERROR` (which some firmware trails with an ERROR). Every timeout (command or
// probe) is reported to the listener with the count of consecutive ones; after
// `stallAfterTimeouts` the engine stops, fails everything queued with kind "stalled" and reports
// `stall`: the modem supervisor resets the module and calls `reset()`.
//
// Memory: queue, URC table and the parser ring are fixed at construction; per-command results hold
// at most `maxInfoLines` lines. Options are validated (RangeError on nonsense).
import { Uart, ByteCodec } from "../core/hal";
import { Scheduler, TimerId } from "../core/scheduler";
import { AtCommand, AtDone, AtResult } from "./command";
import { AtError, AtErrorKind, engineError, modemError } from "./errors";
import { AtParser, AtParserSink, FinalKind, PayloadKind, checkIntOption } from "./parser";
import { UrcHandler, UrcTable } from "./urc";

export interface AtEngineOptions {
  /** Parser line ring in bytes (the board's atRxRingBytes, 64..65536; sizing rule in parser.ts). */
  ringBytes: number;
  /** Largest announced payload accepted (1..1048576); A76XX reads/pushes are ≤ 1500. */
  maxPayloadBytes: number;
  /** Commands that may wait behind the one in flight (1..64). */
  queueSize: number;
  /** URC prefixes that can be registered (1..64). */
  urcSlots: number;
  /** Information lines kept per command (1..64); more are counted in AtResult.truncated. */
  maxInfoLines: number;
  /** Probe sent to resynchronise after a timeout or abort (printable, without CR). */
  syncRequest: string;
  /** Line prefix that must precede the probe's OK ("" = any OK, weaker against late answers). */
  syncMatch: string;
  /** Deadline of one probe in ms (1..600000). */
  syncTimeoutMs: number;
  /** Consecutive timeouts (commands and probes) after which the engine stalls (1..100). */
  stallAfterTimeouts: number;
}

export const defaultAtEngineOptions: AtEngineOptions = {
  ringBytes: 1024,
  maxPayloadBytes: 4096,
  queueSize: 8,
  urcSlots: 16,
  maxInfoLines: 16,
  syncRequest: "AT+CMEE?",
  syncMatch: "+CMEE:",
  syncTimeoutMs: 1000,
  stallAfterTimeouts: 3,
};

/** What the engine passes up besides command results. Every method is optional and must not throw. */
export interface AtEngineListener {
  payloadStart?(kind: PayloadKind, link: number, length: number, rest: number, remote: string): void;
  payloadData?(kind: PayloadKind, link: number, data: string): void;
  payloadEnd?(kind: PayloadKind, link: number): void;
  /** Bytes received in transparent data mode. */
  data?(bytes: string): void;
  /** A command or probe timed out; `consecutive` counts timeouts since the modem last answered a command. */
  timeout?(consecutive: number, request: string): void;
  /** The engine gave up after `consecutive` timeouts; call `reset()` after resetting the modem. */
  stall?(consecutive: number): void;
  /** An over-long line was dropped by the parser. */
  overflow?(): void;
}

export interface AtEngineStats {
  commands: number;
  timeouts: number;
  resyncs: number;
  /** Finals dropped while resynchronising (late answers). */
  lateFinals: number;
  /** Finals with no command in flight (or after the command's final). */
  strayFinals: number;
  echoes: number;
  /** Callbacks (done, listener) that threw; the throw is caught. */
  callbackErrors: number;
}

/** Engine phases. */
const IDLE = 0;
const CMD = 1;
const SYNC = 2;
const STALLED = 3;

function startsWith(s: string, p: string): boolean {
  return s.substr(0, p.length) === p;
}

/** True for printable ASCII only (no CR, LF or control bytes). */
function printable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/** Field `k` (comma-separated) of `s` from `from`. */
function field(s: string, from: number, k: number): string {
  let start = from;
  for (let i = 0; i < k; i++) {
    const c = s.indexOf(",", start);
    if (c < 0) return "";
    start = c + 1;
  }
  const e = s.indexOf(",", start);
  return e < 0 ? s.substr(start) : s.substring(start, e);
}

function finalErrorKind(kind: FinalKind): AtErrorKind {
  return kind === "ok" ? "error" : kind;
}

export class AtEngine {
  readonly options: AtEngineOptions;
  readonly parser: AtParser;
  readonly stats: AtEngineStats = {
    commands: 0,
    timeouts: 0,
    resyncs: 0,
    lateFinals: 0,
    strayFinals: 0,
    echoes: 0,
    callbackErrors: 0,
  };
  private uart: Uart;
  private sched: Scheduler;
  private listener: AtEngineListener;
  private urc: UrcTable;

  private qCmd: Array<AtCommand | undefined>;
  private qDone: Array<AtDone | undefined>;
  private qHead = 0;
  private qCount = 0;

  private phase = IDLE;
  private pumpPosted = false;
  /** Received chunks waiting for their parse task (emptied by each task). */
  private rxChunks: string[] = [];
  private rxPosted = false;
  private started = false;
  private consecutiveTimeouts = 0;
  /** Bumped whenever a command or probe starts or ends: a stale timer task sees a different value. */
  private gen = 0;
  private timer: TimerId = 0;

  private cur: AtCommand | undefined = undefined;
  private curDone: AtDone | undefined = undefined;
  private curLines: string[] = [];
  private curTruncated = false;
  private curFinal = false;
  private curAsync = "";
  private curAsyncErr: AtError | null = null;
  private curPromptSent = false;
  private syncSeen = false;
  /** Probes sent in the current resynchronisation whose answer has not been drained yet. */
  private syncOutstanding = 0;
  /** A probe was answered; waiting for the answers of the earlier ones. */
  private syncDraining = false;
  /** The command that timed out was still waiting for its prompt: cancel a late prompt with ESC first. */
  private syncEsc = false;

  /** Throws RangeError on invalid options (programmer error). */
  constructor(uart: Uart, codec: ByteCodec, scheduler: Scheduler, options: AtEngineOptions, listener: AtEngineListener) {
    checkIntOption("queueSize", options.queueSize, 1, 64);
    checkIntOption("maxInfoLines", options.maxInfoLines, 1, 64);
    checkIntOption("syncTimeoutMs", options.syncTimeoutMs, 1, 600000);
    checkIntOption("stallAfterTimeouts", options.stallAfterTimeouts, 1, 100);
    if (!options.syncRequest || !printable(options.syncRequest)) throw new RangeError("AT option syncRequest must be printable text");
    this.options = options;
    this.uart = uart;
    this.sched = scheduler;
    this.listener = listener;
    this.urc = new UrcTable(options.urcSlots);
    this.qCmd = new Array(options.queueSize);
    this.qDone = new Array(options.queueSize);
    const self = this;
    const sink: AtParserSink = {
      line: (t) => self.onLine(t),
      final: (k, info) => self.onFinal(k, info),
      echo: () => {
        self.stats.echoes++;
      },
      prompt: () => self.onPrompt(),
      connect: (t) => self.onConnect(t),
      closed: () => {
        self.urc.dispatch("CLOSED");
      },
      payloadStart: (k, l, n, r, rem) => {
        const f = self.listener.payloadStart;
        if (f) self.guard(() => f.call(self.listener, k, l, n, r, rem));
      },
      payloadData: (k, l, d) => {
        const f = self.listener.payloadData;
        if (f) self.guard(() => f.call(self.listener, k, l, d));
      },
      payloadEnd: (k, l) => {
        const f = self.listener.payloadEnd;
        if (f) self.guard(() => f.call(self.listener, k, l));
      },
      data: (b) => {
        const f = self.listener.data;
        if (f) self.guard(() => f.call(self.listener, b));
      },
      overflow: () => {
        const f = self.listener.overflow;
        if (f) self.guard(() => f.call(self.listener));
      },
    };
    this.parser = new AtParser({ ringBytes: options.ringBytes, maxPayloadBytes: options.maxPayloadBytes }, codec, sink);
  }

  /** Take the UART's receive side: every chunk is posted to the Scheduler and parsed in order. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const self = this;
    // Chunks that arrive before their task runs wait here in order; one task takes them all, so a
    // burst never fills the scheduler's ready queue (a throw inside the serial handler would lose it).
    this.uart.onData((chunk) => {
      self.rxChunks.push(chunk);
      if (self.rxPosted) return;
      self.sched.post(() => self.receivePending());
      self.rxPosted = true;
    });
  }

  private receivePending(): void {
    this.rxPosted = false;
    const chunks = this.rxChunks;
    this.rxChunks = [];
    for (let i = 0; i < chunks.length; i++) this.receive(chunks[i]);
  }

  /** Parse one received chunk now (what the UART handler's task does; benches and tests may call it). */
  receive(chunk: string): void {
    this.parser.feed(chunk);
  }

  /**
   * Queue a command; `done` gets its result exactly once. Returns false (and never calls `done`)
   * when the queue is full or the engine is stalled. Throws RangeError for a malformed command
   * (control bytes in a non-raw request, timeoutMs not an integer ≥ 1): a programmer error.
   */
  submit(cmd: AtCommand, done: AtDone | undefined): boolean {
    if (!cmd.raw && !printable(cmd.request)) throw new RangeError("AT request must be printable ASCII (no CR/LF/control bytes)");
    checkIntOption("timeoutMs", cmd.timeoutMs, 1, 10000000);
    if (this.phase === STALLED || this.qCount === this.qCmd.length) return false;
    let tail = this.qHead + this.qCount;
    if (tail >= this.qCmd.length) tail -= this.qCmd.length;
    this.qCmd[tail] = cmd;
    this.qDone[tail] = done;
    this.qCount++;
    this.schedulePump();
    return true;
  }

  /** Commands waiting behind the one in flight. */
  queued(): number {
    return this.qCount;
  }

  /** True while a command or a resynchronisation probe is in flight. */
  busy(): boolean {
    return this.phase === CMD || this.phase === SYNC;
  }

  /** True after repeated timeouts, until `reset()`. */
  stalled(): boolean {
    return this.phase === STALLED;
  }

  /** Route unsolicited lines starting with `prefix` to `handler` (longest prefix wins). RangeError when full. */
  onUrc(prefix: string, handler: UrcHandler): void {
    this.urc.on(prefix, handler);
  }

  /** Stop routing `prefix`. */
  offUrc(prefix: string): boolean {
    return this.urc.off(prefix);
  }

  /** Receives every unsolicited line no registered prefix matches (default: ignored). */
  setDefaultUrc(handler: UrcHandler | undefined): void {
    this.urc.setDefault(handler);
  }

  /** The URC routing table (counters: unknown, handlerErrors). */
  urcTable(): UrcTable {
    return this.urc;
  }

  /**
   * Transparent data mode on/off. On: every received byte goes to listener.data and queued commands
   * wait (except `raw` ones such as "+++"). A `connect` command switches it on by itself; a URC
   * handler for an unsolicited CONNECT may call this synchronously and the rest of the chunk is data.
   */
  setDataMode(on: boolean): void {
    this.parser.setDataMode(on);
    if (!on) this.schedulePump();
  }

  isDataMode(): boolean {
    return this.parser.isDataMode();
  }

  /**
   * Forget everything: the command in flight and every queued one complete with kind "reset", the
   * parser drops partial state and leaves data mode, the timeout count restarts. Use after the
   * modem was reset or power-cycled.
   */
  reset(): void {
    this.sched.clearTimer(this.timer);
    this.timer = 0;
    this.gen++;
    this.parser.reset();
    this.consecutiveTimeouts = 0;
    this.syncOutstanding = 0;
    this.syncDraining = false;
    const cur = this.cur;
    const curDone = this.curDone;
    this.cur = undefined;
    this.curDone = undefined;
    this.phase = IDLE;
    if (cur && curDone) this.callDone(curDone, this.result(engineError("reset", "engine reset")));
    this.failQueued("reset", "engine reset");
  }

  // ---- command lifecycle -------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpPosted || this.phase !== IDLE || this.qCount === 0) return;
    this.pumpPosted = true;
    const self = this;
    this.sched.post(() => self.pump());
  }

  /** Take the oldest queued command off the queue; returns its completion callback. */
  private dequeue(): AtDone | undefined {
    const done = this.qDone[this.qHead];
    this.qCmd[this.qHead] = undefined;
    this.qDone[this.qHead] = undefined;
    this.qHead++;
    if (this.qHead === this.qCmd.length) this.qHead = 0;
    this.qCount--;
    return done;
  }

  private pump(): void {
    this.pumpPosted = false;
    if (this.phase !== IDLE || this.qCount === 0) return;
    const cmd = this.qCmd[this.qHead] as AtCommand;
    if (this.parser.isDataMode() && !cmd.raw) return;
    const done = this.dequeue();
    this.stats.commands++;
    this.cur = cmd;
    this.curDone = done;
    this.curLines = [];
    this.curTruncated = false;
    this.curFinal = false;
    this.curAsync = "";
    this.curAsyncErr = null;
    this.curPromptSent = false;
    this.phase = CMD;
    this.parser.armPrompt(cmd.payload !== undefined);
    this.arm(cmd.timeoutMs);
    this.uart.write(cmd.raw ? cmd.request : cmd.request + "\r");
  }

  private arm(ms: number): void {
    this.sched.clearTimer(this.timer);
    const g = ++this.gen;
    const self = this;
    this.timer = this.sched.setTimer(ms, () => self.onTimer(g));
  }

  private result(error: AtError | null): AtResult {
    return {
      error: error,
      lines: this.curLines,
      truncated: this.curTruncated,
      async: this.curAsync,
      connect: "",
    };
  }

  private callDone(done: AtDone, res: AtResult): void {
    try {
      done(res);
    } catch (e) {
      this.stats.callbackErrors++;
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.stats.callbackErrors++;
    }
  }

  /**
   * End the command in flight. `answered`: the modem produced the outcome (resets the timeout
   * count). `next`: IDLE (send the next command), SYNC (probe first) or STALLED. The state is
   * settled before `done` runs.
   */
  private finish(error: AtError | null, connectText: string, answered: boolean, next: number): void {
    const done = this.curDone;
    const res = this.result(error);
    res.connect = connectText;
    this.sched.clearTimer(this.timer);
    this.timer = 0;
    this.gen++;
    this.cur = undefined;
    this.curDone = undefined;
    this.curLines = [];
    this.parser.armPrompt(false);
    if (answered) this.consecutiveTimeouts = 0;
    this.phase = IDLE;
    if (next === SYNC) this.startSync();
    else if (next === STALLED) this.phase = STALLED;
    else this.schedulePump();
    if (done) this.callDone(done, res);
    if (next === STALLED && this.phase === STALLED) this.stall();
  }

  private startSync(): void {
    this.stats.resyncs++;
    if (this.phase !== SYNC) this.syncOutstanding = 0;
    // A probe that timed out may still be answered: count every probe of this resynchronisation so
    // that each answer is drained here and none can complete the next command.
    this.syncOutstanding++;
    this.phase = SYNC;
    this.syncSeen = false;
    this.parser.armPrompt(false);
    this.arm(this.options.syncTimeoutMs);
    const esc = this.syncEsc;
    this.syncEsc = false;
    this.uart.write((esc ? "\x1b" : "") + this.options.syncRequest + "\r");
  }

  /** Enter STALLED: fail the queue and tell the listener. */
  private stall(): void {
    this.sched.clearTimer(this.timer);
    this.timer = 0;
    this.gen++;
    this.phase = STALLED;
    this.failQueued("stalled", "modem not answering");
    const f = this.listener.stall;
    const n = this.consecutiveTimeouts;
    const l = this.listener;
    if (f) this.guard(() => f.call(l, n));
  }

  private failQueued(kind: AtErrorKind, text: string): void {
    while (this.qCount > 0) {
      const done = this.dequeue();
      if (done) this.callDone(done, { error: engineError(kind, text), lines: [], truncated: false, async: "", connect: "" });
    }
  }

  private onTimer(g: number): void {
    if (g !== this.gen) return; // the command or probe it guarded already ended
    this.timer = 0;
    if (this.phase === SYNC && this.syncDraining) {
      // The modem answered a probe; the answers of the earlier ones never came. Go on.
      this.syncDraining = false;
      this.syncOutstanding = 0;
      this.phase = IDLE;
      this.schedulePump();
      return;
    }
    this.stats.timeouts++;
    this.consecutiveTimeouts++;
    const n = this.consecutiveTimeouts;
    const request = this.phase === CMD && this.cur ? this.cur.request : this.options.syncRequest;
    const f = this.listener.timeout;
    const l = this.listener;
    if (f) this.guard(() => f.call(l, n, request));
    const stall = n >= this.options.stallAfterTimeouts;
    if (this.phase === CMD) {
      const c = this.cur;
      this.syncEsc = !!c && c.payload !== undefined && !this.curPromptSent;
      this.finish(engineError("timeout", "no answer to " + request), "", false, stall ? STALLED : SYNC);
    } else if (stall) {
      this.stall();
    } else {
      this.startSync();
    }
  }

  // ---- parser events -----------------------------------------------------------------------

  private matchInfo(text: string, matches: string[]): boolean {
    for (let i = 0; i < matches.length; i++) {
      const p = matches[i];
      if (p === "" ? this.urc.find(text) < 0 : startsWith(text, p)) return true;
    }
    return false;
  }

  private onLine(text: string): void {
    const c = this.cur;
    if (this.phase === CMD && c) {
      if (c.async && this.curAsync === "" && startsWith(text, c.async)) {
        this.curAsync = text;
        const k = c.asyncErrField;
        if (k !== undefined && k >= 0) {
          const f = field(text, c.async.length, k).trim();
          if (f !== "0") this.curAsyncErr = modemError("async", f);
        }
        if (this.curFinal) this.finish(this.curAsyncErr, "", true, IDLE);
        return;
      }
      if (c.abort) {
        for (let i = 0; i < c.abort.length; i++) {
          if (startsWith(text, c.abort[i])) {
            this.finish({ kind: "aborted", code: -1, text: text }, "", true, SYNC);
            return;
          }
        }
      }
      if (!this.curFinal && c.matches && this.matchInfo(text, c.matches)) {
        if (this.curLines.length < this.options.maxInfoLines) this.curLines.push(text);
        else this.curTruncated = true;
        return;
      }
    } else if (this.phase === SYNC && this.options.syncMatch !== "" && startsWith(text, this.options.syncMatch)) {
      this.syncSeen = true;
      return;
    }
    this.urc.dispatch(text);
  }

  private onFinal(kind: FinalKind, info: string): void {
    const c = this.cur;
    if (this.phase === CMD && c && !this.curFinal) {
      if (kind === "ok") {
        if (c.payload !== undefined && !this.curPromptSent) {
          this.finish(engineError("noPrompt", "OK without a prompt"), "", true, IDLE);
          return;
        }
        this.curFinal = true;
        if (c.connect) return; // keep waiting for CONNECT
        if (!c.async || this.curAsync !== "") this.finish(this.curAsyncErr, "", true, IDLE);
        return;
      }
      let err: AtError;
      if (kind === "error" && this.curAsyncErr) err = this.curAsyncErr;
      else {
        err = modemError(finalErrorKind(kind), info);
        if (!err.text) err.text = kind === "noCarrier" ? "NO CARRIER" : "ERROR";
      }
      this.finish(err, "", true, kind === "cip" ? SYNC : IDLE);
      return;
    }
    if (this.phase === SYNC) {
      if (kind === "ok" && (this.options.syncMatch === "" || this.syncSeen)) {
        this.sched.clearTimer(this.timer);
        this.timer = 0;
        this.gen++;
        this.syncSeen = false;
        this.syncOutstanding--;
        if (this.syncOutstanding > 0) {
          // Earlier probes' answers are still on their way: wait for them (or one probe deadline).
          this.syncDraining = true;
          this.arm(this.options.syncTimeoutMs);
          return;
        }
        this.syncDraining = false;
        this.phase = IDLE;
        this.schedulePump();
      } else {
        this.stats.lateFinals++;
      }
      return;
    }
    this.stats.strayFinals++;
  }

  private onPrompt(): void {
    const c = this.cur;
    if (this.phase === CMD && c && c.payload !== undefined && !this.curPromptSent) {
      this.curPromptSent = true;
      this.uart.write(c.payload);
    }
  }

  private onConnect(text: string): void {
    const c = this.cur;
    if (this.phase === CMD && c && c.connect) {
      this.parser.setDataMode(true);
      this.finish(null, text, true, IDLE);
      return;
    }
    this.urc.dispatch(text ? "CONNECT " + text : "CONNECT");
  }
}
