// Modem supervisor: the state machine that powers the module, brings it up, keeps it online and recovers on its own.
//
// Shape (after Zephyr's modem_cellular): an enum of states, an enum of events, one handler per
// state, and `enterState()` as the only place that assigns the state. Everything that happens —
// a command result, a timer expiry, a URC, an engine stall, a user request — becomes an event in a
// fixed queue and is handled by a Scheduler task, one at a time, never by nested calls.
//
//   Off → PoweringOn (probe AT at the configured baud: a PWRKEY press on a running module turns it OFF)
//       → BaudSearch (probe the common rates; switch back with AT+IPR) → Booting (PWRKEY press, then
//       an AT every ~1 s, or the boot banner, until bootTimeoutMs) → Configuring (ATE0, AT+CMEE=1,
//       SIM, signal) → Registering (CREG/CGREG/CEREG polls) → Attaching (clean NETCLOSE, CGDCONT,
//       CGAUTH, CIPMODE/CIPRXGET/CIPHEAD/CIPSRIP for the data mode, NETOPEN, IPADDR) → Online.
//   Online → Recovering on `+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY`, `+CGEV: … PDN DEACT 1` or a
//       reported `+CIPERROR: 4`: links reported lost, NETCLOSE if still open, NETOPEN with doubling
//       backoff; after maxNetRetries → Resetting.
//   A boot URC while online (RDY, *ATREADY, +CPIN: READY, SMS DONE, PB DONE) is checked with
//       AT+NETOPEN? (late boot URCs are common): closed means the module rebooted → links lost,
//       bring-up redone. An engine stall (repeated timeouts) → Resetting with a power cycle; a
//       NETOPEN failure that AT+NETOPEN? does not explain → Resetting with AT+CRESET (vendor advice).
//   Failed is terminal (SIM missing, PIN needed, registration, gave up) until start() is called again.
//
// Memory: the event queue, listener slots and command tokens are fixed at construction.
import { BoardDef } from "../core/board";
import { Hal } from "../core/hal";
import { Scheduler, TimerId } from "../core/scheduler";
import { AtCommand, AtResult } from "../at/command";
import { AtEngine } from "../at/engine";
import { AtError } from "../at/errors";
import { DataMode, ModemOptions } from "./options";
import { ModemError, modemFailure } from "./errors";
import { isRegistered, parseCsq, parseReg, Reg, regName, Signal } from "./status";

export const enum ModemState {
  Off = 0,
  PoweringOn = 1,
  BaudSearch = 2,
  Booting = 3,
  Configuring = 4,
  Registering = 5,
  Attaching = 6,
  Online = 7,
  Recovering = 8,
  Resetting = 9,
  PoweringOff = 10,
  Failed = 11,
}

/** Names of ModemState values, by number. */
export const MODEM_STATE_NAMES = [
  "off",
  "powering-on",
  "baud-search",
  "booting",
  "configuring",
  "registering",
  "attaching",
  "online",
  "recovering",
  "resetting",
  "powering-off",
  "failed",
];

const enum Ev {
  Start = 0,
  Stop = 1,
  Result = 2,
  Timer = 3,
  Banner = 4,
  SimReady = 5,
  NetLost = 6,
  Stall = 7,
}

/** Why every open link was lost. */
export type LinkLossReason = "network" | "reboot" | "reset" | "stop";

/** What the supervisor tells its observers. Methods are optional and must not throw (throws are caught and counted). */
export interface SupervisorListener {
  state?(state: ModemState, previous: ModemState): void;
  /** The data network is open with this IP address. */
  online?(ip: string): void;
  /** Every link the module had is gone; told once per incident. */
  linksLost?(reason: LinkLossReason): void;
  /** The supervisor stopped in Failed. */
  failed?(error: ModemError): void;
}

export interface ModemCounters {
  /** Reboots the module did on its own (boot banner while online, confirmed). */
  reboots: number;
  /** Network recoveries started. */
  recoveries: number;
  /** Module resets (AT+CRESET or power cycle) started by the supervisor. */
  resets: number;
  powerCycles: number;
  /** AT command timeouts reported by the engine. */
  timeouts: number;
  /** Boot URCs that turned out to be late (module had not rebooted). */
  lateBootUrcs: number;
}

/** A snapshot for the REPL and the application. */
export interface ModemStatus {
  state: string;
  powered: boolean;
  /** Rate the UART runs at now. */
  baud: number;
  /** Rate the module answered at when it was not the configured one, else 0. */
  foundAtBaud: number;
  sim: string;
  signal: Signal | undefined;
  /** Registration per domain, as words ("home", "roaming", "searching", "denied", …). */
  creg: string;
  cgreg: string;
  cereg: string;
  ip: string;
  dataMode: DataMode;
  lastError: ModemError | null;
  counters: ModemCounters;
}

const MAX_LISTENERS = 4;
const QUEUE_SIZE = 16;
/** A reset: AT+CRESET answer deadline, ms. */
const CRESET_TIMEOUT_MS = 5000;
/** RESET pin pulse length for a hard reset, ms (A76XX: ≥ 100 ms low on RESET). */
const RESET_PULSE_MS = 300;
/** SIM retry pause while it reports busy/not ready, ms. */
const SIM_RETRY_MS = 1000;
/** Deadline of simple configuration commands, ms. */
const CMD_MS = 5000;
/** AT+NETOPEN and AT+NETCLOSE deadlines, ms (the module's own limit is 120 s). */
const NETOPEN_MS = 130000;
const NETCLOSE_MS = 30000;

