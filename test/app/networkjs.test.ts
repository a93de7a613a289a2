// The net part's NetworkJS callbacks driven by a fake interpreter loop (recv/send polled as Espruino's idle loop does) against the simulator and real loopback peers: what each callback answers while connecting, binding, moving data and after a close.
import * as assert from "assert";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem } from "../../firmware/app/index";
import { allParts } from "../../firmware/parts/index";
import { ERR_BAD_ARG, ERR_CLOSED, ERR_NO_CONN, net, NetCallbacks, udpHeader } from "../../firmware/parts/networkjs";
import { A76xxSim, pumpUntil, TcpPeer, UdpPeer } from "../../tools/sim/index";

const board: BoardDef = { id: "sim", name: "sim", uart: { port: 1, baud: 921600 }, atRxRingBytes: 4096, socketRxRingBytes: 4096, links: 4 };
/** The interpreter's chunk size for recv. */
const CHUNK = 536;

describe("net part: NetworkJS callbacks under a fake interpreter loop", function () {
  this.timeout(30000);
  let hal: TestHal;
  let sim: A76xxSim;
  let modem: Modem;
  let cb: NetCallbacks;
  const closers: Array<() => unknown> = [];

  async function online(mode: "buffer" | "push"): Promise<void> {
    hal = createTestHal({ baud: 921600, toHostChunk: 512, toModemChunk: 512 });
    const portMap: { [p: number]: number } = { 5000: 0 };
    sim = new A76xxSim({ clock: hal.clock, startPoweredOn: true, portMap });
    sim.attach(hal.wire.modem, {}, { toHost: hal.wire.toHost });
    modem = createModem(hal, board, { dataMode: mode, healthCheckMs: 0, parts: allParts.concat([net]) });
    cb = (modem as unknown as { netCallbacks: NetCallbacks }).netCallbacks;
    modem.start();
    assert.ok(await until(() => modem.isOnline(), 30000), "the modem came online");
  }

  function until(done: () => boolean, ms: number): Promise<boolean> {
    return pumpUntil(hal.clock, done, { maxVirtualMs: ms, maxRealMs: 10000 });
  }

  /** One idle-loop pass over socket `i`: recv once; returns what recv answered. */
  function poll(i: number): string | number {
    return cb.recv(i, CHUNK, 0);
  }

  afterEach(async () => {
    if (sim) sim.close();
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  for (const mode of ["buffer", "push"] as const) {
    it(`${mode} mode: a TCP client answers -11 while connecting, then "", takes data with send, hands the echo back in chunks of at most maxLen, and -1 once the peer closed and everything was read`, async () => {
      const peer = await TcpPeer.listen({ echo: true });
      closers.push(() => peer.close());
      await online(mode);
      const i = cb.create("127.0.0.1", peer.port, 0);
      assert.ok(i >= 0, "an index");
      assert.strictEqual(poll(i), ERR_NO_CONN);
      let r: string | number = ERR_NO_CONN;
      assert.ok(await until(() => (r = poll(i)) !== ERR_NO_CONN, 20000), "connected");
      assert.strictEqual(r, "");
      let msg = "";
      for (let k = 0; k < 2000; k++) msg += String.fromCharCode(k & 255);
      let sent = 0;
      let got = "";
      let biggest = 0;
      assert.ok(
        await until(() => {
          if (sent < msg.length) sent += Math.max(0, cb.send(i, msg.substr(sent, CHUNK), 0) as number);
          const d = poll(i);
          if (typeof d === "string") {
            got += d;
            biggest = Math.max(biggest, d.length);
          }
          return got.length >= msg.length;
        }, 30000),
        `echo back (${got.length} of ${msg.length})`,
      );
      assert.strictEqual(got, msg);
      assert.ok(biggest <= CHUNK, `a recv returned ${biggest} bytes`);
      peer.end();
      let end: string | number = "";
      assert.ok(await until(() => typeof (end = poll(i)) === "number", 20000), "recv turns negative after the peer closed");
      assert.strictEqual(end, ERR_CLOSED);
      cb.close(i);
      assert.strictEqual(poll(i), ERR_CLOSED, "a closed index answers -1");
    });
  }

  it('push mode: a UDP socket answers "" (not -11, which Espruino takes as an error for UDP) while binding, and datagrams carry the 8-byte header both ways', async () => {
    const peer = await UdpPeer.bind({ echo: true });
    closers.push(() => peer.close());
    await online("push");
    const i = cb.create(undefined, 5000, 2);
    assert.ok(i >= 0, "an index");
    assert.strictEqual(poll(i), "");
    const data = "ping \x00\xff";
    const dgram = udpHeader("127.0.0.1", peer.port, data.length) + data;
    let taken = 0;
    assert.ok(await until(() => (taken = cb.send(i, dgram, 2) as number) > 0, 20000), "send takes the datagram once bound");
    assert.strictEqual(taken, dgram.length);
    let got: string | number = "";
    assert.ok(await until(() => typeof (got = poll(i)) === "string" && got !== "", 20000), "the echo comes back");
    assert.strictEqual(got, dgram, "header (sender 127.0.0.1, its port, length) then the bytes");
    assert.deepStrictEqual(peer.received.map((d) => d.data), [data]);
    cb.close(i);
  });

  it("refuses TLS (type & 4) with -12 and says why on the modem's error event", async () => {
    await online("buffer");
    const errors: string[] = [];
    modem.on("error", (e: { text: string }) => errors.push(e.text));
    assert.strictEqual(cb.create("127.0.0.1", 443, 4 | 1), ERR_BAD_ARG);
    assert.ok(errors.some((t) => /TLS/.test(t)), errors.join(" | "));
  });
});
