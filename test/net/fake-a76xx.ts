// A scripted A76XX for socket-layer tests: byte-exact answers for the bring-up and TCP/IP command set, per-link buffers, a scripted peer side.
//
// Deterministic (virtual clock, no real sockets, no async pumping). It checks the rules a real
// module punishes: asking AT+CIPRXGET=2 for more than it holds (`overAsks`) and reading or
// querying a link it no longer has (`closedReads`: one the host closed, or one the peer closed
// and whose data were all read). The peer side is driven by the test: peerSend, remoteClose,
// acceptClient, pushFrom. Like a module, it ignores command-line text before the first "AT".
import { TestHal } from "../../hal/host/test-hal";

export type Mode = "buffer" | "push" | "transparent";

export interface FakeLink {
  open: boolean;
  /** The peer closed it while data were still held: readable until emptied. */
  peerClosed: boolean;
  proto: "TCP" | "UDP";
  ip: string;
  port: number;
  localPort: number;
  /** Bytes held for buffer-access reads (or while out of data mode in transparent mode). */
  held: string;
  /** Everything the host sent on this link. */
  sent: string;
  /** UDP: datagrams the host sent, with destinations. */
  datagrams: Array<{ data: string; ip: string; port: number }>;
}

function newLink(): FakeLink {
  return { open: false, peerClosed: false, proto: "TCP", ip: "", port: 0, localPort: 0, held: "", sent: "", datagrams: [] };
}

export class FakeA76xx {
  readonly commands: string[] = [];
  readonly links: FakeLink[] = [];
  readonly servers: Array<{ port: number } | undefined> = [undefined, undefined, undefined, undefined];
  /** AT+CIPRXGET=2 requests for more than the link held, and reads/queries of links it no longer has. */
  overAsks = 0;
  closedReads = 0;
  /** Reads: the n asked. */
  readonly readSizes: number[] = [];
  /** Sends: the n announced (-1: <SUB>-terminated). */
  readonly sendSizes: number[] = [];
  /** Echo what the host sends back to it (peer = echo server). */
  echo = false;
  /** Scripted confirmed counts for the next sends (shortfalls); consumed in order. */
  readonly confirm: number[] = [];
  /** Scripted CIPSEND failure: the next send answers this text instead (e.g. "+CIPERROR: 4"). */
  sendFailure = "";
  /** Scripted +CIPOPEN error codes per link (one-shot). */
  readonly openErr: { [link: number]: number } = {};
  /** When set, AT+SERVERSTART answers `+IP ERROR: <this>` then ERROR. */
  serverStartError = "";
  /** Do not answer AT+CIPOPEN's async result (the connect hangs). */
  silentOpen = false;
  /** Answer AT+CIPOPEN's async result this long after OK, ms. */
  openDelayMs = 5;
  /** DNS table for AT+CDNSGIP. */
  readonly dns: { [name: string]: string } = {};
  /** Transparent mode: the UART is in data mode on link 0. */
  dataMode = false;
  /** Times (virtual ms) an escape "+++" was recognised, and the silence before it. */
  readonly escapes: Array<{ at: number; quietBefore: number }> = [];
  netOpen = false;
  /** Frozen: hears nothing, answers nothing (see hang). */
  hung = false;
  /** The next AT+CIPRXGET=2 answers announce this many bytes more (or fewer) than follow; consumed in order. */
  readonly rxLies: number[] = [];
  ip = "10.0.0.2";
  latencyMs = 1;

  private rx = "";
  private payloadLeft = 0;
  private payloadSub = false;
  private payloadAcc = "";
  private payloadThen: ((d: string) => void) | undefined;
  private lastRxAt = -1e9;
  private plusStart = -1;
  private plusTimer: unknown = undefined;

  constructor(
    private hal: TestHal,
    public mode: Mode,
  ) {
    for (let i = 0; i < 10; i++) this.links.push(newLink());
    hal.wire.modem.onData((chunk, at) => this.onHost(chunk, at));
  }

