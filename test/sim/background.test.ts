// The simulator as a background job of a real interactive shell on a pseudo-terminal: it keeps serving and is never stopped for reading the terminal.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PtyClient } from "../support/pty-client";
import { InteractiveShell } from "../support/interactive-shell";
import { needs } from "../../tools/test/needs";

const ROOT = path.resolve(__dirname, "../..");

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe("sim: a background job of an interactive shell", function () {
  this.timeout(60000);
  let dir = "";
  let shell: InteractiveShell | undefined;
  let client: PtyClient | undefined;
  let simPid = 0;

  before(function () {
    needs(this, "socat", "script");
  });

  afterEach(async () => {
    if (client) client.close();
    client = undefined;
    if (simPid) {
      try {
        process.kill(-simPid, "SIGINT");
        process.kill(-simPid, "SIGCONT"); // a stopped job handles SIGINT only once continued
      } catch (e) {
        void e;
      }
    }
    if (shell) await shell.close();
    shell = undefined;
    simPid = 0;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("`make sim PTY=… &` keeps answering AT while the user types at the shell, and the shell never reports it Stopped", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-bg-"));
    const pty = path.join(dir, "a76xx");
    shell = new InteractiveShell(ROOT);
    await shell.run("set -m", "job-control");
    shell.type(`make -s sim PTY=${pty} &`);
    assert.ok(await waitFor(() => fs.existsSync(pty) && /socat pid \d+/.test(shell!.screen), 30000), "the simulator did not start:\n" + shell.screen);
    const jobs0 = await shell.run("jobs -l", "jobs-0");
    const m = /\[1\][+-]?\s+(\d+)/.exec(jobs0);
    assert.ok(m, "no job 1 in:\n" + jobs0);
    simPid = Number(m![1]);
    // What made it stop: the user typing the next commands while the job waits on the terminal.
    for (let i = 0; i < 5; i++) {
      await shell.run("echo typed " + i, "typed-" + i);
      await new Promise((r) => setTimeout(r, 100));
    }
    client = new PtyClient(pty);
    const c = client;
    await c.expect("AT\r", "AT\r\r\nOK\r\n").catch((e: Error) => assert.fail(e.message + "\nthe shell's screen:\n" + shell!.screen));
    await client.expect("ATE0\r", "ATE0\r\r\nOK\r\n");
    await shell.run("echo more typing", "more-typing");
    await client.expect("AT+CSQ\r", "\r\n+CSQ: 23,99\r\n\r\nOK\r\n");
    const jobs = await shell.run("jobs -l", "jobs-1");
    assert.ok(/\[1\][+-]?\s+\d+ Running/.test(jobs), "job 1 is not running:\n" + jobs);
    assert.ok(!/Stopped/.test(shell.screen), "the shell reported the job stopped:\n" + shell.screen);
  });

  it("brought to the foreground with fg it reads typed faults and `state`, and Ctrl+C stops it and removes the link", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-bg-"));
    const pty = path.join(dir, "a76xx");
    shell = new InteractiveShell(ROOT);
    await shell.run("set -m", "job-control");
    shell.type(`make -s sim PTY=${pty} &`);
    assert.ok(await waitFor(() => fs.existsSync(pty) && /socat pid \d+/.test(shell!.screen), 30000), "the simulator did not start:\n" + shell.screen);
    const m = /\[1\][+-]?\s+(\d+)/.exec(await shell.run("jobs -l", "jobs-0"));
    simPid = Number(m![1]);
    await shell.run("echo typed", "typed");
    shell.type("fg %1");
    // In the foreground the console starts reading within its poll interval; a line typed before that waits in the terminal.
    shell.type("state");
    assert.ok(await waitFor(() => /powered true, booted true, hung false, net closed/.test(shell!.screen), 10000), "no state printed:\n" + shell.screen);
    shell.type("help");
    assert.ok(await waitFor(() => /\r?\n  send-buffer-full:<link>:<ms> {2,}CIPSEND on link confirms 0 bytes for ms\r?\n/.test(shell!.screen), 10000), "no help:\n" + shell.screen);
    shell.type("sim-absent");
    assert.ok(await waitFor(() => /a76xx-sim: sim-absent/.test(shell!.screen), 10000), "the fault was not applied:\n" + shell.screen);
    client = new PtyClient(pty);
    await client.expect("ATE0\r", "ATE0\r\r\nOK\r\n");
    await client.expect("AT+CPIN?\r", "\r\nERROR\r\n");
    client.close();
    client = undefined;
    shell.proc.stdin!.write("\x03"); // Ctrl+C on the terminal: SIGINT to the foreground job
    assert.ok(await waitFor(() => /a76xx-sim: stopped/.test(shell!.screen), 10000), "Ctrl+C did not stop it:\n" + shell.screen);
    assert.ok(await waitFor(() => !fs.existsSync(pty), 5000), "the PTY link was left behind");
    simPid = 0;
    assert.ok(!/Stopped/.test(shell.screen), shell.screen);
  });
});
