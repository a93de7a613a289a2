// Direct-push receive: `[+]RECV FROM:<ip>:<port>` + `+IPD<n>` (or `+RECEIVE,<l>,<n>`) mapped to its link; overflow counted and reported.
//
// The push carries no link number, only the sender: a TCP link is found by its remote ip:port
// (which is why host names are resolved before AT+CIPOPEN), a datagram goes to the UDP link that
// last sent to that sender, else to the first open UDP link. Bytes that do not fit the link's ring
// are dropped (the module cannot be told to wait), counted in the link's `drops` and reported with
// one "overflow" error event per incident (re-armed when the application reads) — never silently. A UDP datagram is kept whole or dropped whole.
import { PayloadKind } from "../at/parser";
import { socketError } from "./errors";
import { Link, L_CLOSING, L_OPEN, splitRemote } from "./link";
import type { SocketTable } from "./table";

export class PushRx {
  private t: SocketTable;
  private cur: Link | null = null;
  private curLen = 0;
  private curIp = "";
  private curPort = 0;
  /** The whole datagram is being dropped. */
  private dropAll = false;
  private dropped = 0;
  private scratch: string[] = [""];

  constructor(table: SocketTable) {
    this.t = table;
  }

  /** The link a push from `remote` ("ip:port", or "" when the module sent none) belongs to, or null. */
  findLink(remote: string): Link | null {
    const links = this.t.links;
    let ip = "";
    let port = -1;
    if (remote) {
      port = splitRemote(remote, this.scratch);
      ip = this.scratch[0];
    }
    let udp: Link | null = null;
    let udpExact: Link | null = null;
    let only: Link | null = null;
    let open = 0;
    for (let i = 0; i < links.length; i++) {
      const l = links[i];
      if (l.state !== L_OPEN && l.state !== L_CLOSING) continue;
      open++;
      only = l;
      if (l.proto === "TCP") {
        if (port >= 0 && l.ip === ip && l.port === port) return l;
      } else {
        if (!udp) udp = l;
        if (!udpExact && l.lastDestIp === ip && l.lastDestPort === port) udpExact = l;
      }
    }
    if (udpExact) return udpExact;
    if (udp) return udp;
    return open === 1 ? only : null;
  }

  start(kind: PayloadKind, l: number, length: number, remote: string): void {
    let link: Link | null = null;
    if (kind === "receive") {
      const c = l >= 0 && l < this.t.links.length ? this.t.links[l] : null;
      link = c && (c.state === L_OPEN || c.state === L_CLOSING) ? c : null;
    } else if (kind === "ipd") {
      link = this.findLink(remote);
    }
    this.cur = link;
    this.curLen = length;
    this.dropped = 0;
    this.dropAll = false;
    if (!link) {
      this.t.stats.unmatchedBytes += length;
      return;
    }
    this.curIp = "";
    this.curPort = 0;
    if (remote) {
      this.curPort = splitRemote(remote, this.scratch);
      this.curIp = this.scratch[0];
      if (this.curPort < 0) this.curPort = 0;
    }
    if (link.proto === "UDP" && (length > link.ring.free() || !link.dgRoom())) {
      this.dropAll = true;
      this.dropped = length;
    }
  }

  data(bytes: string): void {
    const link = this.cur;
    if (!link || this.dropAll) return;
    const took = link.ring.write(bytes);
    link.counters.bytesIn += took;
    if (took < bytes.length) this.dropped += bytes.length - took;
  }

  end(): void {
    const link = this.cur;
    this.cur = null;
    if (!link) return;
    if (this.dropped > 0) this.overflow(link, this.dropped);
    if (link.proto === "UDP") {
      if (this.dropAll) return;
      link.dgPush(this.curLen, this.curIp, this.curPort);
    }
    if (this.curLen > this.dropped) this.t.notifyReadable(link);
  }

  /** Count `n` dropped bytes on `link` and report them (one error event per incident: until the application reads again). */
  overflow(link: Link, n: number): void {
    link.counters.drops += n;
    if (link.overflowQueued) return;
    link.overflowQueued = true;
    this.t.raise(link, socketError("overflow", "receive ring full (" + link.ring.capacity + " bytes): " + link.counters.drops + " bytes dropped so far; read faster or use buffer mode"));
  }
}
