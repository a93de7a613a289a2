// `make bench` goodput: bulk TCP transfers through the real firmware and the A76XX simulator per data mode, baud and direction — ratio of line rate, firmware CPU µs/KB, receive memory, bundle size.
//
// Each run is a fresh world: the host test HAL (VirtualClock + SimUart paced at baud/10 bytes per
// second), the simulator on the same clock, createModem on top, and a real loopback TcpPeer. The
// virtual clock and the real sockets are driven together by pumpUntil (1 ms steps, so a figure is
// off by at most 1 ms of virtual time). Options are createModem's defaults (apn "internet") unless a
// case sets some; the simulator runs its clean profile with its 2 ms command latency.
//
// What is measured, per run:
//   seconds     virtual time from the first payload byte (rx: the peer writes it; tx: the
//               application's first write) to the moment the receiver holds the last byte;
//   ratio       bytes / seconds / (baud / 10): goodput as a fraction of the line rate;
//   framing     payload bytes / bytes on the wire in the data's direction (headers, OK, commands);
//   busy        bytes on that wire / (seconds × baud / 10): how much of the time the line carried
//               anything (gaps = command round trips, module latency) — ratio = framing × busy;
//   cpuUsPerKb  host CPU time of the firmware only: every timer callback the firmware arms on its
//               Clock (the scheduler's ticks and timers) and its UART onData handler, timed with
//               process.hrtime; the simulator, the wire model (Uart.write's queueing) and the
//               benchmark's own data handlers are excluded;
//   rxMemoryBytes  the receive path's fixed allocations: the AT parser ring plus the 10 socket
//               rings (from the engine's and the table's objects); nothing else grows with traffic;
//   ringPeakBytes  the highest fill of the socket's receive ring during the run.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { BoardDef } from "../../firmware/core/board";
import { Clock, Hal, TimerHandle, Uart } from "../../firmware/core/hal";
import { createModem, Modem, Socket } from "../../firmware/app/index";
import { allParts } from "../../firmware/parts/index";

type CreateOptions = { [name: string]: unknown };
import { esp32Devkit } from "../../boards/esp32-devkit";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { A76xxSim, pumpUntil, TcpPeer } from "../sim/index";
import { sha256, testPayload } from "../demo/payload";
import { bundle, ROOT } from "../bundle/build";

export type DataMode = "buffer" | "push" | "transparent";
/** rx: peer → device; tx: device → peer. */
export type Direction = "rx" | "tx";

export interface GoodputCase {
  mode: DataMode;
  baud: number;
  direction: Direction;
  bytes: number;
  /** createModem options on top of the benchmark's defaults, e.g. {sendChunkBytes: 1460}. */
  options?: CreateOptions;
  /** Simulator options on top of the defaults, e.g. {commandLatencyMs: 10}. */
  sim?: { commandLatencyMs?: number; rxBufferBytes?: number };
  /** Size of the application's write() calls (tx; default 1024). */
  writeBytes?: number;
  /** Make the payload's last two bytes CR LF (a text protocol's message end; transparent mode holds a trailing CR back). */
  endsWithCrlf?: boolean;
  /** A short description of `options`/`sim` for the tables ("defaults" when empty). */
  settings?: string;
}

export interface GoodputResult {
  bench: "goodput";
  mode: DataMode;
  baud: number;
  direction: Direction;
  bytes: number;
  seconds: number;
  ratio: number;
  framing: number;
  busy: number;
  cpuUsPerKb: number;
  rxMemoryBytes: number;
  ringPeakBytes: number;
  /** AT commands the engine ran during the transfer. */
  commands: number;
  /** Time the data's line stood idle per AT command, ms (the cost of a command round trip); NaN without commands. */
  idleMsPerCommand: number;
  settings: string;
  verified: boolean;
  wallMs: number;
  /** Why the run did not verify ("" when it did). */
  problem: string;
}

