// Modem supervisor: the state machine that powers the module, brings it up with scripts, keeps it online and recovers on its own.
//
// Shape (after Zephyr's modem_cellular): an enum of states, an enum of events, one handler per
// state and `enter()` as the only place that assigns the state. Everything that happens — a
// script's end, a timer, a URC, an engine stall, a user request — becomes an event in a fixed
// queue handled by one task, never by nested calls. The command sequences are the scripts of
// scripts.ts; this file decides which runs when and what their outcome means.
//
//   Off → PowerOn (probe AT at the configured rate: a PWRKEY press on a running module turns it
//   OFF; no answer → the `+++` escape with its guard times, for a module left in transparent data
//   mode by an earlier program) → BaudSearch (other rates; AT+IPR back) → Booting (PWRKEY press,
//   then AT every probeIntervalMs or at the boot banner; after a power cycle one more press if
//   nothing answers) → Configure → Register → Attach → Online.
//   Online → Recover on a network loss (links reported lost, NETOPEN again with doubling backoff;
//   after maxNetRetries → Reset). A boot banner while online hurries the command in flight and
//   asks AT+NETOPEN?: closed means the module rebooted (links lost, bring-up redone). Echo coming
//   back after ATE0 means the same. An engine stall → Reset with a power cycle; a NETOPEN failure
//   → Reset with AT+CRESET. Failed (SIM, registration, APN, gave up) waits for start().
import { BoardDef } from "../core/board";
import { Hal } from "../core/hal";
import { Fifo } from "../core/fifo";
import { Scheduler, Task, Timer } from "../core/sched";
import { AtError } from "../at/errors";
import { AtEngine } from "../at/engine";
import { ScriptRunner } from "../at/script";
import { ModemError, ModemErrorKind, modemError } from "./errors";
import { ATTACH, CONFIGURE, Facts, HEALTH, netClose, RECOVER, REGISTER, VERIFY } from "./scripts";
import { Reg, regName, Signal } from "./status";

export const enum St {
  Off = 0,
  PowerOn = 1,
  BaudSearch = 2,
  Booting = 3,
  Configure = 4,
  Register = 5,
  Attach = 6,
  Online = 7,
  Recover = 8,
  Reset = 9,
  PowerOff = 10,
  Failed = 11,
}

/** Names of St values, by number. */
export const STATE_NAMES = ["off", "powering-on", "baud-search", "booting", "configuring", "registering", "attaching", "online", "recovering", "resetting", "powering-off", "failed"];

const enum Ev {
  Start = 0,
  Stop = 1,
  /** A script or probe ended: see `lastErr` / `lastStep`. */
  Done = 2,
  Timer = 3,
  Banner = 4,
  NetLost = 5,
  Stall = 6,
}

/** Why every open link was lost. */
export type LossReason = "network" | "reboot" | "reset" | "stop";

/** What the supervisor tells the modem object (called from its task; must not throw). */
export interface SupervisorListener {
  state(name: string): void;
  online(ip: string): void;
  linksLost(reason: LossReason): void;
  failed(e: ModemError): void;
  progress(text: string): void;
}

/** The options the supervisor reads (validated by the modem's schema). */
export interface SupervisorOptions {
  apn: string;
  user: string;
  password: string;
  authType: number;
  pin: string;
  dataMode: string;
  escapeWithDtr: boolean;
  baud: number;
  searchBauds: number[];
  switchBaud: boolean;
  probeTimeoutMs: number;
  probeIntervalMs: number;
  bootTimeoutMs: number;
  powerSettleMs: number;
  powerOffWaitMs: number;
  simTimeoutMs: number;
  registrationTimeoutMs: number;
  registrationPollMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  maxNetRetries: number;
  maxResets: number;
  healthCheckMs: number;
}

export interface Counters {
  reboots: number;
  recoveries: number;
  resets: number;
  powerCycles: number;
  timeouts: number;
  lateBanners: number;
}

