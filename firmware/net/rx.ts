// Receive paths: buffer access (notices, counts, reads that never ask more than the module holds) and direct push (data to its link, or dropped).
//
// Buffer access (AT+CIPRXGET=1). Per slot: `rxKnown` bytes the module holds (a mode-4 answer or
// the rest count of the previous read), `rxNote` a `+CIPRXGET: 1,<l>` notice since the last
// count. An open slot reads n = min(ring free, rxKnown, readChunkBytes) with AT+CIPRXGET=2,<l>,<n>;
// knowing nothing but a notice it asks AT+CIPRXGET=4,<l>. A full ring reads nothing: the module
// (and TCP flow control behind it) keeps the rest until the application reads. Never asks more
// than the module holds (that can freeze a real A76XX, section 9). After `+IPCLOSE` it reads
// exactly what was announced, then the slot closes. A read whose header or framing is wrong, or
// that times out, loses bytes: the socket gets an error and is closed (a stream with a hole is
// worse than a closed one).
//
// Direct push. `+RECEIVE,<l>,<n>` names its link; `+IPD<n>` names only the sender (`RECV FROM`):
// a TCP slot by its exact remote ip:port, a datagram to the UDP slot that last sent to that
// sender, else to the one UDP slot. Data whose sender matches nothing is counted and dropped,
// never handed to another socket. Bytes that do not fit the ring are dropped, counted and
// reported (one "overflow" error per incident, re-armed when the application reads).
import { AtCommand, AtResult } from "../at/command";
import { K_RECEIVE } from "../at/parser";
import { CloseReason, SocketError, sockErr } from "./errors";
import { EV_ERROR, EV_READABLE, S_CLOSING, S_OPEN } from "./consts";
import { Slot } from "./slot";

/** What the receive paths need from the table. */
export interface RxPort {
  readonly slots: Slot[];
  readonly opts: { readChunkBytes: number };
  readonly stats: { unmatchedBytes: number; reads: number; readBytes: number; badReads: number };
  readonly hooks: { baud(): number };
  slotOf(num: number): Slot | undefined;
  run(c: AtCommand, s: Slot | undefined, done: (r: AtResult) => void): boolean;
  readable(s: Slot): void;
  tell(s: Slot, type: number, arg: SocketError | CloseReason | undefined): void;
  fail(s: Slot, e: SocketError): void;
  kick(): void;
}

/** Short command deadline plus the wire time of `n` bytes at the current rate (doubled), ms. */
function readDeadline(n: number, baud: number): number {
  return 2000 + Math.ceil(((n + 64) * 20000) / baud);
}

export class Rx {
  private t: RxPort;
  /** The slot and size of the read or count query in flight (the table runs one command at a time). */
  private rs: Slot | undefined = undefined;
  private rn = 0;
  /** The last read command, used again while its link, size and line rate stay the same (the engine never changes a command). */
  private rc: AtCommand | undefined = undefined;
  private rcBaud = 0;
  /** Completions, made once (not a closure per read). */
  private readCb: (r: AtResult) => void;
  private countCb: (r: AtResult) => void;

  constructor(port: RxPort) {
    this.t = port;
    const self = this;
    this.readCb = function (r: AtResult): void {
      self.readDone(r);
    };
    this.countCb = function (r: AtResult): void {
      self.countDone(r);
    };
  }

  /** `+CIPRXGET: 1,<l>`: data waiting on link l (several may arrive; they only set a flag). */
  notice(line: string): void {
    const s = this.t.slotOf(parseInt(line.substr(13), 10));
    if (!s || s.state !== S_OPEN || s.peerClosed) return;
    s.rxNote = 1;
    this.t.kick();
  }

  /** The next read or count query of an open slot; true when a command went out. */
  work(s: Slot): boolean {
    if (s.rxBusy) return false;
    if (s.rxKnown > 0) return this.read(s);
    return s.rxNote > 0 && this.count(s);
  }

  /** AT+CIPRXGET=2: as many bytes as the ring takes, the module holds and one read may bring. */
  private read(s: Slot): boolean {
    const t = this.t;
    let n = s.ring.free();
    if (s.udp && s.dgLen.n === s.dgLen.cap) n = 0;
    if (n > s.rxKnown) n = s.rxKnown;
    if (n > t.opts.readChunkBytes) n = t.opts.readChunkBytes;
    if (n <= 0) return false;
    t.stats.reads++;
    const num = s.num;
    const baud = t.hooks.baud();
    const c = this.rc;
    // submit()'s work written out: calling it costs 21 more instructions per stream byte (buffer
    // mode, 32-byte chunks, make bench-device) for 29 bytes of bundle.
    if (!t.run(c && c.readLink === num && c.readMax === n && this.rcBaud === baud ? c : this.readCmd(num, n, baud), s, this.readCb)) return false;
    s.rxBusy = 1;
    this.rs = s;
    this.rn = n;
    return true;
  }

