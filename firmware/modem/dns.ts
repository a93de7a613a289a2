// Name resolution through the modem (AT+CDNSGIP) in front of the fixed-size DnsCache.
import { Scheduler } from "../core/scheduler";
import { checkHost } from "../core/validate";
import { AtEngine } from "../at/engine";
import { DnsCache, isIpv4 } from "./dns-cache";
import { ModemError, modemFailure } from "./errors";

/** Called once with the address, or with an error value. */
export type ResolveDone = (error: ModemError | null, ip: string) => void;

/** AT+CDNSGIP's deadline, ms (the module's DNS timeout is about 60 s). */
const CDNSGIP_TIMEOUT_MS = 70000;

export class Resolver {
  readonly cache: DnsCache;
  /** Look-ups that went to the modem. */
  queries = 0;
  private engine: AtEngine;
  private sched: Scheduler;

  constructor(engine: AtEngine, scheduler: Scheduler, cache: DnsCache) {
    this.engine = engine;
    this.sched = scheduler;
    this.cache = cache;
  }

  /**
   * Resolve `host` (a name or an IPv4 literal). An invalid name fails with kind "invalid" before any
   * byte is sent; `+CDNSGIP: 0,<err>` fails with kind "dns" and the modem's code. `done` always runs
   * from a Scheduler task, never inside this call.
   */
  resolve(host: string, done: ResolveDone): void {
    const sched = this.sched;
    const bad = checkHost(host);
    if (bad) {
      sched.post(() => done(modemFailure("invalid", bad, null), ""));
      return;
    }
    if (isIpv4(host)) {
      sched.post(() => done(null, host));
      return;
    }
    const cached = this.cache.lookup(host, sched.now());
    if (cached !== undefined) {
      sched.post(() => done(null, cached));
      return;
    }
    this.queries++;
    const self = this;
    const accepted = this.engine.submit({ request: 'AT+CDNSGIP="' + host + '"', matches: ["+CDNSGIP:"], timeoutMs: CDNSGIP_TIMEOUT_MS }, (r) => {
      // Success: +CDNSGIP: 1,"<name>","<ip>"; failure: +CDNSGIP: 0,<err> then ERROR.
      for (let i = 0; i < r.lines.length; i++) {
        const line = r.lines[i];
        if (line.substr(0, 12) === "+CDNSGIP: 1,") {
          const end = line.lastIndexOf('"');
          const start = line.lastIndexOf('"', end - 1);
          if (start >= 0 && end > start + 1) {
            const ip = line.substr(start + 1, end - start - 1);
            self.cache.put(host, ip, sched.now());
            done(null, ip);
            return;
          }
        }
        if (line.substr(0, 12) === "+CDNSGIP: 0,") {
          const code = parseInt(line.substr(12), 10);
          done({ kind: "dns", code: isNaN(code) ? -1 : code, text: "DNS lookup of " + host + " failed (error " + line.substr(12) + ")" }, "");
          return;
        }
      }
      done(modemFailure("dns", "DNS lookup of " + host + " failed", r.error), "");
    });
    if (!accepted) sched.post(() => done(modemFailure("dns", "the AT queue is full; try again", null), ""));
  }
}
