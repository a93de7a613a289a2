// Small loopback peers for tests, the demo and benchmarks: TCP echo/controllable server, UDP echo, and a TCP client.
import * as dgram from "dgram";
import * as net from "net";

/** A TCP server on 127.0.0.1 (ephemeral port unless given) that records what it gets, optionally echoes, and can stop reading. */
export class TcpPeer {
  port = 0;
  readonly conns: net.Socket[] = [];
  /** Everything received, per connection, as 8-bit strings. */
  readonly received: string[] = [];
  private server: net.Server;
  private reading = true;

  private constructor(readonly echo: boolean, private onConnection?: (s: net.Socket, i: number) => void) {
    this.server = net.createServer((s) => this.accept(s));
  }

  static listen(opts?: { echo?: boolean; port?: number; onConnection?: (s: net.Socket, i: number) => void }): Promise<TcpPeer> {
    const p = new TcpPeer(!opts || opts.echo !== false, opts && opts.onConnection);
    return new Promise((resolve, reject) => {
      p.server.once("error", reject);
      p.server.listen((opts && opts.port) || 0, "127.0.0.1", () => {
        const a = p.server.address();
        p.port = a && typeof a === "object" ? a.port : 0;
        resolve(p);
      });
    });
  }

  private accept(s: net.Socket): void {
    const i = this.conns.length;
    this.conns.push(s);
    this.received.push("");
    s.setNoDelay(true);
    s.on("data", (b: Buffer) => {
      const d = b.toString("latin1");
      this.received[i] += d;
      if (this.echo && !s.destroyed) s.write(b);
    });
    s.on("error", () => undefined);
    s.on("end", () => s.end());
    if (!this.reading) s.pause();
    if (this.onConnection) this.onConnection(s, i);
  }

  /** All bytes received on every connection. */
  all(): string {
    return this.received.join("");
  }

  /** Stop reading every connection (kernel buffers fill, then the sender sees backpressure). */
  stopReading(): void {
    this.reading = false;
    for (const s of this.conns) s.pause();
  }

  resumeReading(): void {
    this.reading = true;
    for (const s of this.conns) s.resume();
  }

  /** Write to connection i (default the latest). Returns socket.write's result. */
  send(data: string | Buffer, i = this.conns.length - 1): boolean {
    const b = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    return this.conns[i].write(b);
  }

  /** Graceful close (FIN) of connection i (default the latest). */
  end(i = this.conns.length - 1): void {
    this.conns[i].end();
  }

  destroyConnections(): void {
    for (const s of this.conns) s.destroy();
  }

  close(): Promise<void> {
    this.destroyConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface Datagram {
  data: string;
  address: string;
  port: number;
}

/** A UDP socket on 127.0.0.1 that records datagrams and (by default) echoes each one to its sender. */
export class UdpPeer {
  port = 0;
  readonly received: Datagram[] = [];
  private sock: dgram.Socket;

  private constructor(readonly echo: boolean) {
    this.sock = dgram.createSocket("udp4");
    this.sock.on("message", (msg, rinfo) => {
      this.received.push({ data: msg.toString("latin1"), address: rinfo.address, port: rinfo.port });
      if (this.echo) this.sock.send(msg, rinfo.port, rinfo.address);
    });
  }

  static bind(opts?: { echo?: boolean; port?: number }): Promise<UdpPeer> {
    const p = new UdpPeer(!opts || opts.echo !== false);
    return new Promise((resolve, reject) => {
      p.sock.once("error", reject);
      p.sock.bind((opts && opts.port) || 0, "127.0.0.1", () => {
        p.port = p.sock.address().port;
        resolve(p);
      });
    });
  }

  send(data: string, port: number, address = "127.0.0.1"): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(Buffer.from(data, "latin1"), port, address, (e) => (e ? reject(e) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

/** A TCP client (e.g. connecting to a simulated server) that records what it receives. */
export class TcpClient {
  received = "";
  closed = false;
  readonly sock: net.Socket;

  private constructor(port: number, host: string) {
    this.sock = net.connect({ port, host });
    this.sock.setNoDelay(true);
    this.sock.on("data", (b: Buffer) => (this.received += b.toString("latin1")));
    this.sock.on("error", () => undefined);
    this.sock.on("close", () => (this.closed = true));
  }

  static connect(port: number, host = "127.0.0.1"): Promise<TcpClient> {
    const c = new TcpClient(port, host);
    return new Promise((resolve, reject) => {
      c.sock.once("connect", () => resolve(c));
      c.sock.once("error", reject);
    });
  }

  /**
   * Connect and send `data` at once: the bytes are queued before the connection is even
   * established, so they leave with (or right after) the handshake — a client that talks before
   * the host can accept or refuse it. Resolves once connected.
   */
  static connectAndSend(port: number, data: string, host = "127.0.0.1"): Promise<TcpClient> {
    const c = new TcpClient(port, host);
    c.send(data);
    return new Promise((resolve, reject) => {
      c.sock.once("connect", () => resolve(c));
      c.sock.once("error", reject);
    });
  }

  send(data: string): void {
    this.sock.write(Buffer.from(data, "latin1"));
  }

  /** Graceful close (FIN) after what was written. */
  end(): void {
    this.sock.end();
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A free TCP (and probably UDP) port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = a && typeof a === "object" ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
