// Optional part "net": Espruino's own net, http and dgram over the modem — the callbacks NetworkJS polls, as an adapter over the socket API.
//
// Espruino's socket server drives a JavaScript network through five callbacks it calls from its
// idle loop (libs/network/js/network_js.c): create, close, accept, recv, send. They must be cheap
// and never wait on the modem: the AT work happens in the driver's own tasks, and these only move
// bytes between the sockets' rings and the interpreter. Contract, as the interpreter reads it:
//  - create(host, port, type) → an index ≥ 0, or < 0 ("Unable to create socket"). `host`
//    undefined = a server on `port`; `type & 3`: 0 TCP, 1 HTTP (TCP), 2 UDP; `type & 4` TLS.
//  - recv(i, maxLen) → a string (≤ maxLen; "" = nothing yet), or a negative error: -11 while a
//    TCP client is still connecting (the interpreter waits; for UDP it is an error), -1 closed,
//    others an error event then close.
//  - send(i, data) → bytes taken (0 = later), or negative = error. UDP data carries an 8-byte
//    header per datagram both ways: ip[4], port (u16 LE), length (u16 LE).
//  - accept(i) → a new index for a client of server i, or -1.
// Sockets are paused and read by pulling (Socket.read), so a slow interpreter slows the module
// (buffer mode) instead of growing a buffer. The table of indexes is fixed (`netSockets`).
import type { Part, PartContext } from "../app/modem";
import type { BaseSocket, Socket, UdpSocket } from "../app/sockets";
import type { SocketError } from "../net/errors";
import type { Server } from "./server";
import { Fifo } from "../core/fifo";

/** Espruino's socket error numbers (libs/network/socketerrors.h). */
export const ERR_CLOSED = -1;
export const ERR_TIMEOUT = -3;
export const ERR_NO_ROUTE = -4;
export const ERR_NOT_FOUND = -6;
export const ERR_MAX_SOCK = -7;
export const ERR_RESET = -9;
export const ERR_UNKNOWN = -10;
/** Not connected yet (the interpreter keeps waiting). */
export const ERR_NO_CONN = -11;
export const ERR_BAD_ARG = -12;

/** The callbacks object handed to require("NetworkJS").create(). */
export interface NetCallbacks {
  create(host: string | undefined, port: number, type: number): number;
  close(i: number): void;
  accept(i: number): number;
  recv(i: number, maxLen: number, type: number): string | number;
  send(i: number, data: string, type: number): number;
}

/** One index of the table. */
interface Entry {
  s: BaseSocket | Server;
  /** 0 TCP client or accepted, 1 UDP, 2 TCP server. */
  kind: number;
  up: boolean;
  /** Closed: the error number to report once the data is read (ERR_CLOSED when none). */
  done: number;
  /** Bytes handed over before the close, or datagrams (with their header) still to return. */
  tail: string;
  /** A server's accepted clients waiting for accept(). */
  q: Fifo<Socket> | undefined;
}

/** The error number the interpreter should see for a socket error. */
export function errorNumber(e: SocketError): number {
  const k = e.kind;
  if (k === "timeout") return ERR_TIMEOUT;
  if (k === "dns") return ERR_NOT_FOUND;
  if (k === "offline") return ERR_NO_ROUTE;
  if (k === "invalid") return ERR_BAD_ARG;
  if (k === "no-link" || k === "no-server") return ERR_MAX_SOCK;
  return ERR_UNKNOWN;
}

/** The 8-byte datagram header: ip[4], port (u16 LE), length (u16 LE). */
export function udpHeader(ip: string, port: number, len: number): string {
  const p = ip.split(".");
  let h = "";
  for (let i = 0; i < 4; i++) h += String.fromCharCode(+p[i] & 255 || 0);
  return h + String.fromCharCode(port & 255, port >> 8, len & 255, len >> 8);
}

