// The simulated A76XX module: power and boot, command execution, output framing, links and servers, URCs (see index.ts for the public API).
import * as net from "net";
import { Clock } from "../../firmware/core/hal";
import { ModemEnd } from "../../hal/host/sim-uart";
import { SimOutputPin } from "../../hal/host/sim-pins";
import { PacedLine } from "../../hal/host/paced-line";
import { CommandReader } from "./at-parser";
import { bootSteps, Profile, pwrkeyAction } from "./boot";
import { dispatch, HandlerResult } from "./commands";
import { cmeFinal, Err, ipErrorInfo } from "./errors";
import { Faults } from "./faults";
import { Link, LinkEvents, SimServer } from "./links";

/** Field-quirks profile: the largest CIPSEND it accepts (section 9: some firmware fails above ~1400–1460). */
const QUIRK_MAX_SEND = 1460;

/**
 * Marks the end of a command's final result line (OK, ERROR, +CME ERROR, CONNECT) inside a string
 * on its way to write(). A character above 0xFF can never be part of the 8-bit data the module
 * sends, so it cannot be confused with payload; write() removes it, and splits there when a
 * fault waits for the moment right after the final result (Faults.at(..., "ok")).
 */
const FINAL = "\uE000";

/** The points of a command where Faults.at() can strike. */
export type CommandPoint = "echo" | "prompt" | "ok";
/** What strikes there: a reboot, a freeze, a power cut, or any function of the test. */
export type PointAction = "reboot" | "hang" | "power-cut" | (() => void);

interface PointTrap {
  point: CommandPoint;
  action: PointAction;
  /** Upper-case prefix the command line must start with ("" = the next command). */
  prefix: string;
}

interface SlowRule {
  ms: number;
  /** Upper-case prefix ("" = any command). */
  prefix: string;
  /** Commands left to slow down (Infinity for a standing rule). */
  left: number;
}

/** How the next AT+CDNSGIP answer is corrupted on the wire. */
export type DnsCorruption = { kind: "control"; byte: number } | { kind: "bit"; bit: number } | { kind: "address"; text: string };

export interface SimOptions {
  /** Time source for every modem timing: a VirtualClock in tests, a SystemClock on the PTY. */
  clock: Clock;
  /** "clean" (the vendor note) or "field-quirks" (section 9). Default "clean". */
  profile?: Profile;
  /** Power-on (or reset) to ready, ms. Default 3000. */
  bootMs?: number;
  /** Delay between a command's <CR> and its answer, ms. Default 2. */
  commandLatencyMs?: number;
  /** Shortest PWRKEY press that powers the module on, ms. Default 50 (A7670). */
  pwrkeyPressMs?: number;
  /** PWRKEY press that powers a running module off, ms. Default 2500. */
  pwrkeyOffMs?: number;
  /** Start on and ready, without a PWRKEY press and without a banner. Default false. */
  startPoweredOn?: boolean;
  /** Echo at power-up. Default true (as a real module). */
  echo?: boolean;
  /** Per-link receive buffer in the modem, bytes. Default 16384. */
  rxBufferBytes?: number;
  /** Extra DNS names → IPv4 (localhost always resolves to 127.0.0.1). */
  dns?: { [name: string]: string };
  /** Module port → port on this machine, for AT+SERVERSTART and UDP local ports (0 = any free port). */
  portMap?: { [port: number]: number };
  /**
   * Where a module port that portMap does not name is bound on this machine: "free" (default) any free
   * port, read back with serverPort(i) / link(i).hostLocalPort, so no test depends on a fixed host port;
   * "same" the module's own port number (the command line's default: a person connects to it by number).
   */
  hostPorts?: "free" | "same";
  /** Address servers and UDP sockets bind to. Default "127.0.0.1". */
  bindAddress?: string;
  /** The module's own address (AT+IPADDR). Default "10.148.0.17". */
  ipAddress?: string;
  /** AT+CSQ answer when registered. Default [23, 99]. */
  csq?: [number, number];
  /** AT+NETOPEN to +NETOPEN, ms. Default 100. */
  netopenMs?: number;
  /** "+++" guard silence, ms. Default 1000. */
  guardMs?: number;
  /** Seed of the fault generator's randomness (garbage, bursty UART). Default 1. */
  seed?: number;
  /**
   * When a transparent link dies with the network (drop, PDN loss) in data mode: ms between the
   * `CLOSED` that ends data mode and the URC that follows it. Default 20.
   */
  eventGapMs?: number;
}

export interface ResolvedOptions {
  profile: Profile;
  bootMs: number;
  commandLatencyMs: number;
  pwrkeyPressMs: number;
  pwrkeyOffMs: number;
  startPoweredOn: boolean;
  echo: boolean;
  rxBufferBytes: number;
  dns: { [name: string]: string };
  portMap: { [port: number]: number };
  hostPorts: "free" | "same";
  bindAddress: string;
  ipAddress: string;
  csq: [number, number];
  netopenMs: number;
  guardMs: number;
  seed: number;
  eventGapMs: number;
}

export interface SimPins {
  pwrkey?: SimOutputPin;
  dtr?: SimOutputPin;
  reset?: SimOutputPin;
  powerEnable?: SimOutputPin;
}

export interface AttachOptions {
  /** The paced line carrying modem → host bytes (hal.wire.toHost), so faults can change its chunking. */
  toHost?: PacedLine;
}

