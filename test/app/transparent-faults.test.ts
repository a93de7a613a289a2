// Transparent mode against the simulator's faults (issue 16 items 1, 4, 5): module-like payload stays data, a drop, a reboot, a peer close and a freeze in data mode are noticed with their reason, and the next connect works at once.
import * as assert from "assert";
import { boot, closeAll, closes, peer, record, World } from "./sim-world";

const closers: Array<() => unknown> = [];

async function openOne(echo = true): Promise<{ w: World; sock: import("../../firmware/app/index").Socket; r: ReturnType<typeof record>; p: Awaited<ReturnType<typeof peer>> }> {
  const p = await peer(closers, echo);
  const w = await boot({ mode: "transparent", opts: { backoffMinMs: 100 }, trace: true }, closers);
  const sock = w.modem.connect("127.0.0.1", p.port);
  const r = record(w, sock);
  assert.ok(await w.until(() => sock.state === "open" && p.conns.length === 1, 10000));
  return { w, sock, r, p };
}

/** After a fault: the modem is online again and a new socket connects (and carries data) within 5 s of asking. */
async function connectsAgain(w: World, p: Awaited<ReturnType<typeof peer>>): Promise<void> {
  assert.ok(await w.until(() => w.modem.isOnline(), 60000), w.events.join());
  const s = w.modem.connect("127.0.0.1", p.port);
  const r = record(w, s);
  const t = w.hal.clock.now();
  assert.ok(await w.until(() => r.log.length > 0, 10000), "no answer to the next connect: " + w.events.join());
  assert.deepStrictEqual(r.log, ["connect"]);
  assert.ok(w.hal.clock.now() - t < 5000, "connected after " + (w.hal.clock.now() - t) + " ms");
  s.write("again");
  assert.ok(await w.until(() => p.received[p.received.length - 1] === "again", 5000), JSON.stringify(p.received));
  if (p.echo) assert.ok(await w.until(() => r.data === "again", 5000), JSON.stringify(r.data));
}

/** The data-mode transitions of the trace, in order. */
function transitions(w: World): string[] {
  return w.trace.filter((l) => / \* data mode (on|off)$/.test(l)).map((l) => l.replace(/^[\d.]+ \* /, ""));
}

describe("transparent mode against faults (simulator)", function () {
  this.timeout(60000);
  afterEach(() => closeAll(closers));

  it("a peer that sends module-like lines (CLOSED, OK, RDY, +CIPEVENT, +++) and goes quiet: delivered intact, the link stays open", async () => {
    const evil = "hello\r\nOK\r\n" + "\r\nCLOSED\r\n" + "\r\nRDY\r\n\r\n+CPIN: READY\r\n" + "\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n" + "+++";
    const { w, sock, r, p } = await openOne(false);
    p.send(evil);
    await w.pump(8000);
    assert.strictEqual(r.data, evil);
    assert.deepStrictEqual(r.log, ["connect"]);
    assert.deepStrictEqual(w.events, ["online"], "the modem stayed online");
    sock.write("still open");
    assert.ok(await w.until(() => p.all() === "still open", 5000), JSON.stringify(p.all()));
    assert.ok(w.modem.engine.borrowed());
  });

  it("the peer closes mid-stream while we write: close(remote) after its last data, and the next connect works at once (no 75 s hang)", async () => {
    const { w, sock, r, p } = await openOne(false);
    let stop = false;
    const pump = () => {
      while (!stop && sock.state === "open" && sock.write("0123456789abcdef".repeat(64))) {
        /* keep the line busy */
      }
    };
    sock.on("drain", pump);
    pump();
    await w.pump(200);
    p.send("last words");
    p.end();
    assert.ok(await w.until(() => sock.state === "closed", 10000), r.log.join());
    stop = true;
    assert.deepStrictEqual(closes(r), ["close remote"]);
    assert.strictEqual(r.data, "last words");
    assert.deepStrictEqual(w.events, ["online"]);
    await connectsAgain(w, p);
  });

  it("a network drop in data mode: close(network), offline network, recovery, and the next connect works", async () => {
    const { w, sock, r, p } = await openOne();
    w.sim.fault.dropNetwork();
    assert.ok(await w.until(() => sock.state === "closed", 10000), r.log.join());
    assert.deepStrictEqual(closes(r), ["close network"]);
    assert.ok(await w.until(() => w.events.length >= 3, 60000), w.events.join());
    assert.deepStrictEqual(w.events.slice(0, 3), ["online", "offline network", "online"]);
    await connectsAgain(w, p);
    assert.deepStrictEqual(transitions(w).slice(0, 2), ["data mode on", "data mode off"]);
  });

  it("a reboot in data mode: the banner is not data; close(reboot), offline reboot, bring-up, and the next connect works", async () => {
    const { w, sock, r, p } = await openOne();
    sock.write("before");
    assert.ok(await w.until(() => r.data === "before", 5000));
    w.sim.fault.reboot();
    assert.ok(await w.until(() => sock.state === "closed", 15000), r.log.join());
    assert.deepStrictEqual(closes(r), ["close reboot"]);
    assert.strictEqual(r.data, "before", "none of the banner was delivered");
    assert.ok(await w.until(() => w.events.length >= 3, 60000), w.events.join());
    assert.deepStrictEqual(w.events.slice(0, 3), ["online", "offline reboot", "online"]);
    await connectsAgain(w, p);
  });

  it("a freeze in data mode: the idle probe finds no answer, the socket closes, the module is reset, and the next connect works", async () => {
    const { w, sock, r, p } = await openOne();
    w.sim.fault.hang(true);
    assert.ok(await w.until(() => sock.state === "closed", 15000), r.log.join());
    assert.strictEqual(closes(r).length, 1);
    assert.ok(await w.until(() => w.events.indexOf("offline reset") >= 0, 60000), w.events.join());
    w.sim.fault.hang(false); // a real module restarts on the reset pulse; the simulator needs the freeze ended
    await connectsAgain(w, p);
  });
});
