// Deterministic test payloads (every byte value, plus the sequences that trip AT parsers) and their sha256, for the demo and the benchmarks.
import { createHash } from "crypto";

/**
 * Sequences a modem line parser could mistake for its own output. They are planted inside the
 * payload, never at its end: a transparent-mode payload that ends exactly in "\r\nCLOSED\r\n" is
 * indistinguishable from the module's own CLOSED (a protocol limit, see firmware/app/README.md),
 * so that one is left out.
 */
const TRAPS = ["\r\nOK\r\n", "\r\nERROR\r\n", "+IPD5\r\n", "\r\n+CIPRXGET: 1,0\r\n", "+++", "\r\n> ", "\x00\x1a\x1b\xff"];

/**
 * `n` pseudo-random bytes as an 8-bit string: the same `seed` always gives the same bytes. Every
 * value 0x00–0xFF occurs (for n ≥ a few KB), and the TRAPS are planted every 4 KB after the first
 * 100 bytes while they fit before the last 16 bytes.
 */
export function testPayload(n: number, seed: number): string {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  let k = 0;
  for (let at = 100; ; at += 4096) {
    const trap = TRAPS[k++ % TRAPS.length];
    if (at + trap.length > n - 16) break;
    b.write(trap, at, "latin1");
  }
  return b.toString("latin1");
}

/** sha256 of an 8-bit string, hex. */
export function sha256(s: string): string {
  return createHash("sha256").update(Buffer.from(s, "latin1")).digest("hex");
}

/** The first 12 hex digits of a sha256, for logs. */
export function shortSha(s: string): string {
  return sha256(s).substr(0, 12);
}
