// TCP servers: AT+SERVERSTART/SERVERSTOP on slots 0–3, `+CLIENT` hand-over of accepted links, per-server allowlists.
//
// A `+CLIENT: <l>,<s>,<ip>:<port>` makes link l an open TCP link owned by nobody yet; the server's
// owner gets it (ServerOwner.client) from the event queue and returns the LinkOwner for it. A client
// whose ip is not on the server's allowlist is closed at once with AT+CIPCLOSE and counted
// (server.rejected, stats.rejectedClients); the application never sees it. Accepted links stay
// open when their server stops.
import { checkHost, checkPort } from "../core/validate";
import { serverStop } from "../at/command";
import { AtError } from "../at/errors";
import { CloseReason, fromModem, SocketError, socketError } from "./errors";
import { EV_CLIENT, EV_LISTENING, EV_REJECTED, EV_SERVER_CLOSE, EV_SERVER_ERROR } from "./events";
import { LinkOwner, L_CLOSED, L_FREE, L_OPEN, splitRemote } from "./link";
import type { SocketTable } from "./table";

export const S_FREE = 0;
export const S_STARTING = 1;
export const S_LISTENING = 2;
export const S_STOPPING = 3;
/** Stopped; the owner's close event is queued. */
export const S_CLOSED = 4;

export const SERVER_STATE_NAMES = ["free", "starting", "listening", "stopping", "closed"];

/** What a server's owner hears (from Scheduler tasks, in order). */
export interface ServerOwner {
  listening(): void;
  /** A client was accepted on link `link`: return the owner of its socket (undefined = close it). */
  client(link: number, ip: string, port: number): LinkOwner | undefined;
  error(e: SocketError): void;
  /** A client from `ip:port` was not on the allowlist and was closed at once. */
  rejectedClient(ip: string, port: number): void;
  /** Told exactly once. */
  closed(reason: CloseReason): void;
}

const MAX_ALLOW = 16;

export class ServerSlot {
  readonly index: number;
  state = S_FREE;
  gen = 0;
  port = 0;
  owner: ServerOwner | undefined = undefined;
  /** Admitted remote IPs; empty = everyone. Fixed capacity (16). */
  allow: string[] = [];
  startSent = false;
  stopSent = false;
  /** close() arrived while AT+SERVERSTART was in flight. */
  stopWanted = false;
  /** The module said the slot was already listening once: it was stopped and started again. */
  restarted = false;
  accepted = 0;
  rejected = 0;

  constructor(index: number) {
    this.index = index;
  }

  reset(): void {
    this.state = S_FREE;
    this.gen++;
    this.port = 0;
    this.owner = undefined;
    this.allow = [];
    this.startSent = false;
    this.stopSent = false;
    this.stopWanted = false;
    this.restarted = false;
    this.accepted = 0;
    this.rejected = 0;
  }

  admits(ip: string): boolean {
    if (this.allow.length === 0) return true;
    for (let i = 0; i < this.allow.length; i++) if (this.allow[i] === ip) return true;
    return false;
  }
}

/** `+IP ERROR: Server is already listening` (20) or the async `<err>` 7 "TCP server already listening". */
function alreadyListening(e: AtError): boolean {
  return (e.kind === "ip" && e.code === 20) || (e.kind === "async" && e.code === 7) || e.text.indexOf("already listening") >= 0;
}

export class Servers {
  private t: SocketTable;
  private scratch: string[] = [""];

  constructor(table: SocketTable) {
    this.t = table;
  }

  listen(port: number, owner: ServerOwner, allow: string[] | undefined): number | SocketError {
    const t = this.t;
    const bad = checkPort(port, false);
    if (bad) return socketError("invalid", bad);
    if (allow !== undefined) {
      if (!(allow instanceof Array) || allow.length > MAX_ALLOW) return socketError("invalid", "allow must be an array of at most " + MAX_ALLOW + " IP addresses");
      for (let i = 0; i < allow.length; i++) {
        const b = checkHost(allow[i]);
        if (b) return socketError("invalid", "allow[" + i + "]: " + b);
      }
    }
    if (!t.online) return socketError("offline", "the modem is not online");
    let idx = -1;
    const last = t.transparentMode() ? 1 : t.servers.length;
    for (let i = 0; i < t.servers.length; i++) {
      const s = t.servers[i];
      if (s.state !== S_FREE && s.state !== S_CLOSED && s.port === port) return socketError("invalid", "port " + port + " is already used by server " + i);
    }
    for (let i = 0; i < last; i++) {
      if (t.servers[i].state === S_FREE) {
        idx = i;
        break;
      }
    }
    if (idx < 0) return socketError("no-server", t.transparentMode() ? "transparent mode has one server (server 0) and it is in use" : "all 4 servers are in use");
    const s = t.servers[idx];
    s.state = S_STARTING;
    s.port = port;
    s.owner = owner;
    s.allow = allow ? allow.slice() : [];
    t.schedulePump();
    return idx;
  }

  close(index: number, owner: ServerOwner): void {
    const s = this.t.servers[index];
    if (!s || s.owner !== owner) return;
    if (s.state === S_STARTING) {
      if (!s.startSent) this.finish(s, "local");
      else s.stopWanted = true;
      return;
    }
    if (s.state === S_LISTENING) {
      s.state = S_STOPPING;
      s.stopSent = false;
      this.t.schedulePump();
    }
  }

