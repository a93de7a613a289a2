// A machine-wide lock on a fixed TCP port (Espruino's Linux build serves telnet on 2323, fixed in its source): one holder at a time across processes, the port checked free before use.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { atExit } from "./process";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when nothing listens on `port` (on any address): we could bind it ourselves. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ port, host: "0.0.0.0", exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Resolves once something accepts a TCP connection on 127.0.0.1:`port`, or false after `timeoutMs`. */
export async function portAccepts(port: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect({ port, host: "127.0.0.1" });
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export interface PortLock {
  release(): void;
}

/**
 * Take the lock on `port` (a directory in the temp dir holding the owner's pid; a dead owner's lock
 * is taken over) and wait until the port is free. Rejects after `timeoutMs` with who holds it.
 */
export async function lockPort(port: number, timeoutMs: number): Promise<PortLock> {
  const dir = path.join(os.tmpdir(), `a76xx-port-${port}.lock`);
  const owner = path.join(dir, "pid");
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      let pid = 0;
      try {
        pid = parseInt(fs.readFileSync(owner, "utf8"), 10);
      } catch (e2) {
        void e2;
      }
      if (pid > 0 && !alive(pid)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > end) throw new Error(`port ${port} is locked by process ${pid || "?"} (${dir})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const forget = atExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  const release = () => {
    forget();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    while (!(await portFree(port))) {
      if (Date.now() > end) throw new Error(`port ${port} is in use by another program`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    release();
    throw e;
  }
  return { release };
}
