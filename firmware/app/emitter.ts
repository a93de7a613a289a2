// A tiny event emitter for device code (no Node `events` on the board): on/once/off/emit with up to two arguments, throws caught.

/** An event handler; at most two arguments are passed. */
export type Handler = (a?: any, b?: any) => void;

export class Emitter {
  /** Handler calls that threw (caught, so a faulty handler cannot break the driver). */
  handlerErrors = 0;
  private evNames: string[] = [];
  private evFns: Handler[][] = [];

  /** Call `fn` on every `event`. Returns this. */
  on(event: string, fn: Handler): this {
    let i = this.evNames.indexOf(event);
    if (i < 0) {
      i = this.evNames.length;
      this.evNames.push(event);
      this.evFns.push([]);
    }
    this.evFns[i].push(fn);
    return this;
  }

  /** Call `fn` on the next `event` only. */
  once(event: string, fn: Handler): this {
    const self = this;
    const wrapper = function (a?: any, b?: any): void {
      self.off(event, wrapper);
      fn(a, b);
    };
    return this.on(event, wrapper);
  }

  /** Stop calling `fn` (or every handler of `event` when `fn` is omitted). */
  off(event: string, fn?: Handler): this {
    const i = this.evNames.indexOf(event);
    if (i < 0) return this;
    if (!fn) {
      this.evFns[i] = [];
      return this;
    }
    const list = this.evFns[i];
    const j = list.indexOf(fn);
    if (j >= 0) list.splice(j, 1);
    return this;
  }

  /** Number of handlers of `event`. */
  listenerCount(event: string): number {
    const i = this.evNames.indexOf(event);
    return i < 0 ? 0 : this.evFns[i].length;
  }

  /** Call the handlers of `event` in order; returns whether there was one. A handler that throws is counted and skipped. */
  emit(event: string, a?: any, b?: any): boolean {
    const i = this.evNames.indexOf(event);
    if (i < 0 || this.evFns[i].length === 0) return false;
    const list = this.evFns[i].slice();
    for (let k = 0; k < list.length; k++) {
      try {
        list[k](a, b);
      } catch (e) {
        this.handlerErrors++;
      }
    }
    return true;
  }
}
