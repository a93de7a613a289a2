// Test rig for the modem lifecycle: host test HAL + scheduler + AT engine + supervisor wired as the Modem wires them, with an event log.
import { BoardDef } from "../../firmware/core/board";
import { Hal } from "../../firmware/core/hal";
import { resolve } from "../../firmware/core/options";
import { Scheduler } from "../../firmware/core/sched";
import { AtEngine } from "../../firmware/at/engine";
import { schema } from "../../firmware/app/modem";
import { transparent } from "../../firmware/parts/transparent";
import { baudSearch, tools } from "../../firmware/parts/tools";
import { PartContext } from "../../firmware/app/modem";
import { LossReason, stateNames, Supervisor, SupervisorListener, SupervisorOptions } from "../../firmware/modem/supervisor";
import { ModemError } from "../../firmware/modem/errors";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { VirtualClock } from "../../hal/host/virtual-clock";
import { findBoard } from "../../boards/index";

export interface Rig {
  hal: TestHal;
  sched: Scheduler;
  engine: AtEngine;
  sup: Supervisor;
  board: BoardDef;
  /** The resolved options (the Modem's defaults filled in). */
  options: SupervisorOptions;
  /** "state:<name>", "online:<ip>", "lost:<reason>", "failed:<kind>" in order. */
  log: string[];
  /** Progress texts with the virtual time they were reported at. */
  progress: Array<{ t: number; text: string }>;
  /** Extra listeners a test adds (called after the log is written). */
  hooks: Partial<SupervisorListener>[];
}

/** Every option of the Modem plus the transparent part's and the tools part's (its baud search runs here). */
const RIG_SCHEMA = schema() + ";" + transparent.schema + ";" + tools.schema;

/** The options as createModem would resolve them (throws on an unknown or invalid one, as it does). */
export function resolveOptions(options: { [name: string]: unknown }): SupervisorOptions {
  return resolve(RIG_SCHEMA, options) as unknown as SupervisorOptions;
}

/**
 * A rig on the ESP32 DevKit board (PWRKEY, DTR) unless `boardId` says otherwise. The supervisor sees
 * the STATUS input only when `statusPin` is true (the DevKit wiring has none). The engine is sized
 * and listened to exactly as firmware/app/modem.ts does it.
 */
export function makeRig(options: { [name: string]: unknown }, boardId?: string, halBaud?: number, statusPin?: boolean): Rig {
  const hal = createTestHal({ baud: halBaud || 115200, toHostChunk: 64 });
  const board = findBoard(boardId || "esp32") as BoardDef;
  const all = resolve(RIG_SCHEMA, options);
  const o = all as unknown as SupervisorOptions;
  const sched = new Scheduler(hal.clock, 16, 20);
  let sup: Supervisor | undefined;
  const engine = new AtEngine(hal.uart, sched, { maxLine: board.atRxRingBytes, maxPayload: 1500, queue: all.atQueue, maxLines: 16, promptMs: 5000, probeMs: 1000, stallAfter: 3 }, {
    payload: () => undefined,
    data: () => undefined,
    timeout: () => sup && sup.noteTimeout(),
    stall: () => sup && sup.noteStall(),
  });
  const supHal: Hal = Object.assign({}, hal);
  if (!statusPin) delete supHal.status;
  const log: string[] = [];
  const progress: Array<{ t: number; text: string }> = [];
  const hooks: Partial<SupervisorListener>[] = [];
  sup = new Supervisor(supHal, board, o, sched, engine, {
    state: (name: string) => {
      log.push("state:" + name);
      for (const h of hooks) if (h.state) h.state(name);
    },
    online: (ip: string) => {
      log.push("online:" + ip);
      for (const h of hooks) if (h.online) h.online(ip);
    },
    linksLost: (reason: LossReason) => {
      log.push("lost:" + reason);
      for (const h of hooks) if (h.linksLost) h.linksLost(reason);
    },
    failed: (e: ModemError) => {
      log.push("failed:" + e.kind);
      for (const h of hooks) if (h.failed) h.failed(e);
    },
    progress: (text: string) => {
      progress.push({ t: hal.clock.now(), text });
      for (const h of hooks) if (h.progress) h.progress(text);
    },
  });
  // The baud search is the tools part's; the rig installs it as the part would.
  const s = sup;
  s.search = (target, done) => baudSearch({ opts: all, sup: s, engine } as unknown as PartContext, target, done);
  return { hal, sched, engine, sup, board, options: o, log, progress, hooks };
}

/** The supervisor's state as its name ("online", "registering", …). */
export function stateOf(rig: Rig): string {
  return stateNames()[rig.sup.state];
}

/**
 * `clock.runUntil` that fails instead of hanging when timers keep firing without time moving (a
 * timer re-armed for a delay that rounds to nothing would spin forever on the virtual clock).
 */
export function runUntil(clock: VirtualClock, done: () => boolean, maxMs: number): boolean {
  let at = -1;
  let spins = 0;
  return clock.runUntil(() => {
    const now = clock.now();
    if (now !== at) {
      at = now;
      spins = 0;
    } else if (++spins > 100000) throw new Error("timer loop: more than 100000 timers fired at t=" + now + " ms");
    return done();
  }, maxMs);
}

/** Move virtual time forward by `ms` (firing timers on the way), failing on a timer loop. */
export function advance(rig: { hal: TestHal }, ms: number): void {
  runUntil(rig.hal.clock, () => false, ms);
}

/** Advance virtual time until the supervisor is in the state named `state` (true) or `maxMs` passed (false). */
export function runUntilState(rig: Rig, state: string, maxMs: number): boolean {
  if (stateNames().indexOf(state) < 0) throw new Error("no state named " + state);
  return runUntil(rig.hal.clock, () => stateOf(rig) === state, maxMs);
}

/** The "lost:" entries of the log. */
export function lost(rig: Rig): string[] {
  return rig.log.filter((l) => l.indexOf("lost:") === 0);
}

/** Commands the firmware wrote after `t0` (each write without its CR), from the wire log. */
export function sentSince(rig: Rig, t0: number): string[] {
  return rig.hal.wire.hostLog.filter((r) => r.t >= t0).map((r) => r.data.replace(/\r$/, ""));
}
