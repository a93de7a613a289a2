// Test rig for the modem lifecycle: test HAL + scheduler + AT engine + supervisor, with an event log.
import { BoardDef } from "../../firmware/core/board";
import { Hal } from "../../firmware/core/hal";
import { Scheduler, defaultSchedulerOptions } from "../../firmware/core/scheduler";
import { AtEngine, defaultAtEngineOptions } from "../../firmware/at/engine";
import { ModemSupervisor, MODEM_STATE_NAMES, ModemState } from "../../firmware/modem/supervisor";
import { ModemOptions, withDefaults } from "../../firmware/modem/options";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { findBoard } from "../../boards/index";

export interface Rig {
  hal: TestHal;
  sched: Scheduler;
  engine: AtEngine;
  sup: ModemSupervisor;
  board: BoardDef;
  /** "state:<name>", "online:<ip>", "lost:<reason>", "failed:<kind>" in order. */
  log: string[];
}

/**
 * A rig on the ESP32 DevKit board (PWRKEY, DTR) unless `boardId` says otherwise. The supervisor sees
 * the STATUS input only when `statusPin` is true (the DevKit wiring has none).
 */
export function makeRig(options: Partial<ModemOptions>, boardId?: string, halBaud?: number, statusPin?: boolean): Rig {
  const hal = createTestHal({ baud: halBaud || 115200, toHostChunk: 64 });
  const board = findBoard(boardId || "esp32") as BoardDef;
  const sched = new Scheduler(hal.clock, defaultSchedulerOptions);
  let sup: ModemSupervisor | undefined;
  const engine = new AtEngine(hal.uart, hal.codec, sched, Object.assign({}, defaultAtEngineOptions, { urcSlots: 32, ringBytes: board.atRxRingBytes }), {
    timeout: () => sup && sup.noteTimeout(),
    stall: () => sup && sup.noteStall(),
  });
  const supHal: Hal = Object.assign({}, hal);
  if (!statusPin) delete supHal.status;
  sup = new ModemSupervisor(supHal, board, withDefaults(options), sched, engine);
  const log: string[] = [];
  sup.addListener({
    state: (s: ModemState) => log.push("state:" + MODEM_STATE_NAMES[s]),
    online: (ip: string) => log.push("online:" + ip),
    linksLost: (reason: string) => log.push("lost:" + reason),
    failed: (e) => log.push("failed:" + e.kind),
  });
  return { hal, sched, engine, sup, board, log };
}

/** Advance virtual time until the supervisor is in `state` (true) or `maxMs` passed (false). */
export function runUntilState(rig: Rig, state: ModemState, maxMs: number): boolean {
  return rig.hal.clock.runUntil(() => rig.sup.getState() === state, maxMs);
}