/** AT+CRESET's deadline, RESET pin pulse, ms. */
const CRESET_MS = 5000;
const RESET_PULSE_MS = 300;
/** How long the command in flight may still take after a boot banner, ms. */
const BANNER_HURRY_MS = 2000;
/** Progress report period while registering, ms. */
const PROGRESS_MS = 10000;
/** Silence before `+++` (the module wants 1 s), ms; its OK comes 1 s after; we listen until ESCAPE_END_MS. */
const ESCAPE_GUARD_MS = 1100;
const ESCAPE_ANSWER_FROM_MS = 900;
const ESCAPE_END_MS = 2100;

export class Supervisor {
  readonly counters: Counters = { reboots: 0, recoveries: 0, resets: 0, powerCycles: 0, timeouts: 0, lateBanners: 0 };
  readonly facts: Facts;
  state = St.Off;
  powered = false;
  baud = 0;
  foundAtBaud = 0;
  lastError: ModemError | null = null;
  /** Why the module was left powered on stop() ("" when it was powered off). */
  keptPowered = "";
  private hal: Hal;
  private board: BoardDef;
  private o: SupervisorOptions;
  private sched: Scheduler;
  private engine: AtEngine;
  private runner: ScriptRunner<Facts>;
  private l: SupervisorListener;
  private q: Fifo<number>;
  private task: Task;
  private timer: Timer | undefined = undefined;
  private tgen = 0;
  private sgen = 0;
  private lastErr: AtError | null = null;
  private step = 0;
  private target: number;
  private baudIndex = 0;
  private tries = 0;
  private afterBoot = false;
  private pressOnBoot = false;
  private deadline = 0;
  private probing = false;
  private netRetries = 0;
  private backoff = 0;
  private resetsInRow = 0;
  private hard = false;
  private keepPowered = false;
  private echoMark = 0;
  private reported = true;
  private verifying = false;
  private lastProgress = 0;
  /** The line is borrowed for the start-up escape; what arrived after its guard time (tail). */
  private escaping = false;
  private escAt = 0;
  private heard = "";
  /** Booting after a power cycle's presses: one more press is allowed if nothing answers. */
  private cycled = false;

  constructor(hal: Hal, board: BoardDef, o: SupervisorOptions, sched: Scheduler, engine: AtEngine, listener: SupervisorListener) {
    this.hal = hal;
    this.board = board;
    this.o = o;
    this.sched = sched;
    this.engine = engine;
    this.l = listener;
    this.target = o.baud || board.uart.baud;
    const self = this;
    this.facts = {
      apn: o.apn,
      user: o.user,
      password: o.password,
      authType: o.authType,
      pin: o.pin,
      cipMode: o.dataMode === "transparent" ? 1 : 0,
      rxMode: o.dataMode === "buffer" ? 1 : 0,
      escapeWithDtr: o.escapeWithDtr,
      simTimeoutMs: o.simTimeoutMs,
      registrationPollMs: o.registrationPollMs,
      regDeadline: 0,
      now: function () {
        return sched.now();
      },
      sim: "unknown",
      signal: undefined,
      creg: undefined,
      cgreg: undefined,
      cereg: undefined,
      ip: "",
      netWasOpen: false,
      netopenFailed: false,
      pinNeeded: false,
      failKind: "power",
      failText: "",
      polled: function () {
        self.polled();
      },
    };
    this.runner = new ScriptRunner(engine, sched, this.facts);
    this.q = new Fifo(16);
    this.task = sched.task(function () {
      self.drain();
    });
    const banner = function (): void {
      self.push(Ev.Banner);
    };
    engine.onUrc("RDY", banner);
    engine.onUrc("*ATREADY", banner);
    engine.onUrc("SMS DONE", banner);
    engine.onUrc("PB DONE", banner);
    engine.onUrc("+CPIN: READY", banner);
    engine.onUrc("+CIPEVENT:", function (line: string) {
      if (line.indexOf("NETWORK CLOSED") > 0) self.push(Ev.NetLost);
    });
    engine.onUrc("+CGEV:", function (line: string) {
      // "+CGEV: ME PDN DEACT 1", "+CGEV: NW PDN DEACT 1": our context (cid 1) is gone.
      if (line.indexOf("PDN DEACT") > 0 && line.substr(line.length - 2) === " 1") self.push(Ev.NetLost);
    });
    const regUrc = function (line: string): void {
      self.regUrc(line);
    };
    engine.onUrc("+CREG:", regUrc);
    engine.onUrc("+CGREG:", regUrc);
    engine.onUrc("+CEREG:", regUrc);
  }

