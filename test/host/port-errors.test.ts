// Tests that the host runner and the serialport HAL say at once why a port cannot be used, most likely cause first, and never retry a port that cannot be opened.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkSerialPath, describeOpenError } from "../../hal/serialport/diagnose";
import { createSerialPortHal } from "../../hal/serialport/index";
import { explainLink } from "../../tools/host/explain";
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

describe("host runner: a port that cannot be used is reported as that", function () {
  this.timeout(60000);
  let dir = "";
  let socat: ChildProcess | undefined;
  let runner: ChildProcess | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-port-"));
  });

  afterEach(async () => {
    for (const c of [runner, socat]) {
      if (c && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-(c.pid as number), "SIGKILL");
        } catch (e) {
          c.kill("SIGKILL");
        }
        await waitFor(() => c.exitCode !== null || c.signalCode !== null, 5000);
      }
    }
    runner = socat = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("names what is wrong with a path from the file system: missing, a stale link, a directory, a regular file", () => {
    const nope = path.join(dir, "ttyNOPE");
    assert.ok(checkSerialPath(nope)!.startsWith(`cannot open ${nope}: no such device — `), checkSerialPath(nope));
    const link = path.join(dir, "a76xx");
    fs.symlinkSync("/dev/pts/98765", link);
    assert.ok(/^cannot open .*a76xx: no such device — it is a link to \/dev\/pts\/98765, which no longer exists/.test(checkSerialPath(link)!), checkSerialPath(link));
    assert.ok(/: it is a directory, not a serial device/.test(checkSerialPath(dir)!));
    const file = path.join(dir, "file");
    fs.writeFileSync(file, "x");
    assert.ok(/: not a serial device \(a regular file\)/.test(checkSerialPath(file)!));
  });

  it("turns serialport's open errors into the likely cause: permission, in use, not a terminal, no hardware", () => {
    assert.ok(/^cannot open \/dev\/ttyUSB0: permission denied.*dialout/.test(describeOpenError("/dev/ttyUSB0", "Error: Permission denied, cannot open /dev/ttyUSB0")));
    assert.ok(/^cannot open \/dev\/ttyUSB0: in use by another program/.test(describeOpenError("/dev/ttyUSB0", "Error: Resource temporarily unavailable Cannot lock port")));
    assert.ok(/^cannot open \/dev\/null: not a serial device/.test(describeOpenError("/dev/null", "Error: Inappropriate ioctl for device setting custom baud rate of 115200")));
    assert.ok(/^cannot open \/dev\/ttyS3: no device answers behind it/.test(describeOpenError("/dev/ttyS3", "Error: Input/output error setting custom baud rate of 115200")));
  });

  it("the HAL reports a port that cannot be opened once, and a baud search does not retry it", async () => {
    const fatal: string[] = [];
    const warnings: string[] = [];
    const hal = createSerialPortHal({ path: "/dev/null", onFatal: (m) => fatal.push(m), warn: (m) => warnings.push(m) });
    for (const baud of [115200, 9600, 19200, 38400, 57600, 230400, 460800, 921600]) {
      hal.uart.setup(baud);
      hal.uart.write("AT\r");
    }
    await waitFor(() => fatal.length > 0, 5000);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepStrictEqual(fatal.length, 1, fatal.join("\n"));
    assert.ok(/^cannot open \/dev\/null: not a serial device/.test(fatal[0]), fatal[0]);
    assert.deepStrictEqual(warnings, []);
    const sent = hal.stats().sent;
    hal.uart.setup(115200);
    hal.uart.write("AT\r");
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(fatal.length, 1, "not reported again");
    assert.strictEqual(hal.stats().sent, sent, "nothing more is written to a port that could not be opened");
  });

  it("make host PORT=<missing device> says 'cannot open …: no such device' once and exits non-zero before loading the firmware", () => {
    const nope = path.join(dir, "ttyNOPE");
    const r = spawnSync("make", ["-s", "host", `PORT=${nope}`], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    const lines = (r.stdout + r.stderr).split("\n").filter((l) => l.indexOf("a76xx-host:") === 0);
    assert.strictEqual(lines.length, 1, r.stdout + r.stderr);
    assert.ok(lines[0].startsWith(`a76xx-host: cannot open ${nope}: no such device — `), lines[0]);
    assert.ok(!/does not answer|modem |baud/.test(r.stdout), "the modem was started:\n" + r.stdout);
  });

  it("a pseudo-terminal nobody answers on is reported as silent within seconds, as a pseudo-terminal, with the byte counts", async function () {
    needs(this, "socat");
    const a = path.join(dir, "a");
    const b = path.join(dir, "b");
    socat = spawn("socat", [`PTY,link=${a},raw,echo=0`, `PTY,link=${b},raw,echo=0`], { stdio: "ignore", detached: true });
    assert.ok(await waitFor(() => fs.existsSync(a) && fs.existsSync(b), 5000), "socat made no PTY pair");
    let out = "";
    runner = spawn("make", ["-s", "host", `PORT=${a}`, "APP=diagnose"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    runner.stdout!.on("data", (d) => (out += d));
    runner.stderr!.on("data", (d) => (out += d));
    const said = /a76xx-host: nothing came back from (\S+) \((\d+) bytes sent, 0 received in \d+ s\); it is a pseudo-terminal \(\/dev\/pts\/\d+\), so the program behind it is not answering/;
    assert.ok(await waitFor(() => said.test(out), 30000), "no silence diagnosis:\n" + out);
    const m = said.exec(out)!;
    assert.strictEqual(m[1], a);
    assert.ok(Number(m[2]) > 0, "it says how many bytes were sent");
    assert.ok(!/does not answer/.test(out.slice(0, m.index)), "the firmware's conclusion came first:\n" + out);
  });

  it("explains a link that answers with bytes the driver does not understand: the rate first", () => {
    const why = explainLink("/dev/ttyUSB0", { sent: 40, received: 12, head: "\xf0\x0f\xff\x00abc" }, 30, true)!;
    assert.ok(/^bytes came back from \/dev\/ttyUSB0 but never an answer the driver understood \(40 bytes sent, 12 received in 30 s; first bytes "\\xf0\\x0f\\xff\\x00abc"\) — most likely another rate than BAUD/.test(why), why);
    assert.strictEqual(explainLink("/dev/ttyUSB0", { sent: 40, received: 12, head: "OK" }, 30, false), undefined, "bytes flowed and the failure is about something else");
  });
});
