// Shared set-up for the end-to-end tests: the host test HAL, the A76XX simulator with real loopback sockets, createModem with every part, recorders and pumps.
//
// No fixed host ports: peers listen on ephemeral ports, and the simulator maps every module port a
// test uses (servers, UDP local ports) to an ephemeral host port (`portMap` 0). Virtual time moves
// only through `until`/`pumpFor` (timers of the modem and the simulator); real time only carries
// the loopback sockets and never enters an assertion.
import * as assert from "assert";
import { createHash } from "crypto";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem, Socket } from "../../firmware/app/index";
import { SocketError } from "../../firmware/net/errors";
import { allParts } from "../../firmware/parts/index";
import { A76xxSim, pumpFor, pumpUntil, TcpPeer } from "../../tools/sim/index";

export const MB = 1 << 20;

export function simBoard(baud: number, links = 10): BoardDef {
  return { id: "sim", name: "host test HAL + simulator", uart: { port: 1, baud }, atRxRingBytes: 4096, socketRxRingBytes: 16384, links };
}

export function sha(s: string): string {
  return createHash("sha256").update(Buffer.from(s, "latin1")).digest("hex");
}

/** Module ports the tests use for servers and UDP, each mapped to an ephemeral host port. */
const MAPPED: { [p: number]: number } = {};
for (const p of [5000, 5001, 8080, 9000, 9001, 9002, 9003, 9100, 9200]) MAPPED[p] = 0;
for (let p = 49152; p < 49162; p++) MAPPED[p] = 0;

export interface World {
  hal: TestHal;
  sim: A76xxSim;
  modem: Modem;
  /** The modem's events: "online", "offline <reason>", "error <kind> <text>", each with its virtual time in `times`. */
  events: string[];
  times: number[];
  /** The AT trace, when asked for. */
  trace: string[];
  until(done: () => boolean, maxVirtualMs: number, maxRealMs?: number): Promise<boolean>;
  pump(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface BootOptions {
  mode: "buffer" | "push" | "transparent";
  baud?: number;
  links?: number;
  opts?: { [k: string]: unknown };
  sim?: { [k: string]: unknown };
  chunk?: number;
  /** Record the AT trace in world.trace. */
  trace?: boolean;
  /** Do not wait for "online" (nor start). */
  noStart?: boolean;
}

/** A modem on the simulator, started and online (unless noStart). */
export async function boot(o: BootOptions, closers: Array<() => unknown>): Promise<World> {
  const baud = o.baud || 921600;
  const hal = createTestHal({ baud, toHostChunk: o.chunk || 512, toModemChunk: o.chunk || 512 });
  // The board wires no STATUS pin: the HAL has none (as the Espruino HAL for such a board).
  delete (hal as { status?: unknown }).status;
  const sim = new A76xxSim(Object.assign({ clock: hal.clock, startPoweredOn: true, commandLatencyMs: 1, portMap: MAPPED }, o.sim || {}));
  sim.attach(hal.wire.modem, { pwrkey: hal.pwrkey, dtr: hal.dtr, reset: hal.reset }, { toHost: hal.wire.toHost });
  const modem = createModem(hal, simBoard(baud, o.links), Object.assign({ apn: "internet", dataMode: o.mode, healthCheckMs: 0, parts: allParts }, o.opts || {}));
  const events: string[] = [];
  const times: number[] = [];
  const trace: string[] = [];
  if (o.trace) modem.trace((l: string) => trace.push(l));
  const note = (e: string) => {
    events.push(e);
    times.push(hal.clock.now());
  };
  modem.on("online", () => note("online"));
  modem.on("offline", (r: string) => note("offline " + r));
  modem.on("error", (e: { kind: string; text: string }) => note("error " + e.kind + " " + e.text));
  const w: World = {
    hal,
    sim,
    modem,
    events,
    times,
    trace,
    until: (done, maxVirtualMs, maxRealMs = 30000) => pumpUntil(hal.clock, done, { maxVirtualMs, maxRealMs, stepMs: 2 }),
    pump: (ms) => pumpFor(hal.clock, ms, 2),
    close: async () => {
      sim.close();
    },
  };
  closers.push(() => w.close());
  if (!o.noStart) {
    modem.start();
    assert.ok(await w.until(() => modem.isOnline(), 60000), "online: " + events.join("; "));
  }
  return w;
}

export interface Rec {
  log: string[];
  data: string;
  errors: SocketError[];
  /** Virtual time of the close event (-1 while open). */
  closedAt: number;
}

export function record(w: World, sock: Socket): Rec {
  const r: Rec = { log: [], data: "", errors: [], closedAt: -1 };
  sock.on("connect", () => r.log.push("connect"));
  sock.on("data", (d: string) => {
    r.data += d;
  });
  sock.on("error", (e: SocketError) => {
    r.errors.push(e);
    r.log.push("error " + e.kind);
  });
  sock.on("close", (why: string) => {
    r.closedAt = w.hal.clock.now();
    r.log.push("close " + why);
  });
  return r;
}

export function closes(r: Rec): string[] {
  return r.log.filter((x) => x.indexOf("close") === 0);
}

/** Write `data` with backpressure (write/drain), in pieces of `piece` bytes. */
export function writeAll(sock: Socket, data: string, piece: number): { done: () => boolean } {
  let off = 0;
  function pump(): void {
    while (off < data.length) {
      const p = data.substr(off, piece);
      off += p.length;
      if (!sock.write(p)) return;
    }
  }
  sock.on("drain", pump);
  if (sock.state === "open") pump();
  else sock.on("connect", pump);
  return { done: () => off >= data.length };
}

export async function peer(closers: Array<() => unknown>, echo: boolean, onConnection?: (s: import("net").Socket, i: number) => void): Promise<TcpPeer> {
  const p = await TcpPeer.listen({ echo, onConnection });
  closers.push(() => p.close());
  return p;
}

/** Run the closers in reverse order (afterEach). */
export async function closeAll(closers: Array<() => unknown>): Promise<void> {
  while (closers.length) await (closers.pop() as () => unknown)();
}
