// Test rig for the socket table: test HAL + scheduler + AT engine + SocketTable + the scripted FakeA76xx, with recording owners.
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { Scheduler, defaultSchedulerOptions } from "../../firmware/core/scheduler";
import { AtEngine, defaultAtEngineOptions } from "../../firmware/at/engine";
import { SocketTable, TableHooks } from "../../firmware/net/table";
import { socketOptionsWithDefaults, SocketTableOptions } from "../../firmware/net/options";
import { LinkOwner } from "../../firmware/net/link";
import { ServerOwner } from "../../firmware/net/servers";
import { CloseReason, SocketError } from "../../firmware/net/errors";
import { FakeA76xx, Mode } from "./fake-a76xx";

export interface Rig {
  hal: TestHal;
  sched: Scheduler;
  engine: AtEngine;
  table: SocketTable;
  modem: FakeA76xx;
  networkErrors: number;
  run(ms: number): void;
  /** Advance until `done()` or `maxMs` of virtual time; returns done(). */
  until(done: () => boolean, maxMs: number): boolean;
}

export interface RigOptions {
  mode?: Mode;
  socket?: Partial<SocketTableOptions>;
  baud?: number;
  chunk?: number;
  /** Do not call table.onOnline(). */
  offline?: boolean;
}

export function makeRig(o?: RigOptions): Rig {
  const opts = o || {};
  const mode = opts.mode || "buffer";
  const hal = createTestHal({ baud: opts.baud || 921600, toHostChunk: opts.chunk || 256, toModemChunk: opts.chunk || 256 });
  hal.uart.setup(opts.baud || 921600);
  const sched = new Scheduler(hal.clock, Object.assign({}, defaultSchedulerOptions, { readyQueueSize: 256 }));
  const modem = new FakeA76xx(hal, mode);
  let table: SocketTable | undefined;
  const engine = new AtEngine(hal.uart, hal.codec, sched, Object.assign({}, defaultAtEngineOptions, { urcSlots: 32, queueSize: 16 }), {
    payloadStart: (k, l, n, r, rem) => table && table.payloadStart(k, l, n, r, rem),
    payloadData: (k, l, d) => table && table.payloadData(k, l, d),
    payloadEnd: (k, l) => table && table.payloadEnd(k, l),
    data: (b) => table && table.data(b),
  });
  engine.start();
  const rig: Rig = {
    hal,
    sched,
    engine,
    table: undefined as unknown as SocketTable,
    modem,
    networkErrors: 0,
    run(ms: number) {
      hal.clock.advance(ms);
    },
    until(done: () => boolean, maxMs: number) {
      return hal.clock.runUntil(done, maxMs);
    },
  };
  const hooks: TableHooks = {
    resolve(host, done) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) sched.post(() => done(null, host));
      else sched.post(() => (modem.dns[host] ? done(null, modem.dns[host]) : done({ kind: "dns", code: 10, text: "DNS lookup of " + host + " failed" }, "")));
    },
    networkError() {
      rig.networkErrors++;
    },
    baud() {
      return opts.baud || 921600;
    },
  };
  const so = socketOptionsWithDefaults(Object.assign({ dataMode: mode }, opts.socket || {}));
  table = new SocketTable(engine, hal.uart, hal.codec, sched, so, hooks, hal.dtr);
  rig.table = table;
  if (!opts.offline) {
    table.onOnline();
    rig.run(20);
  }
  return rig;
}

/** A LinkOwner that records everything; `auto` reads every readable event at once. */
export class Owner implements LinkOwner {
  log: string[] = [];
  data = "";
  errors: SocketError[] = [];
  closes: CloseReason[] = [];
  datagrams: Array<{ data: string; ip: string; port: number }> = [];
  connectedCount = 0;
  drains = 0;
  link = -1;
  /** Read on readable events (false = a stalled consumer). */
  auto = true;
  constructor(private rig: Rig, public udp = false) {}
  connected(): void {
    this.connectedCount++;
    this.log.push("connect");
  }
  readable(): void {
    if (this.auto) this.drainRing();
  }
  drainRing(): void {
    const t = this.rig.table;
    if (this.udp) {
      const out = { data: "", ip: "", port: 0 };
      while (t.readDatagram(this.link, this, out)) this.datagrams.push({ data: out.data, ip: out.ip, port: out.port });
      return;
    }
    const s = t.read(this.link, this, 1 << 20);
    this.data += s;
  }
  drain(): void {
    this.drains++;
    this.log.push("drain");
  }
  error(e: SocketError): void {
    this.errors.push(e);
    this.log.push("error " + e.kind);
  }
  closed(reason: CloseReason): void {
    this.drainRing(); // the ring is still readable: the last data are flushed even when stalled
    this.closes.push(reason);
    this.log.push("close " + reason);
  }
}

export class SrvOwner implements ServerOwner {
  log: string[] = [];
  clients: Owner[] = [];
  rejected: string[] = [];
  errors: SocketError[] = [];
  closes: CloseReason[] = [];
  accept = true;
  constructor(private rig: Rig) {}
  listening(): void {
    this.log.push("listening");
  }
  client(link: number, ip: string, port: number): LinkOwner | undefined {
    this.log.push("client " + link + " " + ip + ":" + port);
    if (!this.accept) return undefined;
    const o = new Owner(this.rig);
    o.link = link;
    this.clients.push(o);
    return o;
  }
  rejectedClient(ip: string, port: number): void {
    this.rejected.push(ip + ":" + port);
  }
  error(e: SocketError): void {
    this.errors.push(e);
    this.log.push("error " + e.kind);
  }
  closed(reason: CloseReason): void {
    this.closes.push(reason);
    this.log.push("close " + reason);
  }
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

/** Open a TCP link to ip:port and run until connected; returns the owner. */
export function connectTcp(rig: Rig, ip: string, port: number): Owner {
  const o = new Owner(rig);
  const l = rig.table.openTcp(ip, port, o);
  if (typeof l !== "number") throw new Error("openTcp failed: " + l.text);
  o.link = l;
  if (!rig.until(() => o.connectedCount > 0 || o.closes.length > 0, 1000)) throw new Error("no connect");
  return o;
}