/** The callbacks for `c`'s modem, with `max` indexes. */
export function netCallbacks(c: PartContext, max: number): NetCallbacks {
  const m = c.modem;
  const socks: Array<Entry | undefined> = [];
  for (let i = 0; i < max; i++) socks.push(undefined);
  const report = function (text: string): void {
    m.emit("error", { kind: "invalid", code: -1, text: text });
  };
  /** Put `s` in a free index and watch its events. */
  const add = function (s: BaseSocket | Server, kind: number, up: boolean): number {
    let i = 0;
    while (i < max && socks[i]) i++;
    if (i === max) {
      report("all " + max + " network sockets are in use");
      if (kind === 2) (s as Server).close();
      else (s as Socket).destroy();
      return ERR_MAX_SOCK;
    }
    const e: Entry = { s: s, kind: kind, up: up, done: 0, tail: "", q: kind === 2 ? new Fifo<Socket>(4) : undefined };
    socks[i] = e;
    if (kind !== 2) (s as BaseSocket).pause();
    s.on(kind === 1 ? "listening" : "connect", function () {
      e.up = true;
    });
    s.on("error", function (err: SocketError) {
      if (!e.done) e.done = errorNumber(err);
    });
    s.on("close", function (why: string) {
      if (!e.done) e.done = why === "remote" || why === "local" ? ERR_CLOSED : why === "timeout" ? ERR_TIMEOUT : why === "error" ? ERR_UNKNOWN : ERR_RESET;
    });
    // The last bytes of a closing socket come as events (it is resumed to deliver them).
    s.on("data", function (d: string) {
      e.tail += d;
    });
    s.on("message", function (d: string, r: { address: string; port: number }) {
      e.tail += udpHeader(r.address, r.port, d.length) + d;
    });
    s.on("connection", function (client: Socket) {
      if (!(e.q as Fifo<Socket>).push(client)) client.destroy();
    });
    return i;
  };
  return {
    create: function (host, port, type) {
      if (type & 4) {
        report("TLS (https, tls) is not supported by this driver yet");
        return ERR_BAD_ARG;
      }
      if (!m.isOnline()) return ERR_NO_ROUTE;
      const udp = (type & 3) === 2;
      if (host === undefined) {
        if (udp) return add(m.udp(port), 1, false);
        if (!c.opts.parts.some((p: Part) => p.name === "server")) {
          report("a server needs the server part: parts: [require(\"a76xx-server\")]");
          return ERR_BAD_ARG;
        }
        return add(m.listen(port), 2, true);
      }
      return udp ? add(m.udp(), 1, false) : add(m.connect(host, port), 0, false);
    },
    close: function (i) {
      const e = socks[i];
      if (!e) return;
      socks[i] = undefined;
      if (e.kind === 0) (e.s as Socket).end();
      else (e.s as UdpSocket | Server).close();
    },
    accept: function (i) {
      const e = socks[i];
      const client = e && e.q ? e.q.shift() : undefined;
      return client ? add(client, 0, true) : -1;
    },
    recv: function (i, maxLen) {
      const e = socks[i];
      if (!e) return ERR_CLOSED;
      let d = e.tail;
      if (d) {
        e.tail = d.length > maxLen ? d.substr(maxLen) : "";
        return d.length > maxLen ? d.substr(0, maxLen) : d;
      }
      if (e.kind === 0) d = (e.s as Socket).read(maxLen);
      else if (e.kind === 1) {
        const g = (e.s as UdpSocket).readDatagram();
        if (g) {
          const all = udpHeader(g.address, g.port, g.data.length) + g.data;
          e.tail = all.substr(maxLen);
          d = all.substr(0, maxLen);
        }
      }
      if (d) return d;
      if (e.done) return e.done;
      // -11 means "still connecting" only for a TCP client; a UDP socket binding has nothing yet.
      return e.up || e.kind === 1 ? "" : ERR_NO_CONN;
    },
    send: function (i, data) {
      const e = socks[i];
      if (!e || e.done) return e ? e.done : ERR_CLOSED;
      const s = e.s as BaseSocket;
      if (!e.up || !s.canWrite()) return 0;
      if (e.kind === 0) {
        (s as Socket).write(data);
        return data.length;
      }
      // UDP: whole datagrams, each after its header.
      let off = 0;
      while (off + 8 <= data.length && s.canWrite()) {
        const len = data.charCodeAt(off + 6) | (data.charCodeAt(off + 7) << 8);
        if (off + 8 + len > data.length) break;
        const ip = data.charCodeAt(off) + "." + data.charCodeAt(off + 1) + "." + data.charCodeAt(off + 2) + "." + data.charCodeAt(off + 3);
        if (ip === "255.255.255.255") {
          report("dgram needs an IP address (resolve names with modem.resolve first)");
          return ERR_BAD_ARG;
        }
        (s as UdpSocket).send(data.substr(off + 8, len), ip, data.charCodeAt(off + 4) | (data.charCodeAt(off + 5) << 8));
        off += 8 + len;
      }
      return off;
    },
  };
}

/** The part: `parts: [net]` makes `modem.netCallbacks` for require("NetworkJS").create(). */
export const net: Part = {
  name: "net",
  schema: "netSockets=8:i1,32",
  install: function (ctx: PartContext): void {
    (ctx.modem as unknown as { netCallbacks: NetCallbacks }).netCallbacks = netCallbacks(ctx, ctx.opts.netSockets);
  },
};