function startsWith(s: string, p: string): boolean {
  return s.substr(0, p.length) === p;
}

/** The first collected line that starts with `prefix`, minus the prefix; undefined when none. */
function lineAfter(r: AtResult, prefix: string): string | undefined {
  for (let i = 0; i < r.lines.length; i++) if (startsWith(r.lines[i], prefix)) return r.lines[i].substr(prefix.length);
  return undefined;
}

function cmd(request: string, matches: string[] | undefined, timeoutMs: number): AtCommand {
  return { request: request, matches: matches, timeoutMs: timeoutMs };
}

/** AT+NETOPEN? answered `+NETOPEN: 1`: the data network is open. */
function netIsOpen(r: AtResult): boolean {
  const open = lineAfter(r, "+NETOPEN: ");
  return !r.error && open !== undefined && open.charAt(0) === "1";
}

export class ModemSupervisor {
  readonly counters: ModemCounters = { reboots: 0, recoveries: 0, resets: 0, powerCycles: 0, timeouts: 0, lateBootUrcs: 0 };
  /** Listener calls that threw (caught). */
  listenerErrors = 0;

  private hal: Hal;
  private board: BoardDef;
  private opts: ModemOptions;
  private sched: Scheduler;
  private engine: AtEngine;

  private state: ModemState = ModemState.Off;
  /** Sub-step inside the current state. */
  private step = 0;
  private timer: TimerId = 0;
  /** Token of the command whose result the current state waits for (0 = none). */
  private awaiting = 0;
  private tokens = 0;
  private timerToken = 0;

  private evType: number[];
  private evToken: number[];
  private evResult: Array<AtResult | undefined>;
  private evHead = 0;
  private evCount = 0;
  private drainPosted = false;

  private listeners: Array<SupervisorListener | undefined>;

  // Bring-up facts.
  private targetBaud: number;
  private baud = 0;
  private foundAtBaud = 0;
  private baudIndex = 0;
  private triesAtBaud = 0;
  private searchAfterBoot = false;
  private pressOnBoot = false;
  private deadline = 0;
  private probing = false;
  private powered = false;
  private sim = "unknown";
  private signal: Signal | undefined = undefined;
  private creg: Reg | undefined = undefined;
  private cgreg: Reg | undefined = undefined;
  private cereg: Reg | undefined = undefined;
  private ip = "";
  private netRetries = 0;
  private backoff = 0;
  private resetsInRow = 0;
  private hardReset = false;
  private keepPowered = false;
  /** The engine's echo count once ATE0 had taken effect (a reboot turns echo back on). */
  private echoMark = 0;
  private lastError: ModemError | null = null;
  /** The links were reported lost for the current incident (reset when online again). */
  private linksReported = true;

  /**
   * `options` must have passed validateModemOptions (the application layer checks them). Registers
   * its URC prefixes on the engine (10 slots). Touches no pin or UART until start().
   */
  constructor(hal: Hal, board: BoardDef, options: ModemOptions, scheduler: Scheduler, engine: AtEngine) {
    this.hal = hal;
    this.board = board;
    this.opts = options;
    this.sched = scheduler;
    this.engine = engine;
    this.targetBaud = options.baud || board.uart.baud;
    this.evType = new Array(QUEUE_SIZE);
    this.evToken = new Array(QUEUE_SIZE);
    this.evResult = new Array(QUEUE_SIZE);
    this.listeners = new Array(MAX_LISTENERS);
    const self = this;
    const banner = () => self.push(Ev.Banner, 0, undefined);
    engine.onUrc("RDY", banner);
    engine.onUrc("*ATREADY", banner);
    engine.onUrc("SMS DONE", banner);
    engine.onUrc("PB DONE", banner);
    engine.onUrc("+CPIN:", (line) => {
      if (line.indexOf("READY") > 0) self.push(Ev.SimReady, 0, undefined);
    });
    engine.onUrc("+CIPEVENT:", (line) => {
      if (line.indexOf("NETWORK CLOSED") > 0) self.push(Ev.NetLost, 0, undefined);
    });
    engine.onUrc("+CGEV:", (line) => {
      // "+CGEV: ME PDN DEACT 1", "+CGEV: NW PDN DEACT 1": our context (cid 1) is gone.
      if (line.indexOf("PDN DEACT") > 0 && line.substr(line.length - 2) === " 1") self.push(Ev.NetLost, 0, undefined);
    });
    const regUrc = (line: string) => self.onRegUrc(line);
    engine.onUrc("+CREG:", regUrc);
    engine.onUrc("+CGREG:", regUrc);
    engine.onUrc("+CEREG:", regUrc);
  }

  // ---- public API --------------------------------------------------------------------------

  /** Add an observer (at most 4). Throws RangeError when all slots are taken (programmer error). */
  addListener(l: SupervisorListener): void {
    for (let i = 0; i < MAX_LISTENERS; i++) {
      if (this.listeners[i] === undefined) {
        this.listeners[i] = l;
        return;
      }
    }
    throw new RangeError("ModemSupervisor: more than " + MAX_LISTENERS + " listeners");
  }

  removeListener(l: SupervisorListener): void {
    for (let i = 0; i < MAX_LISTENERS; i++) if (this.listeners[i] === l) this.listeners[i] = undefined;
  }

