// Wall-clock Clock for host programs (simulator on a PTY, host runner, benchmarks).
import { Clock, TimerHandle } from "../../firmware/core/hal";

export class SystemClock implements Clock {
  private origin = process.hrtime.bigint();

  now(): number {
    return Number(process.hrtime.bigint() - this.origin) / 1e6;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return setTimeout(fn, ms > 0 ? ms : 0);
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}
