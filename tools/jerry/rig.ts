// A simulated module on a PTY plus a real loopback TCP server, for running the JerryScript host end to end (tests, make jerry-figures).
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { SystemClock } from "../../hal/host/system-clock";
import { A76xxSim } from "../sim/index";
import { PtyBridge } from "../sim/pty";

/** The byte pattern of tools/jerry/echo-driver.js: line ends, AT-looking text, "+++" and all 256 values, repeated. */
export function pattern(n: number): Buffer {
  const block = Buffer.concat([Buffer.from("OK\r\n+IPD5\r\n+++\r\nCLOSED\r\n", "latin1"), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
  const out = Buffer.alloc(n);
  for (let o = 0; o < n; o += block.length) block.copy(out, o, 0, Math.min(block.length, n - o));
  return out;
}

export interface Rig {
  /** The PTY the host opens (serial=). */
  pty: string;
  /** The TCP server's port on 127.0.0.1. */
  port: number;
  sim: A76xxSim;
  close(): Promise<void>;
}

/**
 * Start the simulator (on and ready) behind a PTY paced at `baud`, and a TCP server on an
 * ephemeral port: an echo server, or with `send`, one that sends those bytes to each client and
 * leaves the connection open until the client ends it, or with `closeAfterSend` closes it right
 * after sending (the module then announces the close while it still holds the data).
 */
export async function startRig(baud: number, send?: Buffer, closeAfterSend?: boolean): Promise<Rig> {
  const server = net.createServer((s) => {
    s.on("error", () => undefined);
    if (send && closeAfterSend) s.end(send);
    else if (send) s.write(send);
    else s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-rig-"));
  const pty = path.join(dir, "modem");
  const clock = new SystemClock();
  const bridge = await PtyBridge.open({ path: pty, baud, clock });
  const sim = new A76xxSim({ clock, startPoweredOn: true });
  sim.attach(bridge.end, undefined, { toHost: bridge.line });
  return {
    pty,
    port,
    sim,
    async close(): Promise<void> {
      sim.close();
      await bridge.close();
      await new Promise((r) => server.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
