// Fault injection: the failures of a real module and network, scriptable from tests (`sim.fault.*`) and from the CLI (`--faults`).
//
//   dropNetwork()            +CIPEVENT: NETWORK CLOSED UNEXPECTEDLY; every link and server gone
//                            (field-quirks: AT+NETOPEN? still says 1 until AT+NETCLOSE)
//   pdnLoss(withEvent?)      +CGEV: NW PDN DEACT 1; sends then fail with +CIPERROR: 4 (and the
//                            CIPEVENT follows when withEvent)
//   remoteClose(link)        the peer closes: +IPCLOSE: <link>,1 (transparent: CLOSED)
//   reboot()                 module restarts now: sockets gone, banner after bootMs
//   powerCut()               module off (needs PWRKEY again)
//   hangNextCommand(n=1)     the next n commands are echoed but never answered
//   hang(on=true)            the module freezes: no echo, no answer, no URC (a power cycle or
//                            hang(false) ends it)
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
import type { A76xxSim, SimState } from "./modem";

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
    const s = this.sim;
    s.urc("+CGEV: NW PDN DEACT 1");
    if (s.netOpen) s.netBroken = true;
    if (withEvent) s.dropNetworkNow();
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
    const s = this.sim;
    s.hung = on;
    if (!on) s.commandDone();
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
  "pdn-loss": "+CGEV: NW PDN DEACT 1, sends fail with +CIPERROR: 4",
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
    out.push({ name, arg, atMs });
  }
  return out;
}

/** Apply one parsed fault to a simulator now. */
export function applyFault(f: Faults, item: FaultItem): void {
  const n = (d: number) => (item.arg !== undefined && item.arg !== "" ? parseInt(item.arg, 10) : d);
  switch (item.name) {
    case "drop-network": return f.dropNetwork();
    case "pdn-loss": return f.pdnLoss();
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
  }
}
