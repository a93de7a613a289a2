// Servers: AT+SERVERSTART/STOP, +CLIENT hand-over, allowlist closing and counting, the 4-server limit.
import * as assert from "assert";
import { bytes, makeRig, Owner, SrvOwner } from "./rig";

describe("net: servers", () => {
  it("starts a server, hands a +CLIENT link to its owner, exchanges data and stops", () => {
    const rig = makeRig();
    const s = new SrvOwner(rig);
    const idx = rig.table.listen(8080, s, undefined);
    assert.strictEqual(idx, 0);
    rig.run(50);
    assert.deepStrictEqual(s.log, ["listening"]);
    assert.ok(rig.modem.commands.indexOf("AT+SERVERSTART=8080,0") >= 0);
    rig.modem.acceptClient(3, 0, "192.168.1.5", 57202);
    rig.modem.peerSend(3, "hi there");
    rig.run(100);
    assert.deepStrictEqual(s.log, ["listening", "client 3 192.168.1.5:57202"]);
    const c = s.clients[0];
    assert.strictEqual(c.data, "hi there");
    rig.table.write(3, c, bytes(3000, 4), "", 0);
    rig.run(300);
    assert.strictEqual(rig.modem.links[3].sent, bytes(3000, 4));
    rig.table.closeServer(0, s);
    rig.run(50);
    assert.ok(rig.modem.commands.indexOf("AT+SERVERSTOP=0") >= 0);
    assert.deepStrictEqual(s.closes, ["local"]);
    assert.strictEqual(rig.table.status(3).state, "open", "accepted links outlive their server");
  });

  it("closes a client that is not on the allowlist at once and counts it; admitted ones pass", () => {
    const rig = makeRig();
    const s = new SrvOwner(rig);
    rig.table.listen(9000, s, ["10.0.0.7"]);
    rig.run(50);
    rig.modem.acceptClient(0, 0, "10.6.6.6", 4000);
    rig.run(50);
    assert.ok(rig.modem.commands.indexOf("AT+CIPCLOSE=0") >= 0, "closed at once");
    assert.strictEqual(rig.modem.links[0].open, false);
    assert.deepStrictEqual(s.rejected, ["10.6.6.6:4000"]);
    assert.strictEqual(rig.table.stats.rejectedClients, 1);
    assert.strictEqual(rig.table.servers[0].rejected, 1);
    assert.deepStrictEqual(s.clients, [], "the application never sees it");
    rig.modem.acceptClient(1, 0, "10.0.0.7", 4001);
    rig.run(50);
    assert.strictEqual(s.clients.length, 1);
    assert.strictEqual(rig.table.servers[0].accepted, 1);
  });

  it("runs 4 servers with clients each and refuses a fifth with no-server before any byte is sent", () => {
    const rig = makeRig();
    const owners: SrvOwner[] = [];
    for (let i = 0; i < 4; i++) {
      const s = new SrvOwner(rig);
      assert.strictEqual(rig.table.listen(8000 + i, s, undefined), i);
      owners.push(s);
    }
    rig.run(100);
    for (let i = 0; i < 4; i++) rig.modem.acceptClient(i, i, "10.0.0." + (i + 1), 5000 + i);
    rig.run(100);
    for (let i = 0; i < 4; i++) {
      assert.deepStrictEqual(owners[i].log, ["listening", "client " + i + " 10.0.0." + (i + 1) + ":" + (5000 + i)]);
      rig.modem.peerSend(i, "to " + i);
    }
    rig.run(100);
    for (let i = 0; i < 4; i++) assert.strictEqual(owners[i].clients[0].data, "to " + i);
    const before = rig.hal.wire.hostLog.length;
    const r = rig.table.listen(8100, new SrvOwner(rig), undefined);
    assert.strictEqual(typeof r === "object" && r.kind, "no-server");
    rig.run(50);
    assert.strictEqual(rig.hal.wire.hostLog.length, before);
  });

  it("reports a refused AT+SERVERSTART with the modem's error and closes the server", () => {
    const rig = makeRig();
    rig.modem.serverStartError = "Bind port failed";
    const s = new SrvOwner(rig);
    rig.table.listen(8080, s, undefined);
    rig.run(50);
    assert.deepStrictEqual(s.log, ["error ip", "close error"]);
    assert.strictEqual(s.errors[0].code, 1);
    assert.ok(/Bind port failed/.test(s.errors[0].text));
  });

  it("reports 'already listening' when stopping the slot and starting again did not help", () => {
    const rig = makeRig();
    rig.modem.serverStartError = "Server is already listening";
    const s = new SrvOwner(rig);
    rig.table.listen(8080, s, undefined);
    rig.run(100);
    assert.deepStrictEqual(s.log, ["error ip", "close error"]);
    assert.strictEqual(s.errors[0].code, 20);
    assert.ok(rig.modem.commands.indexOf("AT+SERVERSTOP=0") >= 0, "it tried a stop first");
  });

  it("a client the module accepts while one of our sockets still resolves its host does not take that socket's link", () => {
    const rig = makeRig();
    rig.modem.dns["slow.example"] = "93.184.216.34";
    const s = new SrvOwner(rig);
    rig.table.listen(8080, s, undefined);
    rig.run(50);
    const o = new Owner(rig);
    o.link = rig.table.openTcp("slow.example", 80, o) as number;
    rig.modem.acceptClient(0, 0, "192.168.1.5", 5000); // the module gives accepted clients its lowest free link
    rig.run(500);
    assert.notStrictEqual(o.link, 0);
    assert.deepStrictEqual(o.log, ["connect"]);
    assert.ok(s.log.some((l) => l.indexOf("client 0") === 0), s.log.join(","));
  });

  it("listens again on a slot the module still holds after an unanswered SERVERSTOP (stop, then start once more)", () => {
    const rig = makeRig();
    const fake = rig.modem as unknown as { reply(d: string): void; servers: Array<{ port: number } | undefined> };
    const s = new SrvOwner(rig);
    rig.table.listen(8080, s, undefined);
    rig.run(50);
    const reply = fake.reply.bind(fake);
    fake.reply = (d: string) => {
      if (d.indexOf("+SERVERSTOP:") >= 0) {
        fake.servers[0] = { port: 8080 }; // the answer is lost and the module keeps listening
        return;
      }
      reply(d);
    };
    rig.table.closeServer(0, s);
    rig.run(40000);
    fake.reply = reply;
    const s2 = new SrvOwner(rig);
    assert.strictEqual(rig.table.listen(9090, s2, undefined), 0);
    rig.run(200);
    assert.deepStrictEqual(s2.log, ["listening"]);
  });

  it("rejects a +CLIENT whose address cannot be read instead of admitting it with the previous client's", () => {
    const rig = makeRig();
    const s = new SrvOwner(rig);
    rig.table.listen(9000, s, ["10.0.0.7"]);
    rig.run(50);
    rig.modem.acceptClient(0, 0, "10.0.0.7", 4001);
    rig.run(50);
    rig.modem.write("\r\n+CLIENT: 1,0,10.6.6.6\r\n");
    rig.run(50);
    assert.strictEqual(s.log.filter((l) => l.indexOf("client") === 0).length, 1, s.log.join(","));
    assert.strictEqual(rig.table.stats.rejectedClients, 1);
  });
});
