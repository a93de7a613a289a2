// Fault injection: the failures of a real module and network, scriptable from tests (`sim.fault.*`) and from the CLI (`--faults`).
//
//   dropNetwork()            +CIPEVENT: NETWORK CLOSED UNEXPECTEDLY; every link and server gone
//                            (field-quirks: AT+NETOPEN? still says 1 until AT+NETCLOSE). In
//                            transparent data mode: CLOSED, command mode, the CIPEVENT eventGapMs later
//   pdnLoss(withEvent?)      +CGEV: NW PDN DEACT 1; sends then fail with +CIPERROR: 4 (and the
//                            CIPEVENT follows when withEvent). In data mode: CLOSED first, as above
//   remoteClose(link)        the peer closes: +IPCLOSE: <link>,1 (transparent: CLOSED)
//   reboot()                 module restarts now: sockets gone, banner after bootMs, echo on
//   powerCut()               module off (needs PWRKEY again)
//   hangNextCommand(n=1)     the next n commands are echoed but never answered
//   hang(on=true)            the module freezes: no echo, no answer, no URC; its timers wait
//                            (a power cycle ends it; hang(false) resumes them)
//   at(point, action, prefix?)  a reboot, freeze or power cut at a precise point of the next
//                            command (starting with prefix): "echo" (its echo sent, nothing else),
//                            "prompt" (its CIPSEND prompt sent, no payload yet), "ok" (its final
//                            result sent — OK, ERROR, +CME ERROR or CONNECT — and nothing after it:
//                            for NETOPEN/CIPOPEN/CIPSEND/CIPCLOSE that is before the async result)
//   losePrompt(n=1)          the next n CIPSEND prompts are lost on the wire; the module still
//                            waits for the payload
//   slowNext(ms, n=1)        the next n commands answer ms after they start; later ones queue
//   slowMatching(prefix, ms) every command starting with prefix answers ms late (0 ends it)
//   slowOff()                every command at the normal latency again
//   lieRxLength(delta)       the next AT+CIPRXGET=2 header announces <real + delta> bytes; the
//                            real bytes, rest count and OK follow as usual
//   pushFrom(bytes, ip, port) a direct push from an address no link has
//   corruptDns(how)          the next AT+CDNSGIP address carries a control byte, a flipped bit,
//                            or any text
//   garbage(bytes|count)     noise bytes on the modem → host line now (a count = random bytes)
//   simNotReady(state)       "absent" | "busy" | "pin" | "failure"; false = ready again (+CPIN: READY)
//   registration(status)     "home" | "roaming" | "searching" | "denied" | "unknown" | "none" | <n>
//   netopenFails(n=1)        the next n AT+NETOPEN end with +NETOPEN: 1
//   dnsFails(on=true)        names do not resolve: +CDNSGIP: 0,10 ERROR, +CIPOPEN: <l>,11
//   sendTimeout(link, ms?)   the next CIPSEND on link: OK, then after ms (default the CIPTIMEOUT
//                            send value) +CIPSEND: <l>,<n>,0 and +IPCLOSE: <l>,2
//   urc(text)                any unsolicited line (+CGEV: …, RING, +CMTI: …)
//   sendBufferFull(link, ms) the link's send buffer stays full for ms: CIPSEND confirms 0 bytes
//   uart("slow"|"bursty"|n)  chunking of the modem → host line: 1 byte, random 1..4096, or n
// A peer that stops reading is a property of the test peer (tools/sim/peers.ts), not of the module.
import type { A76xxSim, CommandPoint, PointAction, SimState } from "./modem";

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  readonly random: () => number;

  constructor(private sim: A76xxSim, seed: number) {
    this.random = prng(seed);
  }

  dropNetwork(): void {
    this.sim.dropNetworkNow();
  }

  pdnLoss(withEvent = false): void {
    this.sim.pdnLossNow(withEvent);
  }

  remoteClose(link: number): boolean {
    return this.sim.remoteCloseNow(link);
  }

  reboot(): void {
    this.sim.reboot();
  }

  powerCut(): void {
    this.sim.powerDown();
  }

  hangNextCommand(n = 1): void {
    this.sim.hangNext += n;
  }

  hang(on = true): void {
    if (on) this.sim.hung = true;
    else this.sim.unfreeze();
  }

  /**
   * Strike the next command whose line starts with `prefix` (case-insensitive; "" = the next
   * command) at `point`: "echo" — right after its echo (or its arrival, echo off), before it runs;
   * "prompt" — right after its CIPSEND prompt, before the payload; "ok" — right after its final
   * result (OK, ERROR, +CME ERROR, CONNECT), so whatever was to follow (the async +NETOPEN,
   * +CIPOPEN, +CIPSEND, +CIPCLOSE) never comes. Several traps may be armed; each strikes once.
   */
  at(point: CommandPoint, action: PointAction, prefix = ""): void {
    if (point !== "echo" && point !== "prompt" && point !== "ok") throw new Error("unknown point " + point + " (echo, prompt, ok)");
    this.sim.traps.push({ point, action, prefix: prefix.toUpperCase() });
  }

  /** The next n CIPSEND prompts never reach the host; the module still waits for each payload. */
  losePrompt(n = 1): void {
    this.sim.losePrompts += n;
  }

  /**
   * The next n commands answer `ms` after they start instead of the normal latency. The module
   * still runs one command at a time: commands sent meanwhile are echoed and wait their turn.
   */
  slowNext(ms: number, n = 1): void {
    if (n > 0) this.sim.slowRules.push({ ms, prefix: "", left: n });
  }

  /** Every command starting with `prefix` (case-insensitive) answers `ms` late; ms 0 removes the rule. */
  slowMatching(prefix: string, ms: number): void {
    const p = prefix.toUpperCase();
    this.sim.slowRules = this.sim.slowRules.filter((r) => r.prefix !== p || r.left !== Infinity);
    if (ms > 0) this.sim.slowRules.push({ ms, prefix: p, left: Infinity });
  }

  /** Every command answers at the normal latency again. */
  slowOff(): void {
    this.sim.slowRules = [];
  }

  /**
   * The next AT+CIPRXGET=2 answer announces `real + delta` bytes (delta > 0: more than follow;
   * < 0: fewer) while the real bytes, the true rest count and OK follow as usual.
   */
  lieRxLength(delta: number): void {
    this.sim.rxLengthLies.push(delta);
  }

  /**
   * Direct-push data from a sender no link has: `+RECV FROM:<ip>:<port>`, `+IPD<n>`, the bytes
   * (as AT+CIPSRIP/AT+CIPHEAD say). False when it could not be sent (data mode, off, frozen).
   */
  pushFrom(bytes = "GET /evil", ip = "203.0.113.66", port = 40000): boolean {
    return this.sim.pushFromNow(bytes, ip, port);
  }

  /**
   * The next AT+CDNSGIP answer is damaged inside its address: "control" puts a control byte
   * (`byteOrBit`, default 0x01) in place of the first character of the third field
   * (`10.0.\x01.1`), "bit" flips bit `byteOrBit` (default 7) of that character, and any other
   * string is sent as the address itself.
   */
  corruptDns(how: "control" | "bit" | string = "control", byteOrBit?: number): void {
    if (how === "control") this.sim.dnsCorruptions.push({ kind: "control", byte: byteOrBit !== undefined ? byteOrBit : 1 });
    else if (how === "bit") this.sim.dnsCorruptions.push({ kind: "bit", bit: byteOrBit !== undefined ? byteOrBit : 7 });
    else this.sim.dnsCorruptions.push({ kind: "address", text: how });
  }

  garbage(bytes?: string | number): string {
    let g: string;
    if (typeof bytes === "string") g = bytes;
    else {
      const n = bytes === undefined ? 16 : bytes;
      g = "";
      for (let i = 0; i < n; i++) g += String.fromCharCode(Math.floor(this.random() * 256));
    }
    this.sim.write(g);
    return g;
  }

  simNotReady(state: SimState | false): void {
    const s = this.sim;
    if (state === false || state === "ready") {
      const was = s.sim.fault;
      s.sim.fault = undefined;
      s.sim.bootReady = true;
      if (was && s.booted) s.urc("+CPIN: READY");
      return;
    }
    s.sim.fault = state;
  }

  registration(status: "home" | "roaming" | "searching" | "denied" | "unknown" | "none" | number): void {
    this.sim.setRegistration(status);
  }

  netopenFails(n = 1): void {
    this.sim.netopenFailures += n;
  }

  dnsFails(on = true): void {
    this.sim.dnsBroken = on;
  }

  sendTimeout(link: number, ms?: number): void {
    const l = this.sim.links[link];
    if (l) l.failNextSend = true;
    if (ms !== undefined) this.sim.sendTimeoutMs = ms;
  }

  urc(text: string): void {
    this.sim.urc(text);
  }

  /**
   * The link's send buffer in the module stays full for `ms` (a peer that stopped reading, without
   * waiting for the kernel's socket buffers to fill): AT+CIPSEND confirms 0 bytes meanwhile.
   */
  sendBufferFull(link: number, ms: number): void {
    const l = this.sim.links[link];
    if (l) l.sendBusyUntil = this.sim.clock.now() + ms;
  }

  /** Chunking of modem → host bytes; false when the simulator was attached without its line. */
  uart(mode: "slow" | "bursty" | number): boolean {
    if (mode === "slow") return this.sim.setChunking(1);
    if (mode === "bursty") return this.sim.setChunking(() => 1 + Math.floor(this.random() * 4096));
    return this.sim.setChunking(mode);
  }
}

