// Real sockets behind the simulated links and servers: net/dgram on this machine, a per-link receive buffer in the "modem" with pause/resume.
//
// A link holds received bytes when `hold` is true (buffer access mode, or a transparent link while
// the UART is in command mode) and hands them straight to `events.data` otherwise (direct push,
// transparent data mode). The held buffer never exceeds `capacity`: what the socket delivers
// beyond it is parked in `overflow` and the TCP socket is paused, so the kernel's buffers fill and
// the peer sees real TCP backpressure. Reading makes room, refills from `overflow` and resumes.
// UDP datagrams that do not fit are dropped (UDP has no backpressure).
import * as dgram from "dgram";
import * as net from "net";

export type LinkProto = "TCP" | "UDP";
export type LinkState = "opening" | "open" | "closed";

export interface LinkEvents {
  /** TCP connect or UDP bind succeeded. */
  opened(link: Link): void;
  /** Connect or bind failed; `err` is the +CIPOPEN <err> value. */
  openFailed(link: Link, err: number): void;
  /** Bytes to push now (hold is false). */
  data(link: Link, bytes: string, fromIp: string, fromPort: number): void;
  /** The held buffer went from empty to non-empty (`first`) or grew. */
  buffered(link: Link, first: boolean): void;
  /** The peer closed (or the socket failed) while open. */
  closed(link: Link, byRemote: boolean): void;
}

/** "::ffff:1.2.3.4" → "1.2.3.4". */
export function plainIp(addr: string | undefined): string {
  if (!addr) return "0.0.0.0";
  return addr.indexOf("::ffff:") === 0 ? addr.substr(7) : addr;
}

export class Link {
  state: LinkState = "opening";
  /** Server index for accepted connections, -1 for client links. */
  serverIndex = -1;
  remoteIp = "";
  remotePort = 0;
  /** The module-side local port (as the host asked); `hostLocalPort` is the real one. */
  localPort = 0;
  hostLocalPort = 0;
  /** Bytes received from the peer (into the modem), sent to the peer, and confirmed written to the kernel. */
  bytesIn = 0;
  bytesOut = 0;
  bytesAcked = 0;
  /** Hold received bytes in the modem buffer instead of pushing them. */
  hold = false;
  /** The TCP socket is paused because the modem buffer is full. */
  paused = false;
  /** Transparent (data-mode) link. */
  transparent = false;
  /** Buffer-access mode link (AT+CIPRXGET=1 when opened). */
  bufferMode = false;
  /** Next send fails with a timeout (fault). */
  failNextSend = false;
  /** Until this time (sim clock, ms) the send buffer counts as full (fault). */
  sendBusyUntil = 0;
  /**
   * The network dropped under it: the socket is gone but the module still lists the link as open
   * (AT+CIPCLOSE?) and will not reuse its number until the host closes it (doc section 7).
   */
  lost = false;
  /** The peer closed it (+IPCLOSE: <l>,1 or CLOSED): what it held stays readable (section 9 rule in README). */
  peerClosed = false;
  tcp: net.Socket | undefined;
  udp: dgram.Socket | undefined;
  private buf = "";
  private overflow: string[] = [];
  private overflowBytes = 0;

  constructor(readonly index: number, readonly proto: LinkProto, public capacity: number, private events: LinkEvents) {}

  /**
   * Bytes the module can still take for sending on this link: its send buffer (the same size as the
   * receive buffer) minus what the TCP socket has not handed to the kernel yet. A peer that stops
   * reading fills it, and AT+CIPSEND then confirms less than it was given (UDP: always room).
   */
  sendRoom(): number {
    if (!this.tcp) return Infinity;
    const room = this.capacity - this.tcp.writableLength;
    return room > 0 ? room : 0;
  }

  /** Bytes waiting in the modem's buffer for this link. */
  buffered(): number {
    return this.buf.length;
  }

  /** Bytes the socket delivered beyond the buffer (they count as still in flight). */
  parked(): number {
    return this.overflowBytes;
  }

  // ---- opening ----

  connectTcp(ip: string, port: number, localAddress?: string): void {
    this.remoteIp = ip;
    this.remotePort = port;
    const s = net.connect({ host: ip, port, localAddress });
    this.tcp = s;
    s.setNoDelay(true);
    s.once("connect", () => {
      if (this.state !== "opening") return;
      this.state = "open";
      this.hostLocalPort = s.localPort || 0;
      this.events.opened(this);
    });
    this.wireTcp(s);
  }

  adoptTcp(s: net.Socket, serverIndex: number): void {
    this.tcp = s;
    this.serverIndex = serverIndex;
    this.remoteIp = plainIp(s.remoteAddress);
    this.remotePort = s.remotePort || 0;
    this.hostLocalPort = s.localPort || 0;
    this.state = "open";
    s.setNoDelay(true);
    this.wireTcp(s);
  }