  /** Power up and bring the modem online (from Off or Failed; otherwise ignored). */
  start(): void {
    this.push(Ev.Start, 0, undefined);
  }

  /**
   * Close the network (AT+NETCLOSE) and power the module off (AT+CPOF, or a long PWRKEY press).
   * `keepPowered` true leaves the module on (e.g. a host runner on a desk modem without PWRKEY).
   */
  stop(keepPowered?: boolean): void {
    this.keepPowered = keepPowered === true;
    this.push(Ev.Stop, 0, undefined);
  }

  /** The engine reports every timeout and its stall here (wire AtEngineListener.timeout/stall to these). */
  noteTimeout(): void {
    this.counters.timeouts++;
  }

  noteStall(): void {
    this.push(Ev.Stall, 0, undefined);
  }

  /** The socket layer saw `+CIPERROR: 4` (PDN lost under a send): recover the network. */
  noteNetworkError(): void {
    this.push(Ev.NetLost, 0, undefined);
  }

  /** The UART rate in use now (0 before start). */
  currentBaud(): number {
    return this.baud;
  }

  getState(): ModemState {
    return this.state;
  }

  isOnline(): boolean {
    return this.state === ModemState.Online;
  }

  status(): ModemStatus {
    return {
      state: MODEM_STATE_NAMES[this.state],
      powered: this.powered,
      baud: this.baud,
      foundAtBaud: this.foundAtBaud,
      sim: this.sim,
      signal: this.signal,
      creg: this.creg === undefined ? "unknown" : regName(this.creg),
      cgreg: this.cgreg === undefined ? "unknown" : regName(this.cgreg),
      cereg: this.cereg === undefined ? "unknown" : regName(this.cereg),
      ip: this.ip,
      dataMode: this.opts.dataMode,
      lastError: this.lastError,
      counters: this.counters,
    };
  }

  /** Events waiting to be handled (tests check nothing is left behind). */
  pendingEvents(): number {
    return this.evCount;
  }

  // ---- events ------------------------------------------------------------------------------

  private push(type: Ev, token: number, result: AtResult | undefined): void {
    if (this.evCount === QUEUE_SIZE) {
      // Only URC storms can fill the queue; a URC event already queued says the same thing.
      for (let i = 0; i < this.evCount; i++) {
        const j = (this.evHead + i) % QUEUE_SIZE;
        if (this.evType[j] === type && type !== Ev.Result && type !== Ev.Timer) return;
      }
      throw new RangeError("ModemSupervisor event queue full");
    }
    const tail = (this.evHead + this.evCount) % QUEUE_SIZE;
    this.evType[tail] = type;
    this.evToken[tail] = token;
    this.evResult[tail] = result;
    this.evCount++;
    if (!this.drainPosted) {
      this.drainPosted = true;
      const self = this;
      this.sched.post(() => self.drain());
    }
  }

  private drain(): void {
    this.drainPosted = false;
    while (this.evCount > 0) {
      const type = this.evType[this.evHead];
      const token = this.evToken[this.evHead];
      const result = this.evResult[this.evHead];
      this.evResult[this.evHead] = undefined;
      this.evHead = (this.evHead + 1) % QUEUE_SIZE;
      this.evCount--;
      if (type === Ev.Result && token !== this.awaiting) continue; // a stale answer from a left state
      if (type === Ev.Timer && token !== this.timerToken) continue;
      if (type === Ev.Result) this.awaiting = 0;
      this.handle(type, result);
    }
  }

  private handle(ev: Ev, r: AtResult | undefined): void {
    // Events every state treats alike.
    if (ev === Ev.Stop && this.state !== ModemState.Off && this.state !== ModemState.PoweringOff) {
      this.enterState(ModemState.PoweringOff);
      return;
    }
    if (ev === Ev.Stall) {
      this.onStall();
      return;
    }
    if (ev === Ev.Result && this.echoReturned()) {
      // Echo is on again after ATE0: the module rebooted under us (its banner may have been missed
      // or taken for a late one). Everything set since is gone: bring it up again.
      this.counters.reboots++;
      this.reportLinksLost("reboot");
      this.enterState(ModemState.Configuring);
      return;
    }
    switch (this.state) {
      case ModemState.Off:
      case ModemState.Failed:
        if (ev === Ev.Start) this.enterState(ModemState.PoweringOn);
        return;
      case ModemState.PoweringOn: return this.onPoweringOn(ev, r);
      case ModemState.BaudSearch: return this.onBaudSearch(ev, r);
      case ModemState.Booting: return this.onBooting(ev, r);
      case ModemState.Configuring: return this.onConfiguring(ev, r);
      case ModemState.Registering: return this.onRegistering(ev, r);
      case ModemState.Attaching: return this.onAttaching(ev, r);
      case ModemState.Online: return this.onOnline(ev, r);
      case ModemState.Recovering: return this.onRecovering(ev, r);
      case ModemState.Resetting: return this.onResetting(ev, r);
      case ModemState.PoweringOff: return this.onPoweringOff(ev, r);
    }
  }