  // ---- requests ------------------------------------------------------------------------------

  start(): void {
    this.push(Ev.Start);
  }

  /** Close the network and power the module off — unless `keepPowered`, or the board cannot power it on again. */
  stop(keepPowered: boolean): void {
    this.keepPowered = keepPowered;
    this.push(Ev.Stop);
  }

  /** The engine timed out a command / stalled (wire the engine listener here). */
  noteTimeout(): void {
    this.counters.timeouts++;
  }

  noteStall(): void {
    this.push(Ev.Stall);
  }

  /** Transparent mode saw the boot banner as data and confirmed the module left data mode: it rebooted. */
  noteReboot(): void {
    this.push(Ev.Banner);
  }

  /** The socket layer saw `+CIPERROR: 4` (PDN lost under a send). */
  noteNetworkError(): void {
    this.push(Ev.NetLost);
  }

  isOnline(): boolean {
    return this.state === St.Online;
  }

  /** Registration per domain as words. */
  regText(r: Reg | undefined): string {
    return r === undefined ? "unknown" : regName(r);
  }

  signal(): Signal | undefined {
    return this.facts.signal;
  }

  // ---- events ------------------------------------------------------------------------------

  private push(ev: number): void {
    if (!this.q.push(ev)) {
      // Only URC storms fill it; an event of the same type already waiting says the same thing.
      for (let i = 0; i < this.q.n; i++) if (this.q.at(i) === ev) return;
      this.q.shift();
      this.q.push(ev);
    }
    this.sched.post(this.task);
  }

  private drain(): void {
    while (this.q.n) {
      const ev = this.q.shift() as number;
      this.handle(ev);
    }
  }

  private handle(ev: number): void {
    if (ev === Ev.Stop && this.state !== St.Off && this.state !== St.PowerOff) return this.enter(St.PowerOff);
    if (ev === Ev.Stall) return this.onStall();
    if (ev === Ev.Done && this.echoBack()) {
      // Echo is on again after ATE0: the module rebooted under us (its banner missed or taken for a late one).
      this.counters.reboots++;
      this.lose("reboot");
      return this.enter(St.Configure);
    }
    switch (this.state) {
      case St.Off:
      case St.Failed:
        if (ev === Ev.Start) this.enter(St.PowerOn);
        return;
      case St.PowerOn:
        return this.onPowerOn(ev);
      case St.BaudSearch:
        return this.onBaudSearch(ev);
      case St.Booting:
        return this.onBooting(ev);
      case St.Configure:
      case St.Register:
      case St.Attach:
        return this.onBringUp(ev);
      case St.Online:
        return this.onOnline(ev);
      case St.Recover:
        return this.onRecover(ev);
      case St.Reset:
        return this.onReset(ev);
      case St.PowerOff:
        return this.onPowerOff(ev);
    }
  }