  private wireTcp(s: net.Socket): void {
    s.on("data", (b: Buffer) => this.received(b.toString("latin1"), this.remoteIp, this.remotePort));
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (this.state === "opening") {
        this.state = "closed";
        this.events.openFailed(this, 1);
      }
      void e;
    });
    s.on("close", () => {
      if (this.state === "open") {
        this.state = "closed";
        this.events.closed(this, true);
      }
    });
    s.on("end", () => {
      // Half-close from the peer: the module closes the link.
      if (this.state === "open") s.end();
    });
  }

  openUdp(bindAddress: string, hostPort: number, localPort: number, remoteIp?: string, remotePort?: number): void {
    this.localPort = localPort;
    this.remoteIp = remoteIp || "";
    this.remotePort = remotePort || 0;
    const u = dgram.createSocket("udp4");
    this.udp = u;
    u.on("error", () => {
      if (this.state === "opening") {
        this.state = "closed";
        this.events.openFailed(this, 6);
      }
    });
    u.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) => this.received(msg.toString("latin1"), plainIp(rinfo.address), rinfo.port, true));
    u.bind(hostPort, bindAddress, () => {
      if (this.state !== "opening") return;
      this.state = "open";
      this.hostLocalPort = u.address().port;
      this.events.opened(this);
    });
  }

  // ---- receiving ----

  private received(data: string, ip: string, port: number, datagram = false): void {
    if (this.state !== "open") return;
    this.bytesIn += data.length;
    if (!this.hold) {
      this.events.data(this, data, ip, port);
      return;
    }
    if (datagram) {
      const room = this.capacity - this.buf.length;
      if (data.length > room) {
        this.bytesIn -= data.length; // dropped in the modem: never counted as received
        return;
      }
      this.append(data);
      return;
    }
    if (this.overflowBytes) {
      this.overflow.push(data);
      this.overflowBytes += data.length;
      return;
    }
    const room = this.capacity - this.buf.length;
    if (data.length <= room) {
      this.append(data);
      return;
    }
    if (room > 0) this.append(data.substr(0, room));
    const rest = data.substr(room > 0 ? room : 0);
    this.overflow.push(rest);
    this.overflowBytes += rest.length;
    this.pause();
  }

  private append(data: string): void {
    const first = this.buf.length === 0;
    this.buf += data;
    this.events.buffered(this, first);
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.tcp) this.tcp.pause();
  }

  /** Take up to n bytes from the modem buffer (refilling from what the socket had delivered). */
  read(n: number): string {
    const out = this.buf.substr(0, n);
    this.buf = this.buf.substr(out.length);
    this.refill();
    return out;
  }

  /** Take everything held (transparent link going back to data mode). */
  readAll(): string {
    let out = this.buf;
    this.buf = "";
    for (let i = 0; i < this.overflow.length; i++) out += this.overflow[i];
    this.overflow = [];
    this.overflowBytes = 0;
    this.resume();
    return out;
  }

  private refill(): void {
    while (this.overflow.length && this.buf.length < this.capacity) {
      const room = this.capacity - this.buf.length;
      const head = this.overflow[0];
      if (head.length <= room) {
        this.overflow.shift();
        this.buf += head;
        this.overflowBytes -= head.length;
      } else {
        this.buf += head.substr(0, room);
        this.overflow[0] = head.substr(room);
        this.overflowBytes -= room;
      }
    }
    if (!this.overflow.length && this.buf.length < this.capacity) this.resume();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.tcp && this.state === "open") this.tcp.resume();
  }

  // ---- sending ----

  /** Send to the peer (TCP, or UDP to `ip:port` / the link's remote). `done` runs once the kernel took the bytes. */
  send(data: string, done: (ok: boolean) => void, ip?: string, port?: number): void {
    const b = Buffer.from(data, "latin1");
    this.bytesOut += b.length;
    if (this.tcp) {
      this.tcp.write(b, (err?: Error | null) => {
        if (!err) this.bytesAcked += b.length;
        done(!err);
      });
      return;
    }
    if (this.udp) {
      const toIp = ip || this.remoteIp;
      const toPort = port || this.remotePort;
      if (!toIp || !toPort) {
        done(false);
        return;
      }
      this.udp.send(b, toPort, toIp, (err: Error | null) => {
        if (!err) this.bytesAcked += b.length;
        done(!err);
      });
      return;
    }
    done(false);
  }

  // ---- closing ----

  /** Close locally (graceful FIN for TCP). Buffered data stays readable until the slot is reused. */
  close(): void {
    const was = this.state;
    this.state = "closed";
    if (this.tcp) {
      const s = this.tcp;
      if (was === "open") {
        s.end();
        s.resume();
        const t = setTimeout(() => s.destroy(), 2000);
        t.unref();
        s.once("close", () => clearTimeout(t));
      } else s.destroy();
    }
    if (this.udp) {
      try {
        this.udp.close();
      } catch (e) {
        void e;
      }
      this.udp = undefined;
    }
  }

  /** Drop the socket at once (reboot, network loss, simulator close). */
  destroy(): void {
    this.state = "closed";
    if (this.tcp) this.tcp.destroy();
    if (this.udp) {
      try {
        this.udp.close();
      } catch (e) {
        void e;
      }
      this.udp = undefined;
    }
    this.overflow = [];
    this.overflowBytes = 0;
  }
}

/** A listening TCP server (AT+SERVERSTART). */
export class SimServer {
  server: net.Server | undefined;
  hostPort = 0;
  listening = false;

  constructor(readonly index: number, readonly port: number) {}

  listen(bindAddress: string, hostPort: number, backlog: number, onConnection: (s: net.Socket) => void, done: (ok: boolean) => void): void {
    const srv = net.createServer({ pauseOnConnect: false }, onConnection);
    this.server = srv;
    let settled = false;
    srv.once("error", () => {
      if (settled) return;
      settled = true;
      this.server = undefined;
      done(false);
    });
    srv.listen({ port: hostPort, host: bindAddress, backlog }, () => {
      if (settled) return;
      settled = true;
      this.listening = true;
      const a = srv.address();
      this.hostPort = a && typeof a === "object" ? a.port : hostPort;
      done(true);
    });
  }

  /** Stop listening (accepted links stay open). */
  stop(): void {
    this.listening = false;
    if (this.server) this.server.close();
    this.server = undefined;
  }
}
