// Tests that the suite runs with the project's well-known host ports taken by another process, so no test passes by binding one.
import * as assert from "assert";
import * as dgram from "dgram";
import * as net from "net";
import { ESPRUINO_TELNET_PORT, heldPorts, HOLDER_ENV, holdPorts, WELL_KNOWN_PORTS } from "../../tools/test/ports";

function tcpBind(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code || String(e)));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve("bound")));
  });
}

function udpBind(port: number): Promise<string> {
  return new Promise((resolve) => {
    const u = dgram.createSocket("udp4");
    u.once("error", (e: NodeJS.ErrnoException) => {
      u.close();
      resolve(e.code || String(e));
    });
    u.bind(port, "127.0.0.1", () => u.close(() => resolve("bound")));
  });
}

/**
 * `bind` on `port`, again for up to a second while it binds: a port another program had when the
 * run began and has just let go is taken over by the holder within its retake interval.
 */
async function bindTaken(bind: (port: number) => Promise<string>, port: number): Promise<string> {
  let r = await bind(port);
  for (let i = 0; r === "bound" && i < 8; i++) {
    await new Promise((res) => setTimeout(res, 150));
    r = await bind(port);
  }
  return r;
}

describe("no test depends on a fixed host port", () => {
  it("while the suite runs, another process holds every well-known port of the project, TCP and UDP", async () => {
    const pid = Number(process.env[HOLDER_ENV]);
    assert.ok(pid > 0, `${HOLDER_ENV} is not set: run the tests through make test, make test-only or mocha (.mocharc.json), which hold the ports`);
    assert.notStrictEqual(pid, process.pid);
    process.kill(pid, 0); // throws when the holder is gone
    for (const port of heldPorts()) {
      assert.strictEqual(await bindTaken(tcpBind, port), "EADDRINUSE", `TCP ${port} on 127.0.0.1`);
      assert.strictEqual(await bindTaken(udpBind, port), "EADDRINUSE", `UDP ${port} on 127.0.0.1`);
    }
  });

  it("the holder takes a port over when the program that had it at the start lets it go", async function () {
    this.timeout(10000);
    const other = net.createServer();
    await new Promise<void>((r) => other.listen(0, "0.0.0.0", () => r()));
    const port = (other.address() as net.AddressInfo).port;
    const holder = await holdPorts([port]);
    try {
      assert.deepStrictEqual(holder.alreadyTaken.tcp, [port]);
      assert.deepStrictEqual(holder.held.udp, [port]);
      await new Promise((r) => other.close(r));
      let r = "bound";
      for (let i = 0; i < 20 && r === "bound"; i++) {
        await new Promise((res) => setTimeout(res, 100));
        r = await tcpBind(port);
      }
      assert.strictEqual(r, "EADDRINUSE", "the holder has the port now");
    } finally {
      await holder.stop();
    }
  });

  it("every well-known port is held, Espruino's telnet console too unless ESPRUINO is set (the flash test's interpreter listens there)", () => {
    assert.deepStrictEqual(heldPorts({}), WELL_KNOWN_PORTS.slice());
    assert.deepStrictEqual(heldPorts({ ESPRUINO: "/opt/espruino" }), WELL_KNOWN_PORTS.filter((p) => p !== ESPRUINO_TELNET_PORT));
    assert.ok(WELL_KNOWN_PORTS.indexOf(ESPRUINO_TELNET_PORT) >= 0);
  });

  it("the holder releases its ports when stopped", async () => {
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const h = await holdPorts([free]);
    assert.strictEqual(await tcpBind(free), "EADDRINUSE");
    await h.stop();
    assert.strictEqual(await tcpBind(free), "bound");
  });
});
