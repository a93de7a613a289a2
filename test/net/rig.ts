// Test rig for the socket layer: test HAL + createModem (engine, supervisor, Table, parts) + the scripted FakeA76xx, with recording sockets.
//
// The modem is brought online through its real bring-up against the fake, so every test runs the
// Table through the public Socket/Server API (and reaches `modem.table` only to look at state).
// Everything is on the virtual clock: no real I/O, no waiting.
import * as assert from "assert";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { BoardDef } from "../../firmware/core/board";
import { createModem, Modem, Socket, UdpSocket } from "../../firmware/app/index";
import { AtEngine } from "../../firmware/at/engine";
import { Table } from "../../firmware/net/table";
import { CloseReason, SocketError } from "../../firmware/net/errors";
import { allParts } from "../../firmware/parts/index";
import type { Server } from "../../firmware/parts/server";
import { FakeA76xx, Mode } from "./fake-a76xx";

export const BAUD = 921600;

export function testBoard(links: number, ringBytes: number): BoardDef {
  return { id: "test", name: "test board", uart: { port: 1, baud: BAUD }, atRxRingBytes: 2048, socketRxRingBytes: ringBytes, links };
}

export interface Rig {
  hal: TestHal;
  fake: FakeA76xx;
  modem: Modem;
  engine: AtEngine;
  table: Table;
  /** The modem's events: "online <ip>", "offline <reason>", "error <kind>". */
  events: string[];
  run(ms: number): void;
  /** Advance until `done()` or `maxMs` of virtual time; returns done(). */
  until(done: () => boolean, maxMs: number): boolean;
  /** Bytes the host has written to the UART so far. */
  written(): number;
}

export interface RigOptions {
  mode?: Mode;
  /** createModem options besides apn/dataMode/healthCheckMs/parts. */
  opts?: { [k: string]: unknown };
  /** Provisioned links of the board (default 10). */
  links?: number;
  /** The board's receive ring (default 4096). */
  ringBytes?: number;
  /** Chunking of the module → host line (default 256 bytes). */
  chunk?: number;
  /** Parts (default: all). */
  parts?: unknown[];
  /** Do not start the modem. */
  offline?: boolean;
}

export function makeRig(o?: RigOptions): Rig {
  const opts = o || {};
  const mode = opts.mode || "buffer";
  const hal = createTestHal({ baud: BAUD, toHostChunk: opts.chunk || 256, toModemChunk: 256 });
  // The test board wires no STATUS pin: the HAL has none (as the Espruino HAL for such a board).
  delete (hal as { status?: unknown }).status;
  const fake = new FakeA76xx(hal, mode);
  const modem = createModem(
    hal,
    testBoard(opts.links || 10, opts.ringBytes || 4096),
    Object.assign({ apn: "internet", dataMode: mode, healthCheckMs: 0, parts: opts.parts || allParts }, opts.opts || {}),
  );
  const events: string[] = [];
  modem.on("online", (ip: string) => events.push("online " + ip));
  modem.on("offline", (r: string) => events.push("offline " + r));
  modem.on("error", (e: { kind: string }) => events.push("error " + e.kind));
  const rig: Rig = {
    hal,
    fake,
    modem,
    engine: modem.engine,
    table: modem.table,
    events,
    run(ms: number) {
      hal.clock.advance(ms);
    },
    until(done: () => boolean, maxMs: number) {
      return hal.clock.runUntil(done, maxMs);
    },
    written() {
      return hal.wire.hostLog.reduce((n, r) => n + r.data.length, 0);
    },
  };
  if (!opts.offline) {
    modem.start();
    assert.ok(rig.until(() => modem.isOnline(), 30000), "online; events " + events.join());
    rig.run(50); // the reconciliation after coming online
  }
  return rig;
}

/** A socket's events, recorded. */
export interface Rec {
  log: string[];
  data: string;
  errors: SocketError[];
  closes: CloseReason[];
}

export function record(sock: Socket): Rec {
  const r: Rec = { log: [], data: "", errors: [], closes: [] };
  sock.on("connect", () => r.log.push("connect"));
  sock.on("data", (d: string) => {
    r.data += d;
  });
  sock.on("drain", () => r.log.push("drain"));
  sock.on("error", (e: SocketError) => {
    r.errors.push(e);
    r.log.push("error " + e.kind);
  });
  sock.on("close", (why: CloseReason) => {
    r.closes.push(why);
    r.log.push("close " + why);
  });
  return r;
}

export interface UdpRec {
  log: string[];
  datagrams: Array<{ data: string; ip: string; port: number }>;
  errors: SocketError[];
}

export function recordUdp(u: UdpSocket): UdpRec {
  const r: UdpRec = { log: [], datagrams: [], errors: [] };
  u.on("listening", () => r.log.push("listening"));
  u.on("message", (d: string, info: { address: string; port: number }) => r.datagrams.push({ data: d, ip: info.address, port: info.port }));
  u.on("error", (e: SocketError) => {
    r.errors.push(e);
    r.log.push("error " + e.kind);
  });
  u.on("close", (why: string) => r.log.push("close " + why));
  return r;
}

export interface SrvRec {
  log: string[];
  clients: Array<{ sock: Socket; r: Rec }>;
  rejected: string[];
  errors: SocketError[];
  closes: string[];
}

/** Listen through the server part and record the server's events (clients recorded too). */
export function listen(rig: Rig, port: number, opts?: { allow?: string[] }): { srv: Server; r: SrvRec } {
  const r: SrvRec = { log: [], clients: [], rejected: [], errors: [], closes: [] };
  const srv = rig.modem.listen(port, undefined, opts);
  srv.on("listening", () => r.log.push("listening"));
  srv.on("connection", (sock: Socket) => {
    r.log.push("client " + sock.link + " " + sock.remoteAddress + ":" + sock.remotePort);
    r.clients.push({ sock, r: record(sock) });
  });
  srv.on("rejected", (ip: string, p: number) => r.rejected.push(ip + ":" + p));
  srv.on("error", (e: SocketError) => {
    r.errors.push(e);
    r.log.push("error " + e.kind);
  });
  srv.on("close", (why: string) => {
    r.closes.push(why);
    r.log.push("close " + why);
  });
  return { srv, r };
}

/** Deterministic pseudo-random 8-bit string of `n` bytes (all byte values, CR/LF/"OK"/"+++" included by chance). */
export function bytes(n: number, seed = 1): string {
  let x = seed >>> 0 || 1;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    parts.push(String.fromCharCode(x & 0xff));
  }
  return parts.join("");
}

/** Connect to ip:port and run until connected (throws otherwise). */
export function connectTcp(rig: Rig, ip: string, port: number): { sock: Socket; r: Rec } {
  const sock = rig.modem.connect(ip, port);
  const r = record(sock);
  if (!rig.until(() => r.log.length > 0, 2000) || r.log[0] !== "connect") throw new Error("no connect: " + r.log.join());
  return { sock, r };
}

/** Times (virtual ms) of the host writes that start with `prefix`. */
export function sendsOf(rig: Rig, prefix: string): number[] {
  return rig.hal.wire.hostLog.filter((w) => w.data.indexOf(prefix) === 0).map((w) => w.t);
}
