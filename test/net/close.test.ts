// Closing: local, remote and +IPCLOSE reasons, open failures, every link lost (network, reboot, reset, stop) — each socket told exactly once — and reconciliation.
import * as assert from "assert";
import { S_FREE } from "../../firmware/net/consts";
import { bytes, connectTcp, listen, makeRig, record, Rig } from "./rig";

function allFree(rig: Rig): boolean {
  return rig.table.slots.every((s) => s.state === S_FREE);
}

describe("net: closing and recovery", () => {
  it("end() sends everything queued, then AT+CIPCLOSE, then close(local) once, and frees the slot", () => {
    const rig = makeRig();
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    sock.write(bytes(3000, 1));
    sock.end();
    sock.end();
    rig.run(500);
    assert.strictEqual(rig.fake.links[sock.link].sent, bytes(3000, 1));
    const cmds = rig.fake.commands;
    assert.ok(cmds.lastIndexOf("AT+CIPCLOSE=" + sock.link) > cmds.lastIndexOf("AT+CIPSEND=" + sock.link + ",952"));
    assert.deepStrictEqual(r.log, ["connect", "drain", "close local"], "3000 bytes crossed the queue's bound: drain, then the close");
    assert.strictEqual(sock.closeReason, "local");
    assert.ok(allFree(rig));
    assert.deepStrictEqual(rig.modem.status().links, []);
  });

  it("destroy() drops what is queued and closes at once with close(local)", () => {
    const rig = makeRig({ opts: { txQueueBytes: 8192 } });
    const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
    rig.fake.confirm.push(0); // the first chunk waits for a pause
    sock.write(bytes(5000, 2));
    rig.run(20);
    sock.destroy();
    rig.run(1000);
    assert.deepStrictEqual(r.log, ["connect", "close local"]);
    assert.ok(rig.fake.links[sock.link].sent.length < 5000);
    assert.ok(allFree(rig));
  });

  for (const [reason, expected] of [
    [0, "local"],
    [1, "remote"],
    [2, "timeout"],
  ] as Array<[number, string]>) {
    it(`+IPCLOSE: <l>,${reason} closes the socket with reason ${expected}, once`, () => {
      const rig = makeRig();
      const { sock, r } = connectTcp(rig, "10.1.1.1", 7000);
      rig.fake.remoteClose(sock.link, reason);
      rig.fake.remoteClose(sock.link, reason);
      rig.run(100);
      assert.deepStrictEqual(r.closes, [expected]);
      assert.ok(rig.fake.commands.every((c) => c !== "AT+CIPCLOSE=" + sock.link), "no close command for a link the module closed");
      assert.ok(allFree(rig));
    });
  }

  const losses: Array<[string, (rig: Rig, write: () => void) => void]> = [
    ["network", (rig) => rig.fake.dropNetwork()],
    ["reboot", (rig) => rig.fake.reboot()],
    [
      "reset",
      (rig, write) => {
        rig.fake.hang(true); // frozen: the engine stalls and the supervisor resets the module
        write();
      },
    ],
    ["stop", (rig) => rig.modem.stop()],
  ];
  for (const [reason, cause] of losses) {
    it(`losing every link (${reason}) closes every socket, pending ones included, and every server once with reason ${reason}`, () => {
      const rig = makeRig();
      const a = connectTcp(rig, "10.1.1.1", 7000);
      const b = connectTcp(rig, "10.1.1.2", 7000);
      const s = listen(rig, 8080);
      rig.run(50);
      assert.deepStrictEqual(s.r.log, ["listening"]);
      rig.fake.silentOpen = true;
      const pending = record(rig.modem.connect("10.1.1.3", 80));
      rig.run(50);
      cause(rig, () => a.sock.write("into a frozen module"));
      assert.ok(rig.until(() => a.r.closes.length > 0 && b.r.closes.length > 0 && pending.closes.length > 0 && s.r.closes.length > 0, 200000), a.r.log + " " + pending.log + " " + s.r.log);
      rig.run(100);
      assert.deepStrictEqual(a.r.closes, [reason]);
      assert.deepStrictEqual(b.r.closes, [reason]);
      assert.deepStrictEqual(pending.closes, [reason]);
      assert.deepStrictEqual(s.r.closes, [reason]);
      assert.ok(rig.events.indexOf("offline " + reason) > 0, rig.events.join());
      assert.ok(allFree(rig), "every slot is free again");
      if (!rig.modem.isOnline()) {
        const late = record(rig.modem.connect("10.1.1.1", 7000));
        rig.run(10);
        assert.deepStrictEqual(late.log, ["error offline", "close error"]);
      }
    });
  }

  it("an open that fails (+CIPOPEN: <l>,<err>) raises the modem's code, then close(error), and frees the slot", () => {
    const rig = makeRig();
    rig.fake.openErr[9] = 10;
    const sock = rig.modem.connect("10.1.1.1", 7000);
    const r = record(sock);
    assert.strictEqual(sock.link, 9, "ours are taken from the top");
    rig.run(100);
    assert.deepStrictEqual(r.log, ["error async", "close error"]);
    assert.strictEqual(r.errors[0].code, 10);
    assert.ok(allFree(rig));
  });

  it("an open without an answer times out, is closed on the module, and the slot is reusable", () => {
    const rig = makeRig({ links: 1, opts: { connectTimeoutMs: 3000 } });
    rig.fake.silentOpen = true;
    const sock = rig.modem.connect("10.1.1.1", 7000);
    const r = record(sock);
    rig.run(3500);
    assert.deepStrictEqual(r.log, ["error timeout", "close error"]);
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=" + sock.link) >= 0);
    rig.fake.silentOpen = false;
    const again = connectTcp(rig, "10.1.1.1", 7000);
    assert.deepStrictEqual(again.r.log, ["connect"]);
  });

  it("a late +CIPOPEN success for a socket that gave up leaves an orphan link, which is closed on the module", () => {
    const rig = makeRig({ opts: { connectTimeoutMs: 2000 } });
    rig.fake.openDelayMs = 5000;
    const sock = rig.modem.connect("10.1.1.1", 7000);
    const r = record(sock);
    const l = sock.link;
    rig.run(2500);
    assert.deepStrictEqual(r.log, ["error timeout", "close error"]);
    rig.run(3000); // the module's success arrives now
    assert.strictEqual(rig.fake.links[l].open, false, "the late link was closed");
    assert.strictEqual(rig.fake.commands.filter((c) => c === "AT+CIPCLOSE=" + l).length, 2, "once when giving up, once for the orphan");
    assert.strictEqual(rig.table.stats.orphansClosed, 1);
    assert.deepStrictEqual(r.closes, ["error"], "the socket heard nothing more");
  });

  it("a host name that does not resolve fails with the DNS error before AT+CIPOPEN", () => {
    const rig = makeRig();
    const r = record(rig.modem.connect("nowhere.example", 80));
    rig.run(100);
    assert.deepStrictEqual(r.log, ["error dns", "close error"]);
    assert.ok(rig.fake.commands.every((c) => c.indexOf("CIPOPEN=") < 0));
  });

  it("reconciliation closes links the module holds that nobody owns, and ends sockets the module lost with reason lost", () => {
    const rig = makeRig();
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const b = connectTcp(rig, "10.1.1.2", 7000);
    // the module silently lost link a, and has link 3 open that nobody owns
    rig.fake.links[a.sock.link].open = false;
    rig.fake.links[3].open = true;
    const before = rig.table.stats.reconciles;
    rig.table.reconcile();
    rig.run(200);
    assert.strictEqual(rig.table.stats.reconciles, before + 1);
    assert.deepStrictEqual(a.r.closes, ["lost"]);
    assert.deepStrictEqual(b.r.closes, []);
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=3") >= 0);
    assert.strictEqual(rig.fake.links[3].open, false);
    assert.strictEqual(rig.table.stats.orphansClosed, 1);
  });

  it("reconciles after coming online: AT+CIPCLOSE? right after the bring-up, and again after a recovery", () => {
    const rig = makeRig({ opts: { backoffMinMs: 100 } });
    const cmds = rig.fake.commands;
    assert.ok(cmds.indexOf("AT+CIPCLOSE?") > cmds.indexOf("AT+IPADDR"), "reconciled once online");
    const n = cmds.filter((c) => c === "AT+CIPCLOSE?").length;
    rig.fake.dropNetwork();
    assert.ok(rig.until(() => rig.events.length >= 3, 20000));
    rig.run(100);
    assert.strictEqual(cmds.filter((c) => c === "AT+CIPCLOSE?").length, n + 1);
  });

  it("a socket opened from the online handler after a drop, on a number the module still lists, gets it closed first, then opens", () => {
    const rig = makeRig({ opts: { backoffMinMs: 100 } });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    let again: ReturnType<typeof record> | undefined;
    rig.modem.once("online", () => {
      again = record(rig.modem.connect("10.1.1.1", 7000));
    });
    rig.fake.dropNetwork();
    rig.fake.links[a.sock.link].open = true; // the module keeps the dead link listed (doc section 7)
    assert.ok(rig.until(() => !!again && again.log.length > 0, 20000), rig.events.join());
    const r = again as ReturnType<typeof record>;
    assert.deepStrictEqual(r.log, ["connect"]);
    const cmds = rig.fake.commands;
    const open = cmds.lastIndexOf('AT+CIPOPEN=9,"TCP","10.1.1.1",7000');
    assert.ok(cmds.lastIndexOf("AT+CIPCLOSE=9") > cmds.lastIndexOf("AT+CIPCLOSE?") && cmds.lastIndexOf("AT+CIPCLOSE=9") < open, cmds.slice(-6).join(" | "));
    assert.strictEqual(rig.table.stats.orphansClosed, 1);
  });

  it("catches handlers that throw and counts them; the driver keeps working", () => {
    const rig = makeRig();
    const { sock } = connectTcp(rig, "10.1.1.1", 7000);
    sock.on("close", () => {
      throw new Error("app bug");
    });
    rig.fake.remoteClose(sock.link);
    rig.run(100);
    assert.strictEqual(sock.handlerErrors, 1);
    assert.ok(allFree(rig));
    const b = connectTcp(rig, "10.1.1.1", 7000);
    assert.deepStrictEqual(b.r.log, ["connect"]);
  });
});

