// The simulator's own console: typed fault names read from its terminal only while it is the terminal's foreground job.
//
// A process of a background job that reads its terminal is stopped by the kernel (SIGTTIN): the
// shell prints "Stopped" and the simulator stops answering. So the console reads standard input
// only when (a) it is a terminal and this process is in the terminal's foreground process group
// (checked every POLL_MS, so `fg` and Ctrl+Z/`bg` are followed), or (b) `force` (--console) asks for
// it, whatever standard input is (a pipe of fault names works too). Otherwise it never touches the
// terminal's input.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as tty from "tty";

const POLL_MS = 200;

/**
 * Whether this process is in the foreground process group of its controlling terminal: true/false,
 * or undefined when that cannot be found out (no /proc and no ps).
 */
export function inForeground(): boolean | undefined {
  try {
    // /proc/self/stat: "pid (comm) state ppid pgrp session tty_nr tpgid …"; comm may contain spaces.
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pgrp = Number(f[2]);
    const tpgid = Number(f[5]);
    return tpgid > 0 && pgrp === tpgid;
  } catch (e) {
    void e;
  }
  try {
    const out = execFileSync("ps", ["-o", "tpgid=", "-o", "pgid=", "-p", String(process.pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const [tpgid, pgid] = out.trim().split(/\s+/).map(Number);
    return tpgid > 0 && tpgid === pgid;
  } catch (e) {
    return undefined;
  }
}

export interface ConsoleOptions {
  /** Read standard input whatever it is and wherever the job runs (--console). */
  force: boolean;
  /** One typed line, trimmed, never empty. */
  onLine: (line: string) => void;
  /** Where the console says what it does (once at start). */
  say: (text: string) => void;
  /** Overridable for tests: is fd 0 a terminal / are we in the foreground. */
  isTerminal?: () => boolean;
  foreground?: () => boolean | undefined;
}

export interface SimConsole {
  /** Whether standard input is being read now. */
  reading(): boolean;
  stop(): void;
}

/** Starts the console; see the file comment for when it reads. */
export function startConsole(o: ConsoleOptions): SimConsole {
  const isTerminal = o.isTerminal || (() => tty.isatty(0));
  const foreground = o.foreground || inForeground;
  let buf = "";
  let reading = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const onData = (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.substr(0, nl).trim();
      buf = buf.substr(nl + 1);
      if (line) o.onLine(line);
    }
  };
  const start = () => {
    if (reading) return;
    reading = true;
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", onData);
    process.stdin.resume();
  };
  const pause = () => {
    if (!reading) return;
    reading = false;
    process.stdin.removeListener("data", onData);
    process.stdin.pause();
  };

  if (o.force) {
    start();
    o.say("type a fault name here to inject it (help lists them; --console: reading standard input)");
  } else if (!isTerminal()) {
    o.say("standard input is not a terminal: typed faults are off (--console reads it anyway)");
  } else {
    const fg = foreground();
    if (fg === undefined) {
      o.say("cannot tell whether this job is in the foreground: typed faults are off (--console turns them on)");
    } else {
      if (fg) start();
      o.say(
        fg
          ? "type a fault name here to inject it (help lists them); in the background it stops reading the terminal"
          : "running in the background: not reading the terminal (fg brings it forward to type faults)",
      );
      const check = () => {
        if (foreground()) start();
        else pause();
      };
      timer = setInterval(check, POLL_MS);
      timer.unref();
      // fg and bg continue the job with SIGCONT: follow at once rather than at the next poll.
      process.on("SIGCONT", check);
    }
  }
  return {
    reading: () => reading,
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      pause();
    },
  };
}