  // ---- peer side -------------------------------------------------------------------------

  /** The peer of link l sends `data` (to the host). */
  peerSend(l: number, data: string, fromIp?: string, fromPort?: number): void {
    const link = this.links[l];
    if (!link.open) throw new Error("peerSend on closed link " + l);
    const ip = fromIp || link.ip;
    const port = fromPort || link.port;
    if (this.mode === "transparent") {
      if (this.dataMode && l === 0) this.write(data);
      else link.held += data;
      return;
    }
    if (this.mode === "buffer") {
      const first = link.held.length === 0;
      link.held += data;
      if (first) this.write("\r\n+CIPRXGET: 1," + l + "\r\n");
      return;
    }
    for (let i = 0; i < data.length; i += 1500) this.pushFrom(ip, port, data.substr(i, 1500));
  }

  /** A direct push from ip:port (whether or not a link has that remote). */
  pushFrom(ip: string, port: number, piece: string): void {
    this.write("\r\n+RECV FROM:" + ip + ":" + port + "\r\n+IPD" + piece.length + "\r\n" + piece);
  }

  /** The peer closes link l (buffer mode: what it sent stays readable). */
  remoteClose(l: number, reason = 1): void {
    const link = this.links[l];
    link.open = false;
    link.peerClosed = link.held.length > 0;
    if (this.mode === "transparent" && l === 0) {
      if (this.dataMode) this.dataMode = false;
      this.write("\r\nCLOSED\r\n");
      return;
    }
    this.write("\r\n+IPCLOSE: " + l + "," + reason + "\r\n");
  }

  /** Server `s` accepts a client on link l (transparent mode: CONNECT follows at once, or with `later` when the test calls enterDataMode). */
  acceptClient(l: number, s: number, ip: string, port: number, later = false): void {
    const link = this.links[l];
    Object.assign(link, newLink(), { open: true, ip, port });
    this.write("\r\n+CLIENT: " + l + "," + s + "," + ip + ":" + port + "\r\n");
    if (this.mode === "transparent" && !later) this.enterDataMode();
  }

  /** Transparent mode: the module's CONNECT for an accepted client; data mode from here. */
  enterDataMode(): void {
    this.write("\r\nCONNECT 115200\r\n");
    this.dataMode = true;
    this.lastRxAt = this.hal.clock.now();
  }

  /** Write to the host now. */
  write(data: string): void {
    this.hal.wire.modem.write(data);
  }

  private reply(data: string): void {
    this.hal.clock.setTimeout(() => this.write(data), this.latencyMs);
  }

  // ---- host side -------------------------------------------------------------------------

  private onHost(chunk: string, at: number): void {
    if (this.hung) return;
    if (this.dataMode) {
      this.onData(chunk, at);
      return;
    }
    let pos = 0;
    while (pos < chunk.length) {
      if (this.payloadLeft > 0 || this.payloadSub) {
        let take: number;
        if (this.payloadSub) {
          const sub = chunk.indexOf("\x1a", pos);
          take = (sub < 0 ? chunk.length : sub + 1) - pos;
          this.payloadAcc += chunk.substr(pos, take);
          pos += take;
          if (sub >= 0) {
            this.payloadSub = false;
            const then = this.payloadThen;
            const d = this.payloadAcc.substr(0, this.payloadAcc.length - 1);
            this.payloadThen = undefined;
            if (then) then(d);
          }
          continue;
        }
        take = Math.min(this.payloadLeft, chunk.length - pos);
        this.payloadAcc += chunk.substr(pos, take);
        this.payloadLeft -= take;
        pos += take;
        if (this.payloadLeft === 0) {
          const then = this.payloadThen;
          this.payloadThen = undefined;
          if (then) then(this.payloadAcc);
        }
        continue;
      }
      const cr = chunk.indexOf("\r", pos);
      if (cr < 0) {
        this.rx += chunk.substr(pos);
        return;
      }
      const line = this.rx + chunk.substring(pos, cr);
      this.rx = "";
      pos = cr + 1;
      // A module takes a command from its first "AT"; text before it (a "+++" typed after data mode ended) is noise.
      const a = line.search(/at/i);
      if (a < 0) continue;
      const cmd = line.substr(a);
      this.commands.push(cmd);
      this.exec(cmd);
      if (this.dataMode) {
        // bytes after a command that entered data mode are data
        if (pos < chunk.length) this.onData(chunk.substr(pos), at);
        return;
      }
    }
  }

