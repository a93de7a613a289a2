// Child processes of the device harness (interpreters, the espruino CLI): own process group, stdin held open, output captured as lines, every one killed at the end — also when the host process fails or is interrupted.
import { ChildProcess, spawn } from "child_process";

/** Every process group still alive, by leader pid. */
const live = new Set<number>();
/** Leaders that clean up after themselves on SIGTERM (harnesses run as children): they get SIGTERM at exit, not SIGKILL. */
const graceful = new Set<number>();
/** Synchronous clean-ups to run when this process exits (temp directories). */
const cleanups = new Set<() => void>();
let hooked = false;

/** Run `fn` (synchronous) if this process exits before the returned function is called. */
export function atExit(fn: () => void): () => void {
  hookExit();
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/** SIGKILL a whole process group; quiet when it is already gone. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch (e) {
    void e;
  }
}

/** On exit (normal, uncaught error, Ctrl+C, SIGTERM) nothing we started may survive. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const all = () => {
    for (const pid of live) {
      if (!graceful.has(pid)) killGroup(pid);
      else {
        try {
          process.kill(-pid, "SIGTERM");
        } catch (e) {
          void e;
        }
      }
    }
    for (const fn of cleanups) {
      try {
        fn();
      } catch (e) {
        void e;
      }
    }
  };
  process.on("exit", all);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as NodeJS.Signals[]) {
    process.once(sig, () => {
      all();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}

export interface ChildOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Each cleaned output line as it arrives. */
  onLine?: (line: string) => void;
  /** Turns one raw line (without its line end) into what the program printed. */
  clean?: (raw: string) => string;
  /**
   * The child is a harness of ours that starts detached processes itself and kills them on SIGTERM:
   * should this process exit first, it gets SIGTERM (SIGKILL would leave its children running).
   */
  graceful?: boolean;
}

/**
 * A child in its own process group whose standard input stays open until it is killed (Espruino's
 * Linux build stops reading serial data at end-of-file on stdin). stdout and stderr are collected
 * as 8-bit text and split into lines.
 */
export class Child {
  readonly lines: string[] = [];
  /** When each line arrived (Date.now()). */
  readonly lineTimes: number[] = [];
  /** Everything printed, raw. */
  raw = "";
  exitCode: number | null = null;
  exitSignal: string | null = null;
  readonly exited: Promise<void>;
  private proc: ChildProcess;
  private partial = "";
  private waiters: Array<() => void> = [];
  private killed = false;

  constructor(readonly command: string, readonly args: string[], private opts: ChildOptions) {
    hookExit();
    this.proc = spawn(command, args, { cwd: opts.cwd, env: opts.env || process.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    const pid = this.proc.pid;
    if (pid !== undefined) live.add(pid);
    if (pid !== undefined && opts.graceful) graceful.add(pid);
    this.exited = new Promise((resolve) => {
      this.proc.once("exit", (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        if (pid !== undefined) {
          // The leader is gone; anything it left in its group goes too.
          killGroup(pid);
          live.delete(pid);
          graceful.delete(pid);
        }
        this.flush(true);
        resolve();
        this.wake();
      });
      this.proc.once("error", (e) => {
        this.raw += `\n[could not start ${command}: ${e.message}]\n`;
        this.flush(true);
        if (pid !== undefined) live.delete(pid);
        resolve();
        this.wake();
      });
    });
    this.proc.stdin!.on("error", () => undefined);
    const take = (b: Buffer) => {
      const s = b.toString("latin1");
      this.raw += s;
      this.partial += s;
      this.flush(false);
      this.wake();
    };
    this.proc.stdout!.on("data", take);
    this.proc.stderr!.on("data", take);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null && this.proc.pid !== undefined && !this.killed;
  }

  /** Type into its standard input. */
  write(s: string): void {
    if (this.proc.stdin && !this.proc.stdin.destroyed) this.proc.stdin.write(Buffer.from(s, "latin1"));
  }

  /**
   * Resolves with the first line (from index `from` on) that `test` accepts, or undefined when the
   * process exits or `timeoutMs` passes first.
   */
  waitLine(test: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string | undefined> {
    return this.waitFor(() => {
      for (let i = from; i < this.lines.length; i++) if (test(this.lines[i])) return this.lines[i];
      return undefined;
    }, timeoutMs);
  }

  /**
   * Resolves with `probe()`'s first defined answer, checked on every output and every 50 ms (for
   * conditions on the host side); undefined when the process ends or `timeoutMs` passes first.
   */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (v: T | undefined) => {
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        resolve(v);
      };
      const check = () => {
        if (done) return;
        const v = probe();
        if (v !== undefined || !this.running) finish(v);
        else this.waiters.push(check);
      };
      const timer = setTimeout(() => {
        if (!done) finish(undefined);
      }, timeoutMs);
      const poll = setInterval(() => {
        if (done) return;
        const v = probe();
        if (v !== undefined || !this.running) finish(v);
      }, 50);
      check();
    });
  }

  /**
   * SIGTERM first (a harness of our own run as a child kills its own process groups on it), SIGKILL
   * after `graceMs`; for children that start detached processes themselves.
   */
  async terminate(graceMs: number): Promise<void> {
    const pid = this.proc.pid;
    if (pid !== undefined && this.exitCode === null && this.exitSignal === null) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch (e) {
        void e;
      }
      const timer = setTimeout(() => killGroup(pid), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await this.kill();
  }

  /** Kill the process group (SIGKILL: Espruino's Linux build ignores SIGTERM) and wait for the exit. */
  async kill(): Promise<void> {
    this.killed = true;
    const pid = this.proc.pid;
    if (pid !== undefined && this.exitCode === null && this.exitSignal === null) killGroup(pid);
    await this.exited;
    this.wake();
  }

  /** The last `n` lines, for failure messages. */
  tail(n: number): string {
    return this.lines.slice(-n).join("\n");
  }

  private flush(all: boolean): void {
    let nl: number;
    while ((nl = this.partial.indexOf("\n")) >= 0) {
      this.push(this.partial.substr(0, nl));
      this.partial = this.partial.substr(nl + 1);
    }
    if (all && this.partial) {
      this.push(this.partial);
      this.partial = "";
    }
  }

  private push(raw: string): void {
    const line = this.opts.clean ? this.opts.clean(raw.replace(/\r$/, "")) : raw.replace(/\r$/, "");
    this.lines.push(line);
    this.lineTimes.push(Date.now());
    if (this.opts.onLine) this.opts.onLine(line);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** How many harness processes are alive (tests check that none is left behind). */
export function liveChildren(): number {
  return live.size;
}