/** The A76XX module's ring sizes of the ESP32 DevKit board (2 KB AT ring, 2 KB per socket), at the benchmark's baud, without pins. */
export function benchBoard(baud: number): BoardDef {
  return {
    id: "bench",
    name: "bench: ESP32 DevKit ring sizes on the host test HAL",
    uart: { port: 1, baud },
    atRxRingBytes: esp32Devkit().atRxRingBytes,
    socketRxRingBytes: esp32Devkit().socketRxRingBytes,
    links: esp32Devkit().links,
  };
}

/**
 * Host CPU time spent inside the firmware. `run` times a firmware entry point (nested calls are
 * counted once); `exclude` takes the time of something that is not the firmware (the simulated
 * UART's queueing, the benchmark's handlers) back out while inside one.
 */
export class CpuMeter {
  ns = 0;
  private depth = 0;
  private excludedNs = 0;

  run(fn: () => void): void {
    if (this.depth > 0) {
      fn();
      return;
    }
    this.depth++;
    const excludedBefore = this.excludedNs;
    const t0 = process.hrtime.bigint();
    try {
      fn();
    } finally {
      const spent = Number(process.hrtime.bigint() - t0);
      this.ns += spent - (this.excludedNs - excludedBefore);
      this.depth--;
    }
  }

  exclude<T>(fn: () => T): T {
    if (this.depth === 0) return fn();
    const t0 = process.hrtime.bigint();
    try {
      return fn();
    } finally {
      this.excludedNs += Number(process.hrtime.bigint() - t0);
    }
  }
}

/** The test HAL as the firmware sees it, with its Clock callbacks and UART handler timed by `meter`. */
export function meteredHal(hal: TestHal, meter: CpuMeter): Hal {
  const clock: Clock = {
    now: () => hal.clock.now(),
    setTimeout: (fn: () => void, ms: number): TimerHandle => hal.clock.setTimeout(() => meter.run(fn), ms),
    clearTimeout: (h: TimerHandle) => hal.clock.clearTimeout(h),
  };
  const uart: Uart = {
    setup: (baud: number) => hal.uart.setup(baud),
    write: (data: string) => meter.exclude(() => hal.uart.write(data)),
    onData: (handler: (chunk: string) => void) => hal.uart.onData((chunk) => meter.run(() => handler(chunk))),
    close: () => hal.uart.close(),
  };
  return { uart, clock, codec: hal.codec, pwrkey: hal.pwrkey, dtr: hal.dtr, reset: hal.reset, powerEnable: hal.powerEnable, status: hal.status, ri: hal.ri };
}

/** The highest fill any of the modem's socket rings reaches from now on (each ring's write is observed). */
function watchRingPeak(modem: Modem): () => number {
  let peak = 0;
  for (const link of modem.table.slots) {
    const ring = link.ring;
    const write = ring.write.bind(ring);
    ring.write = (data: string | Uint8Array): number => {
      const n = write(data);
      if (ring.length > peak) peak = ring.length;
      return n;
    };
  }
  return () => peak;
}

/** Fixed receive-path allocations: the AT parser's line ring and every socket ring. */
export function rxMemoryBytes(modem: Modem): number {
  let total = modem.engine.opts.maxLine;
  for (const link of modem.table.slots) total += link.ring.capacity;
  return total;
}

function describe(c: GoodputCase): string {
  if (c.settings) return c.settings;
  const parts: string[] = [];
  const o = (c.options || {}) as { [k: string]: unknown };
  for (const k of Object.keys(o)) parts.push(k + "=" + String(o[k]));
  const s = (c.sim || {}) as { [k: string]: unknown };
  for (const k of Object.keys(s)) parts.push("sim." + k + "=" + String(s[k]));
  if (c.writeBytes) parts.push("writes of " + c.writeBytes);
  if (c.endsWithCrlf) parts.push("payload ends in CRLF");
  return parts.length ? parts.join(" ") : "defaults";
}

function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}

/** Write `data` in pieces of `piece` bytes, honouring write() → false / "drain" (write() is firmware work and is timed). */
function writeWithBackpressure(sock: Socket, data: string, piece: number): void {
  let off = 0;
  const more = (): void => {
    while (off < data.length) {
      const p = data.substr(off, piece);
      off += p.length;
      if (!sock.write(p)) return;
    }
  };
  sock.on("drain", more);
  more();
}