/** A link as tests see it. */
export interface LinkInfo {
  index: number;
  state: "closed" | "opening" | "open";
  proto: "TCP" | "UDP" | "";
  remoteIp: string;
  remotePort: number;
  /** Module-side local port (UDP) and the real port on this machine. */
  localPort: number;
  hostLocalPort: number;
  serverIndex: number;
  transparent: boolean;
  bufferMode: boolean;
  /** Bytes from the peer into the modem; bytes to the peer; bytes the kernel took. */
  bytesIn: number;
  bytesOut: number;
  bytesAcked: number;
  /** Bytes waiting in the modem's buffer; bytes the socket delivered beyond it. */
  buffered: number;
  parked: number;
  /** The TCP socket is paused (modem buffer full: the peer sees backpressure). */
  paused: boolean;
}

export type SimState = "ready" | "busy" | "absent" | "pin" | "failure";

const REG_STAT: { [k: string]: number } = { none: 0, home: 1, searching: 2, denied: 3, unknown: 4, roaming: 5 };

function isIpv4(s: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s);
}

export class A76xxSim {
  readonly clock: Clock;
  readonly opts: ResolvedOptions;
  readonly fault: Faults;
  readonly quirks: boolean;

  // ---- power ----
  /** Supplied and switched on (booting or running). */
  powered = false;
  /** Booted far enough to accept commands. */
  booted = false;
  /** Frozen: no echo, no answers, no URCs (fault, or field-quirks over-read). */
  hung = false;
  /** Power-on count (sockets of an earlier life are ignored). */
  generation = 0;

  // ---- settings (reset at power-up) ----
  echo = true;
  cmee = 0;
  cipHead = 1;
  cipSrip = 1;
  rxMode = 0;
  cipMode = 0;
  sendMode = 0;
  dtrMode = 0;
  timeouts = [120000, 120000, 120000];
  ccfg = [10, 0, 0, 1, 1, 0, 500];
  regN: { [k: string]: number } = { CREG: 0, CGREG: 0, CEREG: 0 };
  contexts: { [id: number]: { type: string; apn: string } } = {};

  // ---- SIM / network conditions ----
  sim: { bootReady: boolean; fault: SimState | undefined } = { bootReady: false, fault: undefined };
  reg: { bootRegistered: boolean; fault: number | undefined } = { bootRegistered: false, fault: undefined };
  netopenFailures = 0;
  dnsBroken = false;
  hangNext = 0;
  /** CIPSEND prompts still to lose on the wire (fault). */
  losePrompts = 0;
  /** Commands answered late (fault): see Faults.slowNext / slowMatching. */
  slowRules: SlowRule[] = [];
  /** Length errors for the next AT+CIPRXGET=2 answers: announced = real + delta (fault). */
  rxLengthLies: number[] = [];
  /** Corruptions for the next AT+CDNSGIP answers (fault). */
  dnsCorruptions: DnsCorruption[] = [];
  /** Reboots, freezes and power cuts waiting for a point of a command (fault). */
  traps: PointTrap[] = [];

  // ---- TCP/IP ----
  netOpen = false;
  netOpening = false;
  /** CIPMODE=1 when the network was opened. */
  netTransparent = false;
  /** Field quirk after a PDN loss: sends fail with +CIPERROR: 4. */
  netBroken = false;
  links: Array<Link | undefined> = [];
  servers: Array<SimServer | undefined> = [];
  dataMode = false;
  sendTimeoutMs: number | undefined = undefined;

  private end: ModemEnd | undefined;
  private toHost: PacedLine | undefined;
  private closed = false;
  private timers = new Set<unknown>();
  private reader: CommandReader;
  private queue: string[] = [];
  private busy = false;
  private pendingSend: { link: Link; len: number | undefined; ip?: string; port?: number } | undefined;
  private openWaiters: Array<{ transparent: boolean; okLater: boolean } | undefined> = [];
  private outBusyUntil = 0;
  private okCount = 0;
  private pushCount = 0;
  /** CIPSENDs answered (the field-quirks profile varies its answers with it). */
  private sendCount = 0;
  private netopenRepeat = 0;
  private pwrkeyDownAt: number | undefined;
  private resetHeld = false;
  private dtrLevel: boolean | undefined;
  private pins: SimPins = {};
  private allSockets = new Set<net.Socket>();
  /** The command line being executed (from its start to commandDone), upper case. */
  private currentLine: string | undefined;
  /** Nothing more leaves the module until the reboot or power cut a trap scheduled. */
  private muted = false;
  /** Timers that fell due while the module was frozen, in order. */
  private frozenTimers: Array<() => void> = [];

  constructor(options: SimOptions) {
    this.clock = options.clock;
    const o = options;
    this.opts = {
      profile: o.profile || "clean",
      bootMs: o.bootMs !== undefined ? o.bootMs : 3000,
      commandLatencyMs: o.commandLatencyMs !== undefined ? o.commandLatencyMs : 2,
      pwrkeyPressMs: o.pwrkeyPressMs !== undefined ? o.pwrkeyPressMs : 50,
      pwrkeyOffMs: o.pwrkeyOffMs !== undefined ? o.pwrkeyOffMs : 2500,
      startPoweredOn: !!o.startPoweredOn,
      echo: o.echo !== undefined ? o.echo : true,
      rxBufferBytes: o.rxBufferBytes || 16384,
      dns: o.dns || {},
      portMap: o.portMap || {},
      hostPorts: o.hostPorts === "same" ? "same" : "free",
      bindAddress: o.bindAddress || "127.0.0.1",
      ipAddress: o.ipAddress || "10.148.0.17",
      csq: o.csq || [23, 99],
      netopenMs: o.netopenMs !== undefined ? o.netopenMs : 100,
      guardMs: o.guardMs !== undefined ? o.guardMs : 1000,
      seed: o.seed !== undefined ? o.seed : 1,
      eventGapMs: o.eventGapMs !== undefined ? o.eventGapMs : 20,
    };
    this.quirks = this.opts.profile === "field-quirks";
    this.fault = new Faults(this, this.opts.seed);
    this.reader = new CommandReader(
      { now: () => this.clock.now(), after: (ms, fn) => this.after(ms, fn), cancel: (h) => this.cancel(h) },
      {
        echo: (b) => {
          if (this.echo) this.write(b);
        },
        line: (t) => this.onLine(t),
        payload: (d) => this.onPayload(d),
        cancel: () => this.onCancel(),
        data: (d) => this.onDataModeBytes(d),
        escape: () => this.onEscape(),
      },
      { guardMs: this.opts.guardMs },
    );
    if (this.opts.startPoweredOn) {
      this.powered = true;
      this.booted = true;
      this.sim.bootReady = true;
      this.reg.bootRegistered = true;
      this.resetSettings();
    }
  }

