// The examples in examples/ run as written against the simulator with real loopback peers (and type-check through this import).
import * as assert from "assert";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem } from "../../firmware/app/index";
import { allParts } from "../../firmware/parts/index";
import { A76xxSim, pumpUntil, TcpClient, TcpPeer, UdpPeer } from "../../tools/sim/index";
import * as tcpEcho from "../../examples/tcp-echo";
import * as udpEcho from "../../examples/udp-echo";
import * as httpGet from "../../examples/http-get";
import * as server from "../../examples/server";
import * as net from "net";

const board: BoardDef = { id: "sim", name: "sim", uart: { port: 1, baud: 921600 }, atRxRingBytes: 4096, socketRxRingBytes: 4096, links: 4 };

describe("examples run against the simulator", function () {
  this.timeout(30000);
  let hal: TestHal;
  let sim: A76xxSim;
  let lines: string[];
  const origLog = console.log;
  const closers: Array<() => unknown> = [];

  function world(mode: "buffer" | "push"): Modem {
    hal = createTestHal({ baud: 921600, toHostChunk: 512, toModemChunk: 512 });
    // every module port an example uses is mapped to an ephemeral host port (no fixed host ports)
    const portMap: { [p: number]: number } = { 8080: 0 };
    for (let p = 49152; p < 49162; p++) portMap[p] = 0;
    sim = new A76xxSim({ clock: hal.clock, startPoweredOn: true, portMap });
    sim.attach(hal.wire.modem, {}, { toHost: hal.wire.toHost });
    lines = [];
    console.log = (...a: unknown[]) => lines.push(a.join(" "));
    return createModem(hal, board, { dataMode: mode, healthCheckMs: 0, parts: allParts });
  }

  function until(done: () => boolean, ms: number): Promise<boolean> {
    return pumpUntil(hal.clock, done, { maxVirtualMs: ms * 1000, maxRealMs: 10000 });
  }

  afterEach(async () => {
    console.log = origLog;
    sim.close();
    while (closers.length) await (closers.pop() as () => unknown)();
  });

  it("tcp-echo sends its lines and prints the echoes", async () => {
    const p = await TcpPeer.listen({ echo: true });
    closers.push(() => p.close());
    const m = world("buffer");
    tcpEcho.main(m, { host: "127.0.0.1", port: String(p.port), count: "2" });
    // the example uses the runtime's timers; the virtual clock drives the modem
    assert.ok(await until(() => lines.some((l) => l.indexOf("closed:") === 0), 20000), lines.join("\n"));
    assert.ok(lines.indexOf('echo: "hello 1\\n"') >= 0, lines.join("\n"));
  });

  it("udp-echo prints replies with the sender (push mode)", async () => {
    const u = await UdpPeer.bind({ echo: true });
    closers.push(() => u.close());
    const m = world("push");
    udpEcho.main(m, { host: "127.0.0.1", port: String(u.port), count: "1" });
    assert.ok(await until(() => lines.some((l) => l.indexOf("reply from 127.0.0.1:" + u.port) === 0), 20000), lines.join("\n"));
  });

  it("http-get (HTTP/1.1, closes after Content-Length) prints the status line and the body size", async () => {
    const srv = net.createServer((s) => s.once("data", () => s.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    closers.push(() => new Promise((r) => srv.close(r)));
    const m = world("buffer");
    httpGet.main(m, { host: "127.0.0.1", port: String((srv.address() as net.AddressInfo).port), path: "/" });
    assert.ok(await until(() => lines.some((l) => l.indexOf("done") === 0), 20000), lines.join("\n"));
    assert.strictEqual(lines[0], "HTTP/1.1 200 OK");
    assert.strictEqual(lines[1], "done (local): 5 body bytes");
  });

  it("http-get against a server that closes right after the body (no Content-Length): every body byte, then done (remote) — issue 16 item 14", async () => {
    const body = "x".repeat(3000) + "end";
    const srv = net.createServer((s) => s.once("data", () => s.end("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    closers.push(() => new Promise((r) => srv.close(r)));
    const m = world("buffer");
    httpGet.main(m, { host: "127.0.0.1", port: String((srv.address() as net.AddressInfo).port), path: "/" });
    assert.ok(await until(() => lines.some((l) => l.indexOf("done") === 0), 20000), lines.join("\n"));
    assert.strictEqual(lines[0], "HTTP/1.1 200 OK");
    assert.deepStrictEqual(lines.slice(1), ["done (remote): " + body.length + " body bytes"], lines.join("\n"));
  });

  it("server greets and echoes a client", async () => {
    const m = world("buffer");
    server.main(m, { port: "8080" });
    assert.ok(await until(() => lines.some((l) => l.indexOf("listening") === 0), 20000), lines.join("\n"));
    const c = await TcpClient.connect(sim.serverPort(0) as number);
    closers.push(() => c.close());
    c.send("abc");
    assert.ok(await until(() => c.received === "hello from the modem\r\nabc", 20000), JSON.stringify(c.received));
  });
});
