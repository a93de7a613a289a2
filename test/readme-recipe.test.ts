// Tests that the README's host-runner recipe runs as written, pasted whole into an interactive shell: the simulator in the background, an echo server, echo-check and the diagnosis.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { InteractiveShell } from "./support/interactive-shell";
import { needs } from "../tools/test/needs";

const ROOT = path.resolve(__dirname, "..");

/** The README's shell block that starts the simulator in the background. */
function recipe(): string {
  const text = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const blocks = Array.from(text.matchAll(/```sh\n([\s\S]*?)```/g)).map((m) => m[1]);
  const block = blocks.find((b) => /^make sim PTY=\/tmp\/a76xx .*&/m.test(b) && /make host /.test(b));
  assert.ok(block, "the README has no shell block with make sim … & and make host");
  return block!;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

describe("the README's host-runner recipe", function () {
  this.timeout(180000);
  let dir = "";
  let shell: InteractiveShell | undefined;

  before(function () {
    needs(this, "socat", "script");
  });

  afterEach(async () => {
    if (shell) await shell.close();
    shell = undefined;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs pasted whole into an interactive shell: echo-check and the diagnosis pass, nothing is Stopped, nothing is left behind", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-readme-"));
    const pty = path.join(dir, "a76xx");
    // The same commands on a private PTY path and a free port (the suite holds 7000: no test binds a fixed port).
    const port = await freePort();
    const text = recipe().replace(/\/tmp\/a76xx/g, pty).replace(/\b7000\b/g, String(port));
    shell = new InteractiveShell(ROOT);
    await shell.run("set -m", "job-control");
    shell.type(text.trim());
    await shell.run("wait", "recipe", 150000); // wait: until the recipe's background jobs have ended
    const screen = shell.screen;
    assert.ok(/echo-check passed: 65536 bytes sent and echoed byte for byte/.test(screen), screen);
    assert.ok(/diagnosis: \d+ passed, 0 failed/.test(screen), screen);
    assert.ok(/a76xx-sim: stopped/.test(screen), "kill %1 did not stop the simulator cleanly:\n" + screen);
    assert.ok(!/Stopped/.test(screen), screen);
    assert.ok(!fs.existsSync(pty), "the PTY link was left behind");
  });
});
