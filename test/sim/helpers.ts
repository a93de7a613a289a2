// Test-side helper for the simulator suites: a host on createTestHal()'s wire that sends commands and collects the modem's bytes.
import * as assert from "assert";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { A76xxSim, SimOptions } from "../../tools/sim/index";
import { pumpFor, pumpUntil } from "../../tools/sim/pump";

export class Host {
  readonly hal: TestHal;
  readonly sim: A76xxSim;
  /** Every byte the modem sent, in order. */
  rx = "";
  /** Start of the bytes not yet taken by take(). */
  mark = 0;

  constructor(opts?: Partial<SimOptions>, wire?: { baud?: number; toHostChunk?: number; toModemChunk?: number }) {
    this.hal = createTestHal(wire);
    this.sim = new A76xxSim(Object.assign({ clock: this.hal.clock, startPoweredOn: true }, opts || {}));
    this.sim.attach(
      this.hal.wire.modem,
      { pwrkey: this.hal.pwrkey, dtr: this.hal.dtr, reset: this.hal.reset },
      { toHost: this.hal.wire.toHost },
    );
    this.hal.uart.setup((wire && wire.baud) || 115200);
    this.hal.uart.onData((c) => (this.rx += c));
  }

  get clock() {
    return this.hal.clock;
  }

  send(bytes: string): void {
    this.hal.uart.write(bytes);
  }

  /** Pump until the bytes since the mark contain `s` (or pred is true). */
  async until(s: string | (() => boolean), maxVirtualMs = 30000, maxRealMs = 5000): Promise<void> {
    const pred = typeof s === "string" ? () => this.rx.indexOf(s, this.mark) >= 0 : s;
    const ok = await pumpUntil(this.clock, pred, { maxVirtualMs, maxRealMs });
    if (!ok) assert.fail("timed out waiting for " + (typeof s === "string" ? JSON.stringify(s) : "condition") + "; got " + JSON.stringify(this.rx.substr(this.mark)));
  }

  /** The bytes since the mark; moves the mark. */
  take(): string {
    const s = this.rx.substr(this.mark);
    this.mark = this.rx.length;
    return s;
  }

  /** Let `ms` of virtual time pass (and real I/O run), then take what arrived. */
  async settle(ms = 50): Promise<string> {
    await pumpFor(this.clock, ms);
    return this.take();
  }

  /** Send a command line, wait for `end` (default the final OK/ERROR line), settle, and return everything since the mark. */
  async cmd(line: string, end?: string): Promise<string> {
    this.take();
    this.send(line + "\r");
    if (end !== undefined) await this.until(end);
    else await this.until(() => /\r\n(OK|ERROR|\+CME ERROR: [^\r]*)\r\n$/.test(this.rx.substr(this.mark)));
    return this.settle(20);
  }

  /** Send a command and assert the exact bytes that come back (after settling). */
  async expect(line: string, answer: string, end?: string): Promise<void> {
    const got = await this.cmd(line, end);
    assert.strictEqual(got, answer, "answer to " + JSON.stringify(line));
  }

  close(): void {
    this.sim.close();
  }
}

export const OK = "\r\nOK\r\n";
export const ERROR = "\r\nERROR\r\n";
export function line(t: string): string {
  return "\r\n" + t + "\r\n";
}