  // =================================================================== attach, power, queries

  /** Connect to the modem end of a wire (createTestHal().wire.modem, or the PTY bridge) and optionally to the board's pins. */
  attach(end: ModemEnd, pins?: SimPins, options?: AttachOptions): void {
    this.end = end;
    this.toHost = options && options.toHost;
    this.pins = pins || {};
    end.onData((chunk, at) => this.onUart(chunk, at));
    const p = this.pins;
    if (p.pwrkey) {
      p.pwrkey.onChange((active, at) => {
        if (this.closed) return;
        if (active) {
          this.pwrkeyDownAt = at;
          return;
        }
        if (this.pwrkeyDownAt === undefined) return;
        const held = at - this.pwrkeyDownAt;
        this.pwrkeyDownAt = undefined;
        if (p.powerEnable && p.powerEnable.level === false) return; // no supply
        if (this.resetHeld) return;
        const act = pwrkeyAction(this.powered, held, {
          onMs: this.opts.pwrkeyPressMs,
          offMs: this.opts.pwrkeyOffMs,
          pulseTurnsOff: this.quirks,
        });
        if (act === "on") this.powerOn();
        else if (act === "off") this.powerDown();
      });
    }
    if (p.reset) {
      p.reset.onChange((active) => {
        if (this.closed) return;
        if (active && !this.resetHeld) {
          this.resetHeld = true;
          if (this.powered) {
            this.powerDown();
            this.powered = true; // still supplied and on: boots when released
          }
        } else if (!active && this.resetHeld) {
          this.resetHeld = false;
          if (this.powered) {
            this.powered = false;
            this.powerOn();
          }
        }
      });
    }
    if (p.powerEnable) {
      p.powerEnable.onChange((active) => {
        if (!active && this.powered && !this.closed) this.powerDown();
      });
    }
    if (p.dtr) {
      p.dtr.onChange((active) => {
        const was = this.dtrLevel;
        this.dtrLevel = active;
        if (was === true && !active && this.dtrMode >= 1 && this.dataMode && !this.hung) {
          this.leaveDataMode();
          this.write(this.okText());
        }
      });
    }
  }

  /** Switch on (as a PWRKEY press would): boot, banner after bootMs. No-op when already on. */
  powerOn(): void {
    if (this.powered || this.closed) return;
    this.powerDownState();
    this.powered = true;
    this.booted = false;
    this.sim.bootReady = false;
    this.reg.bootRegistered = false;
    this.resetSettings();
    const gen = this.generation;
    const steps = bootSteps(this.opts.profile, this.opts.bootMs);
    for (const s of steps) {
      this.after(s.at, () => {
        if (gen !== this.generation) return;
        if (s.ready) this.booted = true;
        if (s.simReady) this.sim.bootReady = true;
        if (s.registered) this.reg.bootRegistered = true;
        if (s.text) this.urc(s.text);
      });
    }
  }

  /** Switch off at once (power cut, PWRKEY off press, AT+CPOF): every socket is gone. */
  powerDown(): void {
    this.powerDownState();
    this.powered = false;
    this.booted = false;
  }

  /** Reboot (AT+CRESET, fault): sockets gone, banner again after bootMs. */
  reboot(): void {
    if (this.closed) return;
    this.powerDown();
    this.powerOn();
  }

  private powerDownState(): void {
    this.generation++;
    for (const h of this.timers) this.clock.clearTimeout(h);
    this.timers.clear();
    for (let i = 0; i < 10; i++) {
      const l = this.links[i];
      if (l) l.destroy();
    }
    this.links = [];
    for (let i = 0; i < 4; i++) {
      const s = this.servers[i];
      if (s) s.stop();
    }
    this.servers = [];
    this.openWaiters = [];
    this.reader.reset();
    this.queue = [];
    this.busy = false;
    this.pendingSend = undefined;
    this.currentLine = undefined;
    this.muted = false;
    this.hung = false;
    this.frozenTimers = [];
    this.hangNext = 0;
    this.netOpen = false;
    this.netOpening = false;
    this.netTransparent = false;
    this.netBroken = false;
    this.dataMode = false;
  }

  private resetSettings(): void {
    this.echo = this.opts.echo;
    this.cmee = 0;
    this.cipHead = 1;
    this.cipSrip = 1;
    this.rxMode = 0;
    this.cipMode = 0;
    this.sendMode = 0;
    this.dtrMode = 0;
    this.timeouts = [120000, 120000, 120000];
    this.ccfg = [10, 0, 0, 1, 1, 0, 500];
    this.regN = { CREG: 0, CGREG: 0, CEREG: 0 };
    this.contexts = { 1: { type: "IP", apn: "" } };
    this.okCount = 0;
    this.pushCount = 0;
    this.netopenRepeat = 0;
  }

