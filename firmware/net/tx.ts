// Send path: AT+CIPSEND in chunks with a fixed length, `+CIPSEND: <l>,<req>,<cnf>` checked, shortfalls paused and retried; UDP one datagram a send.
//
// TCP: the next chunk is up to sendChunkBytes from the front of the queue (across small writes);
// the queue loses only what the module confirmed. A shortfall means the module's send buffer is
// full (the peer reads slowly): the rest goes again after a pause that doubles from 250 ms to
// 8 s; any progress resets the count; after `sendRetries` shortfalls in a row with nothing
// confirmed the socket gets a "short-send" error and closes. UDP: one AT+CIPSEND per datagram
// to its destination (names resolved first); a datagram the module did not take whole is
// reported, not retried. `+CIPERROR: 4` (PDN lost) goes to the supervisor. `<SUB>`-terminated
// sends only when enabled and the chunk holds neither 0x1A nor 0x1B (ESC would cancel the send).
import { Scheduler, Timer } from "../core/sched";
import { isIpv4 } from "../core/validate";
import { AtCommand, AtResult } from "../at/command";
import { CloseReason, fromModem, SocketError, sockErr } from "./errors";
import { EV_ERROR, S_OPEN } from "./consts";
import { Slot } from "./slot";

/** What the send path needs from the table. */
export interface TxPort {
  readonly opts: { sendChunkBytes: number; sendRetries: number; subTerminated: boolean };
  readonly stats: { sends: number; shortfalls: number };
  readonly sched: Scheduler;
  readonly hooks: { resolve(host: string, done: (err: SocketError | null, ip: string) => void): void; networkError(): void };
  run(c: AtCommand, s: Slot | undefined, done: (r: AtResult) => void): boolean;
  tell(s: Slot, type: number, arg: SocketError | CloseReason | undefined): void;
  fail(s: Slot, e: SocketError): void;
  startClose(s: Slot, reason: CloseReason): void;
  emptied(s: Slot): void;
  reconcile(): void;
  kick(): void;
}

const PAUSE_MS = 250;
const PAUSE_MAX_MS = 8000;
/** AT+CIPSEND's deadline after the prompt (the module answers when the data is handed to TCP), ms. */
const SEND_MS = 15000;

/** The confirmed count of `+CIPSEND: <l>,<req>,<cnf>`, or -1 when absent or malformed. */
export function confirmed(line: string): number {
  const c = line.lastIndexOf(",");
  const n = c < 0 ? NaN : parseInt(line.substr(c + 1), 10);
  return isNaN(n) ? -1 : n;
}

export class Tx {
  private t: TxPort;

  constructor(port: TxPort) {
    this.t = port;
  }

  /** AT+CIPSEND for `data` on link `l` (to `ip:port` for UDP). */
  private command(l: number, data: string, ip: string, port: number): AtCommand {
    const dest = ip ? ',"' + ip + '",' + port : "";
    const a = "+CIPSEND: " + l + ",";
    if (this.t.opts.subTerminated && data.indexOf("\x1a") < 0 && data.indexOf("\x1b") < 0) {
      return { request: "AT+CIPSEND=" + l + "," + dest, payload: data + "\x1a", async: a, timeout: SEND_MS };
    }
    return { request: "AT+CIPSEND=" + l + "," + data.length + dest, payload: data, async: a, timeout: SEND_MS };
  }

  /** The next send of an open slot; true when a command went out. */
  work(s: Slot): boolean {
    if (!s.tx.count() || s.txResolving || s.txHold > this.t.sched.now()) return false;
    return s.udp ? this.datagram(s) : this.chunk(s);
  }

  private chunk(s: Slot): boolean {
    const t = this.t;
    const data = s.tx.peek(t.opts.sendChunkBytes);
    const self = this;
    t.stats.sends++;
    return t.run(this.command(s.num, data, "", 0), s, function (r: AtResult) {
      self.chunkDone(s, data.length, r);
    });
  }

  private chunkDone(s: Slot, n: number, r: AtResult): void {
    const t = this.t;
    if (s.state !== S_OPEN) return;
    if (r.error) return this.failed(s, r);
    let cnf = confirmed(r.async);
    if (cnf < 0 || cnf > n) cnf = r.async ? 0 : n;
    s.tx.consume(cnf);
    s.counters.bytesOut += cnf;
    if (cnf < n) {
      t.stats.shortfalls++;
      if (cnf > 0) s.txRetries = 0; // progress: slower, not stuck
      s.txRetries++;
      if (!cnf && s.txRetries > t.opts.sendRetries) return t.fail(s, sockErr("short-send", "the module took nothing of " + n + " bytes in " + t.opts.sendRetries + " retries"));
      this.pause(s);
    } else {
      s.txRetries = 0;
    }
    if (!s.tx.count()) t.emptied(s);
  }

  /** Hold the slot's sending while its module send buffer is full, then pump again. */
  private pause(s: Slot): void {
    const t = this.t;
    let ms = PAUSE_MS;
    for (let i = 1; i < s.txRetries && ms < PAUSE_MAX_MS; i++) ms *= 2;
    if (ms > PAUSE_MAX_MS) ms = PAUSE_MAX_MS;
    s.txHold = t.sched.now() + ms;
    t.sched.cancel(s.txTimer);
    s.txTimer = t.sched.after(ms, function () {
      t.kick();
    });
  }

  private datagram(s: Slot): boolean {
    const t = this.t;
    const host = s.tx.frontHost();
    if (!isIpv4(host)) {
      s.txResolving = 1;
      const gen = s.gen;
      t.hooks.resolve(host, function (err, ip) {
        if (s.gen !== gen) return;
        s.txResolving = 0;
        if (err) {
          s.tx.shift();
          t.tell(s, EV_ERROR, fromModem(err, "cannot resolve " + host));
          if (!s.tx.count()) t.emptied(s);
        } else {
          s.tx.setFrontHost(ip);
        }
        t.kick();
      });
      return false;
    }
    const data = s.tx.front();
    const port = s.tx.frontPort();
    s.lastIp = host;
    s.lastPort = port;
    t.stats.sends++;
    const self = this;
    return t.run(this.command(s.num, data, host, port), s, function (r: AtResult) {
      if (s.state !== S_OPEN) return;
      s.tx.shift();
      if (r.error) self.failed(s, r);
      else {
        const cnf = confirmed(r.async);
        if (cnf >= 0 && cnf < data.length) {
          t.stats.shortfalls++;
          t.tell(s, EV_ERROR, sockErr("short-send", "the module sent " + cnf + " of a " + data.length + "-byte datagram"));
        } else s.counters.bytesOut += data.length;
      }
      if (!s.tx.count() && s.state === S_OPEN) t.emptied(s);
    });
  }

  /** A send failed as a command: PDN loss to the supervisor; anything else closes a TCP socket. */
  private failed(s: Slot, r: AtResult): void {
    const t = this.t;
    const e = r.error;
    if (!e) return;
    t.tell(s, EV_ERROR, fromModem(e, "AT+CIPSEND failed"));
    if (e.kind === "cip" && e.code === 4) return t.hooks.networkError();
    if (e.kind === "timeout") t.reconcile();
    if (!s.udp) t.startClose(s, "error");
  }
}
