// The AT command table: parses a command line and answers it, byte for byte as in the protocol doc (sections 2–6, 9).
//
// Each handler writes its whole answer through the modem's output helpers and returns nothing, or
// returns "async" when the answer (or the command's end) comes later — a CIPSEND prompt waiting for
// its payload, a transparent CIPOPEN waiting for CONNECT, a SERVERSTART waiting for the listener.
// Sync failures of the TCP/IP commands answer `+IP ERROR: <info>` then `ERROR` (table of section 6,
// numeric when AT+CIPCCFG's errMode is 0); syntax and range errors answer a bare `ERROR`; the
// field-quirks profile gives section 9's idempotence answers instead.
import type { A76xxSim, DnsCorruption } from "./modem";
import { Cme, Err, IpErr } from "./errors";
import { Link } from "./links";

export interface Arg {
  text: string;
  quoted: boolean;
}

export interface Cmd {
  /** Upper-case name: "" for a bare AT, "E", "&D", "O" for basic commands, "+CIPOPEN" for extended ones. */
  name: string;
  kind: "exec" | "set" | "read" | "test";
  args: Arg[];
  /** The value of a basic command ("0" in ATE0), or "". */
  value: string;
  line: string;
}

export type HandlerResult = void | "async";
type Handler = (m: A76xxSim, c: Cmd) => HandlerResult;