  /** The only place the state changes. Cancels the state's timer and forgets its pending command. */
  private enterState(next: ModemState): void {
    const prev = this.state;
    this.state = next;
    this.step = 0;
    this.awaiting = 0;
    this.probing = false;
    this.disarm();
    this.tell((l) => {
      if (l.state) l.state(next, prev);
    });
    switch (next) {
      case ModemState.PoweringOn: return this.entryPoweringOn();
      case ModemState.BaudSearch: return this.entryBaudSearch();
      case ModemState.Booting: return this.entryBooting();
      case ModemState.Configuring: return this.send(cmd("ATE0", undefined, CMD_MS));
      case ModemState.Registering:
        this.echoMark = this.engine.stats.echoes;
        this.deadline = this.sched.now() + this.opts.registrationTimeoutMs;
        return this.send(cmd("AT+CSQ", ["+CSQ:"], CMD_MS));
      case ModemState.Attaching: return this.send(cmd("AT+NETOPEN?", ["+NETOPEN:"], CMD_MS));
      case ModemState.Online: return this.entryOnline();
      case ModemState.Recovering: return this.entryRecovering();
      case ModemState.Resetting: return this.entryResetting();
      case ModemState.PoweringOff: return this.entryPoweringOff();
      case ModemState.Failed: {
        const e = this.lastError as ModemError;
        this.tell((l) => {
          if (l.failed) l.failed(e);
        });
        return;
      }
    }
  }

