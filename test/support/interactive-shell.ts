// Test-side interactive bash with job control on a pseudo-terminal made by script(1): type into it, read its screen.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** An interactive bash with job control on a pseudo-terminal made by script(1); we type into it and read its screen. */
export class InteractiveShell {
  readonly proc: ChildProcess;
  screen = "";

  constructor(cwd: string) {
    this.proc = spawn("script", ["-qfc", "bash --norc --noprofile -i", "/dev/null"], {
      cwd,
      env: Object.assign({}, process.env, { PS1: "sh$ ", TERM: "dumb" }),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    this.proc.stdout!.on("data", (d: Buffer) => (this.screen += d.toString("latin1")));
    this.proc.stderr!.on("data", (d: Buffer) => (this.screen += d.toString("latin1")));
  }

  type(line: string): void {
    this.proc.stdin!.write(line + "\n");
  }

  /** Type a command and wait for a marker line it prints. */
  async run(line: string, marker: string, ms = 10000): Promise<string> {
    const from = this.screen.length;
    // The marker is printed by printf, so the echo of the typed line does not contain it.
    this.type(line + "; printf '%s-done\\n' " + marker);
    const want = marker + "-done\r\n";
    assert.ok(await waitFor(() => this.screen.indexOf(want, from) >= 0, ms), "the shell did not run " + line + ":\n" + this.screen.slice(from));
    return this.screen.slice(from, this.screen.indexOf(want, from));
  }

  exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** Types exit, and kills the shell's process group if it does not end within 5 s. */
  async close(): Promise<void> {
    if (this.exited()) return;
    this.type("exit");
    if (!(await waitFor(() => this.exited(), 5000))) {
      try {
        process.kill(-(this.proc.pid as number), "SIGKILL");
      } catch (e) {
        void e;
      }
    }
  }
}