  /** Destroy every real socket and server, cancel every timer. Call in afterEach. */
  close(): void {
    if (this.closed) return;
    this.powerDownState();
    for (const s of this.allSockets) s.destroy();
    this.allSockets.clear();
    this.closed = true;
    this.powered = false;
    this.booted = false;
  }

  /** A link's state and counters (index 0–9). */
  link(i: number): LinkInfo {
    const l = this.links[i];
    if (!l)
      return {
        index: i, state: "closed", proto: "", remoteIp: "", remotePort: 0, localPort: 0, hostLocalPort: 0, serverIndex: -1,
        transparent: false, bufferMode: false, bytesIn: 0, bytesOut: 0, bytesAcked: 0, buffered: 0, parked: 0, paused: false,
      };
    return {
      index: i, state: l.state, proto: l.proto, remoteIp: l.remoteIp, remotePort: l.remotePort, localPort: l.localPort,
      hostLocalPort: l.hostLocalPort, serverIndex: l.serverIndex, transparent: l.transparent, bufferMode: l.bufferMode,
      bytesIn: l.bytesIn, bytesOut: l.bytesOut, bytesAcked: l.bytesAcked, buffered: l.buffered(), parked: l.parked(), paused: l.paused,
    };
  }

  /** The port a simulated server really listens on (undefined when not listening). */
  serverPort(index: number): number | undefined {
    const s = this.servers[index];
    return s && s.listening ? s.hostPort : undefined;
  }

  /** Current UART rate of the modem end. */
  baud(): number {
    return this.end ? this.end.getBaud() : 115200;
  }

  // =================================================================== timers and output

  /**
   * A modem timer on the clock; cancelled on power loss and close(). While the module is frozen a
   * due timer waits: it runs when the freeze ends (Faults.hang(false)) and is dropped by a power cycle.
   */
  after(ms: number, fn: () => void): unknown {
    const h: unknown = this.clock.setTimeout(() => {
      this.timers.delete(h);
      if (this.closed) return;
      if (this.hung) this.frozenTimers.push(fn);
      else fn();
    }, ms > 0 ? ms : 0);
    this.timers.add(h);
    return h;
  }

  cancel(h: unknown): void {
    if (this.timers.delete(h)) this.clock.clearTimeout(h);
  }

  /** Raw bytes to the host (dropped while off or frozen). */
  write(s: string): void {
    if (s.indexOf(FINAL) >= 0) {
      const cut = s.indexOf(FINAL);
      const trap = this.currentLine !== undefined && this.powered && !this.hung && !this.muted ? this.takeTrap("ok", this.currentLine) : undefined;
      if (trap) {
        // The final result leaves the module; whatever was to follow it never does.
        this.writeBytes(s.substr(0, cut));
        if (this.strike(trap)) this.writeBytes(s.substr(cut + 1).split(FINAL).join(""));
        return;
      }
      s = s.split(FINAL).join("");
    }
    this.writeBytes(s);
  }

  private writeBytes(s: string): void {
    if (!this.end || !this.powered || this.hung || this.muted || this.closed || !s.length) return;
    const now = this.clock.now();
    const start = this.outBusyUntil > now ? this.outBusyUntil : now;
    this.outBusyUntil = start + (s.length * 10000) / this.baud();
    this.end.write(s);
  }

  /** Run `fn` once everything written so far has left the UART (AT+IPR, AT+CRESET). */
  afterOutput(fn: () => void): void {
    const wait = this.outBusyUntil - this.clock.now();
    this.after((wait > 0 ? wait : 0) + 0.01, fn);
  }

  setBaud(rate: number): void {
    if (this.end) this.end.setBaud(rate);
  }

  /** Set the chunking of the modem → host line (when attached with `toHost`). */
  setChunking(chunk: number | ((waiting: number) => number)): boolean {
    if (!this.toHost) return false;
    this.toHost.chunk = chunk;
    return true;
  }

  line(text: string): string {
    return "\r\n" + text + "\r\n";
  }

  okText(): string {
    this.okCount++;
    return (this.quirks && this.okCount % 3 === 0 ? "\r\n\r\nOK\r\n" : "\r\nOK\r\n") + FINAL;
  }

  errorText(): string {
    return "\r\nERROR\r\n" + FINAL;
  }

  /** A final result line other than OK/ERROR (CONNECT, +CME ERROR): marked for Faults.at(..., "ok"). */
  finalLine(text: string): string {
    return this.line(text) + FINAL;
  }

  raw(s: string): void {
    this.write(s);
  }

  ok(): void {
    this.write(this.okText());
  }

  error(): void {
    this.write(this.errorText());
  }

  /** Information line(s) then OK. */
  reply(lines: string | string[]): void {
    const ls = typeof lines === "string" ? [lines] : lines;
    this.write((ls.length ? "\r\n" + ls.join("\r\n") + "\r\n" : "") + this.okText());
  }

  /** `+IP ERROR: <info>` then ERROR. */
  ipError(n: number): void {
    this.write(this.line("+IP ERROR: " + ipErrorInfo(n, this.ccfg[3])) + this.errorText());
  }

  /** A generic failure: ERROR or +CME ERROR per AT+CMEE. */
  cme(code: number): void {
    this.write(this.finalLine(cmeFinal(code, this.cmee)));
  }

  /** An unsolicited line (dropped in data mode). */
  urc(text: string): void {
    if (this.dataMode) return;
    this.write(this.line(text));
  }

  /** Field quirk: the module stops answering until a power cycle. */
  freeze(): HandlerResult {
    this.hung = true;
    return "async";
  }