/** The row of a configuration createModem refused. */
function refused(c: GoodputCase, why: string, wallMs: number): GoodputResult {
  return {
    bench: "goodput",
    mode: c.mode,
    baud: c.baud,
    direction: c.direction,
    bytes: c.bytes,
    seconds: NaN,
    ratio: NaN,
    framing: NaN,
    busy: NaN,
    cpuUsPerKb: NaN,
    rxMemoryBytes: 0,
    ringPeakBytes: 0,
    commands: 0,
    idleMsPerCommand: NaN,
    settings: describe(c),
    verified: false,
    wallMs: wallMs,
    problem: "refused at creation: " + why,
  };
}

/** One transfer of `c.bytes` in `c.direction` through a fresh world. Never throws for a failed transfer: `verified` says. */
export async function runGoodput(c: GoodputCase): Promise<GoodputResult> {
  const wall0 = Date.now();
  const hal = createTestHal({ baud: c.baud });
  const sim = new A76xxSim(Object.assign({ clock: hal.clock, startPoweredOn: true }, c.sim || {}));
  sim.attach(hal.wire.modem, {}, { toHost: hal.wire.toHost });
  const meter = new CpuMeter();
  const options: CreateOptions = Object.assign({ apn: "internet", dataMode: c.mode, parts: allParts }, c.options || {});
  let modem: Modem;
  try {
    modem = createModem(meteredHal(hal, meter), benchBoard(c.baud), options);
  } catch (e) {
    // A configuration the driver refuses at creation is a row saying why, not a crash.
    sim.close();
    return refused(c, (e as Error).message, Date.now() - wall0);
  }
  const ringPeak = watchRingPeak(modem);
  let data = testPayload(c.bytes, 0x5eed + c.bytes);
  if (c.endsWithCrlf) data = data.substr(0, data.length - 2) + "\r\n";
  const line = c.direction === "rx" ? hal.wire.toHost : hal.wire.toModem;
  const rate = c.baud / 10;

  let t0 = -1;
  let tEnd = -1;
  let wire0 = 0;
  let wireEnd = 0;
  let commands0 = 0;
  let commandsEnd = 0;
  let cpu0 = 0;
  let cpuEnd = 0;
  const received: string[] = [];
  let got = 0;
  let problem = "";
  const markStart = (): void => {
    t0 = hal.clock.now();
    wire0 = line.delivered;
    commands0 = modem.engine.stats.commands;
    cpu0 = meter.ns;
  };
  const markEnd = (): void => {
    tEnd = hal.clock.now();
    wireEnd = line.delivered;
    commandsEnd = modem.engine.stats.commands;
    cpuEnd = meter.ns;
  };

  const peer = await TcpPeer.listen({
    echo: false,
    onConnection: (s) => {
      if (c.direction !== "rx") return;
      markStart();
      s.write(Buffer.from(data, "latin1"));
    },
  });
  try {
    modem.start();
    const online = await pumpUntil(hal.clock, () => modem.isOnline(), { maxVirtualMs: 60000, maxRealMs: 20000, stepMs: 5 });
    if (!online) problem = "the modem did not come online: state " + modem.status().state;
    else await transfer();
  } finally {
    sim.close();
    await peer.close();
  }
  return result();

  async function transfer(): Promise<void> {
    const sock = modem.connect("127.0.0.1", peer.port);
    sock.on("error", (e: { kind: string; text: string }) => {
      if (!problem) problem = "socket error " + e.kind + ": " + e.text;
    });
    if (c.direction === "rx") {
      sock.on("data", (d: string) =>
        meter.exclude(() => {
          received.push(d);
          got += d.length;
          if (got >= c.bytes && tEnd < 0) markEnd();
        }),
      );
    } else {
      sock.on("connect", () => {
        markStart();
        writeWithBackpressure(sock, data, c.writeBytes || 1024);
      });
    }
    const peerGot = (): number => (peer.received.length ? peer.received[0].length : 0);
    const done = (): boolean => {
      if (c.direction === "tx" && tEnd < 0 && peerGot() >= c.bytes) markEnd();
      return tEnd >= 0 || sock.state === "closed" || !!problem;
    };
    const lineSeconds = c.bytes / rate;
    await pumpUntil(hal.clock, done, { maxVirtualMs: 60000 + lineSeconds * 4000, maxRealMs: 120000, stepMs: 1 });
  }

  function result(): GoodputResult {
    const out = c.direction === "rx" ? received.join("") : peer.received.length ? peer.received[0] : "";
    const verified = tEnd >= 0 && out.length === c.bytes && sha256(out) === sha256(data);
    if (!verified && !problem) problem = "received " + out.length + " of " + c.bytes + " bytes" + (out.length === c.bytes ? " (sha256 differs)" : "");
    const finished = tEnd >= 0;
    if (!finished) markEnd(); // counters up to where the run stopped; no time figures
    const seconds = finished ? (tEnd - t0) / 1000 : NaN;
    const wireBytes = wireEnd - wire0;
    return {
      bench: "goodput",
      mode: c.mode,
      baud: c.baud,
      direction: c.direction,
      bytes: c.bytes,
      seconds: round(seconds, 3),
      ratio: round(c.bytes / seconds / rate, 3),
      framing: round(finished && wireBytes > 0 ? c.bytes / wireBytes : NaN, 3),
      busy: round(finished ? wireBytes / seconds / rate : NaN, 3),
      cpuUsPerKb: round((cpuEnd - cpu0) / 1000 / (c.bytes / 1024), 1),
      rxMemoryBytes: rxMemoryBytes(modem),
      ringPeakBytes: ringPeak(),
      commands: commandsEnd - commands0,
      idleMsPerCommand: round(finished && commandsEnd > commands0 ? (seconds * 1000 - (wireBytes / rate) * 1000) / (commandsEnd - commands0) : NaN, 2),
      settings: describe(c),
      verified,
      wallMs: Date.now() - wall0,
      problem: verified ? "" : problem,
    };
  }
}

