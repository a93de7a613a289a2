// A small event emitter for device code (no Node `events` on a board): on/once/off/emit with up to two arguments, throws caught.

/** An event handler; at most two arguments are passed. */
export type Handler = (a?: any, b?: any) => void;

/**
 * Where an exception thrown by an event handler goes once counted: the modem points it at the
 * HAL's log, so a developer sees their own bug printed instead of silence.
 */
export const handlerThrew: { report: ((e: unknown) => void) | undefined } = { report: undefined };

function thrown(e: unknown): void {
  const r = handlerThrew.report;
  if (r) {
    try {
      r(e);
    } catch (x) {
      // the report itself failed: the count stands
    }
  }
}

export class Emitter {
  /** Handler calls that threw (caught, so a faulty handler cannot break the driver). */
  handlerErrors = 0;
  private evs: { [name: string]: Handler[] } = {};

  /** Call `fn` on every `event`. */
  on(event: string, fn: Handler): this {
    const l = this.evs[event];
    if (l) l.push(fn);
    else this.evs[event] = [fn];
    return this;
  }

  /** Call `fn` on the next `event` only. */
  once(event: string, fn: Handler): this {
    const self = this;
    const w = function (a?: any, b?: any): void {
      self.off(event, w);
      fn(a, b);
    };
    return this.on(event, w);
  }

  /** Stop calling `fn` (every handler of `event` when `fn` is omitted). */
  off(event: string, fn?: Handler): this {
    const l = this.evs[event];
    if (!l) return this;
    if (!fn) delete this.evs[event];
    else {
      const i = l.indexOf(fn);
      if (i >= 0) l.splice(i, 1);
    }
    return this;
  }

  listenerCount(event: string): number {
    const l = this.evs[event];
    return l ? l.length : 0;
  }

  /** Call the handlers of `event` in order; false when there is none. A handler that throws is counted and skipped. */
  emit(event: string, a?: any, b?: any): boolean {
    const l = this.evs[event];
    if (!l || l.length !== 1) return !!l && this.emitAll(l, a, b);
    try {
      l[0](a, b);
    } catch (e) {
      this.handlerErrors++;
      thrown(e);
    }
    return true;
  }

  /** `emit` for none or several handlers (a copy: a handler may add or remove handlers). */
  private emitAll(l: Handler[], a?: any, b?: any): boolean {
    if (!l.length) return false;
    const copy = l.slice();
    for (let i = 0; i < copy.length; i++) {
      try {
        copy[i](a, b);
      } catch (e) {
        this.handlerErrors++;
        thrown(e);
      }
    }
    return true;
  }
}
