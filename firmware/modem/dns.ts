// Name resolution through the modem (AT+CDNSGIP) behind a small fixed cache; answers are checked before use.
import { Scheduler } from "../core/sched";
import { checkHost, isIpv4 } from "../core/validate";
import { AtEngine } from "../at/engine";
import { AtResult } from "../at/command";
import { ModemError, modemError } from "./errors";

/** Called once, never inside `resolve`: the address, or an error value. */
export type ResolveDone = (error: ModemError | null, ip: string) => void;

/** AT+CDNSGIP's deadline, ms (the module's own DNS timeout is about 60 s). */
const CDNSGIP_MS = 70000;

export class Resolver {
  /** Look-ups sent to the modem, and cache hits. */
  queries = 0;
  hits = 0;
  private engine: AtEngine;
  private sched: Scheduler;
  private ttl: number;
  private names: string[] = [];
  private ips: string[] = [];
  private until: number[] = [];

  /** `entries` cached names (1..64), each kept `ttlMs`. */
  constructor(engine: AtEngine, sched: Scheduler, entries: number, ttlMs: number) {
    this.engine = engine;
    this.sched = sched;
    this.ttl = ttlMs;
    for (let i = 0; i < entries; i++) {
      this.names.push("");
      this.ips.push("");
      this.until.push(0);
    }
  }

  /** Forget every cached name. */
  clear(): void {
    for (let i = 0; i < this.names.length; i++) this.names[i] = "";
  }

  private later(done: ResolveDone, e: ModemError | null, ip: string): void {
    this.sched.after(0, function () {
      done(e, ip);
    });
  }

  /**
   * Resolve `host` (a name or an IPv4 literal). An invalid name fails with kind "invalid" before any
   * byte is sent; `+CDNSGIP: 0,<err>`, a timeout or an answer that is not an IPv4 address fail
   * with kind "dns".
   */
  resolve(host: string, done: ResolveDone): void {
    const bad = checkHost(host);
    if (bad) return this.later(done, modemError("invalid", bad, null), "");
    if (isIpv4(host)) return this.later(done, null, host);
    const key = host.toLowerCase();
    const now = this.sched.now();
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === key && this.until[i] > now) {
        this.hits++;
        return this.later(done, null, this.ips[i]);
      }
    }
    this.queries++;
    const self = this;
    const ok = this.engine.submit({ request: 'AT+CDNSGIP="' + host + '"', match: "+CDNSGIP:", need: true, timeout: CDNSGIP_MS }, function (r: AtResult) {
      const e = self.answer(key, r);
      if (typeof e === "string") done(null, e);
      else done(e, "");
    });
    if (!ok) this.later(done, modemError("dns", "the AT queue is full; try again", null), "");
  }

  /** The address in `r` (cached), or the error. */
  private answer(key: string, r: AtResult): string | ModemError {
    for (let i = 0; i < r.lines.length; i++) {
      const line = r.lines[i];
      if (line.substr(0, 12) === "+CDNSGIP: 1,") {
        const end = line.lastIndexOf('"');
        const start = line.lastIndexOf('"', end - 1);
        const ip = start >= 0 ? line.substring(start + 1, end) : "";
        if (!isIpv4(ip)) return modemError("dns", "DNS answer for " + key + " is not an IPv4 address: " + JSON.stringify(line), null);
        this.put(key, ip);
        return ip;
      }
      if (line.substr(0, 12) === "+CDNSGIP: 0,") {
        const code = parseInt(line.substr(12), 10);
        return { kind: "dns", code: isNaN(code) ? -1 : code, text: "DNS lookup of " + key + " failed (error " + line.substr(12) + ")" };
      }
    }
    return modemError("dns", "DNS lookup of " + key + " failed", r.error);
  }

  private put(key: string, ip: string): void {
    let slot = 0;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === key) {
        slot = i;
        break;
      }
      if (this.until[i] < this.until[slot]) slot = i;
    }
    this.names[slot] = key;
    this.ips[slot] = ip;
    this.until[slot] = this.sched.now() + this.ttl;
  }
}
