// Optional part "server": TCP servers on the module's 4 server slots (AT+SERVERSTART/STOP), `+CLIENT` hand-over, allowlists.
//
// Install with `parts: [server]`; it adds `modem.listen(port, onClient?, {allow?})` → Server.
// A `+CLIENT: <l>,<s>,<ip>:<port>` binds link l to a free provisioned slot and hands a Socket to
// the Server ("connection"). A client whose address is not on the server's allowlist is closed at
// once with AT+CIPCLOSE and counted; whatever it sent is never delivered to any socket. An
// allowlist must name at least one address (omit it to admit everyone). Accepted links stay open
// when their server stops; after a network loss servers are closed (listen again on "online").
import { Fifo } from "../core/fifo";
import type { Task } from "../core/sched";
import { checkHost, checkPort } from "../core/validate";
import type { AtResult } from "../at/command";
import { Emitter } from "../app/emitter";
import type { ListenOptions, Part, PartContext, Server } from "../app/modem";
export type { ListenOptions, Server };
import type { Socket } from "../app/sockets";
import { CloseReason, fromModem, SocketError, sockErr } from "../net/errors";

const SERVERS = 4;
const MAX_ALLOW = 16;
/** AT+SERVERSTART / AT+SERVERSTOP deadline, ms. */
const SERVER_MS = 10000;


const F_FREE = 0;
const F_STARTING = 1;
const F_LISTENING = 2;
const F_STOPPING = 3;
const F_CLOSED = 4;

/**
 * A TCP server on one of the module's 4 server slots.
 * Events: "listening"(), "connection"(Socket), "rejected"(ip, port), "error"(SocketError), "close"(reason).
 */
export class TcpServer extends Emitter implements Server {
  /** Server slot (0–3), or -1 when it never got one. */
  index = -1;
  port = 0;
  state = "starting";
  accepted = 0;
  rejected = 0;
  allow: string[] | undefined = undefined;
  /** Why it closed (undefined while open). */
  closeReason: CloseReason | undefined = undefined;
  private pending: Fifo<[string, any, any]>;
  private task: Task;
  private mgr: Servers;

  constructor(mgr: Servers, onClient: ((s: Socket) => void) | undefined) {
    super();
    this.mgr = mgr;
    this.pending = new Fifo(8);
    if (onClient) this.on("connection", onClient);
    const self = this;
    this.task = mgr.ctx.sched.task(function () {
      while (self.pending.n) {
        const e = self.pending.shift() as [string, any, any];
        if (e[0] === "close") {
          self.state = "closed";
          self.closeReason = e[1];
        }
        if (e[0] === "listening") self.state = "listening";
        self.emit(e[0], e[1], e[2]);
      }
    });
  }

  /** Queue an event for this server's task (a full queue keeps the newest close). */
  post(name: string, a?: any, b?: any): void {
    if (!this.pending.push([name, a, b]) && name === "close") {
      this.pending.shift();
      this.pending.push([name, a, b]);
    }
    this.mgr.ctx.sched.post(this.task);
  }

  /** Stop listening (AT+SERVERSTOP); accepted sockets stay open. */
  close(): void {
    this.mgr.close(this);
  }
}

export class Servers {
  readonly ctx: PartContext;
  private st: number[] = [];
  private owners: Array<TcpServer | undefined> = [];
  private stopWanted: boolean[] = [];

  constructor(ctx: PartContext) {
    this.ctx = ctx;
    for (let i = 0; i < SERVERS; i++) {
      this.st.push(F_FREE);
      this.owners.push(undefined);
      this.stopWanted.push(false);
    }
    const self = this;
    ctx.engine.onUrc("+CLIENT:", function (line: string) {
      self.onClient(line);
    });
    ctx.modem.on("offline", function (why: CloseReason) {
      for (let i = 0; i < SERVERS; i++) self.finish(i, why);
    });
  }

  listen(port: number, onClient: ((s: Socket) => void) | undefined, opts: ListenOptions | undefined): Server {
    const srv = new TcpServer(this, onClient);
    srv.port = typeof port === "number" ? port : 0;
    const e = this.start(srv, port, opts);
    if (e) {
      srv.state = "closed";
      srv.post("error", e);
      srv.post("close", "error");
    }
    return srv;
  }

  private start(srv: TcpServer, port: number, opts: ListenOptions | undefined): SocketError | undefined {
    const bad = checkPort(port, false);
    if (bad) return sockErr("invalid", bad);
    const allow = opts ? opts.allow : undefined;
    if (allow !== undefined) {
      if (!Array.isArray(allow) || allow.length < 1 || allow.length > MAX_ALLOW) return sockErr("invalid", "allow must list 1.." + MAX_ALLOW + " IP addresses (omit it to admit everyone)");
      for (let i = 0; i < allow.length; i++) {
        const b = checkHost(allow[i]);
        if (b) return sockErr("invalid", "allow[" + i + "]: " + b);
      }
      srv.allow = allow.slice();
    }
    if (!this.ctx.modem.isOnline()) return sockErr("offline", "the modem is not online");
    let idx = -1;
    const last = this.ctx.opts.dataMode === "transparent" ? 1 : SERVERS;
    for (let i = 0; i < SERVERS; i++) {
      const o = this.owners[i];
      if (o && this.st[i] !== F_CLOSED && o.port === port) return sockErr("invalid", "port " + port + " is already used by server " + i);
    }
    for (let i = 0; i < last && idx < 0; i++) if (this.st[i] === F_FREE) idx = i;
    if (idx < 0) return sockErr("no-server", last === 1 ? "transparent mode has one server (server 0) and it is in use" : "all 4 servers are in use");
    srv.index = idx;
    this.st[idx] = F_STARTING;
    this.owners[idx] = srv;
    this.stopWanted[idx] = false;
    this.send(idx, true, false);
    return undefined;
  }