  private fail(error: ModemError): void {
    this.releasePins();
    this.lastError = error;
    this.reportLinksLost("reset");
    this.enterState(ModemState.Failed);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private send(c: AtCommand): void {
    const token = ++this.tokens;
    this.awaiting = token;
    const self = this;
    const ok = this.engine.submit(c, (result) => self.push(Ev.Result, token, result));
    if (!ok) {
      // Queue full or stalled: report as a failed result so the state decides.
      this.push(Ev.Result, token, { error: { kind: "stalled", code: -1, text: "engine refused the command" }, lines: [], truncated: false, async: "", connect: "" });
    }
  }

  private arm(ms: number): void {
    this.disarm();
    const token = ++this.timerToken;
    const self = this;
    this.timer = this.sched.setTimer(ms, () => self.push(Ev.Timer, token, undefined));
  }

  private disarm(): void {
    if (this.timer) this.sched.clearTimer(this.timer);
    this.timer = 0;
    this.timerToken++;
  }

  private tell(fn: (l: SupervisorListener) => void): void {
    for (let i = 0; i < MAX_LISTENERS; i++) {
      const l = this.listeners[i];
      if (l === undefined) continue;
      try {
        fn(l);
      } catch (e) {
        this.listenerErrors++;
      }
    }
  }

  private reportLinksLost(reason: LinkLossReason): void {
    if (this.linksReported) return;
    this.linksReported = true;
    this.ip = "";
    this.tell((l) => {
      if (l.linksLost) l.linksLost(reason);
    });
  }

  private setBaud(rate: number): void {
    this.baud = rate;
    this.hal.uart.setup(rate);
  }

  private probe(): void {
    this.probing = true;
    this.send(cmd("AT", undefined, this.opts.probeTimeoutMs));
  }

  /** A probe failed: drop the engine's resynchronisation (nobody is answering) and its timeout count. */
  private probeFailed(): void {
    this.probing = false;
    this.engine.reset();
  }

  /** True in the states after configuring when the module echoed a command since ATE0 took effect. */
  private echoReturned(): boolean {
    const s = this.state;
    if (s !== ModemState.Registering && s !== ModemState.Attaching && s !== ModemState.Recovering) return false;
    return this.engine.stats.echoes > this.echoMark;
  }

  private onRegUrc(line: string): void {
    const colon = line.indexOf(":");
    const reg = parseReg(line.substr(colon + 2), false);
    if (reg === undefined) return;
    if (startsWith(line, "+CREG:")) this.creg = reg;
    else if (startsWith(line, "+CGREG:")) this.cgreg = reg;
    else this.cereg = reg;
  }

  private onStall(): void {
    switch (this.state) {
      case ModemState.Off:
      case ModemState.Failed:
      case ModemState.PoweringOff:
        this.engine.reset();
        return;
      case ModemState.PoweringOn:
      case ModemState.BaudSearch:
      case ModemState.Booting:
        // Probing a silent module times out by design; the state's own deadline decides.
        this.engine.reset();
        return;
      default:
        this.resetModule(true);
    }
  }

  // ---- power and baud ----------------------------------------------------------------------

  private entryPoweringOn(): void {
    this.resetsInRow = 0;
    if (this.hal.powerEnable) this.hal.powerEnable.write(true);
    if (this.hal.dtr) this.hal.dtr.write(true);
    this.releasePins();
    this.engine.start();
    this.engine.reset();
    this.setBaud(this.targetBaud);
    this.foundAtBaud = 0;
    this.arm(this.opts.powerSettleMs > 0 ? this.opts.powerSettleMs : 1);
  }

  private onPoweringOn(ev: Ev, r: AtResult | undefined): void {
    if (ev === Ev.Timer) {
      if (this.hal.status && !this.hal.status.read()) {
        // The STATUS pin says the module is off: no need to probe every rate before pressing.
        this.pressOnBoot = true;
        this.enterState(ModemState.Booting);
        return;
      }
      this.step = 1;
      this.probe();
      return;
    }
    if (ev === Ev.Result && r) {
      if (!r.error) {
        // Already running: a PWRKEY press now would switch it off.
        this.moduleAnswered();
        return;
      }
      this.probeFailed();
      if (this.step < 2) {
        this.step++;
        this.probe();
        return;
      }
      this.searchAfterBoot = false;
      this.enterState(ModemState.BaudSearch);
    }
  }

  /** The module answered a probe: it is on; configure it. */
  private moduleAnswered(): void {
    this.powered = true;
    this.enterState(ModemState.Configuring);
  }

  private entryBaudSearch(): void {
    this.baudIndex = -1;
    this.nextBaud();
  }

  /** Probe the next candidate rate, or give up on the search. */
  private nextBaud(): void {
    const rates = this.opts.searchBauds;
    this.baudIndex++;
    while (this.baudIndex < rates.length && rates[this.baudIndex] === this.targetBaud) this.baudIndex++;
    if (this.baudIndex < rates.length) {
      this.setBaud(rates[this.baudIndex]);
      this.step = 0;
      this.triesAtBaud = 0;
      this.probe();
      return;
    }
    this.setBaud(this.targetBaud);
    if (!this.searchAfterBoot) {
      // Nobody answers at any rate: the module is off. Press PWRKEY (or wait, without one).
      this.pressOnBoot = true;
      this.enterState(ModemState.Booting);
      return;
    }
    this.fail(modemFailure("power", "the module does not answer at any baud rate: check its supply, PWRKEY wiring and the UART pins", null));
  }

  private onBaudSearch(ev: Ev, r: AtResult | undefined): void {
    if (ev !== Ev.Result || !r) return;
    if (this.step === 0) {
      if (r.error) {
        this.probeFailed();
        // The first probe at a new rate may land on a line still holding bytes sent at the old one.
        if (++this.triesAtBaud < 2) this.probe();
        else this.nextBaud();
        return;
      }
      this.powered = true;
      this.foundAtBaud = this.baud;
      if (!this.opts.switchBaud) {
        this.enterState(ModemState.Configuring);
        return;
      }
      // AT+IPR takes effect right after its OK: follow at once, then confirm.
      this.step = 1;
      this.send(cmd("AT+IPR=" + this.targetBaud, undefined, CMD_MS));
      return;
    }
    if (this.step === 1) {
      if (r.error) {
        // Keep the rate that works.
        this.enterState(ModemState.Configuring);
        return;
      }
      this.engine.reset();
      this.setBaud(this.targetBaud);
      this.step = 2;
      this.probe();
      return;
    }
    // step 2: probe at the new rate.
    if (r.error) {
      this.probeFailed();
      this.setBaud(this.foundAtBaud);
    }
    this.enterState(ModemState.Configuring);
  }

  private entryBooting(): void {
    this.powered = false;
    this.deadline = this.sched.now() + this.opts.bootTimeoutMs;
    if (this.pressOnBoot && this.hal.pwrkey && this.board.pwrkey) {
      this.hal.pwrkey.write(true);
      this.step = 0;
      this.arm(this.board.pwrkey.onPressMs);
      return;
    }
    this.step = 1;
    this.arm(this.opts.probeIntervalMs);
  }

  private onBooting(ev: Ev, r: AtResult | undefined): void {
    if (ev === Ev.Timer) {
      if (this.step === 0) {
        (this.hal.pwrkey as { write(a: boolean): void }).write(false);
        this.deadline = this.sched.now() + this.opts.bootTimeoutMs;
        this.step = 1;
        this.arm(this.opts.probeIntervalMs);
        return;
      }
      if (!this.probing) this.probe();
      return;
    }
    if ((ev === Ev.Banner || ev === Ev.SimReady) && this.step === 1 && !this.probing) {
      this.disarm();
      this.probe();
      return;
    }
    if (ev === Ev.Result && r) {
      if (!r.error) {
        this.moduleAnswered();
        return;
      }
      this.probeFailed();
      if (this.sched.now() < this.deadline) {
        this.arm(this.opts.probeIntervalMs);
        return;
      }
      if (this.opts.searchBauds.length) {
        this.searchAfterBoot = true;
        this.enterState(ModemState.BaudSearch);
        return;
      }
      this.fail(modemFailure("power", "the module did not answer within " + this.opts.bootTimeoutMs + " ms of power-on", null));
    }
  }

  // ---- bring-up ----------------------------------------------------------------------------

  private onConfiguring(ev: Ev, r: AtResult | undefined): void {
    if (ev === Ev.SimReady && this.step === 3) {
      // The SIM volunteered READY while we waited to ask again.
      this.disarm();
      this.askSim();
      return;
    }
    if (ev === Ev.Timer && this.step === 3) {
      this.askSim();
      return;
    }
    if (ev !== Ev.Result || !r) return;
    switch (this.step) {
      case 0: // ATE0 (its own echo may still arrive; the engine drops echoes)
        this.step = 1;
        this.send(cmd("AT+CMEE=1", undefined, CMD_MS));
        return;
      case 1: // AT+CMEE=1
        this.deadline = this.sched.now() + this.opts.simTimeoutMs;
        this.askSim();
        return;
      case 2: // AT+CPIN?
        this.onSimAnswer(r);
        return;
      case 4: // AT+CPIN="<pin>"
        if (r.error) {
          this.sim = "pin rejected";
          this.fail(modemFailure("sim-pin", "the SIM refused the PIN", r.error));
          return;
        }
        this.askSim();
        return;
      case 5: // AT+CSQ
        this.readSignal(r);
        this.enterState(ModemState.Registering);
        return;
    }
  }

  /** Ask the SIM's state (step 2 of configuring). */
  private askSim(): void {
    this.step = 2;
    this.send(cmd("AT+CPIN?", ["+CPIN:"], CMD_MS));
  }

  private onSimAnswer(r: AtResult): void {
    const state = lineAfter(r, "+CPIN: ");
    if (!r.error && state !== undefined) {
      this.sim = state;
      if (state === "READY") {
        this.step = 5;
        this.send(cmd("AT+CSQ", ["+CSQ:"], CMD_MS));
        return;
      }
      if (state === "SIM PIN" && this.opts.pin) {
        this.step = 4;
        this.send(cmd('AT+CPIN="' + this.opts.pin + '"', undefined, CMD_MS));
        return;
      }
      if (state.indexOf("PIN") >= 0 || state.indexOf("PUK") >= 0) {
        this.fail(modemFailure("sim-pin", "the SIM is locked (" + state + ")" + (this.opts.pin ? "" : ": set the pin option"), null));
        return;
      }
    }
    const err = r.error;
    if (err && err.kind === "cme" && (err.code === 10 || err.text.indexOf("not inserted") >= 0)) {
      this.sim = "not inserted";
      this.fail(modemFailure("sim-missing", "no SIM card: insert one (contacts down) and power-cycle", err));
      return;
    }
    // Busy, not ready, bare ERROR, failure: the SIM is still starting. Ask again until the deadline.
    this.sim = err ? err.text || "not ready" : "not ready";
    if (this.sched.now() >= this.deadline) {
      this.fail(modemFailure("sim", "the SIM did not become ready within " + this.opts.simTimeoutMs + " ms", err));
      return;
    }
    this.step = 3;
    this.arm(SIM_RETRY_MS);
  }

  private readSignal(r: AtResult): void {
    const csq = lineAfter(r, "+CSQ: ");
    if (!r.error && csq !== undefined) {
      const s = parseCsq(csq);
      if (s) this.signal = s;
    }
  }

  private readReg(r: AtResult, prefix: string): Reg | undefined {
    const body = lineAfter(r, prefix);
    return r.error || body === undefined ? undefined : parseReg(body, true);
  }

  private onRegistering(ev: Ev, r: AtResult | undefined): void {
    if (ev === Ev.Timer) {
      this.step = 0;
      this.send(cmd("AT+CSQ", ["+CSQ:"], CMD_MS));
      return;
    }
    if (ev !== Ev.Result || !r) return;
    switch (this.step) {
      case 0:
        this.readSignal(r);
        this.step = 1;
        this.send(cmd("AT+CREG?", ["+CREG:"], CMD_MS));
        return;
      case 1:
        this.creg = this.readReg(r, "+CREG: ");
        this.step = 2;
        this.send(cmd("AT+CGREG?", ["+CGREG:"], CMD_MS));
        return;
      case 2:
        this.cgreg = this.readReg(r, "+CGREG: ");
        this.step = 3;
        this.send(cmd("AT+CEREG?", ["+CEREG:"], CMD_MS));
        return;
      case 3: {
        this.cereg = this.readReg(r, "+CEREG: ");
        const ps = (this.cgreg !== undefined && isRegistered(this.cgreg)) || (this.cereg !== undefined && isRegistered(this.cereg));
        if (ps) {
          this.enterState(ModemState.Attaching);
          return;
        }
        if (this.sched.now() >= this.deadline) {
          const denied = this.creg === Reg.Denied || this.cgreg === Reg.Denied || this.cereg === Reg.Denied;
          this.fail(
            modemFailure(
              "registration",
              denied
                ? "registration denied by the network: check the SIM's plan and that the radio technology is supported"
                : "not registered within " + this.opts.registrationTimeoutMs + " ms (still searching): check the antenna and coverage",
              null,
            ),
          );
          return;
        }
        this.arm(this.opts.registrationPollMs);
        return;
      }
    }
  }

  private onAttaching(ev: Ev, r: AtResult | undefined): void {
    if (ev !== Ev.Result || !r) return;
    if (r.error && r.error.kind === "timeout") {
      // Not a refusal: the module stopped answering (rebooting?). Start the bring-up again.
      this.enterState(ModemState.Configuring);
      return;
    }
    const mode = this.opts.dataMode;
    switch (this.step) {
      case 0: {
        // Start from a closed network so CIPMODE can be set and no stale link survives.
        if (netIsOpen(r)) {
          this.step = 1;
          this.sendNetClose();
          return;
        }
        this.sendPdpContext();
        return;
      }
      case 1:
        // NETCLOSE may answer `+NETCLOSE: 2` + ERROR when already closed: fine either way.
        this.sendPdpContext();
        return;
      case 2:
        if (r.error) {
          this.fail(modemFailure("apn", "the module refused the APN " + JSON.stringify(this.opts.apn), r.error));
          return;
        }
        if (this.opts.user) {
          this.step = 3;
          this.send(cmd("AT+CGAUTH=1," + this.opts.authType + ',"' + this.opts.password + '","' + this.opts.user + '"', undefined, CMD_MS));
          return;
        }
        this.step = 4;
        this.send(cmd("AT+CIPMODE=" + (mode === "transparent" ? 1 : 0), undefined, CMD_MS));
        return;
      case 3:
        if (r.error) {
          this.fail(modemFailure("apn", "the module refused the PDP user/password", r.error));
          return;
        }
        this.step = 4;
        this.send(cmd("AT+CIPMODE=" + (mode === "transparent" ? 1 : 0), undefined, CMD_MS));
        return;
      case 4:
        this.step = 5;
        this.send(cmd("AT+CIPRXGET=" + (mode === "buffer" ? 1 : 0), undefined, CMD_MS));
        return;
      case 5:
        this.step = 6;
        this.send(cmd("AT+CIPHEAD=1", undefined, CMD_MS));
        return;
      case 6:
        this.step = 7;
        this.send(cmd("AT+CIPSRIP=1", undefined, CMD_MS));
        return;
      case 7:
        if (this.opts.escapeWithDtr) {
          // Dropping DTR leaves data mode only with AT&D1.
          this.step = 11;
          this.send(cmd("AT&D1", undefined, CMD_MS));
          return;
        }
        this.step = 8;
        this.sendNetOpen();
        return;
      case 11:
        this.step = 8;
        this.sendNetOpen();
        return;
      case 8:
        if (this.netOpenSucceeded(r)) {
          this.askIpAddr(10);
          return;
        }
        this.lastError = modemFailure("netopen", "AT+NETOPEN failed", r.error);
        this.step = 9;
        this.send(cmd("AT+NETOPEN?", ["+NETOPEN:"], CMD_MS));
        return;
      case 9: {
        if (netIsOpen(r)) {
          this.askIpAddr(10);
          return;
        }
        // Vendor advice: reset the module and bring it up again.
        this.resetModule(false);
        return;
      }
      case 10: {
        this.goOnline(r);
        return;
      }
    }
  }

  private sendPdpContext(): void {
    this.step = 2;
    // The APN was checked by validateModemOptions: no quote or control byte can reach the UART.
    this.send(cmd('AT+CGDCONT=1,"IP","' + this.opts.apn + '"', undefined, CMD_MS));
  }

  private sendNetClose(): void {
    this.send({ request: "AT+NETCLOSE", async: "+NETCLOSE: ", asyncErrField: 0, timeoutMs: NETCLOSE_MS });
  }

  /** Ask the module's address at `step`; its answer goes to goOnline. */
  private askIpAddr(step: number): void {
    this.step = step;
    this.send(cmd("AT+IPADDR", ["+IPADDR:"], CMD_MS));
  }

  /** Reset the module: a power cycle when `hard` (it stopped answering), else AT+CRESET. */
  private resetModule(hard: boolean): void {
    this.hardReset = hard;
    this.enterState(ModemState.Resetting);
  }

  /** The AT+IPADDR answer: remember the address and go online. */
  private goOnline(r: AtResult): void {
    const ip = lineAfter(r, "+IPADDR: ");
    this.ip = !r.error && ip !== undefined ? ip : "";
    this.enterState(ModemState.Online);
  }

  private sendNetOpen(): void {
    this.send({ request: "AT+NETOPEN", async: "+NETOPEN: ", asyncErrField: 0, timeoutMs: NETOPEN_MS });
  }

  /** OK + `+NETOPEN: 0`, or the idempotence answer "Network is already opened" (IP error 4). */
  private netOpenSucceeded(r: AtResult): boolean {
    const e: AtError | null = r.error;
    if (!e) return true;
    return e.kind === "ip" && (e.code === 4 || e.text.indexOf("already opened") >= 0);
  }

  // ---- online and recovery -----------------------------------------------------------------

  private entryOnline(): void {
    this.resetsInRow = 0;
    this.linksReported = false;
    this.lastError = null;
    const ip = this.ip;
    this.tell((l) => {
      if (l.online) l.online(ip);
    });
    if (this.healthChecks()) this.arm(this.opts.healthCheckMs);
  }

  /** The periodic AT+CSQ runs except in transparent mode, where each command costs a +++/ATO cycle. */
  private healthChecks(): boolean {
    return this.opts.healthCheckMs > 0 && this.opts.dataMode !== "transparent";
  }

  private onOnline(ev: Ev, r: AtResult | undefined): void {
    switch (ev) {
      case Ev.NetLost:
        this.enterState(ModemState.Recovering);
        return;
      case Ev.Banner:
      case Ev.SimReady:
        // Late boot URCs are common: believe a reboot only when the network is no longer open.
        if (this.step === 0) {
          this.disarm();
          this.step = 1;
          this.send(cmd("AT+NETOPEN?", ["+NETOPEN:"], CMD_MS));
        }
        return;
      case Ev.Timer:
        if (this.step === 0) {
          this.step = 2;
          this.send(cmd("AT+CSQ", ["+CSQ:"], CMD_MS));
        }
        return;
      case Ev.Result:
        if (!r) return;
        if (this.step === 1) {
          if (netIsOpen(r)) {
            this.counters.lateBootUrcs++;
          } else if (!r.error || r.error.kind !== "timeout") {
            this.counters.reboots++;
            this.reportLinksLost("reboot");
            this.enterState(ModemState.Configuring);
            return;
          }
        } else if (this.step === 2) {
          this.readSignal(r);
        }
        this.step = 0;
        if (this.healthChecks()) this.arm(this.opts.healthCheckMs);
        return;
    }
  }

  private entryRecovering(): void {
    this.counters.recoveries++;
    this.reportLinksLost("network");
    this.netRetries = 0;
    this.backoff = this.opts.backoffMinMs;
    this.send(cmd("AT+NETOPEN?", ["+NETOPEN:"], CMD_MS));
  }

  private onRecovering(ev: Ev, r: AtResult | undefined): void {
    if (ev === Ev.Banner || ev === Ev.SimReady) {
      // The module rebooted while the network was down: bring it up from scratch.
      if (this.step === 2) {
        this.counters.reboots++;
        this.enterState(ModemState.Configuring);
      }
      return;
    }
    if (ev === Ev.Timer && this.step === 2) {
      this.step = 3;
      this.sendNetOpen();
      return;
    }
    if (ev !== Ev.Result || !r) return;
    switch (this.step) {
      case 0: {
        this.step = 1;
        if (netIsOpen(r)) {
          this.sendNetClose();
          return;
        }
        this.step = 2;
        this.arm(this.backoff);
        return;
      }
      case 1:
        // `+NETCLOSE: 2` + ERROR (already closed) is as good as closed.
        this.step = 2;
        this.arm(this.backoff);
        return;
      case 3:
        if (this.netOpenSucceeded(r)) {
          this.askIpAddr(4);
          return;
        }
        this.netRetries++;
        if (this.netRetries >= this.opts.maxNetRetries) {
          this.lastError = modemFailure("netopen", "the network did not re-open after " + this.netRetries + " attempts", r.error);
          this.resetModule(false);
          return;
        }
        this.backoff = Math.min(this.backoff * 2, this.opts.backoffMaxMs);
        this.step = 2;
        this.arm(this.backoff);
        return;
      case 4: {
        this.goOnline(r);
        return;
      }
    }
  }

  private entryResetting(): void {
    this.counters.resets++;
    this.resetsInRow++;
    this.reportLinksLost("reset");
    if (this.resetsInRow > this.opts.maxResets) {
      this.fail(modemFailure("gave-up", "the module did not come online after " + this.opts.maxResets + " resets", this.lastError ? { kind: "error", code: this.lastError.code, text: this.lastError.text } : null));
      return;
    }
    this.engine.reset();
    this.powered = false;
    if (!this.hardReset) {
      this.step = 0;
      this.send(cmd("AT+CRESET", undefined, CRESET_TIMEOUT_MS));
      return;
    }
    this.counters.powerCycles++;
    if (this.hal.pwrkey && this.board.pwrkey) {
      // A hung module: long press to switch off, wait, then boot with a normal press.
      this.hal.pwrkey.write(true);
      this.step = 1;
      this.arm(this.board.pwrkey.offPressMs);
      return;
    }
    if (this.hal.reset) {
      this.hal.reset.write(true);
      this.step = 3;
      this.arm(RESET_PULSE_MS);
      return;
    }
    // Nothing to cycle with: ask the module and hope it listens.
    this.step = 0;
    this.send(cmd("AT+CRESET", undefined, CRESET_TIMEOUT_MS));
  }

  private onResetting(ev: Ev, r: AtResult | undefined): void {
    if (ev === Ev.Result && this.step === 0) {
      // Whatever it answered, the module is restarting: wait for it as after power-on.
      if (r && r.error) this.engine.reset();
      this.pressOnBoot = false;
      this.enterState(ModemState.Booting);
      return;
    }
    if (ev !== Ev.Timer) return;
    if (this.step === 1) {
      (this.hal.pwrkey as { write(a: boolean): void }).write(false);
      this.step = 2;
      this.arm(this.opts.powerOffWaitMs > 0 ? this.opts.powerOffWaitMs : 1);
      return;
    }
    if (this.step === 2) {
      this.pressOnBoot = true;
      this.enterState(ModemState.Booting);
      return;
    }
    if (this.step === 3) {
      (this.hal.reset as { write(a: boolean): void }).write(false);
      this.pressOnBoot = false;
      this.enterState(ModemState.Booting);
    }
  }

  /** Let go of PWRKEY and RESET: a stop or restart may come in the middle of a press. */
  private releasePins(): void {
    if (this.hal.pwrkey) this.hal.pwrkey.write(false);
    if (this.hal.reset) this.hal.reset.write(false);
  }

  private entryPoweringOff(): void {
    this.releasePins();
    this.reportLinksLost("stop");
    if (this.engine.stalled()) this.engine.reset();
    this.step = 0;
    this.sendNetClose();
  }

  private onPoweringOff(ev: Ev, r: AtResult | undefined): void {
    if (ev === Ev.Result && r) {
      if (this.step === 0) {
        if (this.keepPowered) {
          this.engine.reset();
          this.enterState(ModemState.Off);
          return;
        }
        this.step = 1;
        this.send(cmd("AT+CPOF", undefined, CMD_MS));
        return;
      }
      if (this.step === 1) {
        if (r.error && this.hal.pwrkey && this.board.pwrkey) {
          this.hal.pwrkey.write(true);
          this.step = 2;
          this.arm(this.board.pwrkey.offPressMs);
          return;
        }
        this.off();
        return;
      }
    }
    if (ev === Ev.Timer && this.step === 2) {
      (this.hal.pwrkey as { write(a: boolean): void }).write(false);
      this.off();
    }
  }

  private off(): void {
    this.powered = false;
    this.engine.reset();
    this.enterState(ModemState.Off);
  }
}