/** Split "1,\"TCP\",\"a,b\",5" into fields; spaces outside quotes are dropped, empty fields kept. */
export function splitArgs(s: string): Arg[] {
  const out: Arg[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && s[i] === " ") i++;
    let text = "";
    let quoted = false;
    if (s[i] === '"') {
      quoted = true;
      const end = s.indexOf('"', i + 1);
      text = end < 0 ? s.substr(i + 1) : s.substring(i + 1, end);
      i = end < 0 ? s.length : end + 1;
      while (i < s.length && s[i] !== ",") i++;
    } else {
      const end = s.indexOf(",", i);
      text = (end < 0 ? s.substr(i) : s.substring(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    out.push({ text, quoted });
    if (i >= s.length) break;
    i++; // the comma
  }
  return out;
}

/** Parse one command line ("AT…"); undefined when it is not a single well-formed command. */
export function parseCommand(line: string): Cmd | undefined {
  const body = line.substr(2);
  if (body === "") return { name: "", kind: "exec", args: [], value: "", line };
  const basic = /^(&[A-Za-z]|[A-Za-z])(\d*)$/.exec(body);
  if (basic) return { name: basic[1].toUpperCase(), kind: "exec", args: [], value: basic[2], line };
  const ext = /^([+*$^#][A-Za-z0-9_]+)(=\?|\?|=([\s\S]*))?$/.exec(body);
  if (!ext) return undefined;
  const name = ext[1].toUpperCase();
  if (ext[2] === "=?") return { name, kind: "test", args: [], value: "", line };
  if (ext[2] === "?") return { name, kind: "read", args: [], value: "", line };
  if (ext[2] !== undefined) return { name, kind: "set", args: splitArgs(ext[3] || ""), value: "", line };
  return { name, kind: "exec", args: [], value: "", line };
}

/** Integer field i within [min, max]; `dflt` when the field is absent or empty; NaN when invalid. */
function int(c: Cmd, i: number, min: number, max: number, dflt?: number): number {
  const a = c.args[i];
  if (!a || (a.text === "" && !a.quoted)) return dflt === undefined ? NaN : dflt;
  if (a.quoted || !/^-?\d+$/.test(a.text)) return NaN;
  const n = parseInt(a.text, 10);
  return n >= min && n <= max ? n : NaN;
}

function str(c: Cmd, i: number): string | undefined {
  const a = c.args[i];
  if (!a || (a.text === "" && !a.quoted)) return undefined;
  return a.text;
}

function flag(get: (m: A76xxSim) => number, set: (m: A76xxSim, v: number) => void, name: string, max = 1): Handler {
  return (m, c) => {
    if (c.kind === "read") return m.reply(name + ": " + get(m));
    if (c.kind === "test") return m.reply(name + ": (0-" + max + ")");
    if (c.kind === "set") {
      const v = int(c, 0, 0, max);
      if (isNaN(v) || c.args.length > 1) return m.error();
      set(m, v);
      return m.ok();
    }
    return m.error();
  };
}

/** TCP/IP commands fail with a bare ERROR when the SIM is not ready (section 2). */
function needSim(h: Handler): Handler {
  return (m, c) => {
    if (c.kind === "test") return m.ok();
    if (m.simState() !== "ready") return m.error();
    return h(m, c);
  };
}

const VALID_RATES = [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 3000000, 3200000, 3686400, 4000000];

function regHandler(which: "CREG" | "CGREG" | "CEREG"): Handler {
  return (m, c) => {
    if (c.kind === "read") return m.reply("+" + which + ": " + m.regN[which] + "," + m.regStat());
    if (c.kind === "test") return m.reply("+" + which + ": (0-2)");
    if (c.kind === "set") {
      const n = int(c, 0, 0, 2);
      if (isNaN(n)) return m.error();
      m.regN[which] = n;
      return m.ok();
    }
    return m.ok();
  };
}

function cipopen(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind === "read") {
    const lines: string[] = [];
    for (let i = 0; i < 10; i++) {
      const l = m.links[i];
      if (l && l.state === "open") {
        const ip = l.remoteIp || "0.0.0.0";
        const port = l.remoteIp ? l.remotePort : l.localPort;
        lines.push("+CIPOPEN: " + i + ',"' + l.proto + '","' + ip + '",' + port + "," + l.serverIndex);
      } else lines.push("+CIPOPEN: " + i);
    }
    return m.reply(lines);
  }
  if (c.kind !== "set") return m.error();
  const l = int(c, 0, 0, 9);
  const proto = (str(c, 1) || "").toUpperCase();
  if (isNaN(l) || (proto !== "TCP" && proto !== "UDP")) return m.error();
  if (!m.netOpen) return m.ipError(IpErr.NET_NOT_OPENED);
  const cur = m.links[l];
  if (cur && (cur.state !== "closed" || cur.lost)) return m.ipError(IpErr.CONNECTION_EXISTS);
  const transparent = m.netTransparent;
  if (transparent && l !== 0) return m.ipError(IpErr.NOT_SUPPORTED);
  if (proto === "TCP") {
    const host = str(c, 2);
    const port = int(c, 3, 1, 65535);
    if (host === undefined || isNaN(port)) return m.error();
    return m.openTcp(l, host, port, transparent);
  }
  const host = str(c, 2);
  const port = int(c, 3, 1, 65535, 0);
  const local = int(c, 4, 1, 65535);
  if (isNaN(local) || isNaN(port) || (transparent && (host === undefined || !port)) || ((host === undefined) !== (port === 0))) return m.error();
  return m.openUdp(l, local, host, port, transparent);
}

function cipsend(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind !== "set") return m.error();
  const l = int(c, 0, 0, 9);
  if (isNaN(l)) return m.error();
  const lenArg = str(c, 1);
  let len: number | undefined = undefined;
  if (lenArg !== undefined) {
    len = int(c, 1, 1, 1500);
    if (isNaN(len)) return m.error();
  }
  const host = str(c, 2);
  const port = int(c, 3, 1, 65535, 0);
  if (isNaN(port)) return m.error();
  if (!m.netOpen) return m.ipError(IpErr.NET_NOT_OPENED);
  if (m.netBroken) return m.raw(m.line("+CIPERROR: " + Err.NOT_SUPPORTED) + m.errorText());
  const link = m.links[l];
  if (!link || link.state !== "open") return m.ipError(IpErr.CONNECTION_NOT_CREATED);
  if (link.transparent) return m.ipError(IpErr.NOT_SUPPORTED);
  if (link.serverIndex >= 0 && len === undefined) return m.error(); // accepted links: fixed length only
  let ip: string | undefined = undefined;
  if (link.proto === "UDP") {
    if (host !== undefined) {
      ip = m.resolve(host);
      if (!ip || !port) return m.error();
    } else if (!link.remoteIp) return m.error();
  } else if (host !== undefined) return m.error();
  return m.startSend(link, len, ip, port || undefined);
}

function ciprxget(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind === "read") return m.reply("+CIPRXGET: " + m.rxMode);
  if (c.kind === "test") return m.reply("+CIPRXGET: (0-4),(0-9),(1-1500)");
  if (c.kind !== "set") return m.error();
  const mode = int(c, 0, 0, 4);
  if (isNaN(mode)) return m.error();
  if (mode <= 1) {
    if (c.args.length > 1) return m.error();
    m.rxMode = mode;
    return m.ok();
  }
  if (m.simState() !== "ready") return m.error();
  const l = int(c, 1, 0, 9);
  if (isNaN(l)) return m.error();
  const maxLen = mode === 3 ? 750 : 1500;
  const len = mode === 4 ? undefined : int(c, 2, 1, maxLen, -1);
  if (len !== undefined && isNaN(len)) return m.error();
  if (mode === 4 && c.args.length > 2) return m.error();
  const link = m.links[l];
  const open = !!link && link.state === "open";
  const held = link ? link.buffered() : 0;
  // Section 9: asking for more than is held (nothing held included), or querying a link the module
  // has dropped, freezes a real A76XX until a power cycle. A link the peer closed while data was
  // still held is not dropped yet: what it holds (what was announced) can be read, exactly.
  const readable = open || (!!link && link.peerClosed && !link.lost && held > 0);
  if (m.quirks && (!readable || (len !== undefined && len > 0 && len > held))) return m.freeze();
  if (mode === 4) {
    if (!open && held === 0) return m.ipError(IpErr.NO_DATA);
    let out = "";
    if (m.quirks && held > 0) out += m.line("+CIPRXGET: 1," + l);
    return m.raw(out + m.line("+CIPRXGET: 4," + l + "," + held) + m.okText());
  }
  if (!link || held === 0) return m.ipError(IpErr.NO_DATA);
  const n = Math.min(held, len !== undefined && len > 0 ? len : maxLen);
  const data = link.read(n);
  const rest = link.buffered();
  const body = mode === 2 ? data : Buffer.from(data, "latin1").toString("hex").toUpperCase();
  // Fault: the header announces a length other than what follows (the bytes and rest are true).
  const shown = mode === 2 && m.rxLengthLies.length ? Math.max(0, n + m.rxLengthLies.shift()!) : n;
  return m.raw(m.line("+CIPRXGET: " + mode + "," + l + "," + shown + "," + rest) + body + m.okText());
}

function cipclose(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind === "read") {
    const f: number[] = [];
    for (let i = 0; i < 10; i++) f.push(m.links[i] && (m.links[i]!.state === "open" || m.links[i]!.lost) ? 1 : 0);
    return m.reply("+CIPCLOSE: " + f.join(","));
  }
  if (c.kind !== "set") return m.error();
  const l = int(c, 0, 0, 9);
  if (isNaN(l) || c.args.length > 1) return m.error();
  const link = m.links[l];
  if (link && link.lost) {
    // A link the network took: closing it frees its number.
    m.links[l] = undefined;
    return m.raw(m.okText() + m.line("+CIPCLOSE: " + l + "," + Err.OK));
  }
  if (!link || link.state === "closed") {
    if (m.quirks) return m.raw(m.line("+CIPCLOSE: " + l + "," + Err.NOT_SUPPORTED) + m.errorText());
    return m.ipError(IpErr.CONNECTION_NOT_CREATED);
  }
  m.closeLink(link);
  return;
}