  /** End a freeze (a test's hang(false)): what fell due meanwhile runs now, then the next command. */
  unfreeze(): void {
    if (!this.hung) return;
    this.hung = false;
    const due = this.frozenTimers;
    this.frozenTimers = [];
    for (const fn of due) if (!this.hung && !this.closed) fn();
    this.commandDone();
  }

  // =================================================================== conditions

  simState(): SimState {
    if (this.sim.fault) return this.sim.fault;
    return this.sim.bootReady ? "ready" : "busy";
  }

  regStat(): number {
    if (this.reg.fault !== undefined) return this.reg.fault;
    return this.reg.bootRegistered ? 1 : 2;
  }

  setRegistration(stat: string | number): void {
    const n = typeof stat === "number" ? stat : REG_STAT[stat];
    if (n === undefined) throw new Error("unknown registration status " + stat);
    this.reg.fault = n;
    for (const k of ["CREG", "CGREG", "CEREG"]) if (this.regN[k] >= 1 && this.booted) this.urc("+" + k + ": " + n);
  }

  signal(): [number, number] {
    const s = this.regStat();
    if (s === 0 || s === 2 || s === 4) return [99, 99];
    return [this.opts.csq[0], this.opts.csq[1]];
  }

  /** Name → IPv4 through the DNS table (localhost built in); undefined when it fails. */
  resolve(name: string): string | undefined {
    if (isIpv4(name)) return name;
    if (this.dnsBroken) return undefined;
    const n = name.toLowerCase();
    if (this.opts.dns[n]) return this.opts.dns[n];
    if (this.opts.dns[name]) return this.opts.dns[name];
    if (n === "localhost") return "127.0.0.1";
    return undefined;
  }

  private hostPortFor(port: number): number {
    const m = this.opts.portMap[port];
    if (m !== undefined) return m;
    return this.opts.hostPorts === "same" ? port : 0;
  }

  // =================================================================== UART input and command execution

  private onUart(chunk: string, at: number): void {
    if (this.closed || !this.powered || !this.booted || this.hung) return;
    this.reader.feed(chunk, at, 10000 / this.baud());
  }

  private onLine(text: string): void {
    if (this.hung || this.muted) return;
    // Its echo (when echo is on) has just been written: a trap for "echo" strikes now.
    const trap = this.takeTrap("echo", text.toUpperCase());
    if (trap && !this.strike(trap)) return;
    this.queue.push(text);
    this.nextCommand();
  }

  /**
   * Start the next queued command. One runs at a time: it answers commandLatencyMs after it
   * starts (or later, under a slow-command fault), and the lines behind it wait their turn.
   */
  private nextCommand(): void {
    if (this.busy || this.hung || this.muted || !this.queue.length) return;
    this.busy = true;
    const line = this.queue.shift()!;
    const gen = this.generation;
    this.after(this.commandDelay(line.toUpperCase()), () => {
      if (gen !== this.generation) return;
      this.currentLine = line.toUpperCase();
      if (this.hangNext > 0) {
        this.hangNext--;
        this.commandDone();
        return;
      }
      const r = dispatch(this, line);
      if (r !== "async") this.commandDone();
    });
  }

  /** The running command has finished: take the next queued line. */
  commandDone(): void {
    this.busy = false;
    this.currentLine = undefined;
    if (!this.hung) this.nextCommand();
  }

  /** How long after its start the command answers: the latency, or the first slow rule it matches. */
  private commandDelay(upper: string): number {
    for (let i = 0; i < this.slowRules.length; i++) {
      const r = this.slowRules[i];
      if (upper.indexOf(r.prefix) !== 0) continue;
      r.left--;
      if (r.left <= 0) this.slowRules.splice(i, 1);
      return r.ms;
    }
    return this.opts.commandLatencyMs;
  }

  /** The first trap armed for `point` whose prefix the command line (upper case) starts with; removed. */
  private takeTrap(point: CommandPoint, upper: string): PointTrap | undefined {
    for (let i = 0; i < this.traps.length; i++) {
      const t = this.traps[i];
      if (t.point === point && upper.indexOf(t.prefix) === 0) {
        this.traps.splice(i, 1);
        return t;
      }
    }
    return undefined;
  }

  /**
   * Carry out a trap's action; true when the module carries on as if nothing happened (a function
   * of the test). A freeze is immediate. A reboot or power cut silences the module at once and
   * happens on a zero-delay timer, so the handler that is running cannot leave timers or state
   * behind in the new life.
   */
  private strike(trap: PointTrap): boolean {
    const a = trap.action;
    if (typeof a === "function") {
      a();
      return true;
    }
    if (a === "hang") {
      this.hung = true;
      return false;
    }
    this.muted = true;
    this.after(0, () => {
      if (a === "reboot") this.reboot();
      else this.powerDown();
    });
    return false;
  }

  // =================================================================== NETOPEN / NETCLOSE

  netOpenCmd(): HandlerResult {
    if (this.netOpen || this.netOpening) {
      if (this.quirks && this.netopenRepeat++ % 2 === 1) return this.error();
      return this.ipError(4);
    }
    this.netOpening = true;
    this.ok();
    const gen = this.generation;
    this.after(this.opts.netopenMs, () => {
      if (gen !== this.generation) return;
      this.netOpening = false;
      const stat = this.regStat();
      if (this.netopenFailures > 0 || (stat !== 1 && stat !== 5)) {
        if (this.netopenFailures > 0) this.netopenFailures--;
        this.urc("+NETOPEN: " + Err.NETWORK_FAILURE);
        return;
      }
      this.netOpen = true;
      this.netBroken = false;
      this.netTransparent = this.cipMode === 1;
      this.urc("+NETOPEN: 0");
    });
  }