  /** Transparent data mode: bytes to the peer; "+++" between guard silences escapes. */
  private onData(chunk: string, at: number): void {
    const quiet = at - this.lastRxAt;
    this.lastRxAt = at;
    if (this.plusTimer !== undefined) {
      this.hal.clock.clearTimeout(this.plusTimer);
      this.plusTimer = undefined;
      // the "+++" was data after all
      this.links[0].sent += "+++";
      if (this.echo) this.write("+++");
    }
    if (chunk === "+++" && quiet >= 1000) {
      this.plusStart = at;
      this.plusTimer = this.hal.clock.setTimeout(() => {
        this.plusTimer = undefined;
        this.escapes.push({ at: this.plusStart, quietBefore: quiet });
        this.dataMode = false;
        this.write("\r\nOK\r\n");
      }, 1000);
      return;
    }
    const link = this.links[0];
    link.sent += chunk;
    if (this.echo && link.open) this.write(chunk);
  }

  private expect(n: number, then: (d: string) => void): void {
    this.payloadAcc = "";
    this.payloadThen = then;
    if (n < 0) this.payloadSub = true;
    else this.payloadLeft = n;
  }

  /** A read or count query of link l: counted when the module no longer has the link. */
  private readable(l: number): boolean {
    const link = this.links[l];
    if (link.open || (link.peerClosed && link.held.length > 0)) return true;
    this.closedReads++;
    return false;
  }