  /** Start or stop server `s` when due; true when a command went out. */
  work(s: ServerSlot): boolean {
    const t = this.t;
    const self = this;
    const gen = s.gen;
    if (s.state === S_STARTING && !s.startSent) {
      s.startSent = true;
      const ok = t.run({ request: "AT+SERVERSTART=" + s.port + "," + s.index, timeoutMs: 10000 }, undefined, (r) => {
        if (s.gen !== gen || s.state !== S_STARTING) return;
        if (r.error && !s.restarted && alreadyListening(r.error)) {
          // The module still listens on this slot (an earlier SERVERSTOP went unanswered): stop it, start again.
          s.restarted = true;
          const sent = t.run(serverStop(s.index), undefined, () => {
            if (s.gen !== gen || s.state !== S_STARTING) return;
            s.startSent = false;
            t.schedulePump();
          });
          if (!sent) {
            // The engine refused (queue full): try the whole start again later.
            s.restarted = false;
            s.startSent = false;
          }
          return;
        }
        if (r.error) {
          t.post(EV_SERVER_ERROR, s.index, s.gen, fromModem(r.error, "AT+SERVERSTART failed"));
          self.finish(s, "error");
          return;
        }
        if (s.stopWanted) {
          s.state = S_STOPPING;
          s.stopSent = false;
          return;
        }
        s.state = S_LISTENING;
        t.post(EV_LISTENING, s.index, s.gen, undefined);
      });
      if (!ok) s.startSent = false;
      return ok;
    }
    if (s.state === S_STOPPING && !s.stopSent) {
      s.stopSent = true;
      const ok = t.run(serverStop(s.index), undefined, () => {
        if (s.gen === gen) self.finish(s, "local");
      });
      if (!ok) s.stopSent = false;
      return ok;
    }
    return false;
  }

  /** `+CLIENT: <link>,<server>,<ip>:<port>`. */
  onClient(line: string): void {
    const t = this.t;
    const body = line.substr(8).trim();
    const c1 = body.indexOf(",");
    const c2 = body.indexOf(",", c1 + 1);
    if (c1 < 0 || c2 < 0) return;
    const l = parseInt(body.substr(0, c1), 10);
    const si = parseInt(body.substr(c1 + 1, c2 - c1 - 1), 10);
    const port = splitRemote(body.substr(c2 + 1), this.scratch);
    const ip = this.scratch[0];
    if (!(l >= 0 && l < t.links.length) || !(si >= 0 && si < t.servers.length)) return;
    let link = t.links[l];
    if (link.state === L_CLOSED) t.events.drain(); // its close event is queued: settle it before reuse
    if (link.state !== L_FREE) {
      // The module reused a link we still thought busy: that socket is gone.
      t.finish(link, "lost");
      t.events.drain();
    }
    link = t.links[l];
    t.orphan[l] = false;
    // Transparent mode: CONNECT (data mode) follows this URC; no command may go out before it.
    if (t.transparentMode() && l === 0) t.transparent.expectConnect();
    const s = t.servers[si];
    if ((s.state !== S_LISTENING && s.state !== S_STARTING) || !s.admits(ip)) {
      if (s.state === S_LISTENING) {
        s.rejected++;
        t.post(EV_REJECTED, si, s.gen, [ip, port]);
      }
      t.stats.rejectedClients++;
      t.orphan[l] = true; // closed at once by the command slot
      t.schedulePump();
      return;
    }
    s.accepted++;
    link.state = L_OPEN;
    link.proto = "TCP";
    link.ip = ip;
    link.host = ip;
    link.port = port < 0 ? 0 : port;
    link.localPort = s.port;
    link.server = si;
    link.owner = undefined;
    t.post(EV_CLIENT, si, s.gen, [l, link.gen]);
  }

  /** A server slot is done: its owner hears `reason` once. */
  finish(s: ServerSlot, reason: CloseReason): void {
    if (s.state === S_FREE || s.state === S_CLOSED) return;
    s.state = S_CLOSED;
    this.t.post(EV_SERVER_CLOSE, s.index, s.gen, reason);
  }

  dispatch(type: number, target: number, gen: number, arg: unknown): void {
    const t = this.t;
    const s = t.servers[target];
    if (s.gen !== gen) {
      if (type === EV_CLIENT) this.unclaimed(arg as number[]);
      return;
    }
    const owner = s.owner;
    try {
      if (type === EV_LISTENING) {
        if (owner) owner.listening();
      } else if (type === EV_SERVER_ERROR) {
        if (owner) owner.error(arg as SocketError);
      } else if (type === EV_REJECTED) {
        const r = arg as Array<string | number>;
        if (owner) owner.rejectedClient(r[0] as string, r[1] as number);
      } else if (type === EV_SERVER_CLOSE) {
        s.reset();
        if (owner) owner.closed(arg as CloseReason);
      } else if (type === EV_CLIENT) {
        const a = arg as number[];
        const link = t.links[a[0]];
        if (link.gen !== a[1]) return;
        const lo = owner ? owner.client(a[0], link.ip, link.port) : undefined;
        if (lo && link.gen === a[1]) {
          link.owner = lo;
          if (link.ring.length > 0) t.notifyReadable(link);
        } else if (link.gen === a[1]) {
          t.startClose(link, "rejected");
        }
      }
    } catch (e) {
      t.stats.callbackErrors++;
    }
  }

  /** A client arrived for a server that closed meanwhile: close the link. */
  private unclaimed(a: number[]): void {
    const link = this.t.links[a[0]];
    if (link.gen === a[1] && link.state === L_OPEN && !link.owner) this.t.startClose(link, "rejected");
  }
}