  netCloseCmd(): HandlerResult {
    if (!this.netOpen) {
      if (this.quirks) return this.raw(this.line("+NETCLOSE: " + Err.NET_NOT_OPENED) + this.errorText());
      return this.ipError(5);
    }
    this.closeAllNetwork(false);
    this.ok();
    this.after(20, () => this.urc("+NETCLOSE: 0"));
  }

  /** Close every link and server; `abrupt` destroys sockets instead of closing them gracefully. */
  closeAllNetwork(abrupt: boolean): void {
    for (let i = 0; i < 10; i++) {
      const l = this.links[i];
      if (!l) continue;
      if (abrupt) l.destroy();
      else l.close();
      this.links[i] = undefined;
      this.openWaiters[i] = undefined;
    }
    for (let i = 0; i < 4; i++) {
      const s = this.servers[i];
      if (s) s.stop();
      this.servers[i] = undefined;
    }
    this.netOpen = false;
    this.netOpening = false;
    this.netBroken = false;
  }

  // =================================================================== links

  private linkEvents: LinkEvents = {
    opened: (link) => this.onLinkOpened(link),
    openFailed: (link, err) => this.onLinkOpenFailed(link, err),
    data: (link, bytes, ip, port) => this.push(link, bytes, ip, port),
    buffered: (link, first) => {
      if (link.transparent) return;
      if (first || this.quirks) this.urc("+CIPRXGET: 1," + link.index);
    },
    closed: (link, byRemote) => this.onLinkClosed(link, byRemote),
  };

  private newLink(l: number, proto: "TCP" | "UDP", transparent: boolean): Link {
    const link = new Link(l, proto, this.opts.rxBufferBytes, this.linkEvents);
    link.transparent = transparent;
    link.bufferMode = !transparent && this.rxMode === 1;
    link.hold = link.bufferMode || transparent;
    this.links[l] = link;
    return link;
  }

  openTcp(l: number, host: string, port: number, transparent: boolean): HandlerResult {
    const link = this.newLink(l, "TCP", transparent);
    this.openWaiters[l] = { transparent, okLater: false };
    const ip = this.resolve(host);
    if (!ip) {
      link.state = "closed";
      if (transparent) return this.raw(this.line("+CIPOPEN: " + l + "," + Err.DNS_FAILED) + this.errorText());
      this.ok();
      this.after(1, () => this.urc("+CIPOPEN: " + l + "," + Err.DNS_FAILED));
      return;
    }
    link.remoteIp = ip;
    link.remotePort = port;
    if (this.netBroken) {
      link.state = "closed";
      if (transparent) return this.raw(this.line("+CIPOPEN: " + l + "," + Err.NETWORK_FAILURE) + this.errorText());
      this.ok();
      this.after(1, () => this.urc("+CIPOPEN: " + l + "," + Err.NETWORK_FAILURE));
      return;
    }
    link.connectTcp(ip, port);
    if (link.tcp) this.track(link.tcp);
    const gen = this.generation;
    this.after(this.timeouts[1], () => {
      if (gen !== this.generation || link.state !== "opening") return;
      link.destroy();
      this.onLinkOpenFailed(link, Err.TIMEOUT);
    });
    if (transparent) return "async";
    this.ok();
  }

  openUdp(l: number, localPort: number, host: string | undefined, port: number, transparent: boolean): HandlerResult {
    let ip: string | undefined = undefined;
    if (host !== undefined) {
      ip = this.resolve(host);
      if (!ip) {
        if (transparent) return this.raw(this.line("+CIPOPEN: " + l + "," + Err.DNS_FAILED) + this.errorText());
        this.ok();
        this.after(1, () => this.urc("+CIPOPEN: " + l + "," + Err.DNS_FAILED));
        return;
      }
    }
    const link = this.newLink(l, "UDP", transparent);
    const okLater = this.quirks && !transparent;
    this.openWaiters[l] = { transparent, okLater };
    link.openUdp(this.opts.bindAddress, this.hostPortFor(localPort), localPort, ip, port);
    if (transparent || okLater) return "async";
    this.ok();
  }

  private onLinkOpened(link: Link): void {
    if (this.links[link.index] !== link) return;
    const w = this.openWaiters[link.index];
    this.openWaiters[link.index] = undefined;
    if (w && w.transparent) {
      this.write(this.finalLine("CONNECT " + this.baud()));
      if (this.hung || this.muted) return;
      this.enterDataMode();
      this.commandDone();
      return;
    }
    this.urc("+CIPOPEN: " + link.index + "," + Err.OK);
    if (w && w.okLater) {
      this.ok();
      this.commandDone();
    }
  }

  private onLinkOpenFailed(link: Link, err: number): void {
    if (this.links[link.index] !== link) return;
    const w = this.openWaiters[link.index];
    this.openWaiters[link.index] = undefined;
    link.destroy();
    if (w && w.transparent) {
      this.write(this.line("+CIPOPEN: " + link.index + "," + err) + this.errorText());
      this.commandDone();
      return;
    }
    if (w && w.okLater) {
      this.write(this.line("+CIPOPEN: " + link.index + "," + err) + this.errorText());
      this.commandDone();
      return;
    }
    this.urc("+CIPOPEN: " + link.index + "," + err);
  }

  private onLinkClosed(link: Link, byRemote: boolean): void {
    if (this.links[link.index] !== link) return;
    if (byRemote) link.peerClosed = true;
    if (link.transparent) {
      if (this.dataMode) this.leaveDataMode();
      this.urc("CLOSED");
      return;
    }
    this.urc("+IPCLOSE: " + link.index + "," + (byRemote ? 1 : 0));
  }

