// Tests that answers to resynchronisation probes that come late are drained and never complete the next command.
import * as assert from "assert";
import { makeRig } from "./helpers";

describe("AT engine resynchronisation with a slow modem", () => {
  it("drains the answers of every probe it sent, so the next command gets its own answer", () => {
    const rig = makeRig();
    // The modem answers every probe, but 1.5 s late: after the first probe's 1 s deadline.
    rig.modem.on("AT+CMEE?", () => rig.modem.later(1500, "\r\n+CMEE: 0\r\n\r\nOK\r\n"));
    // A slow answer, so the second probe's late OK arrives while AT+CSQ is in flight.
    rig.modem.on("AT+CSQ", () => rig.modem.later(1500, "\r\n+CSQ: 17,99\r\n\r\nOK\r\n"));
    const slow = rig.submit({ request: "AT+SLOW", timeoutMs: 2000 });
    rig.run(2000); // AT+SLOW times out; probe 1 goes out
    assert.strictEqual(slow.result!.error!.kind, "timeout");
    rig.run(1000); // probe 1 times out; probe 2 goes out
    const csq = rig.submit({ request: "AT+CSQ", matches: ["+CSQ:"], timeoutMs: 2000 });
    rig.run(10000);
    assert.ok(csq.result, "AT+CSQ completed");
    assert.strictEqual(csq.result!.error, null);
    assert.deepStrictEqual(csq.result!.lines, ["+CSQ: 17,99"]);
    assert.deepStrictEqual(rig.modem.commands, ["AT+SLOW", "AT+CMEE?", "AT+CMEE?", "AT+CSQ"]);
  });

  it("goes on after one probe deadline when an earlier probe's answer never comes", () => {
    const rig = makeRig();
    let probes = 0;
    rig.modem.on("AT+CMEE?", () => {
      probes++;
      if (probes === 2) rig.modem.send("\r\n+CMEE: 0\r\n\r\nOK\r\n"); // the first probe was lost
    });
    rig.modem.on("AT+CSQ", "\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
    rig.submit({ request: "AT+SLOW", timeoutMs: 2000 });
    const csq = rig.submit({ request: "AT+CSQ", matches: ["+CSQ:"], timeoutMs: 2000 });
    rig.run(10000);
    assert.deepStrictEqual(csq.result!.lines, ["+CSQ: 17,99"]);
    assert.ok(!rig.engine.stalled());
  });
});
