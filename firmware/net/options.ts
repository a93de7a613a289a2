// Sizes and policies of the socket table (rings, send queues, chunking, timeouts), with defaults and RangeError validation.
import { overlay } from "../core/overlay";
import { DataMode } from "../modem/options";

export interface SocketTableOptions {
  /** "buffer" (AT+CIPRXGET=1, lossless), "push" (+IPD) or "transparent" (link 0 only); must match the modem options. */
  dataMode: DataMode;
  /** Bytes of each link's receive ring (10 rings, allocated once; the board's socketRxRingBytes). 64..1048576. */
  rxRingBytes: number;
  /** Bytes a link's send queue holds before write() returns false (the bound of queued data). 64..1048576. */
  txQueueBytes: number;
  /** Writes/datagrams a send queue holds at once (slots). 1..64. */
  txQueueSlots: number;
  /** Bytes per AT+CIPSEND (1..1500). Some firmware fails above ~1400–1460: 1024 is the conservative default. */
  sendChunkBytes: number;
  /** Bytes per AT+CIPRXGET=2 read (1..1500; the module's maximum is 1500). */
  readChunkBytes: number;
  /**
   * AT+CIPSEND shortfalls in a row with nothing confirmed (the peer stopped reading) before a
   * "short-send" error (0..10); they are spaced 250 ms, 500 ms … up to 8 s apart (8 ≈ 32 s).
   */
  sendRetries: number;
  /** Datagrams waiting in a UDP link's receive ring (slots). 1..64. */
  udpRxSlots: number;
  /** From AT+CIPOPEN to `+CIPOPEN: <l>,0`, ms (1..600000). */
  connectTimeoutMs: number;
  /** Use `<SUB>`-terminated AT+CIPSEND for chunks with no 0x1A byte (fixed length otherwise). */
  subTerminated: boolean;
  /** Transparent mode: silence before and after `+++`, ms (≥ 1000 by the protocol; 1000..10000). */
  escapeGuardMs: number;
  /** Transparent mode: leave data mode by dropping DTR instead of `+++` (needs AT&D1 and a DTR pin). */
  escapeWithDtr: boolean;
  /** Transparent mode: how long a partial `OK`/`CLOSED` line at the end of the data is held back, ms (1..1000). */
  holdBackMs: number;
  /**
   * Buffer mode: after `+IPCLOSE` (peer closed, send timeout) keep reading the bytes the module said
   * it holds, then close. Off by default: section 9 reports A76XX firmware that freezes when a
   * closed link is read, so unread bytes are reported as a "lost" error instead. Turn it on for
   * modules known to keep a closed link's data readable (the simulator's clean profile does).
   */
  readAfterRemoteClose: boolean;
}

export const defaultSocketTableOptions: SocketTableOptions = {
  dataMode: "buffer",
  rxRingBytes: 2048,
  txQueueBytes: 2048,
  txQueueSlots: 8,
  sendChunkBytes: 1024,
  readChunkBytes: 1500,
  sendRetries: 8,
  udpRxSlots: 8,
  connectTimeoutMs: 75000,
  subTerminated: false,
  escapeGuardMs: 1100,
  escapeWithDtr: false,
  holdBackMs: 30,
  readAfterRemoteClose: false,
};

function checkInt(name: string, v: number, min: number, max: number): void {
  if (typeof v !== "number" || !(v >= min && v <= max) || Math.floor(v) !== v) {
    throw new RangeError("socket option " + name + " must be an integer in " + min + ".." + max + ", got " + v);
  }
}

/** `defaultSocketTableOptions` overlaid with the fields `given` sets. */
export function socketOptionsWithDefaults(given: Partial<SocketTableOptions> | undefined): SocketTableOptions {
  return overlay(defaultSocketTableOptions, given);
}

/** Throws RangeError on nonsense options (a programmer error, found at construction). */
export function validateSocketOptions(o: SocketTableOptions): void {
  if (o.dataMode !== "buffer" && o.dataMode !== "push" && o.dataMode !== "transparent") throw new RangeError('socket option dataMode must be "buffer", "push" or "transparent"');
  checkInt("rxRingBytes", o.rxRingBytes, 64, 1048576);
  checkInt("txQueueBytes", o.txQueueBytes, 64, 1048576);
  checkInt("txQueueSlots", o.txQueueSlots, 1, 64);
  checkInt("sendChunkBytes", o.sendChunkBytes, 1, 1500);
  checkInt("readChunkBytes", o.readChunkBytes, 1, 1500);
  checkInt("sendRetries", o.sendRetries, 0, 10);
  checkInt("udpRxSlots", o.udpRxSlots, 1, 64);
  checkInt("connectTimeoutMs", o.connectTimeoutMs, 1, 600000);
  checkInt("escapeGuardMs", o.escapeGuardMs, 1000, 10000);
  checkInt("holdBackMs", o.holdBackMs, 1, 1000);
}