  /** AT+CIPCLOSE on an open link. */
  closeLink(link: Link): void {
    link.close();
    const l = link.index;
    this.openWaiters[l] = undefined;
    const urc = this.line("+CIPCLOSE: " + l + "," + Err.OK);
    if (link.transparent) return this.raw(this.okText() + this.line("CLOSED") + urc);
    if (this.quirks) return this.raw(urc + this.okText());
    this.raw(this.okText() + urc);
  }

  /** Direct push (section 4) of bytes received on a link that does not hold them. */
  private push(link: Link, data: string, ip: string, port: number): void {
    if (link.transparent) {
      if (this.dataMode) this.write(data);
      return;
    }
    if (this.dataMode) return;
    for (let i = 0; i < data.length; i += 1500) {
      const piece = data.substr(i, 1500);
      this.write(this.pushHeader(link, piece.length, ip, port) + piece);
    }
  }

  private pushHeader(link: Link, n: number, ip: string, port: number): string {
    if (this.quirks && this.pushCount++ % 2 === 1) return "\r\n+RECEIVE," + link.index + "," + n + "\r\n";
    let h = "";
    if (this.cipSrip) h += "\r\n" + (this.quirks && link.proto === "UDP" ? "" : "+") + "RECV FROM:" + ip + ":" + port + "\r\n";
    if (this.cipHead) h += (this.cipSrip ? "" : "\r\n") + "+IPD" + n + "\r\n";
    return h;
  }

  // =================================================================== CIPSEND

  startSend(link: Link, len: number | undefined, ip?: string, port?: number): HandlerResult {
    this.pendingSend = { link, len, ip, port };
    this.reader.expectPayload(len, 1500);
    // Field quirk: some firmware prints the prompt without its trailing space.
    const prompt = this.quirks && this.sendCount % 2 === 1 ? "\r\n>" : "\r\n> ";
    if (this.losePrompts > 0) this.losePrompts--; // lost on the wire: the module still waits for the payload
    else this.write(prompt);
    const trap = this.currentLine !== undefined ? this.takeTrap("prompt", this.currentLine) : undefined;
    if (trap) this.strike(trap);
    return "async";
  }

  private onPayload(data: string): void {
    const p = this.pendingSend;
    this.pendingSend = undefined;
    if (!p) return;
    const link = p.link;
    const l = link.index;
    const n = data.length;
    if (link.state !== "open" || this.links[l] !== link) {
      this.error();
      this.commandDone();
      return;
    }
    if (link.failNextSend) {
      link.failNextSend = false;
      this.ok();
      this.commandDone();
      const gen = this.generation;
      const ms = this.sendTimeoutMs !== undefined ? this.sendTimeoutMs : this.timeouts[2];
      this.after(ms, () => {
        if (gen !== this.generation || this.links[l] !== link) return;
        this.urc("+CIPSEND: " + l + "," + n + ",0");
        link.destroy();
        this.urc("+IPCLOSE: " + l + ",2");
      });
      return;
    }
    this.sendCount++;
    if (n === 0) {
      this.write(this.okText() + this.line("+CIPSEND: " + l + ",0,0"));
      this.commandDone();
      return;
    }
    if (this.quirks && n > QUIRK_MAX_SEND) {
      // Section 9: some firmware fails sends above about 1400–1460 bytes.
      this.error();
      this.commandDone();
      return;
    }
    const gen = this.generation;
    // A full send buffer (the peer stopped reading) takes only what fits: "+CIPSEND: l,n,<less>".
    const room = this.clock.now() < link.sendBusyUntil ? 0 : link.sendRoom();
    if (room < n) data = data.substr(0, room);
    const taken = data.length;
    if (taken === 0) {
      this.write(this.okText() + this.line("+CIPSEND: " + l + "," + n + ",0"));
      this.commandDone();
      return;
    }
    if (this.sendMode === 1) {
      this.ok();
      this.commandDone();
      link.send(
        data,
        (ok) => {
          if (gen === this.generation) this.urc("+CIPSEND: " + l + "," + n + "," + (ok ? taken : 0));
        },
        p.ip,
        p.port,
      );
      return;
    }
    link.send(data, () => undefined, p.ip, p.port);
    const confirm = this.line("+CIPSEND: " + l + "," + n + "," + taken);
    if (!this.quirks) this.write(this.okText() + confirm);
    else if (this.sendCount % 3 === 2) this.write(confirm + this.okText()); // the async result before OK
    else {
      // OK now, the async result a moment later: pushes and notices can land in between (section 8).
      this.write(this.okText());
      this.after(2, () => {
        if (gen === this.generation) this.write(confirm);
      });
    }
    this.commandDone();
  }

  private onCancel(): void {
    this.pendingSend = undefined;
    this.ok();
    this.commandDone();
  }

  // =================================================================== transparent data mode

  private enterDataMode(): void {
    const link = this.links[0];
    if (!link) return;
    this.dataMode = true;
    this.queue = []; // after CONNECT every byte is data
    link.hold = false;
    this.reader.enterData(this.clock.now());
    const held = link.readAll();
    if (held.length) this.write(held);
  }

  private leaveDataMode(): void {
    this.dataMode = false;
    this.reader.enterCommand();
    const link = this.links[0];
    if (link && link.transparent) link.hold = true;
  }

  /** ATO: back to data mode on the transparent link. */
  resumeData(): HandlerResult {
    const link = this.links[0];
    if (!this.netTransparent || !link || !link.transparent || link.state !== "open") return this.error();
    this.write(this.finalLine("CONNECT " + this.baud()));
    if (this.hung || this.muted) return;
    this.enterDataMode();
  }