  private readCmd(num: number, n: number, baud: number): AtCommand {
    this.rcBaud = baud;
    return (this.rc = { request: "AT+CIPRXGET=2," + num + "," + n, timeout: readDeadline(n, baud), readLink: num, readMax: n });
  }

  private readDone(r: AtResult): void {
    const s = this.rs as Slot;
    s.rxBusy = 0;
    const e = r.error;
    if (!e) return;
    s.rxKnown = 0;
    // A stale count: nothing to read. Otherwise the read's bytes are gone (timeout, bad framing): a hole in the stream.
    if (e.code === 22 || e.text.indexOf("No data") >= 0) return;
    this.t.stats.badReads++;
    this.t.fail(s, sockErr("lost", "a read of " + this.rn + " bytes failed (" + e.kind + ": " + e.text + "); the stream has a hole"));
  }

  /** AT+CIPRXGET=4: how many bytes the module holds for the slot (after a notice). */
  private count(s: Slot): boolean {
    s.rxNote = 0;
    return this.submit(s, 0, { request: "AT+CIPRXGET=4," + s.num, timeout: 2000, match: "+CIPRXGET: 4," + s.num + ",", need: true }, this.countCb);
  }

  private countDone(r: AtResult): void {
    const s = this.rs as Slot;
    s.rxBusy = 0;
    const v = r.error || !r.lines.length ? -1 : parseInt(r.lines[0].substr(("+CIPRXGET: 4," + s.num + ",").length), 10);
    if (v >= 0) s.rxKnown = v;
    else if (!s.peerClosed) s.rxNote = 1; // ask again
  }

  private submit(s: Slot, n: number, c: AtCommand, done: (r: AtResult) => void): boolean {
    if (!this.t.run(c, s, done)) return false;
    s.rxBusy = 1;
    this.rs = s;
    this.rn = n;
    return true;
  }

  /** A buffer-access read's data (the table calls this directly). */
  readData(link: number, data: string, rest: number): void {
    const t = this.t;
    const s = t.slotOf(link);
    if (!s) {
      t.stats.unmatchedBytes += data.length;
      return;
    }
    s.rxKnown = rest >= 0 ? rest : 0;
    const took = this.store(s, data, "", 0);
    t.stats.readBytes += took;
  }

  /** Pushed data (the table calls this directly). */
  pushed(kind: number, link: number, data: string, remote: string): void {
    const t = this.t;
    let s: Slot | undefined;
    let ip = "";
    let port = 0;
    if (remote) {
      const c = remote.lastIndexOf(":");
      ip = remote.substr(0, c);
      port = parseInt(remote.substr(c + 1), 10);
    }
    if (kind === K_RECEIVE) s = t.slotOf(link);
    else s = this.bySender(ip, port);
    if (!s || (s.state !== S_OPEN && s.state !== S_CLOSING)) {
      t.stats.unmatchedBytes += data.length;
      return;
    }
    this.store(s, data, ip, port);
  }

  /** The slot a push from ip:port belongs to ("" when the module named none): exact TCP remote, UDP last destination, the one UDP slot. */
  private bySender(ip: string, port: number): Slot | undefined {
    const slots = this.t.slots;
    let udp: Slot | undefined;
    let udps = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s.state !== S_OPEN && s.state !== S_CLOSING) continue;
      if (!s.udp) {
        if (ip && s.ip === ip && s.port === port) return s;
        continue;
      }
      if (ip && s.lastIp === ip && s.lastPort === port) return s;
      udp = s;
      udps++;
    }
    return udps === 1 ? udp : undefined;
  }

  /** Put received bytes (or a datagram, whole or not at all) into the slot's ring and tell the owner. */
  /** Returns the bytes it had (all of them are stored, or the rest is counted as dropped). */
  private store(s: Slot, data: string, ip: string, port: number): number {
    if (s.udp) return this.datagram(s, data, ip, port);
    const n = data.length;
    const took = s.ring.write(data);
    s.counters.bytesIn += took;
    if (took < n) this.overflow(s, n - took);
    if (!took) return n;
    // The owner is told directly (Table.readable would only forward it).
    const o = s.owner;
    if (o) o.ev(EV_READABLE, undefined);
    return n;
  }

  private datagram(s: Slot, data: string, ip: string, port: number): number {
    const n = data.length;
    if (n > s.ring.free() || s.dgLen.n === s.dgLen.cap) {
      this.overflow(s, n);
      return n;
    }
    s.ring.write(data);
    s.dgLen.push(n);
    s.dgIp.push(ip);
    s.dgPort.push(port);
    s.counters.bytesIn += n;
    this.t.readable(s);
    return n;
  }

  private overflow(s: Slot, n: number): void {
    s.counters.drops += n;
    if (s.overflowed) return;
    s.overflowed = 1;
    this.t.tell(s, EV_ERROR, sockErr("overflow", "receive ring full (" + s.ring.capacity + " bytes): " + s.counters.drops + " bytes dropped so far; read faster or use buffer mode"));
  }
}
