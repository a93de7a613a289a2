// Buffer-access receive (AT+CIPRXGET=1): notices, mode-4 counts and windowed mode-2 reads that never ask for more than is there.
//
// Per link: `rxKnown` = bytes the module holds (from `+CIPRXGET: 4,<l>,<n>` or the rest count of
// the previous read), `rxNotified` = a `+CIPRXGET: 1,<l>` arrived since the last count. Work for
// an open link: when rxKnown > 0 read n = min(ring free, rxKnown, readChunkBytes) with
// AT+CIPRXGET=2,<l>,<n>; when nothing is known but a notice came, ask AT+CIPRXGET=4,<l>. When the
// ring is full nothing is read: the module (and TCP flow control behind it) keeps the rest, and
// the application's read() re-opens the window. Never asks more than the module holds (that can
// freeze a real A76XX) and never reads a link that is not open (section 9).
import { AT_TIMEOUTS, AtCommand, AtResult, cipRxGet } from "../at/command";
import { Link, L_FREE, L_OPEN } from "./link";
import type { SocketTable } from "./table";

export class BufferRx {
  private t: SocketTable;
  /** Link whose mode-2 payload is arriving, or null. */
  private cur: Link | null = null;
  private curLen = 0;

  constructor(table: SocketTable) {
    this.t = table;
  }

  /** `+CIPRXGET: 1,<l>`: data waiting on link l (several may arrive; they only set a flag). */
  onNotice(line: string): void {
    const l = parseInt(line.substr(13), 10);
    if (!(l >= 0 && l < this.t.links.length)) return;
    const link = this.t.links[l];
    if (link.state !== L_OPEN) return;
    link.rxNotified = true;
    this.t.schedulePump();
  }

  /** Submit the next read or count query for `link`; true when a command went out. */
  work(link: Link): boolean {
    const t = this.t;
    if (link.rxKnown > 0) {
      let n = link.ring.free();
      if (link.proto === "UDP" && !link.dgRoom()) n = 0;
      if (n > link.rxKnown) n = link.rxKnown;
      if (n > t.options.readChunkBytes) n = t.options.readChunkBytes;
      if (n <= 0) return false; // ring full: wait for the application
      t.stats.reads++;
      const read = cipRxGet(2, link.index, n);
      // The answer takes (n + header) bytes × 10 bits on the wire: 3 s for 1500 bytes at 4800 baud.
      read.timeoutMs = AT_TIMEOUTS.short + Math.ceil(((n + 64) * 20000) / t.hooks.baud());
      return this.submit(link, read, (r) => {
        if (r.error) {
          // "+IP ERROR: No data" (22): the count was stale; anything else: forget the count and ask again.
          link.rxKnown = 0;
          if (r.error.code !== 22) link.rxNotified = true;
        }
      });
    }
    if (link.rxNotified) {
      link.rxNotified = false;
      const prefix = "+CIPRXGET: 4," + link.index + ",";
      return this.submit(link, cipRxGet(4, link.index, 0), (r) => {
        if (r.error) return;
        let answered = false;
        for (let i = 0; i < r.lines.length; i++) {
          if (r.lines[i].substr(0, prefix.length) === prefix) {
            const n = parseInt(r.lines[i].substr(prefix.length), 10);
            if (n >= 0) link.rxKnown = n;
            answered = true;
          }
        }
        // An OK without the count line answered something else: the notice still stands, ask again.
        if (!answered) link.rxNotified = true;
      });
    }
    return false;
  }

  private submit(link: Link, cmd: AtCommand, handler: (r: AtResult) => void): boolean {
    const ok = this.t.run(cmd, link, (r) => {
      link.rxBusy = false;
      handler(r);
    });
    if (ok) link.rxBusy = true;
    return ok;
  }

  /** `+CIPRXGET: 2,<l>,<n>,<rest>` starts a payload of `length` bytes. */
  start(l: number, length: number, rest: number): void {
    const link = l >= 0 && l < this.t.links.length ? this.t.links[l] : null;
    if (!link || link.state === L_FREE) {
      this.cur = null;
      this.t.stats.unmatchedBytes += length;
      return;
    }
    this.cur = link;
    this.curLen = length;
    link.rxKnown = rest >= 0 ? rest : 0;
    this.t.stats.readBytes += length;
  }

  data(l: number, bytes: string): void {
    const link = this.cur;
    if (!link) return;
    const took = link.ring.write(bytes);
    link.counters.bytesIn += took;
    if (took < bytes.length) link.counters.drops += bytes.length - took; // cannot happen: reads fit the ring
  }

  end(l: number): void {
    const link = this.cur;
    this.cur = null;
    if (!link) return;
    if (link.proto === "UDP" && this.curLen > 0) link.dgPush(this.curLen, "", 0);
    if (this.curLen > 0) this.t.notifyReadable(link);
  }
}
