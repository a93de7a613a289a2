// Transparent mode: link 0 is the UART; payload with "+++" passes, escape with guard silences, commands, ATO, CLOSED ends it.
import * as assert from "assert";
import { bytes, connectTcp, makeRig } from "./rig";

describe("net: transparent mode", () => {
  it("moves data both ways on link 0 byte-exact, payloads containing +++, OK and CLOSED included", () => {
    const rig = makeRig({ mode: "transparent" });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    assert.strictEqual(o.link, 0);
    assert.ok(rig.engine.isDataMode());
    const up = "a+++b\r\nOK\r\nc\r\nCLOSED\r\nd" + bytes(20000, 8) + "+++";
    rig.table.write(0, o, up, "", 0);
    rig.run(1000);
    assert.strictEqual(rig.modem.links[0].sent, up);
    const down = "x+++y\r\nOK\r\n" + bytes(20000, 9) + "\r\nCLOS";
    rig.modem.peerSend(0, down);
    rig.run(1000);
    assert.strictEqual(o.data, down, "a partial marker at the end is delivered after the hold-back time");
    assert.strictEqual(rig.modem.escapes.length, 0, "no escape happened");
  });

  it("a lone +++ write is spaced out so that it can never form an escape", () => {
    const rig = makeRig({ mode: "transparent" });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.run(2000);
    rig.table.write(0, o, "+++", "", 0);
    rig.run(5000);
    assert.strictEqual(rig.modem.escapes.length, 0);
    assert.strictEqual(rig.modem.links[0].sent, "+++");
  });

  it("leaves data mode with guard silences and +++ to run commands, then returns with ATO", () => {
    const rig = makeRig({ mode: "transparent" });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.table.write(0, o, "before", "", 0);
    rig.run(10);
    // somebody (the supervisor's health check) needs the AT channel
    let csq = "";
    rig.engine.submit({ request: "AT+CSQ", matches: ["+CSQ:"], timeoutMs: 5000 }, (r) => (csq = r.lines.join()));
    rig.run(500);
    rig.modem.peerSend(0, "while escaping");
    rig.run(5000);
    assert.strictEqual(csq, "+CSQ: 20,99");
    assert.strictEqual(rig.modem.escapes.length, 1);
    assert.ok(rig.modem.escapes[0].quietBefore >= 1000, "guard silence before +++: " + rig.modem.escapes[0].quietBefore);
    assert.ok(rig.modem.commands.indexOf("ATO") > rig.modem.commands.indexOf("AT+CSQ"));
    assert.ok(rig.engine.isDataMode(), "back in data mode");
    rig.table.write(0, o, "after", "", 0);
    rig.modem.peerSend(0, "more");
    rig.run(200);
    assert.strictEqual(rig.modem.links[0].sent, "beforeafter");
    assert.strictEqual(o.data, "while escapingmore");
    assert.strictEqual(rig.table.stats.escapes, 1);
  });

  it("end() escapes, closes link 0 with AT+CIPCLOSE=0 and reports close(local) once", () => {
    const rig = makeRig({ mode: "transparent" });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.table.write(0, o, "bye", "", 0);
    rig.table.end(0, o);
    rig.run(6000);
    assert.strictEqual(rig.modem.links[0].sent, "bye");
    assert.ok(rig.modem.commands.indexOf("AT+CIPCLOSE=0") >= 0);
    assert.deepStrictEqual(o.closes, ["local"]);
    assert.ok(!rig.engine.isDataMode());
  });

  it("CLOSED from the module in data mode ends the socket with reason remote after its last data", () => {
    const rig = makeRig({ mode: "transparent" });
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.modem.peerSend(0, "last words");
    rig.modem.remoteClose(0);
    rig.run(100);
    assert.strictEqual(o.data, "last words");
    assert.deepStrictEqual(o.closes, ["remote"]);
    assert.ok(!rig.engine.isDataMode());
    // the link can be opened again
    const b = connectTcp(rig, "10.1.1.1", 7000);
    assert.strictEqual(b.link, 0);
  });

  it("refuses a second socket (link 0 only) and UDP with a clear error, sending nothing", () => {
    const rig = makeRig({ mode: "transparent" });
    connectTcp(rig, "10.1.1.1", 7000);
    const before = rig.hal.wire.hostLog.length;
    const r = rig.table.openTcp("10.1.1.2", 80, {} as never);
    assert.strictEqual(typeof r === "object" && r.kind, "no-link");
    const u = rig.table.openUdp(5000, {} as never);
    assert.strictEqual(typeof u === "object" && u.kind, "invalid");
    rig.run(100);
    assert.strictEqual(rig.hal.wire.hostLog.length, before);
  });
});