/** One item of a fault list: `name[:arg][@ms]`. */
export interface FaultItem {
  name: string;
  arg?: string;
  atMs?: number;
}

/** The names `--faults` (and the CLI console) accept, with what they do. */
export const FAULT_NAMES: { [name: string]: string } = {
  "drop-network": "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY, every link gone",
  "pdn-loss": "pdn-loss[:event] — +CGEV: NW PDN DEACT 1, sends fail with +CIPERROR: 4 (:event adds the CIPEVENT)",
  "remote-close": "remote-close:<link> — the peer closes the link",
  reboot: "the module reboots (banner after boot time)",
  "power-cut": "the module switches off",
  "hang-next": "hang-next[:n] — the next n commands never answer",
  hang: "the module freezes until unhang or a reboot",
  unhang: "ends a hang",
  garbage: "garbage[:n] — n random bytes to the host (default 16)",
  "sim-absent": "AT+CPIN? → SIM not inserted; TCP/IP commands ERROR",
  "sim-busy": "AT+CPIN? → SIM busy",
  "sim-pin": "AT+CPIN? → +CPIN: SIM PIN",
  "sim-failure": "AT+CPIN? → SIM failure",
  "sim-ready": "SIM ready again (+CPIN: READY)",
  searching: "registration 2 (NETOPEN fails, CSQ 99,99)",
  denied: "registration 3",
  roaming: "registration 5",
  home: "registration 1",
  "netopen-fail": "netopen-fail[:n] — the next n NETOPEN give +NETOPEN: 1",
  "dns-fail": "names do not resolve (dns-ok ends it)",
  "dns-ok": "names resolve again",
  "send-timeout": "send-timeout:<link>[:ms] — the next send on link times out",
  "slow-uart": "1-byte chunks towards the host",
  "bursty-uart": "random 1..4096-byte chunks towards the host",
  chunk: "chunk:<n> — n-byte chunks towards the host",
  urc: "urc:<text> — any unsolicited line (write a comma in it as \\,)",
  "send-buffer-full": "send-buffer-full:<link>:<ms> — CIPSEND on link confirms 0 bytes for ms",
  "reboot-at": "reboot-at:<echo|prompt|ok>[:<prefix>] — reboot at that point of the next (matching) command",
  "hang-at": "hang-at:<echo|prompt|ok>[:<prefix>] — freeze at that point of the next (matching) command",
  "power-cut-at": "power-cut-at:<echo|prompt|ok>[:<prefix>] — power cut at that point of the next (matching) command",
  "lose-prompt": "lose-prompt[:n] — the next n CIPSEND prompts are lost; the module waits for the payload",
  "slow-next": "slow-next:<ms>[:n] — the next n commands answer ms late, in order",
  slow: "slow:<ms>:<prefix> — every command starting with prefix answers ms late (slow-off ends it)",
  "slow-off": "every command at the normal latency again",
  "rx-length-lie": "rx-length-lie:<delta> — the next AT+CIPRXGET=2 announces <real+delta> bytes",
  "push-from": "push-from[:<ip>:<port>[:<text>]] — a direct push from an unknown sender (default GET /evil)",
  "dns-corrupt": "dns-corrupt[:control|bit|<address>] — the next AT+CDNSGIP address is damaged",
};

