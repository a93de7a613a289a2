// Tests of the host test HAL: paced UART pair, chunking, timestamps, baud mismatch, pins.
import * as assert from "assert";
import { createTestHal } from "../../hal/host/test-hal";

describe("host test HAL", () => {
  it("delivers modem bytes to the firmware at the line rate, in the configured chunks", () => {
    const hal = createTestHal({ baud: 115200, toHostChunk: 4 });
    const got: Array<{ t: number; chunk: string }> = [];
    hal.uart.onData((chunk) => got.push({ t: hal.clock.now(), chunk }));
    hal.uart.setup(115200);
    hal.wire.modem.write("0123456789");
    hal.clock.advance(10);
    assert.deepStrictEqual(got.map((g) => g.chunk), ["0123", "4567", "89"]);
    const byteMs = 10000 / 115200;
    assert.ok(Math.abs(got[0].t - 4 * byteMs) < 1e-9);
    assert.ok(Math.abs(got[2].t - 10 * byteMs) < 1e-9);
  });

  it("records every byte the firmware wrote with its timestamp and carries it to the modem", () => {
    const hal = createTestHal({ baud: 9600, toModemChunk: 100 });
    const atModem: string[] = [];
    hal.wire.modem.onData((c) => atModem.push(c));
    hal.uart.setup(9600);
    hal.clock.advance(5);
    hal.uart.write("AT\r");
    hal.clock.advance(100);
    assert.deepStrictEqual(hal.wire.hostLog, [{ t: 5, data: "AT\r" }]);
    assert.deepStrictEqual(atModem, ["AT\r"]);
  });

  it("gives the firmware nothing before setup and garbage when the bauds differ", () => {
    const hal = createTestHal({ baud: 115200 });
    const got: string[] = [];
    hal.uart.onData((c) => got.push(c));
    hal.wire.modem.write("OK");
    hal.clock.advance(10);
    assert.deepStrictEqual(got, [], "a port that is not set up hears nothing");
    hal.uart.setup(9600);
    hal.wire.modem.write("\r\nOK\r\n");
    hal.clock.advance(10);
    const after = got as string[];
    assert.strictEqual(after.length, 1);
    assert.strictEqual(after[0].indexOf("OK"), -1);
  });

  it("chunks by a policy, e.g. 1-byte chunks", () => {
    const hal = createTestHal({ baud: 115200, toHostChunk: () => 1 });
    const got: string[] = [];
    hal.uart.onData((c) => got.push(c));
    hal.uart.setup(115200);
    hal.wire.modem.write("abc");
    hal.clock.advance(1);
    assert.deepStrictEqual(got, ["a", "b", "c"]);
  });

  it("logs pin changes with their times and lets the modem side watch them", () => {
    const hal = createTestHal();
    const seen: boolean[] = [];
    hal.pwrkey.onChange((a) => seen.push(a));
    hal.clock.advance(3);
    hal.pwrkey.write(true);
    hal.clock.advance(100);
    hal.pwrkey.write(false);
    assert.deepStrictEqual(hal.pinLog, [
      { t: 3, pin: "pwrkey", active: true },
      { t: 103, pin: "pwrkey", active: false },
    ]);
    assert.deepStrictEqual(seen, [true, false]);
  });

  it("input pins notify watchers and can be unwatched", () => {
    const hal = createTestHal();
    const seen: boolean[] = [];
    const stop = hal.ri.watch((a) => seen.push(a));
    hal.ri.set(true);
    stop();
    hal.ri.set(false);
    assert.deepStrictEqual(seen, [true]);
    assert.strictEqual(hal.ri.watchers(), 0);
  });
});
