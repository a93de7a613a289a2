// Reconciliation: after coming online (first time or after recovery) or a lost command, AT+CIPCLOSE? is compared with the table.
//
// `+CIPCLOSE: f0,…,f9` (1 = open on the module). A link the module has open that no socket owns is
// an orphan: closed with AT+CIPCLOSE (stats.orphansClosed). A socket the table believes open that
// the module does not have is finished with reason "lost". Links in the middle of opening or
// closing are left to their own commands. Skipped while transparent link 0 is in data mode.
import { L_FREE, L_OPEN, L_OPENING, L_RESOLVING } from "./link";
import type { SocketTable } from "./table";

export class Reconciler {
  private t: SocketTable;
  private wanted = false;

  constructor(table: SocketTable) {
    this.t = table;
  }

  /** Reconcile at the next free command slot. */
  request(): void {
    this.wanted = true;
    this.t.schedulePump();
  }

  pending(): boolean {
    return this.wanted;
  }

  /** Submit the query when one is wanted; true when it went out. */
  work(): boolean {
    const t = this.t;
    if (!this.wanted || t.engine.isDataMode()) return false;
    const self = this;
    const gens: number[] = [];
    const states: number[] = [];
    for (let i = 0; i < t.links.length; i++) {
      gens.push(t.links[i].gen);
      states.push(t.links[i].state);
    }
    const ok = t.run({ request: "AT+CIPCLOSE?", matches: ["+CIPCLOSE: "], timeoutMs: 5000 }, undefined, (r) => {
      if (r.error) return;
      for (let i = 0; i < r.lines.length; i++) {
        const flags = r.lines[i].substr(11);
        if (flags.length >= 19) self.apply(flags, gens, states);
      }
    });
    if (ok) {
      this.wanted = false;
      t.stats.reconciles++;
    }
    return ok;
  }

  /**
   * `flags`: "f0,f1,…,f9". `gens`/`states`: each link's generation and state when the query was
   * sent; the flags describe the module at that moment, while URCs (a `+CLIENT`) may have changed
   * the table since.
   */
  private apply(flags: string, gens: number[], states: number[]): void {
    const t = this.t;
    for (let i = 0; i < t.links.length; i++) {
      const open = flags.charAt(i * 2) === "1";
      const link = t.links[i];
      if (link.gen !== gens[i]) continue;
      const claimed = link.state === L_RESOLVING || (link.state === L_OPENING && !link.openSent);
      if (open && (link.state === L_FREE || claimed)) {
        // The module holds a link we do not (one the network took): close it, before any open of ours.
        t.orphan[i] = true;
      } else if (!open && link.state === L_OPEN && states[i] === L_OPEN) {
        t.finish(link, "lost");
      }
    }
    t.schedulePump();
  }
}
