// Tests of the serialport HAL against a real pseudo-terminal pair made by socat.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SerialPort } from "serialport";
import { createSerialPortHal } from "../../hal/serialport/index";
import { needs } from "../../tools/test/needs";

function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > end) return reject(new Error("timed out"));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe("serialport HAL on a pseudo-terminal", function () {
  this.timeout(15000);
  let socat: ChildProcess | undefined;
  let dir = "";
  let a = "";
  let b = "";

  before(function () {
    needs(this, "socat");
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-pty-"));
    a = path.join(dir, "a");
    b = path.join(dir, "b");
    socat = spawn("socat", [`PTY,link=${a},raw,echo=0`, `PTY,link=${b},raw,echo=0`], { stdio: "ignore" });
    await waitFor(() => fs.existsSync(a) && fs.existsSync(b), 5000);
  });

  afterEach(async () => {
    if (!socat) return;
    socat.kill("SIGTERM");
    await waitFor(() => socat!.exitCode !== null || socat!.signalCode !== null, 5000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("carries all 256 byte values both ways as 8-bit strings", async () => {
    const warnings: string[] = [];
    const hal = createSerialPortHal({ path: a, warn: (m) => warnings.push(m) });
    const peer = new SerialPort({ path: b, baudRate: 115200 });
    let fromHal = Buffer.alloc(0);
    peer.on("data", (d: Buffer) => (fromHal = Buffer.concat([fromHal, d])));
    let toHal = "";
    hal.uart.onData((c) => (toHal += c));
    hal.uart.setup(115200);
    let all = "";
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    await waitFor(() => peer.isOpen, 5000);
    hal.uart.write(all);
    peer.write(Buffer.from(all, "latin1"));
    await waitFor(() => fromHal.length >= 256 && toHal.length >= 256, 5000);
    assert.strictEqual(fromHal.toString("latin1"), all);
    assert.strictEqual(toHal, all);
    await hal.shutdown();
    await new Promise((r) => peer.close(r));
    assert.deepStrictEqual(warnings, []);
  });

  it("turns a control line the device cannot drive into a no-op with one warning", async () => {
    const warnings: string[] = [];
    const hal = createSerialPortHal({ path: a, pwrkey: { line: "rts", assertWhenActive: true }, warn: (m) => warnings.push(m) });
    hal.uart.setup(115200);
    await new Promise((r) => setTimeout(r, 200));
    hal.pwrkey!.write(true);
    hal.pwrkey!.write(false);
    await waitFor(() => warnings.length > 0, 3000);
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(warnings.length, 1);
    assert.ok(/PWRKEY.*RTS/.test(warnings[0]), warnings[0]);
    await hal.shutdown();
  });

  it("drops what the firmware writes after the port was shut down, as a closed UART would, instead of throwing (Ctrl+C in the host runner)", async () => {
    const warnings: string[] = [];
    const hal = createSerialPortHal({ path: a, warn: (m) => warnings.push(m) });
    assert.throws(() => hal.uart.write("AT\r"), /serial write before setup/, "a write before setup is still a programmer error");
    const peer = new SerialPort({ path: b, baudRate: 115200 });
    let fromHal = "";
    peer.on("data", (d: Buffer) => (fromHal += d.toString("latin1")));
    assert.strictEqual(await hal.open(115200), undefined);
    await waitFor(() => peer.isOpen, 5000);
    hal.uart.write("AT\r");
    await waitFor(() => fromHal === "AT\r", 5000);
    await hal.shutdown();
    hal.uart.write("AT+CMEE?\r");
    const sent = hal.stats().sent;
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(fromHal, "AT\r");
    assert.strictEqual(sent, 3, "only the bytes written while open count as sent");
    await new Promise((r) => peer.close(r));
    assert.deepStrictEqual(warnings, []);
  });
});