  private onDataModeBytes(d: string): void {
    const link = this.links[0];
    if (!link || link.state !== "open") return;
    link.send(d, () => undefined);
  }

  private onEscape(): void {
    if (!this.dataMode) return;
    this.leaveDataMode();
    this.write(this.okText());
  }

  // =================================================================== servers

  startServer(idx: number, port: number, backlog: number): HandlerResult {
    const srv = new SimServer(idx, port);
    this.servers[idx] = srv;
    const gen = this.generation;
    srv.listen(
      this.opts.bindAddress,
      this.hostPortFor(port),
      backlog,
      (s) => this.onAccept(srv, s, gen),
      (ok) => {
        if (gen !== this.generation || this.closed) {
          srv.stop();
          return;
        }
        if (!ok) {
          this.servers[idx] = undefined;
          this.ipError(1);
        } else this.ok();
        this.commandDone();
      },
    );
    return "async";
  }

  private onAccept(srv: SimServer, s: net.Socket, gen: number): void {
    this.track(s);
    if (gen !== this.generation || this.closed || this.servers[srv.index] !== srv || !this.netOpen) {
      s.destroy();
      return;
    }
    let l = -1;
    if (this.netTransparent) {
      const cur = this.links[0];
      if (srv.index === 0 && (!cur || cur.state === "closed")) l = 0;
    } else {
      for (let i = 0; i < 10; i++) {
        const cur = this.links[i];
        if (!cur || cur.state === "closed") {
          l = i;
          break;
        }
      }
    }
    if (l < 0) {
      s.destroy();
      return;
    }
    const link = this.newLink(l, "TCP", this.netTransparent);
    link.adoptTcp(s, srv.index);
    this.urc("+CLIENT: " + l + "," + srv.index + "," + link.remoteIp + ":" + link.remotePort);
    if (link.transparent) {
      this.write(this.line("CONNECT " + this.baud()));
      this.enterDataMode();
    }
  }

  private track(s: net.Socket): void {
    this.allSockets.add(s);
    s.once("close", () => this.allSockets.delete(s));
  }

  // =================================================================== fault hooks (used by faults.ts)

  /**
   * The data network dropped: every link and server is gone. In transparent data mode the module
   * first ends data mode with `CLOSED` (as for a peer's close), and the CIPEVENT follows
   * `eventGapMs` later, in command mode.
   */
  dropNetworkNow(): void {
    const wasData = this.dataMode;
    if (wasData) this.leaveDataMode();
    const hadNet = this.netOpen;
    // The sockets die, but the links stay listed until the host closes them (section 7).
    const lost: Array<Link | undefined> = [];
    for (let i = 0; i < 10; i++) {
      const l = this.links[i];
      lost.push(l && l.state === "open" && !l.transparent ? l : undefined);
    }
    this.closeAllNetwork(true);
    for (let i = 0; i < 10; i++) {
      const l = lost[i];
      if (!l) continue;
      l.lost = true;
      this.links[i] = l;
    }
    if (this.quirks && hadNet) {
      this.netOpen = true; // AT+NETOPEN? still says open: the host must AT+NETCLOSE
      this.netBroken = true;
    }
    const event = "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY";
    if (wasData) {
      this.urc("CLOSED");
      this.urcLater(event);
    } else this.urc(event);
  }

  /**
   * The PDN was deactivated by the network: `+CGEV: NW PDN DEACT 1`, sends fail with +CIPERROR: 4,
   * and with `withEvent` the CIPEVENT of a network drop follows. In transparent data mode the
   * transparent link cannot carry data any more: `CLOSED` ends data mode first, and the URCs follow
   * `eventGapMs` later.
   */
  pdnLossNow(withEvent: boolean): void {
    const cgev = "+CGEV: NW PDN DEACT 1";
    if (!this.dataMode) {
      this.urc(cgev);
      if (this.netOpen) this.netBroken = true;
      if (withEvent) this.dropNetworkNow();
      return;
    }
    this.leaveDataMode();
    const link = this.links[0];
    if (link) link.destroy();
    this.links[0] = undefined;
    this.openWaiters[0] = undefined;
    if (this.netOpen) this.netBroken = true;
    this.urc("CLOSED");
    const gen = this.generation;
    this.after(this.opts.eventGapMs, () => {
      if (gen !== this.generation) return;
      this.urc(cgev);
      if (withEvent) this.dropNetworkNow();
    });
  }

  /** A URC `eventGapMs` from now (skipped if the module restarted meanwhile). */
  private urcLater(text: string): void {
    const gen = this.generation;
    this.after(this.opts.eventGapMs, () => {
      if (gen === this.generation) this.urc(text);
    });
  }

  /**
   * Direct-push data from an address no link has (fault): `+RECV FROM:<ip>:<port>` and `+IPD<n>`
   * as AT+CIPSRIP / AT+CIPHEAD say, then the bytes. Nothing in data mode; false when not sent.
   */
  pushFromNow(data: string, ip: string, port: number): boolean {
    if (this.dataMode || !this.powered || !this.booted || this.hung) return false;
    let h = "";
    if (this.cipSrip) h += "\r\n+RECV FROM:" + ip + ":" + port + "\r\n";
    if (this.cipHead) h += (this.cipSrip ? "" : "\r\n") + "+IPD" + data.length + "\r\n";
    this.write(h + data);
    return true;
  }

  /** As if the peer closed link `l`. */
  remoteCloseNow(l: number): boolean {
    const link = this.links[l];
    if (!link || link.state !== "open") return false;
    link.destroy();
    this.onLinkClosed(link, true);
    return true;
  }
}