  private exec(cmd: string): void {
    let m: RegExpExecArray | null;
    if (cmd === "AT+CIPCLOSE?") {
      const f: string[] = [];
      for (let i = 0; i < 10; i++) f.push(this.links[i].open ? "1" : "0");
      return this.reply("\r\n+CIPCLOSE: " + f.join(",") + "\r\n\r\nOK\r\n");
    }
    if ((m = /^AT\+CIPOPEN=(\d),"TCP","([^"]*)",(\d+)$/.exec(cmd))) {
      const l = +m[1];
      const link = this.links[l];
      if (link.open) return this.reply("\r\n+CIPOPEN: " + l + ",4\r\n\r\nERROR\r\n");
      const err = this.openErr[l];
      delete this.openErr[l];
      if (this.mode === "transparent") {
        if (err) return this.reply("\r\nCONNECT FAIL\r\n");
        Object.assign(link, newLink(), { open: true, ip: m[2], port: +m[3] });
        this.dataMode = true;
        this.lastRxAt = this.hal.clock.now();
        return this.reply("\r\nCONNECT 115200\r\n");
      }
      this.reply("\r\nOK\r\n");
      if (this.silentOpen) return;
      if (err) {
        this.hal.clock.setTimeout(() => this.write("\r\n+CIPOPEN: " + l + "," + err + "\r\n"), this.openDelayMs);
        return;
      }
      const ip = m[2];
      const port = +m[3];
      this.hal.clock.setTimeout(() => {
        Object.assign(link, newLink(), { open: true, ip, port });
        this.write("\r\n+CIPOPEN: " + l + ",0\r\n");
      }, this.openDelayMs);
      return;
    }
    if ((m = /^AT\+CIPOPEN=(\d),"UDP",,,(\d+)$/.exec(cmd))) {
      const l = +m[1];
      Object.assign(this.links[l], newLink(), { open: true, proto: "UDP", localPort: +m[2] });
      return this.reply("\r\nOK\r\n\r\n+CIPOPEN: " + l + ",0\r\n");
    }
    if ((m = /^AT\+CIPSEND=(\d),(\d*)(?:,"([^"]*)",(\d+))?$/.exec(cmd))) {
      const l = +m[1];
      const n = m[2] === "" ? -1 : +m[2];
      const link = this.links[l];
      if (!link.open) return this.reply("\r\n+IP ERROR: Connection is not created\r\n\r\nERROR\r\n");
      this.sendSizes.push(n);
      this.write("\r\n> ");
      const dip = m[3] || "";
      const dport = m[4] ? +m[4] : 0;
      this.expect(n, (d) => {
        if (this.sendFailure) {
          const f = this.sendFailure;
          this.sendFailure = "";
          return this.reply(f);
        }
        let cnf = this.confirm.length ? (this.confirm.shift() as number) : d.length;
        if (cnf > d.length) cnf = d.length;
        const took = d.substr(0, cnf);
        if (link.proto === "UDP") link.datagrams.push({ data: took, ip: dip, port: dport });
        else link.sent += took;
        this.reply("\r\nOK\r\n\r\n+CIPSEND: " + l + "," + d.length + "," + cnf + "\r\n");
        if (this.echo && took) this.hal.clock.setTimeout(() => link.open && this.peerSend(l, took, dip, dport), 2);
      });
      return;
    }
    if ((m = /^AT\+CIPRXGET=4,(\d)$/.exec(cmd))) {
      const l = +m[1];
      if (!this.readable(l)) return this.reply("\r\n+IP ERROR: Connection is not created\r\n\r\nERROR\r\n");
      return this.reply("\r\n+CIPRXGET: 4," + l + "," + this.links[l].held.length + "\r\n\r\nOK\r\n");
    }
    if ((m = /^AT\+CIPRXGET=2,(\d),(\d+)$/.exec(cmd))) {
      const l = +m[1];
      const n = +m[2];
      const link = this.links[l];
      this.readSizes.push(n);
      if (!this.readable(l)) return this.reply("\r\n+IP ERROR: Connection is not created\r\n\r\nERROR\r\n");
      if (n > link.held.length) this.overAsks++;
      if (link.held.length === 0) return this.reply("\r\n+IP ERROR: No data\r\n\r\nERROR\r\n");
      const k = Math.min(n, link.held.length, 1500);
      const data = link.held.substr(0, k);
      link.held = link.held.substr(k);
      const lie = this.rxLies.length ? (this.rxLies.shift() as number) : 0;
      return this.reply("\r\n+CIPRXGET: 2," + l + "," + (k + lie) + "," + link.held.length + "\r\n" + data + "\r\nOK\r\n");
    }
    if ((m = /^AT\+CIPCLOSE=(\d)$/.exec(cmd))) {
      const l = +m[1];
      const link = this.links[l];
      link.peerClosed = false;
      if (!link.open) return this.reply("\r\n+CIPCLOSE: " + l + ",4\r\n\r\nERROR\r\n");
      link.open = false;
      if (this.mode === "transparent" && l === 0) return this.reply("\r\nOK\r\n\r\nCLOSED\r\n\r\n+CIPCLOSE: 0,0\r\n");
      return this.reply("\r\nOK\r\n\r\n+CIPCLOSE: " + l + ",0\r\n");
    }
    if ((m = /^AT\+SERVERSTART=(\d+),(\d)$/.exec(cmd))) {
      const i = +m[2];
      if (this.serverStartError) return this.reply("\r\n+IP ERROR: " + this.serverStartError + "\r\n\r\nERROR\r\n");
      if (this.servers[i]) return this.reply("\r\n+IP ERROR: Server is already listening\r\n\r\nERROR\r\n");
      this.servers[i] = { port: +m[1] };
      return this.reply("\r\nOK\r\n");
    }
    if ((m = /^AT\+SERVERSTOP=(\d)$/.exec(cmd))) {
      this.servers[+m[1]] = undefined;
      return this.reply("\r\nOK\r\n\r\n+SERVERSTOP: " + m[1] + ",0\r\n");
    }
    if ((m = /^AT\+CDNSGIP="([^"]*)"$/.exec(cmd))) {
      const ip = this.dns[m[1]];
      if (!ip) return this.reply("\r\n+CDNSGIP: 0,10\r\n\r\nERROR\r\n");
      return this.reply('\r\n+CDNSGIP: 1,"' + m[1] + '","' + ip + '"\r\n\r\nOK\r\n');
    }
    if (cmd === "ATO") {
      const link = this.links[0];
      if (!link.open) return this.reply("\r\nNO CARRIER\r\n");
      this.reply("\r\nCONNECT 115200\r\n");
      this.hal.clock.setTimeout(() => {
        this.dataMode = true;
        this.lastRxAt = this.hal.clock.now();
        if (link.held) {
          const h = link.held;
          link.held = "";
          this.write(h);
        }
      }, this.latencyMs);
      return;
    }
    // Bring-up, resynchronisation probes and everything else.
    if (cmd === "AT+CMEE?") return this.reply("\r\n+CMEE: 1\r\n\r\nOK\r\n");
    if (cmd === "AT+CIPHEAD?") return this.reply("\r\n+CIPHEAD: 1\r\n\r\nOK\r\n");
    if (cmd === "AT+CIPSRIP?") return this.reply("\r\n+CIPSRIP: 1\r\n\r\nOK\r\n");
    if (cmd === "AT+CIPMODE?") return this.reply("\r\n+CIPMODE: " + (this.mode === "transparent" ? 1 : 0) + "\r\n\r\nOK\r\n");
    if (cmd === "AT+CPIN?") return this.reply("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    if (cmd === "AT+CSQ") return this.reply("\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
    if (cmd === "AT+CREG?") return this.reply("\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    if (cmd === "AT+CGREG?") return this.reply("\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
    if (cmd === "AT+CEREG?") return this.reply("\r\n+CEREG: 0,1\r\n\r\nOK\r\n");
    if (cmd === "AT+NETOPEN?") return this.reply("\r\n+NETOPEN: " + (this.netOpen ? 1 : 0) + "\r\n\r\nOK\r\n");
    if (cmd === "AT+NETOPEN") {
      if (this.netOpen) return this.reply("\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n");
      this.netOpen = true;
      return this.reply("\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    }
    if (cmd === "AT+NETCLOSE") {
      this.netOpen = false;
      for (const l of this.links) l.open = false;
      return this.reply("\r\nOK\r\n\r\n+NETCLOSE: 0\r\n");
    }
    if (cmd === "AT+IPADDR") return this.reply("\r\n+IPADDR: " + this.ip + "\r\n\r\nOK\r\n");
    this.reply("\r\nOK\r\n");
  }

  /** Freeze (nothing heard or answered) or thaw as a module that was reset: links and network gone, parsing from scratch. */
  hang(on: boolean): void {
    this.hung = on;
    if (on) return;
    this.forget();
  }

  /** The module reboots on its own: links and network gone, the boot banner. */
  reboot(): void {
    this.forget();
    this.write("\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n");
  }

  private forget(): void {
    this.netOpen = false;
    this.dataMode = false;
    this.rx = "";
    this.payloadLeft = 0;
    this.payloadSub = false;
    this.payloadThen = undefined;
    for (let i = 0; i < 10; i++) this.links[i] = newLink();
    for (let i = 0; i < 4; i++) this.servers[i] = undefined;
  }

  /** The network drops: every link gone, +CIPEVENT (the module keeps NETOPEN? at 0). */
  dropNetwork(): void {
    this.netOpen = false;
    for (const l of this.links) {
      l.open = false;
      l.peerClosed = false;
    }
    this.dataMode = false;
    this.write("\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
  }
}