  /** The only place the state changes: cancels the state's timer and script, then runs the new state's entry. */
  private enter(next: St): void {
    this.state = next;
    this.step = 0;
    this.probing = false;
    this.endEscape();
    this.verifying = false;
    this.disarm();
    this.runner.cancel();
    this.sgen++;
    this.tell(STATE_NAMES[next]);
    switch (next) {
      case St.PowerOn:
        return this.entryPowerOn();
      case St.BaudSearch:
        this.baudIndex = -1;
        return this.nextBaud();
      case St.Booting:
        return this.entryBooting();
      case St.Configure:
        this.facts.pinNeeded = false;
        return this.run(CONFIGURE);
      case St.Register:
        this.echoMark = this.engine.stats.echoes;
        this.facts.regDeadline = this.sched.now() + this.o.registrationTimeoutMs;
        this.lastProgress = this.sched.now();
        return this.run(REGISTER);
      case St.Attach:
        return this.run(ATTACH);
      case St.Online:
        return this.entryOnline();
      case St.Recover:
        this.counters.recoveries++;
        this.lose("network");
        this.netRetries = 0;
        this.backoff = this.o.backoffMinMs;
        return this.run(RECOVER);
      case St.Reset:
        return this.entryReset();
      case St.PowerOff:
        return this.entryPowerOff();
      case St.Failed: {
        const e = this.lastError as ModemError;
        try {
          this.l.failed(e);
        } catch (x) {
          // listener errors are the modem object's business
        }
        return;
      }
    }
  }

  private tell(name: string): void {
    try {
      this.l.state(name);
    } catch (e) {
      // never let a listener break the state machine
    }
  }

  private progress(text: string): void {
    try {
      this.l.progress(text);
    } catch (e) {
      // ignored
    }
  }

