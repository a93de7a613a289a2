// Send path: fixed-length AT+CIPSEND in chunks, `+CIPSEND: <l>,<req>,<cnf>` checked, shortfalls retried then reported; UDP per datagram.
//
// TCP: the next chunk is up to sendChunkBytes from the front of the link's queue (spanning small
// writes). The queue loses only what the module confirmed. A shortfall means the module's send
// buffer is full (the peer reads slowly): the rest is sent again after a pause that doubles from
// SHORTFALL_PAUSE_MS up to SHORTFALL_PAUSE_MAX_MS. Any progress resets the count; after
// `sendRetries` shortfalls in a row with nothing confirmed the socket gets a "short-send" error and
// is closed (a stream with a hole is worse than a closed one). UDP: one AT+CIPSEND per datagram with its destination
// (host names resolved first); a datagram the module did not take whole is reported, not retried.
// `<SUB>`-terminated sends are used only when enabled and the chunk holds no 0x1A byte.
// `+CIPERROR: 4` (PDN lost) is reported to the supervisor, which recovers the network and reports
// every link lost.
import { AtCommand, AtResult, cipSend, AT_TIMEOUTS } from "../at/command";
import { isIpv4 } from "../modem/dns-cache";

/** First pause after a send shortfall, and the longest, ms (8 retries ≈ 32 s without progress). */
const SHORTFALL_PAUSE_MS = 250;
const SHORTFALL_PAUSE_MAX_MS = 8000;
import { fromModem, socketError } from "./errors";
import { Link, L_OPEN } from "./link";
import type { SocketTable } from "./table";
export { TX_OK, TX_WAIT, TX_REFUSED } from "./txqueue";

/** The confirmed count of `+CIPSEND: <l>,<req>,<cnf>`, or -1 when absent or malformed. */
export function confirmedLength(asyncLine: string): number {
  const c2 = asyncLine.lastIndexOf(",");
  if (c2 < 0) return -1;
  const n = parseInt(asyncLine.substr(c2 + 1), 10);
  return isNaN(n) ? -1 : n;
}

export class TxPath {
  private t: SocketTable;

  constructor(table: SocketTable) {
    this.t = table;
  }

  /** AT+CIPSEND for `data` on link `l` to `ip:port` ("" for TCP). */
  command(l: number, data: string, ip: string, port: number): AtCommand {
    // <SUB> ends a variable-length send and <ESC> cancels it (the rest would run as commands):
    // such payloads always go with an announced length.
    if (this.t.options.subTerminated && data.indexOf("\x1a") < 0 && data.indexOf("\x1b") < 0) {
      const req = "AT+CIPSEND=" + l + "," + (ip ? ',"' + ip + '",' + port : "");
      return { request: req, payload: data + "\x1a", async: "+CIPSEND: " + l + ",", asyncErrField: -1, timeoutMs: AT_TIMEOUTS.cipSend };
    }
    return cipSend(l, data, ip, port);
  }

  /** Submit the next send of `link` (open); true when a command went out. */
  work(link: Link): boolean {
    if (link.tx.length() === 0 || link.txResolving) return false;
    if (link.txHoldUntil > this.t.sched.now()) return false; // after a shortfall; a timer pumps again
    return link.proto === "UDP" ? this.sendDatagram(link) : this.sendChunk(link);
  }

  private sendChunk(link: Link): boolean {
    const t = this.t;
    const chunk = link.tx.peekStream(t.options.sendChunkBytes);
    const self = this;
    t.stats.sends++;
    return t.run(this.command(link.index, chunk, "", 0), link, (r) => self.chunkDone(link, chunk.length, r));
  }

  private chunkDone(link: Link, n: number, r: AtResult): void {
    const t = this.t;
    if (link.state !== L_OPEN) return;
    if (r.error) {
      this.sendFailed(link, r);
      return;
    }
    let cnf = confirmedLength(r.async);
    if (cnf < 0 || cnf > n) cnf = r.async ? 0 : n;
    link.tx.consume(cnf);
    link.counters.bytesOut += cnf;
    if (cnf < n) {
      t.stats.shortfalls++;
      if (cnf > 0) link.txRetries = 0; // progress: slower, not stuck
      link.txRetries++;
      if (cnf === 0 && link.txRetries > t.options.sendRetries) {
        t.fail(link, socketError("short-send", "the module took nothing of " + n + " bytes in " + t.options.sendRetries + " retries"));
        return;
      }
      this.pause(link);
    } else {
      link.txRetries = 0;
    }
    if (link.tx.length() === 0) t.txEmptied(link);
  }

  /** Hold the link's sending for a while (its module send buffer is full), then pump again. */
  private pause(link: Link): void {
    const t = this.t;
    let ms = SHORTFALL_PAUSE_MS;
    for (let i = 1; i < link.txRetries && ms < SHORTFALL_PAUSE_MAX_MS; i++) ms *= 2;
    if (ms > SHORTFALL_PAUSE_MAX_MS) ms = SHORTFALL_PAUSE_MAX_MS;
    link.txHoldUntil = t.sched.now() + ms;
    t.sched.clearTimer(link.txHoldTimer);
    link.txHoldTimer = t.sched.setTimer(ms, () => {
      link.txHoldTimer = 0;
      t.schedulePump();
    });
  }

  private sendDatagram(link: Link): boolean {
    const t = this.t;
    const host = link.tx.peekHost();
    if (!isIpv4(host)) {
      link.txResolving = true;
      const gen = link.gen;
      t.hooks.resolve(host, (err, ip) => {
        if (link.gen !== gen) return;
        link.txResolving = false;
        if (err) {
          link.tx.shift();
          t.raise(link, fromModem(err, "cannot resolve " + host));
          if (link.tx.length() === 0) t.txEmptied(link);
        } else {
          link.tx.setHost(ip);
        }
        t.schedulePump();
      });
      return false;
    }
    const data = link.tx.peekDatagram();
    const port = link.tx.peekPort();
    const self = this;
    t.stats.sends++;
    link.lastDestIp = host;
    link.lastDestPort = port;
    return t.run(this.command(link.index, data, host, port), link, (r) => self.datagramDone(link, data.length, r));
  }

  private datagramDone(link: Link, n: number, r: AtResult): void {
    const t = this.t;
    if (link.state !== L_OPEN) return;
    link.tx.shift();
    if (r.error) {
      this.sendFailed(link, r);
    } else {
      const cnf = confirmedLength(r.async);
      if (cnf >= 0 && cnf < n) {
        t.stats.shortfalls++;
        t.raise(link, socketError("short-send", "the module sent " + cnf + " of a " + n + "-byte datagram"));
      } else {
        link.counters.bytesOut += n;
      }
    }
    if (link.tx.length() === 0 && link.state === L_OPEN) t.txEmptied(link);
  }

  /** A send failed as a command: report it; PDN loss goes to the supervisor, anything else closes a TCP socket. */
  private sendFailed(link: Link, r: AtResult): void {
    const t = this.t;
    const e = r.error;
    if (!e) return;
    t.raise(link, fromModem(e, "AT+CIPSEND failed"));
    if (e.kind === "cip" && e.code === 4) {
      // "+CIPERROR: 4": the network is gone; the supervisor reports every link lost.
      t.hooks.networkError();
      return;
    }
    if (e.kind === "timeout") t.reconciler.request();
    if (link.proto === "TCP") t.startClose(link, "error");
  }
}