/**
 * The help of the simulator's console: one line per fault, its form (with arguments) in a column as
 * wide as the longest form, two spaces, then what it does; then the console's own commands.
 */
export function faultHelp(): string[] {
  const rows: Array<[string, string]> = Object.keys(FAULT_NAMES).map((name) => {
    const text = FAULT_NAMES[name];
    // Entries with arguments read "<name>:<args> — what it does".
    const dash = text.indexOf(" — ");
    return text.indexOf(name) === 0 && dash > 0 ? [text.slice(0, dash), text.slice(dash + 3)] : [name, text];
  });
  rows.push(["state", "links, servers and counters"], ["help", "this list"]);
  const width = rows.reduce((w, r) => Math.max(w, r[0].length), 0);
  return rows.map((r) => "  " + r[0].padEnd(width) + "  " + r[1]);
}

/** Parse "reboot@30000,sim-busy,netopen-fail:2" into items (`\,` is a comma inside an item); throws on unknown names. */
export function parseFaults(list: string): FaultItem[] {
  const out: FaultItem[] = [];
  for (const raw of list.split(/(?<!\\),/)) {
    const item = raw.trim().replace(/\\,/g, ",");
    if (!item) continue;
    let body = item;
    let atMs: number | undefined = undefined;
    const at = item.lastIndexOf("@");
    if (at > 0 && /^\d+(\.\d+)?$/.test(item.substr(at + 1))) {
      atMs = parseFloat(item.substr(at + 1));
      body = item.substr(0, at);
    }
    const colon = body.indexOf(":");
    const name = colon < 0 ? body : body.substr(0, colon);
    const arg = colon < 0 ? undefined : body.substr(colon + 1);
    if (!FAULT_NAMES[name]) throw new Error("unknown fault '" + name + "'; known: " + Object.keys(FAULT_NAMES).join(", "));
    const f: FaultItem = { name, arg, atMs };
    checkArgs(f);
    out.push(f);
  }
  return out;
}

