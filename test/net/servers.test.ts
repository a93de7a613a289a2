// Servers (the server part): AT+SERVERSTART/STOP, +CLIENT hand-over to a pool slot, allowlists, the 4-server limit, clients when no slot is free.
import * as assert from "assert";
import { bytes, connectTcp, listen, makeRig, record } from "./rig";

describe("net: servers", () => {
  it("starts a server, hands a +CLIENT link to it as a Socket, exchanges data, stops; accepted links outlive their server", () => {
    const rig = makeRig();
    const { srv, r: s } = listen(rig, 8080);
    rig.run(50);
    assert.deepStrictEqual(s.log, ["listening"]);
    assert.strictEqual(srv.index, 0);
    assert.ok(rig.fake.commands.indexOf("AT+SERVERSTART=8080,0") >= 0);
    rig.fake.acceptClient(3, 0, "192.168.1.5", 57202);
    rig.fake.peerSend(3, "hi there");
    rig.run(100);
    assert.deepStrictEqual(s.log, ["listening", "client 3 192.168.1.5:57202"]);
    const c = s.clients[0];
    assert.strictEqual(c.r.data, "hi there");
    c.sock.write(bytes(3000, 4));
    rig.run(300);
    assert.strictEqual(rig.fake.links[3].sent, bytes(3000, 4));
    srv.close();
    rig.run(50);
    assert.ok(rig.fake.commands.indexOf("AT+SERVERSTOP=0") >= 0);
    assert.deepStrictEqual(s.closes, ["local"]);
    assert.strictEqual(c.sock.state, "open", "accepted links outlive their server");
    rig.fake.peerSend(3, "after stop");
    rig.run(100);
    assert.strictEqual(c.r.data, "hi thereafter stop");
  });

  it("closes a client that is not on the allowlist at once and counts it; admitted ones pass", () => {
    const rig = makeRig();
    const { srv, r: s } = listen(rig, 9000, { allow: ["10.0.0.7"] });
    rig.run(50);
    rig.fake.acceptClient(0, 0, "10.6.6.6", 4000);
    rig.run(50);
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=0") >= 0, "closed at once");
    assert.strictEqual(rig.fake.links[0].open, false);
    assert.deepStrictEqual(s.rejected, ["10.6.6.6:4000"]);
    assert.strictEqual(srv.rejected, 1);
    assert.deepStrictEqual(s.clients, [], "the application never sees it");
    rig.fake.acceptClient(1, 0, "10.0.0.7", 4001);
    rig.run(50);
    assert.strictEqual(s.clients.length, 1);
    assert.strictEqual(srv.accepted, 1);
  });

  it("runs 4 servers with clients each and refuses a fifth with no-server before any byte is sent", () => {
    const rig = makeRig();
    const servers = [];
    for (let i = 0; i < 4; i++) servers.push(listen(rig, 8000 + i));
    rig.run(100);
    for (let i = 0; i < 4; i++) assert.strictEqual(servers[i].srv.index, i);
    for (let i = 0; i < 4; i++) rig.fake.acceptClient(i, i, "10.0.0." + (i + 1), 5000 + i);
    rig.run(100);
    for (let i = 0; i < 4; i++) {
      assert.deepStrictEqual(servers[i].r.log, ["listening", "client " + i + " 10.0.0." + (i + 1) + ":" + (5000 + i)]);
      rig.fake.peerSend(i, "to " + i);
    }
    rig.run(100);
    for (let i = 0; i < 4; i++) assert.strictEqual(servers[i].r.clients[0].r.data, "to " + i);
    const before = rig.written();
    const fifth = listen(rig, 8100);
    rig.run(50);
    assert.deepStrictEqual(fifth.r.log, ["error no-server", "close error"]);
    assert.strictEqual(rig.written(), before);
  });

  it("refuses a second server on a port already listened on, before any byte", () => {
    const rig = makeRig();
    listen(rig, 8080);
    rig.run(50);
    const before = rig.written();
    const again = listen(rig, 8080);
    rig.run(50);
    assert.deepStrictEqual(again.r.log, ["error invalid", "close error"]);
    assert.strictEqual(rig.written(), before);
  });

  it("reports a refused AT+SERVERSTART with the modem's error and closes the server", () => {
    const rig = makeRig();
    rig.fake.serverStartError = "Bind port failed";
    const { r: s } = listen(rig, 8080);
    rig.run(50);
    assert.deepStrictEqual(s.log, ["error ip", "close error"]);
    assert.ok(/Bind port failed/.test(s.errors[0].text));
  });

  it("reports 'already listening' when stopping the slot and starting again did not help", () => {
    const rig = makeRig();
    rig.fake.serverStartError = "Server is already listening";
    const { r: s } = listen(rig, 8080);
    rig.run(100);
    assert.deepStrictEqual(s.log, ["error ip", "close error"]);
    assert.ok(/already listening/.test(s.errors[0].text));
    assert.ok(rig.fake.commands.indexOf("AT+SERVERSTOP=0") >= 0, "it tried a stop first");
  });

  it("a client the module accepts while one of our sockets still resolves its host does not take that socket's link", () => {
    const rig = makeRig();
    rig.fake.dns["slow.example"] = "93.184.216.34";
    const { r: s } = listen(rig, 8080);
    rig.run(50);
    const o = rig.modem.connect("slow.example", 80);
    const r = record(o);
    rig.fake.acceptClient(0, 0, "192.168.1.5", 5000); // the module gives accepted clients its lowest free link
    rig.run(500);
    assert.notStrictEqual(o.link, 0);
    assert.deepStrictEqual(r.log, ["connect"]);
    assert.ok(s.log.some((l) => l.indexOf("client 0") === 0), s.log.join(","));
  });

  it("listens again on a slot the module still holds after an unanswered SERVERSTOP (stop, then start once more)", () => {
    const rig = makeRig();
    const fake = rig.fake as unknown as { reply(d: string): void; servers: Array<{ port: number } | undefined> };
    const { srv } = listen(rig, 8080);
    rig.run(50);
    const reply = fake.reply.bind(fake);
    fake.reply = (d: string) => {
      if (d.indexOf("+SERVERSTOP:") >= 0) {
        fake.servers[0] = { port: 8080 }; // the answer is lost and the module keeps listening
        return;
      }
      reply(d);
    };
    srv.close();
    rig.run(40000);
    fake.reply = reply;
    const again = listen(rig, 9090);
    rig.run(200);
    assert.strictEqual(again.srv.index, 0);
    assert.deepStrictEqual(again.r.log, ["listening"]);
  });

  it("rejects a +CLIENT whose address cannot be read instead of admitting it with the previous client's", () => {
    const rig = makeRig();
    const { srv, r: s } = listen(rig, 9000, { allow: ["10.0.0.7"] });
    rig.run(50);
    rig.fake.acceptClient(0, 0, "10.0.0.7", 4001);
    rig.run(50);
    rig.fake.write("\r\n+CLIENT: 1,0,10.6.6.6\r\n");
    rig.run(50);
    assert.strictEqual(s.log.filter((l) => l.indexOf("client") === 0).length, 1, s.log.join(","));
    assert.strictEqual(srv.rejected, 1);
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=1") >= 0);
  });

  it("a client arriving when no provisioned slot is free is closed on the module, and the server says no-link", () => {
    const rig = makeRig({ links: 1 });
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const { srv, r: s } = listen(rig, 8080);
    rig.run(50);
    rig.fake.acceptClient(0, 0, "192.168.1.5", 5000);
    rig.run(100);
    assert.deepStrictEqual(s.log, ["listening", "error no-link"]);
    assert.strictEqual(srv.accepted, 0);
    assert.ok(rig.fake.commands.indexOf("AT+CIPCLOSE=0") >= 0);
    assert.strictEqual(rig.fake.links[0].open, false);
    assert.deepStrictEqual(a.r.closes, [], "our socket is untouched");
    // once our socket is gone the next client gets the slot
    a.sock.end();
    rig.run(100);
    rig.fake.acceptClient(0, 0, "192.168.1.6", 5001);
    rig.run(100);
    assert.strictEqual(srv.accepted, 1);
    assert.deepStrictEqual(s.log.slice(2), ["client 0 192.168.1.6:5001"]);
  });

  it("a +CLIENT on a link one of our sockets still holds means the module lost ours: that socket closes with lost, the client is served", () => {
    const rig = makeRig();
    const a = connectTcp(rig, "10.1.1.1", 7000);
    const { r: s } = listen(rig, 8080);
    rig.run(50);
    rig.fake.acceptClient(a.sock.link, 0, "192.168.1.5", 5000);
    rig.fake.peerSend(a.sock.link, "from the client");
    rig.run(100);
    assert.deepStrictEqual(a.r.log, ["connect", "close lost"]);
    assert.strictEqual(a.r.data, "");
    assert.deepStrictEqual(s.log, ["listening", "client " + a.sock.link + " 192.168.1.5:5000"]);
    assert.strictEqual(s.clients[0].r.data, "from the client");
  });
});
