// Unsolicited result code routing: handlers registered by line prefix in fixed slots, plus a default handler.
//
// The longest registered prefix that starts a line wins; a line no prefix matches goes to the
// default handler (which by default ignores it), so an unknown URC never breaks anything. Handlers
// are called synchronously in stream order and must not throw (a throw is caught and counted).
import { checkIntOption } from "./parser";

/** Receives one unsolicited line (without CR/LF). */
export type UrcHandler = (line: string) => void;

export class UrcTable {
  /** Handler calls that threw (caught). */
  handlerErrors = 0;
  /** Lines that went to the default handler. */
  unknown = 0;
  private prefixes: string[];
  private handlers: Array<UrcHandler | undefined>;
  private fallback: UrcHandler | undefined = undefined;

  /** `slots`: how many prefixes can be registered (integer 1..64). Throws RangeError otherwise. */
  constructor(slots: number) {
    checkIntOption("urcSlots", slots, 1, 64);
    this.prefixes = new Array(slots);
    this.handlers = new Array(slots);
    for (let i = 0; i < slots; i++) {
      this.prefixes[i] = "";
      this.handlers[i] = undefined;
    }
  }

  /**
   * Route lines starting with `prefix` (non-empty) to `handler`; registering a prefix again replaces
   * its handler. Throws RangeError when the prefix is empty or every slot is taken (programmer error).
   */
  on(prefix: string, handler: UrcHandler): void {
    if (!prefix) throw new RangeError("URC prefix must not be empty (use setDefault)");
    let free = -1;
    for (let i = 0; i < this.handlers.length; i++) {
      if (this.handlers[i] !== undefined && this.prefixes[i] === prefix) {
        this.handlers[i] = handler;
        return;
      }
      if (free < 0 && this.handlers[i] === undefined) free = i;
    }
    if (free < 0) throw new RangeError("URC table full (" + this.handlers.length + " slots): raise urcSlots");
    this.prefixes[free] = prefix;
    this.handlers[free] = handler;
  }

  /** Remove the handler of `prefix`; returns whether one was registered. */
  off(prefix: string): boolean {
    for (let i = 0; i < this.handlers.length; i++) {
      if (this.handlers[i] !== undefined && this.prefixes[i] === prefix) {
        this.handlers[i] = undefined;
        this.prefixes[i] = "";
        return true;
      }
    }
    return false;
  }

  /** Handler for lines no prefix matches (undefined: ignore them). */
  setDefault(handler: UrcHandler | undefined): void {
    this.fallback = handler;
  }

  /** Slot of the longest registered prefix starting `line`, or -1. */
  find(line: string): number {
    let best = -1;
    let bestLen = 0;
    for (let i = 0; i < this.handlers.length; i++) {
      if (this.handlers[i] === undefined) continue;
      const p = this.prefixes[i];
      if (p.length > bestLen && line.substr(0, p.length) === p) {
        best = i;
        bestLen = p.length;
      }
    }
    return best;
  }

  /** Deliver `line` to its handler (or the default one). Returns true when a registered prefix matched. */
  dispatch(line: string): boolean {
    const i = this.find(line);
    const h = i >= 0 ? this.handlers[i] : this.fallback;
    if (i < 0) this.unknown++;
    if (h !== undefined) {
      try {
        h(line);
      } catch (e) {
        this.handlerErrors++;
      }
    }
    return i >= 0;
  }
}
