// Closing: local, remote and +IPCLOSE reasons, open failures, supervisor losses — each owner told exactly once — and reconciliation.
import * as assert from "assert";
import { SocketError } from "../../firmware/net/errors";
import { bytes, connectTcp, makeRig, Owner, SrvOwner } from "./rig";

describe("net: closing and recovery", () => {
  it("end() sends everything queued, then AT+CIPCLOSE, then close(local) once", () => {
    const rig = makeRig();
    const o = connectTcp(rig, "10.1.1.1", 7000);
    rig.table.write(o.link, o, bytes(3000, 1), "", 0);
    rig.table.end(o.link, o);
    rig.table.end(o.link, o);
    rig.run(500);
    assert.strictEqual(rig.modem.links[o.link].sent, bytes(3000, 1));
    const cmds = rig.modem.commands;
    assert.ok(cmds.lastIndexOf("AT+CIPCLOSE=" + o.link) > cmds.lastIndexOf("AT+CIPSEND=" + o.link + ",952"));
    assert.deepStrictEqual(o.closes, ["local"]);
    assert.strictEqual(rig.table.status(o.link).state, "free");
  });

  for (const [reason, expected] of [
    [0, "local"],
    [1, "remote"],
    [2, "timeout"],
  ] as Array<[number, string]>) {
    it(`+IPCLOSE: <l>,${reason} closes the socket with reason ${expected}, once`, () => {
      const rig = makeRig();
      const o = connectTcp(rig, "10.1.1.1", 7000);
      rig.modem.remoteClose(o.link, reason);
      rig.modem.remoteClose(o.link, reason);
      rig.run(100);
      assert.deepStrictEqual(o.closes, [expected]);
      assert.ok(rig.modem.commands.every((c) => c !== "AT+CIPCLOSE=" + o.link), "no close command for a link the module closed");
    });
  }

  for (const reason of ["network", "reboot", "reset", "stop"] as const) {
    it(`supervisor linksLost(${reason}) closes every socket and server once with that reason`, () => {
      const rig = makeRig();
      const a = connectTcp(rig, "10.1.1.1", 7000);
      const b = connectTcp(rig, "10.1.1.2", 7000);
      const s = new SrvOwner(rig);
      rig.table.listen(8080, s, undefined);
      rig.run(50);
      const pending = new Owner(rig);
      pending.link = rig.table.openTcp("10.1.1.3", 80, pending) as number;
      rig.table.onLinksLost(reason);
      rig.table.onLinksLost(reason);
      rig.run(100);
      assert.deepStrictEqual(a.closes, [reason]);
      assert.deepStrictEqual(b.closes, [reason]);
      assert.deepStrictEqual(pending.closes, [reason]);
      assert.deepStrictEqual(s.closes, [reason]);
      assert.strictEqual(rig.table.linksInUse(), 0);
      const r = rig.table.openTcp("10.1.1.1", 7000, new Owner(rig));
      assert.strictEqual(typeof r === "object" && r.kind, "offline");
    });
  }

  it("an open that fails (+CIPOPEN: <l>,<err>) raises the modem's code and text, then close(error)", () => {
    const rig = makeRig();
    const o = new Owner(rig);
    const l = rig.table.freeLink();
    rig.modem.openErr[l] = 10;
    o.link = rig.table.openTcp("10.1.1.1", 7000, o) as number;
    assert.strictEqual(o.link, l);
    rig.run(100);
    assert.deepStrictEqual(o.log, ["error async", "close error"]);
    assert.strictEqual(o.errors[0].code, 10);
    assert.ok(/timeout/.test(o.errors[0].text));
    assert.strictEqual(rig.table.status(l).state, "free");
  });

  it("an open without an answer times out, is closed on the module, and the slot is reusable", () => {
    const rig = makeRig({ socket: { connectTimeoutMs: 3000 } });
    rig.modem.silentOpen = true;
    const o = new Owner(rig);
    o.link = rig.table.openTcp("10.1.1.1", 7000, o) as number;
    rig.run(3500);
    assert.deepStrictEqual(o.log, ["error timeout", "close error"]);
    assert.ok(rig.modem.commands.indexOf("AT+CIPCLOSE=" + o.link) >= 0);
  });

  it("a host name that does not resolve fails with the DNS error before AT+CIPOPEN", () => {
    const rig = makeRig();
    const o = new Owner(rig);
    o.link = rig.table.openTcp("nowhere.example", 80, o) as number;
    rig.run(100);
    assert.deepStrictEqual(o.log, ["error dns", "close error"]);
    assert.ok(rig.modem.commands.every((c) => c.indexOf("CIPOPEN=") < 0));
  });

  it("reconciles after coming online: orphan links are closed, sockets the module lost end with reason lost", () => {
    const rig = makeRig();
    const a = connectTcp(rig, "10.1.1.1", 7000);
    // the module silently lost link a, and has link 7 open that nobody owns
    rig.modem.links[a.link].open = false;
    rig.modem.links[7].open = true;
    rig.table.onOnline();
    rig.run(200);
    assert.deepStrictEqual(a.closes, ["lost"]);
    assert.ok(rig.modem.commands.indexOf("AT+CIPCLOSE=7") >= 0);
    assert.strictEqual(rig.modem.links[7].open, false);
    assert.strictEqual(rig.table.stats.orphansClosed, 1);
  });

  it("catches owner callbacks that throw and counts them; the table keeps working", () => {
    const rig = makeRig();
    const o = connectTcp(rig, "10.1.1.1", 7000);
    o.error = (e: SocketError) => {
      throw new Error("app bug " + e.kind);
    };
    o.closed = () => {
      throw new Error("app bug");
    };
    rig.modem.remoteClose(o.link);
    rig.run(100);
    assert.strictEqual(rig.table.stats.callbackErrors, 1);
    assert.strictEqual(rig.table.status(o.link).state, "free");
    const b = connectTcp(rig, "10.1.1.1", 7000);
    assert.strictEqual(b.connectedCount, 1);
  });
});
