// Fixed-size DNS cache for AT+CDNSGIP answers: bounded entries with expiry, so repeated connects skip the lookup.
//
// Memory: `entries` slots allocated at construction (names ≤ 253 chars, addresses ≤ 39). When full,
// the entry that expires first is replaced. The modem gives no TTL, so every answer lives `ttlMs`.

export class DnsCache {
  readonly entries: number;
  readonly ttlMs: number;
  private names: string[];
  private ips: string[];
  private expires: number[];
  hits = 0;
  misses = 0;

  /** `entries` 1..64, `ttlMs` ≥ 1. Throws RangeError otherwise (programmer error). */
  constructor(entries: number, ttlMs: number) {
    if (!(entries >= 1 && entries <= 64) || Math.floor(entries) !== entries) throw new RangeError("DnsCache entries must be an integer in 1..64");
    if (!(ttlMs >= 1)) throw new RangeError("DnsCache ttlMs must be ≥ 1");
    this.entries = entries;
    this.ttlMs = ttlMs;
    this.names = new Array(entries);
    this.ips = new Array(entries);
    this.expires = new Array(entries);
    this.clear();
  }

  /** The cached address of `name` at time `now` (ms), or undefined when absent or expired. */
  lookup(name: string, now: number): string | undefined {
    const key = name.toLowerCase();
    for (let i = 0; i < this.entries; i++) {
      if (this.names[i] === key) {
        if (this.expires[i] > now) {
          this.hits++;
          return this.ips[i];
        }
        this.names[i] = "";
        break;
      }
    }
    this.misses++;
    return undefined;
  }

  /** Remember `name` → `ip` from `now` for ttlMs. */
  put(name: string, ip: string, now: number): void {
    const key = name.toLowerCase();
    // The slot holding the same name, else the one that expires first (empty slots: -Infinity).
    let slot = 0;
    for (let i = 0; i < this.entries; i++) {
      if (this.names[i] === key) {
        slot = i;
        break;
      }
      if (this.expires[i] < this.expires[slot]) slot = i;
    }
    this.names[slot] = key;
    this.ips[slot] = ip;
    this.expires[slot] = now + this.ttlMs;
  }

  /** Forget everything (e.g. after the network was re-opened). */
  clear(): void {
    for (let i = 0; i < this.entries; i++) {
      this.names[i] = "";
      this.ips[i] = "";
      this.expires[i] = -Infinity;
    }
  }

  /** Entries currently held (expired ones included until replaced). */
  size(): number {
    let n = 0;
    for (let i = 0; i < this.entries; i++) if (this.names[i] !== "") n++;
    return n;
  }
}

/** True when `s` is an IPv4 dotted quad (no lookup needed). */
export function isIpv4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length < 1 || p.length > 3) return false;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (c < 48 || c > 57) return false;
    }
    if (parseInt(p, 10) > 255) return false;
  }
  return true;
}
