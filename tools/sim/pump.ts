// Drives a VirtualClock together with Node's event loop, so in-process tests can mix virtual UART/modem time with real loopback sockets.
import { VirtualClock } from "../../hal/host/virtual-clock";

export interface PumpOptions {
  /** Give up after this much virtual time has passed. */
  maxVirtualMs: number;
  /** Give up after this much real time has passed. */
  maxRealMs: number;
  /** Largest virtual step between two turns of the event loop (default 1 ms). */
  stepMs?: number;
}

function immediate(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Alternate between firing virtual timers (at most `stepMs` of virtual time per turn, never past the
 * next deadline) and yielding to Node's event loop (setImmediate) so real socket events are
 * processed, until `done()` is true (→ true) or a limit is reached (→ done()'s final value).
 * Virtual time does not move while no timer is armed: then only real I/O can make progress, and
 * the pump waits for it in 1 ms real sleeps.
 */
export async function pumpUntil(clock: VirtualClock, done: () => boolean, opts: PumpOptions): Promise<boolean> {
  const step = opts.stepMs !== undefined && opts.stepMs > 0 ? opts.stepMs : 1;
  const v0 = clock.now();
  const r0 = Date.now();
  for (;;) {
    if (done()) return true;
    const vElapsed = clock.now() - v0;
    if (vElapsed >= opts.maxVirtualMs || Date.now() - r0 >= opts.maxRealMs) return done();
    const due = clock.nextDue();
    if (due !== Infinity) {
      const dt = Math.min(step, Math.max(0, due - clock.now()), opts.maxVirtualMs - vElapsed);
      clock.advance(dt);
      if (done()) return true;
      await immediate();
    } else await sleep(1);
  }
}

/** Move virtual time forward by exactly `ms` (firing timers on the way) while letting real I/O run. */
export async function pumpFor(clock: VirtualClock, ms: number, stepMs = 1): Promise<void> {
  const end = clock.now() + ms;
  while (clock.now() < end) {
    clock.advance(Math.min(stepMs, end - clock.now()));
    await immediate();
  }
}
