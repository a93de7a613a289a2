// Test-side program on the far side of a pseudo-terminal: opens the path raw, writes, records what arrives and when.
import * as assert from "assert";
import * as fs from "fs";
import * as tty from "tty";

/** A program on the other side of the PTY: opens the path raw, records arrivals with their times. */
export class PtyClient {
  rx = "";
  arrivals: Array<{ t: number; n: number }> = [];
  private fd: number;
  private rs: tty.ReadStream;

  constructor(p: string) {
    this.fd = fs.openSync(p, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    this.rs = new tty.ReadStream(this.fd);
    this.rs.setRawMode(true);
    this.rs.on("data", (b: Buffer) => {
      this.arrivals.push({ t: Number(process.hrtime.bigint()) / 1e6, n: b.length });
      this.rx += b.toString("latin1");
    });
  }

  write(s: string): void {
    fs.writeSync(this.fd, Buffer.from(s, "latin1"));
  }

  async until(pred: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) assert.fail("PTY client timed out; got " + JSON.stringify(this.rx.substr(-300)));
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async expect(send: string, want: string, ms = 5000): Promise<void> {
    const from = this.rx.length;
    this.write(send);
    await this.until(() => this.rx.length - from >= want.length, ms);
    await new Promise((r) => setTimeout(r, 30));
    assert.strictEqual(this.rx.substr(from), want, "answer to " + JSON.stringify(send));
  }

  close(): void {
    this.rs.destroy();
  }
}