function serverstart(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind === "read") {
    const lines: string[] = [];
    for (let i = 0; i < 4; i++) {
      const s = m.servers[i];
      if (s && s.listening) lines.push("+SERVERSTART: " + s.port + "," + i);
    }
    return m.reply(lines);
  }
  if (c.kind !== "set") return m.error();
  const port = int(c, 0, 1, 65535);
  const idx = int(c, 1, 0, 3);
  const backlog = int(c, 2, 1, 3, 3);
  if (isNaN(port) || isNaN(idx) || isNaN(backlog)) return m.error();
  if (!m.netOpen) return m.ipError(IpErr.NET_NOT_OPENED);
  const s = m.servers[idx];
  if (s && s.listening) return m.ipError(IpErr.SERVER_LISTENING);
  return m.startServer(idx, port, backlog);
}

function serverstop(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind !== "set") return m.error();
  const idx = int(c, 0, 0, 3);
  if (isNaN(idx)) return m.error();
  const s = m.servers[idx];
  if (!s || !s.listening) return m.ipError(IpErr.OPERATION_FAILED);
  s.stop();
  m.servers[idx] = undefined;
  return m.raw(m.line("+SERVERSTOP: " + idx + "," + Err.OK) + m.okText());
}

function cipack(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind !== "set") return m.error();
  const l = int(c, 0, 0, 9);
  if (isNaN(l)) return m.error();
  const link: Link | undefined = m.links[l];
  if (!link || link.state !== "open") return m.ipError(IpErr.CONNECTION_NOT_CREATED);
  return m.reply("+CIPACK: " + link.bytesOut + "," + link.bytesAcked + "," + link.bytesIn);
}