describe("net: the link pool", () => {
  it("the board's links are a pool: the N+1th socket gets no-link before any byte, and a freed slot is reused", () => {
    const rig = makeRig({ links: 2 });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const b = connectTcp(rig, "10.1.1.2", 7000);
    const before = rig.written();
    const c = record(rig.modem.connect("10.1.1.3", 7000));
    rig.run(100);
    assert.deepStrictEqual(c.log, ["error no-link", "close error"]);
    assert.ok(/2 provisioned links/.test(c.errors[0].text), c.errors[0].text);
    assert.strictEqual(rig.written(), before, "nothing sent for the refused socket");
    a.sock.end();
    rig.run(200);
    const d = connectTcp(rig, "10.1.1.4", 7000);
    assert.deepStrictEqual(d.r.log, ["connect"]);
    assert.strictEqual(rig.table.slots.length, 2);
    rig.fake.peerSend(d.sock.link, "reused");
    rig.fake.peerSend(b.sock.link, "still b");
    rig.run(200);
    assert.strictEqual(d.r.data, "reused");
    assert.strictEqual(b.r.data, "still b");
  });

  it("the links option overrides the board's count", () => {
    const rig = makeRig({ links: 4, opts: { links: 1 } });
    assert.strictEqual(rig.table.slots.length, 1);
    connectTcp(rig, "10.1.1.1", 7000);
    const c = record(rig.modem.connect("10.1.1.2", 7000));
    rig.run(50);
    assert.deepStrictEqual(c.log, ["error no-link", "close error"]);
  });

  it("200 connect() calls in one tick give 200 error+close events and never throw (issue 16 item 13)", () => {
    for (const online of [false, true]) {
      const rig = makeRig({ offline: !online });
      const recs = [];
      for (let i = 0; i < 200; i++) recs.push(record(rig.modem.connect("10.1." + (i >> 8) + "." + (i & 255), 80)));
      rig.run(500);
      const failed = recs.filter((r) => r.log.length === 2 && r.log[1] === "close error");
      const connected = recs.filter((r) => r.log[0] === "connect");
      assert.strictEqual(failed.length + connected.length, 200);
      if (!online) assert.strictEqual(failed.filter((r) => r.log[0] === "error offline").length, 200);
      else {
        assert.strictEqual(connected.length, 10, "every provisioned link connected");
        assert.strictEqual(failed.filter((r) => r.log[0] === "error no-link").length, 190);
      }
    }
  });
});