export interface BundleSize {
  bench: "bundle";
  file: string;
  bytes: number;
  gzip: number;
}

/** Size of the device bundle dist/a76xx.js (built with esbuild first when missing). */
export async function bundleSize(): Promise<BundleSize> {
  const file = path.join(ROOT, "dist/a76xx.js");
  if (!fs.existsSync(file)) await bundle("hal/espruino/bundle-entry.ts", file, true);
  const code = fs.readFileSync(file);
  return { bench: "bundle", file: path.relative(ROOT, file), bytes: code.length, gzip: zlib.gzipSync(code, { level: 9 }).length };
}

export const MODES: DataMode[] = ["buffer", "push", "transparent"];
export const BAUDS = [115200, 921600];
export const DIRECTIONS: Direction[] = ["rx", "tx"];
export const BENCH_BYTES = 256 * 1024;

/** The main matrix: every baud × mode × direction with the default options, 256 KB each. */
export function mainCases(bytes = BENCH_BYTES): GoodputCase[] {
  const out: GoodputCase[] = [];
  for (const baud of BAUDS) for (const mode of MODES) for (const direction of DIRECTIONS) out.push({ mode, baud, direction, bytes });
  return out;
}

/** Receive memory for a small and a large transfer (921600, buffer mode): the fixed allocations must not differ. */
export function memoryCases(): GoodputCase[] {
  return [1024, 1024 * 1024].map((bytes) => ({ mode: "buffer" as DataMode, baud: 921600, direction: "rx" as Direction, bytes }));
}

/**
 * The socket options (and the simulated module's command latency) that bound each path, varied one
 * group at a time from the defaults. These say which settings reach which ratio.
 */