/**
 * An address as a damaged line delivers it: "control" puts a control byte in place of the first
 * character of the third field ("10.0.\x01.1"), "bit" flips one bit of that character, "address"
 * replaces the whole address.
 */
export function corruptAddress(ip: string, c: DnsCorruption): string {
  if (c.kind === "address") return c.text;
  const dots = ip.split(".");
  const at = dots.length >= 3 ? dots[0].length + dots[1].length + 2 : 0;
  const old = ip.charCodeAt(at);
  const ch = c.kind === "control" ? c.byte : old ^ (1 << c.bit);
  return ip.substr(0, at) + String.fromCharCode(ch & 0xff) + ip.substr(at + 1);
}

function cdnsgip(m: A76xxSim, c: Cmd): HandlerResult {
  if (c.kind !== "set") return m.error();
  const name = str(c, 0);
  if (name === undefined) return m.error();
  if (!m.netOpen) return m.error();
  const ip = m.resolve(name);
  if (!ip) return m.raw(m.line("+CDNSGIP: 0,10") + m.errorText());
  const c2 = m.dnsCorruptions.shift();
  return m.reply("+CDNSGIP: 1,\"" + name + "\",\"" + (c2 ? corruptAddress(ip, c2) : ip) + "\"");
}

const TABLE: { [name: string]: Handler } = {
  "": (m) => m.ok(),
  E: (m, c) => {
    if (c.value !== "" && c.value !== "0" && c.value !== "1") return m.error();
    m.echo = c.value === "1";
    return m.ok();
  },
  V: (m, c) => (c.value === "1" || c.value === "" ? m.ok() : m.error()),
  Z: (m) => {
    m.echo = true;
    return m.ok();
  },
  "&F": (m) => m.ok(),
  "&W": (m) => m.ok(),
  "&D": (m, c) => {
    const v = c.value === "" ? 0 : parseInt(c.value, 10);
    if (v > 2) return m.error();
    m.dtrMode = v;
    return m.ok();
  },
  I: (m) => m.reply(["Manufacturer: SIMCOM INCORPORATED", "Model: A7670E-LASE (simulated)", "Revision: A7670M7_SIM", "IMEI: 860000000000001"]),
  O: (m) => m.resumeData(),
  "+CGMR": (m) => m.reply("+CGMR: A7670M7_SIM"),
  "+SIMCOMATI": (m) => m.reply(["Manufacturer: SIMCOM INCORPORATED", "Model: A7670E-LASE", "Revision: A7670M7_SIM", "QCN: ", "IMEI: 860000000000001"]),
  "+CMEE": flag((m) => m.cmee, (m, v) => (m.cmee = v), "+CMEE", 2),
  "+CSCLK": flag(() => 0, () => undefined, "+CSCLK", 2),
  "+CPIN": (m, c) => {
    const s = m.simState();
    if (c.kind === "test") return m.ok();
    if (c.kind === "set") {
      if (s !== "pin") return m.cme(Cme.NOT_ALLOWED);
      m.sim.fault = undefined;
      return m.ok();
    }
    if (s === "ready") return m.reply("+CPIN: READY");
    if (s === "pin") return m.reply("+CPIN: SIM PIN");
    if (s === "busy") return m.cme(Cme.SIM_BUSY);
    if (s === "absent") return m.cme(Cme.SIM_NOT_INSERTED);
    return m.cme(Cme.SIM_FAILURE);
  },
  "+CSQ": (m, c) => {
    if (c.kind === "test") return m.reply("+CSQ: (0-31,99),(0-7,99)");
    if (c.kind !== "exec") return m.error();
    const q = m.signal();
    return m.reply("+CSQ: " + q[0] + "," + q[1]);
  },
  "+CREG": regHandler("CREG"),
  "+CGREG": regHandler("CGREG"),
  "+CEREG": regHandler("CEREG"),
  "+CGDCONT": (m, c) => {
    if (c.kind === "read") {
      const lines: string[] = [];
      const ids = Object.keys(m.contexts).map(Number).sort((a, b) => a - b);
      for (const id of ids) lines.push("+CGDCONT: " + id + ',"' + m.contexts[id].type + '","' + m.contexts[id].apn + '","0.0.0.0",0,0');
      return m.reply(lines);
    }
    if (c.kind === "test") return m.reply('+CGDCONT: (1-15),"IP",,,(0-2),(0-4)');
    if (c.kind !== "set") return m.error();
    const id = int(c, 0, 1, 15);
    if (isNaN(id)) return m.error();
    if (c.args.length === 1) {
      delete m.contexts[id];
      return m.ok();
    }
    const type = (str(c, 1) || "IP").toUpperCase();
    if (type !== "IP" && type !== "IPV6" && type !== "IPV4V6") return m.error();
    m.contexts[id] = { type, apn: str(c, 2) || "" };
    return m.ok();
  },
  "+NETOPEN": needSim((m, c) => {
    if (c.kind === "read") return m.reply("+NETOPEN: " + (m.netOpen ? 1 : 0));
    if (c.kind !== "exec") return m.error();
    return m.netOpenCmd();
  }),
  "+NETCLOSE": needSim((m, c) => {
    if (c.kind !== "exec") return m.error();
    return m.netCloseCmd();
  }),
  "+IPADDR": needSim((m, c) => {
    if (c.kind !== "exec") return m.error();
    if (!m.netOpen) return m.raw(m.line("+IPADDR: Network not opened") + m.errorText());
    return m.reply("+IPADDR: " + m.opts.ipAddress);
  }),
  "+CIPOPEN": needSim(cipopen),
  "+CIPSEND": needSim(cipsend),
  "+CIPRXGET": ciprxget,
  "+CIPCLOSE": needSim(cipclose),
  "+CIPHEAD": flag((m) => m.cipHead, (m, v) => (m.cipHead = v), "+CIPHEAD"),
  "+CIPSRIP": flag((m) => m.cipSrip, (m, v) => (m.cipSrip = v), "+CIPSRIP"),
  "+CIPMODE": flag((m) => m.cipMode, (m, v) => (m.cipMode = v), "+CIPMODE"),
  "+CIPSENDMODE": flag((m) => m.sendMode, (m, v) => (m.sendMode = v), "+CIPSENDMODE"),
  "+CIPTIMEOUT": (m, c) => {
    if (c.kind === "read") return m.reply("+CIPTIMEOUT: " + m.timeouts.join(","));
    if (c.kind === "test") return m.ok();
    if (c.kind !== "set" || c.args.length > 3) return m.error();
    const t = m.timeouts.slice();
    for (let i = 0; i < c.args.length; i++) {
      const v = int(c, i, 1, 120000, t[i]);
      if (isNaN(v)) return m.error();
      t[i] = v;
    }
    m.timeouts = t;
    return m.ok();
  },
  "+CIPCCFG": (m, c) => {
    if (c.kind === "read") return m.reply("+CIPCCFG: " + m.ccfg.join(","));
    if (c.kind === "test") return m.ok();
    if (c.kind !== "set" || c.args.length > 7) return m.error();
    const f = m.ccfg.slice();
    for (let i = 0; i < c.args.length; i++) {
      const v = int(c, i, 0, 1000000, f[i]);
      if (isNaN(v)) return m.error();
      f[i] = v;
    }
    if (f[3] > 1) return m.error();
    m.ccfg = f;
    return m.ok();
  },
  "+SERVERSTART": needSim(serverstart),
  "+SERVERSTOP": needSim(serverstop),
  "+CIPACK": needSim(cipack),
  "+CDNSGIP": needSim(cdnsgip),
  "+CRESET": (m, c) => {
    if (c.kind !== "exec") return m.error();
    m.ok();
    m.afterOutput(() => m.reboot());
  },
  "+CPOF": (m, c) => {
    if (c.kind !== "exec") return m.error();
    m.ok();
    m.afterOutput(() => m.powerDown());
  },
  "+IPR": (m, c) => {
    if (c.kind === "read") return m.reply("+IPR: " + m.baud());
    if (c.kind === "test") return m.reply("+IPR: (),(" + VALID_RATES.join(",") + ")");
    if (c.kind !== "set") return m.error();
    const rate = int(c, 0, 300, 4000000);
    if (isNaN(rate) || VALID_RATES.indexOf(rate) < 0) return m.error();
    m.ok();
    m.afterOutput(() => m.setBaud(rate));
  },
};

/** Run one command line; "async" when the handler finishes the command later. */
export function dispatch(m: A76xxSim, line: string): HandlerResult {
  const c = parseCommand(line);
  if (!c) return m.error();
  const h = TABLE[c.name];
  if (!h) return m.error();
  return h(m, c);
}
