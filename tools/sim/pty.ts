// The simulator's pseudo-terminal: socat makes a PTY at a path, its stdin/stdout become the modem's wire, paced at the baud on wall-clock time, with an optional transcript.
//
// socat runs `PTY,link=<path>,rawer,echo=0 STDIO`: what a program writes to <path> comes out of
// socat's stdout (→ the simulator), what the simulator writes to socat's stdin comes out of
// <path>. We hold the PTY's slave side open ourselves so that a client closing it (a terminal
// program quitting) does not end socat: any number of programs can open and close the path in
// turn. Modem → host bytes go through a PacedLine at the baud (10 bits a byte) in chunks; its
// timers run on a drift-free view of the wall clock (each chunk is due a whole chunk time after the
// previous one's due time, not after the late moment its timer fired), so the long-run rate is
// the baud/10 exactly. Host → modem bytes are paced the same way: a pseudo-terminal hands over
// 1024 bytes at once, but a module on a real line cannot have received them, nor answered them,
// before they took their line time (a driver may rely on that). close() kills socat (which removes
// the link) and releases everything.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import { Clock, TimerHandle } from "../../firmware/core/hal";
import { ModemEnd } from "../../hal/host/sim-uart";
import { PacedLine } from "../../hal/host/paced-line";

/**
 * A Clock for pacing on wall-clock time without drift: inside a timer callback `now()` is the
 * timer's due time (not the later moment it really fired), so chained timers keep their schedule.
 * A callback that fires more than `maxLagMs` late is re-anchored to the real time.
 */
export class DriftFreeClock implements Clock {
  private current: number | undefined = undefined;

  constructor(private base: Clock, private maxLagMs = 20) {}

  now(): number {
    return this.current !== undefined ? this.current : this.base.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const due = this.now() + (ms > 0 ? ms : 0);
    const wait = due - this.base.now();
    return this.base.setTimeout(() => {
      const prev = this.current;
      const real = this.base.now();
      this.current = real - due > this.maxLagMs ? real : due;
      try {
        fn();
      } finally {
        this.current = prev;
      }
    }, wait > 0 ? wait : 0);
  }

  clearTimeout(handle: TimerHandle): void {
    this.base.clearTimeout(handle);
  }
}

/** Printable form of 8-bit bytes for a transcript: \r \n \t \\ and \xNN for the rest. */
export function escapeBytes(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13) out += "\\r";
    else if (c === 10) out += "\\n";
    else if (c === 9) out += "\\t";
    else if (c === 92) out += "\\\\";
    else if (c < 32 || c > 126) out += "\\x" + (c < 16 ? "0" : "") + c.toString(16);
    else out += s[i];
  }
  return out;
}

/** A timestamped transcript of both directions: `<seconds since start> <host>|<modem> <escaped bytes>`. */
export class Transcript {
  private fd: number;

  constructor(path: string, private clock: Clock) {
    this.fd = fs.openSync(path, "a");
    fs.writeSync(this.fd, "# A76XX simulator transcript, started " + new Date().toISOString() + " (host> = to modem, modem> = to host)\n");
  }

  record(dir: "host>" | "modem>", data: string): void {
    fs.writeSync(this.fd, (this.clock.now() / 1000).toFixed(6) + " " + dir + " " + escapeBytes(data) + "\n");
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export interface PtyOptions {
  /** Where the link to the PTY is made (e.g. /tmp/a76xx). */
  path: string;
  /** Line rate of modem → host bytes. */
  baud: number;
  /** Bytes per chunk towards the host (default 64). */
  chunk?: number;
  /** Wall clock (a SystemClock). */
  clock: Clock;
  /** Both directions, as they pass. */
  transcript?: Transcript;
  /** socat binary (default "socat"). */
  socat?: string;
}

/** The modem end of a PTY wire, plus the process and line behind it. */
export class PtyBridge {
  readonly end: ModemEnd;
  readonly line: PacedLine;
  /** Host → modem: what the program on the PTY writes reaches the module at the line rate. */
  readonly inbound: PacedLine;
  /** The /dev/pts/N the link points to. */
  ptsPath = "";
  private proc: ChildProcess;
  private slaveFd: number | undefined;
  private handler: ((chunk: string, at: number) => void) | undefined;
  private closing = false;
  private exited: Promise<void>;
  /** Called when socat ends on its own (not through close()). */
  onUnexpectedExit: ((code: number | null) => void) | undefined;