  /** AT+SERVERSTART (after a stop when the module still listens on the slot) or AT+SERVERSTOP. */
  private send(i: number, start: boolean, restarted: boolean): void {
    const self = this;
    const srv = this.owners[i] as TcpServer;
    const c = start
      ? { request: "AT+SERVERSTART=" + srv.port + "," + i, timeout: SERVER_MS }
      : { request: "AT+SERVERSTOP=" + i, timeout: SERVER_MS, async: "+SERVERSTOP: " + i + ",", errField: 1 };
    const ok = this.ctx.engine.submit(c, function (r: AtResult) {
      if (self.owners[i] !== srv) return;
      if (!start) {
        if (self.st[i] === F_STARTING) self.send(i, true, true);
        else self.finish(i, "local");
        return;
      }
      if (self.st[i] !== F_STARTING) return;
      const e = r.error;
      if (e && !restarted && (e.code === 20 || e.text.indexOf("already listening") >= 0)) {
        // The module still listens on this slot (an earlier SERVERSTOP went unanswered): stop it, start again.
        return self.send(i, false, false);
      }
      if (e) {
        srv.post("error", fromModem(e, "AT+SERVERSTART failed"));
        return self.finish(i, "error");
      }
      if (self.stopWanted[i]) {
        self.st[i] = F_STOPPING;
        return self.send(i, false, false);
      }
      self.st[i] = F_LISTENING;
      srv.post("listening");
    });
    if (!ok) {
      srv.post("error", sockErr("queue-full", "the AT queue is full"));
      this.finish(i, "error");
    }
  }

  close(srv: TcpServer): void {
    const i = srv.index;
    if (i < 0 || this.owners[i] !== srv) return;
    if (this.st[i] === F_STARTING) this.stopWanted[i] = true;
    else if (this.st[i] === F_LISTENING) {
      this.st[i] = F_STOPPING;
      srv.state = "closing";
      this.send(i, false, false);
    }
  }

  private finish(i: number, why: CloseReason): void {
    const srv = this.owners[i];
    if (!srv || this.st[i] === F_FREE) return;
    this.st[i] = F_FREE;
    this.owners[i] = undefined;
    srv.post("close", why);
  }

  /** `+CLIENT: <link>,<server>,<ip>:<port>`. */
  private onClient(line: string): void {
    const ctx = this.ctx;
    const f = line.substr(8).split(",");
    const l = parseInt(f[0], 10);
    const si = parseInt(f[1], 10);
    const remote = (f[2] || "").trim();
    const c = remote.lastIndexOf(":");
    const ip = c > 0 ? remote.substr(0, c) : "";
    const port = c > 0 ? parseInt(remote.substr(c + 1), 10) : 0;
    if (!(l >= 0 && l < 10) || !(si >= 0 && si < SERVERS)) return;
    // Transparent mode: CONNECT (data mode) follows this URC; no command may be written before it.
    if (ctx.opts.dataMode === "transparent") ctx.engine.hold(2000);
    const srv = this.owners[si];
    const open = srv && (this.st[si] === F_LISTENING || this.st[si] === F_STARTING);
    const admitted = open && ip !== "" && (!(srv as TcpServer).allow || ((srv as TcpServer).allow as string[]).indexOf(ip) >= 0);
    if (!admitted) {
      if (srv && open) {
        srv.rejected++;
        srv.post("rejected", ip, port);
      }
      ctx.table.closeLink(l);
      return;
    }
    const s = ctx.table.adopt(l, ip, port, si);
    if (!s) {
      (srv as TcpServer).post("error", sockErr("no-link", "no provisioned link free for a client from " + ip + ":" + port));
      ctx.table.closeLink(l);
      return;
    }
    const sock = ctx.newSocket();
    sock.remoteAddress = ip;
    sock.remotePort = port;
    s.owner = sock;
    sock.bind(s);
    sock.state = "open";
    (srv as TcpServer).accepted++;
    (srv as TcpServer).post("connection", sock);
  }
}

/** The part: `parts: [server]`, then `modem.listen(port, onClient?, {allow?})`. */
export const server: Part = {
  name: "server",
  install: function (ctx: PartContext): void {
    const mgr = new Servers(ctx);
    ctx.modem.listen = function (port: number, onClient?: (s: Socket) => void, opts?: ListenOptions): Server {
      return mgr.listen(port, onClient, opts);
    };
  },
};
