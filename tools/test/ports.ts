// Holds the project's well-known host ports in a separate process while the tests run, so a test that binds one by number fails.
//
// Tests must bind ephemeral ports (or map a module port to one: the simulator's portMap/hostPorts).
// `make test` (tools/test/run.ts) and plain `mocha` (.mocharc.json) both start this holder first: a
// child Node process that listens on every port below (TCP and UDP, all addresses) and exits when
// its parent does. A port some other program already holds counts as taken: that is the point; and
// should that program let it go during the run (another test run ending), the holder takes it
// within RETAKE_MS, so the ports stay taken for the whole run.
import { spawn, ChildProcess } from "child_process";

/**
 * Ports the project's examples, docs and tests use as module server or local ports, or for local peers:
 * example defaults (server 8080, udp-echo 5000), the README's echo server (7000), the demo's mapped
 * ports, the simulator tests' servers (8000-8003, 8081, 8100, 9000-9004, 9090, 9100, 9200) and
 * Espruino's telnet console (2323; see heldPorts).
 */
export const WELL_KNOWN_PORTS: readonly number[] = [
  2323, 5000, 5001, 7000, 7001, 8000, 8001, 8002, 8003, 8080, 8081, 8100, 9000, 9001, 9002, 9003, 9004, 9090, 9100, 9200,
];

/** Espruino's telnet console: fixed at this port in the Linux build (no option moves it). */
export const ESPRUINO_TELNET_PORT = 2323;

/**
 * The ports held for a run: every well-known port, except Espruino's telnet console when ESPRUINO
 * names an interpreter: then the flash test (tools/device/flash.ts) starts `espruino --telnet`,
 * which can only listen there; it takes a machine-wide lock on the port instead (port-lock.ts).
 */
export function heldPorts(env: NodeJS.ProcessEnv = process.env): number[] {
  const flash = !!(env.ESPRUINO && env.ESPRUINO.trim());
  return WELL_KNOWN_PORTS.filter((p) => !(flash && p === ESPRUINO_TELNET_PORT));
}

/** Environment variable naming the holder's pid while it runs (children of the test process inherit it). */
export const HOLDER_ENV = "A76XX_PORT_HOLDER";

export interface PortHolder {
  pid: number;
  /** Ports the holder bound itself, per protocol. */
  held: { tcp: number[]; udp: number[] };
  /** Ports another program already had (EADDRINUSE): taken all the same. */
  alreadyTaken: { tcp: number[]; udp: number[] };
  stop(): Promise<void>;
}

// The holder: binds every port on 0.0.0.0 (which also refuses 127.0.0.1 binds), reports one JSON
// line, and exits when its standard input closes (the parent ended, however it ended).
const HOLDER_SOURCE = `
const net = require("net"), dgram = require("dgram");
const ports = JSON.parse(process.argv[1]);
const RETAKE_MS = 200;
const out = { held: { tcp: [], udp: [] }, alreadyTaken: { tcp: [], udp: [] }, failed: [] };
const keep = [];
const retake = [];
function one(proto, port, quiet) {
  return new Promise((resolve) => {
    const done = (err) => {
      if (quiet) return resolve(!err);
      if (!err) out.held[proto].push(port);
      else if (err.code === "EADDRINUSE") { out.alreadyTaken[proto].push(port); retake.push([proto, port]); }
      else out.failed.push(proto + " " + port + ": " + err.code);
      resolve(!err);
    };
    if (proto === "tcp") {
      const s = net.createServer((c) => c.destroy());
      s.once("error", (e) => { s.close(); done(e); });
      s.listen({ port, host: "0.0.0.0", exclusive: true }, () => { keep.push(s); done(); });
    } else {
      const u = dgram.createSocket({ type: "udp4", reuseAddr: false });
      u.once("error", (e) => { try { u.close(); } catch (x) {} done(e); });
      u.bind({ port, address: "0.0.0.0", exclusive: true }, () => { keep.push(u); done(); });
    }
  });
}
Promise.all(ports.map((p) => one("tcp", p)).concat(ports.map((p) => one("udp", p)))).then(() => {
  process.stdout.write(JSON.stringify(out) + "\\n");
  // Ports another program had: taken over as soon as it lets them go.
  const again = () => {
    const list = retake.splice(0);
    Promise.all(list.map(([proto, port]) => one(proto, port, true).then((ok) => { if (!ok) retake.push([proto, port]); }))).then(() => {
      if (retake.length) setTimeout(again, RETAKE_MS);
    });
  };
  setTimeout(again, RETAKE_MS);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
`;

/** Starts the holder and resolves once every port is bound (or known to be taken); rejects if one could not be held. */
export function holdPorts(ports: readonly number[] = heldPorts()): Promise<PortHolder> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ["-e", HOLDER_SOURCE, JSON.stringify(ports)], { stdio: ["pipe", "pipe", "inherit"] });
    let buf = "";
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end();
        await exited;
      }
    };
    child.once("error", reject);
    child.once("exit", (code) => {
      if (buf.indexOf("\n") < 0) reject(new Error("the port holder exited (" + code + ") before holding the ports"));
    });
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      const r = JSON.parse(buf.slice(0, nl)) as { held: PortHolder["held"]; alreadyTaken: PortHolder["alreadyTaken"]; failed: string[] };
      if (r.failed.length) {
        void stop().then(() => reject(new Error("the port holder could not hold: " + r.failed.join(", "))));
        return;
      }
      resolve({ pid: child.pid as number, held: r.held, alreadyTaken: r.alreadyTaken, stop });
    });
  });
}