export function sweepCases(): GoodputCase[] {
  const n = BENCH_BYTES;
  const out: GoodputCase[] = [];
  // Buffer access receive: one AT+CIPRXGET=2 per read, read size = min(readChunkBytes, ring free, held).
  const reads: Array<[number, number]> = [[1024, 1500], [2048, 1024], [2048, 512], [4096, 1500]];
  for (const baud of BAUDS) {
    for (const [ring, read] of reads) out.push({ mode: "buffer", baud, direction: "rx", bytes: n, options: { rxRingBytes: ring, readChunkBytes: read } });
  }
  // AT+CIPSEND (buffer and push share it): chunk size and the send queue that feeds it.
  // The queue drains to empty before "drain" lets the application refill it, so each refill ends in
  // a short chunk unless the queue holds a whole number of chunks (txQueueSlots × write size bounds it too).
  const sends: Array<[number, number]> = [[1024, 8192], [1460, 2048], [1460, 8192], [1500, 8192]];
  for (const baud of BAUDS) {
    for (const [chunk, queue] of sends) out.push({ mode: "push", baud, direction: "tx", bytes: n, options: { sendChunkBytes: chunk, txQueueBytes: queue } });
    out.push({ mode: "push", baud, direction: "tx", bytes: n, options: { sendChunkBytes: 1500, txQueueBytes: 15000, txQueueSlots: 10 }, writeBytes: 1500 });
  }
  // The module's command latency (simulator; real modules are slower than its 2 ms default).
  for (const baud of BAUDS) {
    for (const ms of [5, 10, 20]) {
      out.push({ mode: "buffer", baud, direction: "rx", bytes: n, sim: { commandLatencyMs: ms } });
      out.push({ mode: "push", baud, direction: "tx", bytes: n, options: { sendChunkBytes: 1460, txQueueBytes: 8192 }, sim: { commandLatencyMs: ms } });
    }
  }
  // Direct push: a push reaches the application only once complete, so the ring must hold a whole one (1500 B).
  for (const ring of [1024, 1536]) out.push({ mode: "push", baud: 921600, direction: "rx", bytes: n, options: { rxRingBytes: ring } });
  // Transparent: a message ending in CR LF waits holdBackMs (it could be the start of CLOSED).
  for (const hold of [30, 5]) out.push({ mode: "transparent", baud: 921600, direction: "rx", bytes: n, options: { holdBackMs: hold }, endsWithCrlf: true });
  return out;
}

export interface GoodputReport {
  main: GoodputResult[];
  memory: GoodputResult[];
  sweep: GoodputResult[];
  bundle: BundleSize;
}

/**
 * Run `c` `times` times and keep the run with the least firmware CPU time (garbage collection and
 * the JIT only ever add to a host timing, so the minimum is the steadiest figure). Every virtual-time
 * figure is the same in each run (deterministic): when not, `problem` says so.
 */
export async function runRepeated(c: GoodputCase, times: number): Promise<GoodputResult> {
  const runs: GoodputResult[] = [];
  for (let i = 0; i < times; i++) runs.push(await runGoodput(c));
  const distinct = runs.map((r) => r.seconds).filter((s, i, all) => all.indexOf(s) === i);
  runs.sort((a, b) => a.cpuUsPerKb - b.cpuUsPerKb);
  const r = runs[0];
  if (distinct.length > 1 && r.verified) r.problem = "virtual time differed between repeats: " + distinct.join(", ");
  return r;
}

/** Run every case in order, one at a time (each run owns the virtual clock of its world). */
export async function runCases(cases: GoodputCase[], times: number, progress?: (r: GoodputResult) => void): Promise<GoodputResult[]> {
  const out: GoodputResult[] = [];
  for (const c of cases) {
    const r = await runRepeated(c, times);
    if (progress) progress(r);
    out.push(r);
  }
  return out;
}

/** Everything `make bench` reports about goodput; a discarded warm-up pass first, then the main matrix 5 times (least CPU kept). */
export async function benchGoodput(progress?: (r: GoodputResult) => void): Promise<GoodputReport> {
  await runCases(mainCases(64 * 1024), 1);
  const main = await runCases(mainCases(), 5, progress);
  const memory = await runCases(memoryCases(), 1, progress);
  const sweep = await runCases(sweepCases(), 1, progress);
  return { main, memory, sweep, bundle: await bundleSize() };
}

if (require.main === module) {
  benchGoodput((r) => console.log(JSON.stringify(r))).then(
    (rep) => console.log(JSON.stringify(rep.bundle)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