/** Refuse, at parse time, arguments the fault could not apply (a timed item must not fail later). */
function checkArgs(item: FaultItem): void {
  const a = item.arg || "";
  const parts = a.split(":");
  switch (item.name) {
    case "reboot-at":
    case "hang-at":
    case "power-cut-at":
      if (parts[0] !== "echo" && parts[0] !== "prompt" && parts[0] !== "ok")
        throw new Error("fault '" + item.name + "': the point is echo, prompt or ok, not '" + parts[0] + "'");
      return;
    case "slow-next":
      num(parts[0], item);
      if (parts.length > 1) num(parts[1], item);
      return;
    case "slow":
      num(parts[0], item);
      return;
    case "rx-length-lie":
      num(a, item);
      return;
    case "push-from":
      if (a !== "") num(parts[1] || "", item);
      return;
  }
}

/** Apply one parsed fault to a simulator now. */
export function applyFault(f: Faults, item: FaultItem): void {
  const n = (d: number) => (item.arg !== undefined && item.arg !== "" ? parseInt(item.arg, 10) : d);
  switch (item.name) {
    case "drop-network": return f.dropNetwork();
    case "pdn-loss": return f.pdnLoss(item.arg === "event");
    case "remote-close": f.remoteClose(n(0)); return;
    case "reboot": return f.reboot();
    case "power-cut": return f.powerCut();
    case "hang-next": return f.hangNextCommand(n(1));
    case "hang": return f.hang(true);
    case "unhang": return f.hang(false);
    case "garbage": f.garbage(n(16)); return;
    case "sim-absent": return f.simNotReady("absent");
    case "sim-busy": return f.simNotReady("busy");
    case "sim-pin": return f.simNotReady("pin");
    case "sim-failure": return f.simNotReady("failure");
    case "sim-ready": return f.simNotReady(false);
    case "searching": case "denied": case "roaming": case "home": return f.registration(item.name);
    case "netopen-fail": return f.netopenFails(n(1));
    case "dns-fail": return f.dnsFails(true);
    case "dns-ok": return f.dnsFails(false);
    case "send-timeout": {
      const parts = (item.arg || "0").split(":");
      return f.sendTimeout(parseInt(parts[0], 10), parts[1] !== undefined ? parseInt(parts[1], 10) : undefined);
    }
    case "slow-uart": f.uart("slow"); return;
    case "bursty-uart": f.uart("bursty"); return;
    case "chunk": f.uart(n(64)); return;
    case "urc": return f.urc(item.arg || "");
    case "send-buffer-full": {
      const parts = (item.arg || "0:1000").split(":");
      return f.sendBufferFull(parseInt(parts[0], 10), parts[1] !== undefined ? parseInt(parts[1], 10) : 1000);
    }
    case "reboot-at":
    case "hang-at":
    case "power-cut-at": {
      const arg = item.arg || "";
      const colon = arg.indexOf(":");
      const point = (colon < 0 ? arg : arg.substr(0, colon)) as CommandPoint;
      const prefix = colon < 0 ? "" : arg.substr(colon + 1);
      const action: PointAction = item.name === "reboot-at" ? "reboot" : item.name === "hang-at" ? "hang" : "power-cut";
      return f.at(point, action, prefix);
    }
    case "lose-prompt": return f.losePrompt(n(1));
    case "slow-next": {
      const parts = (item.arg || "").split(":");
      return f.slowNext(num(parts[0], item), parts[1] !== undefined ? num(parts[1], item) : 1);
    }
    case "slow": {
      const arg = item.arg || "";
      const colon = arg.indexOf(":");
      return f.slowMatching(colon < 0 ? "" : arg.substr(colon + 1), num(colon < 0 ? arg : arg.substr(0, colon), item));
    }
    case "slow-off": return f.slowOff();
    case "rx-length-lie": return f.lieRxLength(num(item.arg || "", item));
    case "push-from": {
      const parts = (item.arg || "").split(":");
      if (parts.length < 2) {
        f.pushFrom();
        return;
      }
      f.pushFrom(parts.length > 2 ? parts.slice(2).join(":") : undefined, parts[0], num(parts[1], item));
      return;
    }
    case "dns-corrupt": return f.corruptDns(item.arg || "control");
    default:
      throw new Error("fault '" + item.name + "' is listed but not applied");
  }
}

/** A number argument of a fault item; throws with the item's text when it is not one. */
function num(s: string, item: FaultItem): number {
  const v = Number(s);
  if (s === "" || !isFinite(v)) throw new Error("fault '" + item.name + "': '" + s + "' is not a number");
  return v;
}