  private fail(kind: ModemErrorKind, text: string, cause: AtError | null): void {
    this.releasePins();
    this.lastError = modemError(kind, text, cause);
    this.lose("reset");
    this.enter(St.Failed);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Run a script; its end becomes a Done event (stale ends of earlier states are dropped). */
  private run(script: typeof CONFIGURE): void {
    const g = this.sgen;
    const self = this;
    // A check sets these before its FAIL; a RETRY sets them too (the SIM query): never let them outlive the script.
    this.facts.failKind = "power";
    this.facts.failText = "";
    this.runner.run(script, function (e: AtError | null, step: number) {
      if (g !== self.sgen) return;
      self.lastErr = e;
      self.step = step;
      self.push(Ev.Done);
    });
  }

  /** One AT probe with the probe deadline; its end is a Done event with lastErr. */
  private probe(): void {
    this.probing = true;
    const g = this.sgen;
    const self = this;
    const ok = this.engine.submit({ request: "AT", timeout: this.o.probeTimeoutMs }, function (r) {
      if (g !== self.sgen) return;
      self.probing = false;
      self.lastErr = r.error;
      if (r.error) self.engine.reset(); // nobody answering: drop the resynchronisation and the timeout count
      self.push(Ev.Done);
    });
    if (!ok) {
      this.engine.reset();
      this.probing = false;
      this.lastErr = { kind: "reset", code: -1, text: "engine refused the probe" };
      this.push(Ev.Done);
    }
  }

  private arm(ms: number): void {
    this.disarm();
    const g = ++this.tgen;
    const self = this;
    this.timer = this.sched.after(ms, function () {
      self.timer = undefined;
      if (g === self.tgen) self.push(Ev.Timer);
    });
  }

  private disarm(): void {
    this.sched.cancel(this.timer);
    this.timer = undefined;
    this.tgen++;
  }

  private lose(reason: LossReason): void {
    if (this.reported) return;
    this.reported = true;
    this.facts.ip = "";
    try {
      this.l.linksLost(reason);
    } catch (e) {
      // ignored
    }
  }

  private setBaud(rate: number): void {
    this.baud = rate;
    this.engine.setBaud(rate);
    this.hal.uart.setup(rate);
  }

  /** In the states after configuring: the module echoed a command since ATE0 took effect. */
  private echoBack(): boolean {
    const s = this.state;
    if (s !== St.Register && s !== St.Attach && s !== St.Recover && s !== St.Online) return false;
    return this.engine.stats.echoes > this.echoMark;
  }

  private regUrc(line: string): void {
    const colon = line.indexOf(":");
    const r = this.facts;
    const v = parseRegUrc(line.substr(colon + 2));
    if (v === undefined) return;
    if (line.charAt(2) === "R") r.creg = v;
    else if (line.charAt(2) === "G") r.cgreg = v;
    else r.cereg = v;
  }

  private polled(): void {
    const now = this.sched.now();
    if (now - this.lastProgress < PROGRESS_MS) return;
    this.lastProgress = now;
    const f = this.facts;
    const waited = Math.round((now - (f.regDeadline - this.o.registrationTimeoutMs)) / 1000);
    const s = f.signal && f.signal.dbm !== undefined ? ", signal " + f.signal.dbm + " dBm" : ", no signal yet";
    this.progress("registering: LTE " + this.regText(f.cereg) + ", packet " + this.regText(f.cgreg) + ", " + waited + " s of " + Math.round(this.o.registrationTimeoutMs / 1000) + " s" + s);
  }

  private onStall(): void {
    switch (this.state) {
      case St.Off:
      case St.Failed:
      case St.PowerOff:
      case St.PowerOn:
      case St.BaudSearch:
      case St.Booting:
        // Probing a silent module times out by design; the state's own deadline decides.
        this.engine.reset();
        return;
      default:
        this.hard = true;
        this.enter(St.Reset);
    }
  }

  // ---- power and baud ------------------------------------------------------------------------

  private entryPowerOn(): void {
    this.resetsInRow = 0;
    this.cycled = false;
    this.keptPowered = "";
    const h = this.hal;
    if (h.powerEnable) h.powerEnable.write(true);
    if (h.dtr) h.dtr.write(true);
    this.releasePins();
    this.engine.start();
    this.engine.reset();
    this.setBaud(this.target);
    this.foundAtBaud = 0;
    this.arm(this.o.powerSettleMs > 0 ? this.o.powerSettleMs : 1);
  }

  private onPowerOn(ev: number): void {
    if (ev === Ev.Timer) {
      if (this.step === 3) return this.escapeSend();
      if (this.step === 4) return this.escapeEnd();
      if (this.hal.status && !this.hal.status.read()) {
        // The STATUS pin says off: press at once, no baud search.
        this.pressOnBoot = true;
        return this.enter(St.Booting);
      }
      this.step = 1;
      return this.probe();
    }
    if (ev !== Ev.Done) return;
    if (!this.lastErr) return this.answered();
    if (this.step < 2) {
      this.step++;
      return this.probe();
    }
    if (this.step === 2) return this.escapeStart();
  }

  /**
   * Nobody answers AT at the configured rate: the module may sit in transparent data mode (an
   * earlier program left it there), forwarding our probes to a peer. Before calling it dead, the
   * escape: the line borrowed (what arrives is data, not answers), ESCAPE_GUARD_MS of silence,
   * `+++` in one write, and only an `OK` that ends what arrived at least ESCAPE_ANSWER_FROM_MS
   * after it counts (a peer's "OK" earlier is data).
   */
  private escapeStart(): void {
    const self = this;
    this.escaping = true;
    this.heard = "";
    this.engine.borrow({
      data: function (d: string): void {
        if (self.step === 4 && self.sched.now() >= self.escAt + ESCAPE_ANSWER_FROM_MS) self.heard = (self.heard + d).substr(-8);
        else self.heard = "";
      },
      wantLine: function (): void {
        // nothing else runs while powering on
      },
    });
    this.step = 3;
    this.arm(Math.max(1, Math.ceil(this.engine.wireIdleAt() + ESCAPE_GUARD_MS - this.sched.now())));
  }

  private escapeSend(): void {
    this.engine.lineWrite("+++");
    this.escAt = this.engine.wireIdleAt();
    this.heard = "";
    this.step = 4;
    this.arm(Math.ceil(this.escAt + ESCAPE_END_MS - this.sched.now()));
  }

  private escapeEnd(): void {
    const ok = this.heard.substr(this.heard.length - 6) === "\r\nOK\r\n";
    this.endEscape();
    if (ok) return this.answered(); // in command mode now; the bring-up closes the stale link
    this.engine.reset();
    this.afterBoot = false;
    this.enter(St.BaudSearch);
  }

  private endEscape(): void {
    if (!this.escaping) return;
    this.escaping = false;
    this.engine.giveBack(false);
  }

  private answered(): void {
    this.powered = true;
    this.cycled = false;
    this.enter(St.Configure);
  }

  private nextBaud(): void {
    const rates = this.o.searchBauds;
    this.baudIndex++;
    while (this.baudIndex < rates.length && rates[this.baudIndex] === this.target) this.baudIndex++;
    if (this.baudIndex < rates.length) {
      this.setBaud(rates[this.baudIndex]);
      this.step = 0;
      this.tries = 0;
      return this.probe();
    }
    this.setBaud(this.target);
    if (!this.afterBoot) {
      // Nobody answers at any rate: the module is off. Press PWRKEY (or wait, without one).
      this.pressOnBoot = true;
      return this.enter(St.Booting);
    }
    this.fail("power", "the module does not answer at any baud rate: check its supply, the PWRKEY wiring and the UART pins", null);
  }

  private onBaudSearch(ev: number): void {
    if (ev !== Ev.Done) return;
    const e = this.lastErr;
    if (this.step === 0) {
      if (e) {
        // The first probe at a new rate may land on a line still holding bytes sent at the old one.
        if (++this.tries < 2) return this.probe();
        return this.nextBaud();
      }
      this.powered = true;
      this.foundAtBaud = this.baud;
      if (!this.o.switchBaud) return this.enter(St.Configure);
      // AT+IPR takes effect right after its OK: follow at once, then confirm.
      this.step = 1;
      const g = this.sgen;
      const self = this;
      this.engine.submit({ request: "AT+IPR=" + this.target, timeout: 5000 }, function (r) {
        if (g !== self.sgen) return;
        self.lastErr = r.error;
        self.push(Ev.Done);
      });
      return;
    }
    if (this.step === 1) {
      if (e) return this.enter(St.Configure); // keep the rate that works
      this.engine.reset();
      this.setBaud(this.target);
      this.step = 2;
      return this.probe();
    }
    if (e) this.setBaud(this.foundAtBaud);
    this.enter(St.Configure);
  }

  private entryBooting(): void {
    this.powered = false;
    this.deadline = this.sched.now() + this.o.bootTimeoutMs;
    const p = this.board.pwrkey;
    if (this.pressOnBoot && this.hal.pwrkey && p) {
      this.hal.pwrkey.write(true);
      this.step = 0;
      return this.arm(p.onPressMs);
    }
    this.step = 1;
    this.arm(this.o.probeIntervalMs);
  }

  private onBooting(ev: number): void {
    if (ev === Ev.Timer) {
      if (this.step === 0) {
        (this.hal.pwrkey as { write(a: boolean): void }).write(false);
        this.deadline = this.sched.now() + this.o.bootTimeoutMs;
        this.step = 1;
        return this.arm(this.o.probeIntervalMs);
      }
      if (!this.probing) this.probe();
      return;
    }
    if (ev === Ev.Banner && this.step === 1 && !this.probing) {
      this.disarm();
      return this.probe();
    }
    if (ev !== Ev.Done) return;
    if (!this.lastErr) return this.answered();
    if (this.sched.now() < this.deadline) return this.arm(this.o.probeIntervalMs);
    if (this.cycled) {
      // The power cycle's long press switches ON a module that had lost its power, and the boot
      // press after it switches it OFF again (a pulse toggles a running A76XX): press once more.
      this.cycled = false;
      this.pressOnBoot = true;
      return this.enter(St.Booting);
    }
    if (this.o.searchBauds.length) {
      this.afterBoot = true;
      return this.enter(St.BaudSearch);
    }
    this.fail("power", "the module did not answer within " + this.o.bootTimeoutMs + " ms of power-on", null);
  }

  // ---- bring-up ------------------------------------------------------------------------------

  private onBringUp(ev: number): void {
    if (ev !== Ev.Done) return; // a banner here is late or a reboot; echo coming back tells (handle)
    const e = this.lastErr;
    if (e === null) {
      if (this.state === St.Configure) return this.enter(St.Register);
      if (this.state === St.Register) return this.enter(St.Attach);
      return this.enter(St.Online);
    }
    if (e.kind === "timeout" || e.kind === "stalled" || e.kind === "reset") {
      // Not a refusal: the module stopped answering (rebooting?). The engine's stall resets it;
      // otherwise start the bring-up again.
      if (!this.engine.stalled()) this.enter(St.Configure);
      return;
    }
    const f = this.facts;
    if (f.failKind === "netopen" && this.state === St.Attach) {
      // Vendor advice: reset the module and bring it up again.
      this.lastError = modemError("netopen", f.failText, e);
      this.hard = false;
      return this.enter(St.Reset);
    }
    const kind = this.state === St.Attach && f.failKind !== "apn" ? "apn" : f.failKind;
    this.fail(kind, f.failText || "bring-up failed at step " + this.step, e);
  }

  // ---- online and recovery -------------------------------------------------------------------

  private entryOnline(): void {
    this.resetsInRow = 0;
    this.reported = false;
    this.lastError = null;
    try {
      this.l.online(this.facts.ip);
    } catch (e) {
      // ignored
    }
    this.armHealth();
  }

  private armHealth(): void {
    if (this.o.healthCheckMs > 0 && this.o.dataMode !== "transparent") this.arm(this.o.healthCheckMs);
  }

  private onOnline(ev: number): void {
    if (ev === Ev.NetLost) return this.enter(St.Recover);
    if (ev === Ev.Banner) {
      // Late banners are common: believe a reboot only when the network is no longer open. A
      // rebooted module never answers the command in flight, so that one may not wait long.
      this.engine.hurry(BANNER_HURRY_MS);
      if (this.verifying) return;
      this.verifying = true;
      this.disarm();
      return this.run(VERIFY);
    }
    if (ev === Ev.Timer) {
      // Traffic proves the module alive: check only after healthCheckMs without an answer.
      // Whole milliseconds: a remainder that rounds to nothing (fractional wire times) would re-arm forever.
      const quiet = this.sched.now() - this.engine.answeredAt;
      if (quiet < this.o.healthCheckMs) return this.arm(Math.ceil(this.o.healthCheckMs - quiet));
      if (!this.runner.running()) this.run(HEALTH);
      return;
    }
    if (ev !== Ev.Done) return;
    if (this.verifying) {
      this.verifying = false;
      if (!this.facts.netWasOpen && this.lastErr === null) {
        this.counters.reboots++;
        this.lose("reboot");
        return this.enter(St.Configure);
      }
      this.counters.lateBanners++;
    }
    this.armHealth();
  }

  private onRecover(ev: number): void {
    if (ev === Ev.Banner) {
      // The module rebooted while the network was down: bring it up from scratch.
      this.counters.reboots++;
      return this.enter(St.Configure);
    }
    if (ev === Ev.Timer) return this.run(RECOVER);
    if (ev !== Ev.Done) return;
    const e = this.lastErr;
    if (!e) return this.enter(St.Online);
    this.netRetries++;
    if (this.netRetries >= this.o.maxNetRetries) {
      this.lastError = modemError("netopen", "the network did not re-open after " + this.netRetries + " attempts", e);
      this.hard = false;
      return this.enter(St.Reset);
    }
    this.progress("recovering: NETOPEN failed (" + e.text + "), next try in " + Math.round(this.backoff / 1000) + " s");
    this.arm(this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.o.backoffMaxMs);
  }

  private entryReset(): void {
    this.cycled = false;
    this.counters.resets++;
    this.resetsInRow++;
    this.lose("reset");
    if (this.resetsInRow > this.o.maxResets) {
      const le = this.lastError;
      return this.fail("gave-up", "the module did not come online after " + this.o.maxResets + " resets", le ? { kind: "error", code: le.code, text: le.text } : null);
    }
    this.engine.reset();
    this.powered = false;
    const h = this.hal;
    if (this.hard) {
      this.counters.powerCycles++;
      if (h.pwrkey && this.board.pwrkey) {
        // A hung module: long press to switch off, wait, then boot with a normal press.
        h.pwrkey.write(true);
        this.step = 1;
        return this.arm(this.board.pwrkey.offPressMs);
      }
      if (h.reset) {
        h.reset.write(true);
        this.step = 3;
        return this.arm(RESET_PULSE_MS);
      }
    }
    // AT+CRESET (also the last resort of a hard reset without pins).
    this.step = 0;
    const g = this.sgen;
    const self = this;
    this.engine.submit({ request: "AT+CRESET", timeout: CRESET_MS }, function () {
      if (g === self.sgen) self.push(Ev.Done);
    });
  }

  private onReset(ev: number): void {
    if (ev === Ev.Done && this.step === 0) {
      // Whatever it answered, the module is restarting: wait for it as after power-on.
      this.engine.reset();
      this.pressOnBoot = false;
      return this.enter(St.Booting);
    }
    if (ev !== Ev.Timer) return;
    const h = this.hal;
    if (this.step === 1) {
      (h.pwrkey as { write(a: boolean): void }).write(false);
      this.step = 2;
      return this.arm(this.o.powerOffWaitMs > 0 ? this.o.powerOffWaitMs : 1);
    }
    if (this.step === 3) (h.reset as { write(a: boolean): void }).write(false);
    this.pressOnBoot = this.step === 2;
    this.cycled = this.step === 2;
    this.enter(St.Booting);
  }

  /** Let go of PWRKEY and RESET: a stop or restart may come in the middle of a press. */
  private releasePins(): void {
    if (this.hal.pwrkey) this.hal.pwrkey.write(false);
    if (this.hal.reset) this.hal.reset.write(false);
  }

  /** The module can be powered on again after AT+CPOF only with a PWRKEY (or power-enable) line. */
  canPowerOn(): boolean {
    return !!(this.hal.pwrkey && this.board.pwrkey);
  }

  private entryPowerOff(): void {
    this.releasePins();
    this.lose("stop");
    // In data mode the NETCLOSE waits until the borrower (transparent mode) has left it.
    if (this.engine.stalled()) this.engine.reset();
    this.step = 0;
    const g = this.sgen;
    const self = this;
    const ok = this.engine.submit(netClose, function () {
      if (g === self.sgen) self.push(Ev.Done);
    });
    if (!ok) this.push(Ev.Done);
  }

  private onPowerOff(ev: number): void {
    if (ev === Ev.Done && this.step === 0) {
      if (this.keepPowered || !this.canPowerOn()) {
        this.keptPowered = this.keepPowered ? "asked to" : "the board has no PWRKEY line to power it on again";
        this.engine.reset();
        return this.enter(St.Off);
      }
      this.step = 1;
      const g = this.sgen;
      const self = this;
      this.engine.submit({ request: "AT+CPOF", timeout: 5000 }, function (r) {
        if (g !== self.sgen) return;
        self.lastErr = r.error;
        self.push(Ev.Done);
      });
      return;
    }
    if (ev === Ev.Done && this.step === 1) {
      if (this.lastErr && this.hal.pwrkey && this.board.pwrkey) {
        this.hal.pwrkey.write(true);
        this.step = 2;
        return this.arm(this.board.pwrkey.offPressMs);
      }
      return this.off();
    }
    if (ev === Ev.Timer && this.step === 2) {
      (this.hal.pwrkey as { write(a: boolean): void }).write(false);
      this.off();
    }
  }

  private off(): void {
    this.powered = false;
    this.engine.reset();
    this.enter(St.Off);
  }
}

/** An unsolicited `+CREG: <stat>[,…]` body → registration. */
function parseRegUrc(body: string): Reg | undefined {
  const end = body.indexOf(",");
  const stat = parseInt(end < 0 ? body : body.substr(0, end), 10);
  if (isNaN(stat) || stat < 0) return undefined;
  return stat <= 5 ? (stat as Reg) : Reg.Other;
}