  private constructor(private opts: PtyOptions) {
    const clock = opts.clock;
    this.line = new PacedLine(new DriftFreeClock(clock), { baud: opts.baud, chunk: opts.chunk || 64 }, (chunk) => {
      if (opts.transcript) opts.transcript.record("modem>", chunk);
      if (this.proc.stdin && !this.proc.stdin.destroyed) this.proc.stdin.write(Buffer.from(chunk, "latin1"));
    });
    // Chunks of what the wire carries in about 4 ms (at least 16 bytes) unless the caller sets one:
    // a wall-clock timer cannot fire much more often, and smaller chunks would carry fewer bytes
    // than the line rate allows (at 921600 a transparent escape's +++ then reached the module
    // inside its guard time, behind data still queued here).
    this.inbound = new PacedLine(new DriftFreeClock(clock), { baud: opts.baud, chunk: opts.chunk || (() => Math.max(16, Math.round(this.inbound.baud / 2500))) }, (chunk, at) => {
      if (opts.transcript) opts.transcript.record("host>", chunk);
      if (this.handler) this.handler(chunk, at);
    });
    this.proc = spawn(opts.socat || "socat", ["-d", "-d", "PTY,link=" + opts.path + ",rawer,echo=0", "STDIO"], {
      stdio: ["pipe", "pipe", "pipe"],
      // Own process group: a Ctrl+C on the terminal reaches the simulator, which stops socat itself.
      // Should the simulator die without cleaning up, socat sees end-of-file on its stdin and exits.
      detached: true,
    });
    this.exited = new Promise((resolve) => this.proc.once("exit", () => resolve()));
    this.proc.once("exit", (code) => {
      if (!this.closing && this.onUnexpectedExit) this.onUnexpectedExit(code);
    });
    this.proc.stdin!.on("error", () => undefined);
    this.proc.stdout!.on("data", (b: Buffer) => {
      this.inbound.send(b.toString("latin1"));
    });
    const self = this;
    this.end = {
      write(data: string): void {
        self.line.send(data);
      },
      onData(handler: (chunk: string, at: number) => void): void {
        self.handler = handler;
      },
      setBaud(baud: number): void {
        self.line.baud = baud;
        self.inbound.baud = baud;
      },
      getBaud(): number {
        return self.line.baud;
      },
    };
  }

  /**
   * Start socat and wait until the link exists. Removes a stale symlink left at `path` (its
   * pseudo-terminal is gone); refuses a live one, which another simulator still serves: taking it
   * over would leave that one running without its link.
   */
  static async open(opts: PtyOptions): Promise<PtyBridge> {
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(opts.path);
    } catch (e) {
      st = undefined;
    }
    if (st && st.isSymbolicLink()) {
      const target = fs.readlinkSync(opts.path);
      if (fs.existsSync(opts.path))
        throw new Error(
          `${opts.path} is in use: it links to ${target}, a pseudo-terminal another simulator is serving (jobs, or ps aux | grep tools/sim, shows it); ` +
            `stop that one first, or choose another PTY=. If none is running, remove the link: rm ${opts.path}`,
        );
      fs.unlinkSync(opts.path);
    } else if (st) throw new Error(`${opts.path} exists and is not a link the simulator made; choose another PTY=`);
    const b = new PtyBridge(opts);
    let err = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("socat did not create " + opts.path + ": " + err)), 5000);
      b.proc.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error("cannot run socat (install it: make host-tools): " + e.message));
      });
      b.proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error("socat exited (" + code + "): " + err));
      });
      b.proc.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /PTY is (\S+)/.exec(err);
        if (m && !b.ptsPath) {
          b.ptsPath = m[1];
          const poll = () => {
            if (fs.existsSync(opts.path)) {
              clearTimeout(timer);
              resolve();
            } else setTimeout(poll, 5);
          };
          poll();
        }
      });
    });
    b.proc.stderr!.removeAllListeners("data");
    b.proc.stderr!.resume();
    // Keep the slave open so clients may come and go without ending socat.
    b.slaveFd = fs.openSync(b.ptsPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    return b;
  }

  /** socat's process id. */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Stop pacing, kill socat (it removes the link), release the slave. */
  async close(): Promise<void> {
    if (this.closing) return this.exited;
    this.closing = true;
    this.line.clear();
    this.inbound.clear();
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGTERM");
    const killer = setTimeout(() => this.proc.kill("SIGKILL"), 2000);
    await this.exited;
    clearTimeout(killer);
    if (this.slaveFd !== undefined) fs.closeSync(this.slaveFd);
    this.slaveFd = undefined;
    try {
      if (fs.lstatSync(this.opts.path).isSymbolicLink()) fs.unlinkSync(this.opts.path);
    } catch (e) {
      void e;
    }
  }
}
