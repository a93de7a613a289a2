// Modem supervisor: the state machine that powers the module, brings it up with scripts, keeps it online and recovers on its own.
//
// Shape (after Zephyr's modem_cellular): an enum of states, an enum of events, one handler per
// state and `enter()` as the only place that assigns the state. Everything that happens — a
// script's end, a timer, a URC, an engine stall, a user request — becomes an event in a fixed
// queue handled by one task, never by nested calls. The command sequences are the scripts of
// scripts.ts; this file decides which runs when and what their outcome means.
//
//   Off → PowerOn: probe AT at the configured rate (a PWRKEY press on a running module turns it
//   OFF); no answer → try the data-mode escape (a module a previous run left in transparent mode
//   answers `+++` with OK); still nothing → the baud search when the tools part installed it, else
//   Booting: PWRKEY press, then AT every probeIntervalMs (or at the boot banner) until
//   bootTimeoutMs → Configure → Register → Attach → Online.
//   Online → Recover on a network loss (links reported lost, NETOPEN again with doubling backoff;
//   after maxNetRetries → Reset). A boot banner while online hurries the command in flight and
//   asks AT+NETOPEN?: closed means the module rebooted (links lost, bring-up redone). Echo coming
//   back after ATE0 means the same. An engine stall → Reset with a power cycle; a NETOPEN failure
//   → Reset with AT+CRESET. Failed (SIM, registration, APN, gave up) waits for start().
import { BoardDef } from "../core/board";
import { Hal } from "../core/hal";
import { Fifo } from "../core/fifo";
import { Scheduler, Task, Timer } from "../core/sched";
import { AtResult } from "../at/command";
import { AtError } from "../at/errors";
import { AtEngine } from "../at/engine";
import { Script, ScriptRunner } from "../at/script";
import { ModemError, ModemErrorKind, modemError } from "./errors";
import { ATTACH, CONFIGURE, Facts, HEALTH, netClose, NETCLOSE_MS, RECOVER, REGISTER, VERIFY } from "./scripts";
import { Reg, regName } from "./status";

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

/** Names of St values, by number (one string in the code until asked for). */
export function stateNames(): string[] {
  return "off powering-on baud-search booting configuring registering attaching online recovering resetting powering-off failed".split(" ");
}

const enum Ev {
  Start = 0,
  Stop = 1,
  /** A script, probe or command ended: see `lastErr`. */
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

/**
 * The baud search (installed by the tools part): probe other rates, switch the module back to
 * `target` with AT+IPR; `done(rate)` with the rate it was found at, or 0 when nobody answered.
 */
export type BaudSearch = (target: number, done: (foundAt: number) => void) => void;

/** AT+CRESET's deadline, RESET pin pulse, ms. */
const CRESET_MS = 5000;
const RESET_PULSE_MS = 300;
/** How long the command in flight may still take after a boot banner, ms. */
const BANNER_HURRY_MS = 2000;
/** Progress report period while registering, ms. */
const PROGRESS_MS = 10000;
/** Silence before and after the data-mode escape, and the time for its OK, ms. */
const GUARD_MS = 1100;

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
  /** The baud search, when the tools part installed it. */
  search: BaudSearch | undefined = undefined;
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
  /** Generation of the current state: answers and timers of an earlier one are dropped. */
  private sgen = 0;
  private lastErr: AtError | null = null;
  private step = 0;
  private target: number;
  private deadline = 0;
  private netRetries = 0;
  private backoff = 0;
  private resetsInRow = 0;
  private hard = 0;
  private press = 0;
  /** Booting after a power cycle: one more press when nothing answers (see Booting). */
  private again = 0;
  /** The baud search ran before booting (a second one after the boot is the last try). */
  private searched = 0;
  private keepPowered = 0;
  private echoMark = 0;
  private reported = 1;
  private verifying = 0;
  private lastProgress = 0;

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
      o: o,
      cipMode: o.dataMode === "transparent" ? 1 : 0,
      rxMode: o.dataMode === "buffer" ? 1 : 0,
      regDeadline: 0,
      clock: sched,
      sup: this,
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
    };
    this.runner = new ScriptRunner(engine, sched, this.facts);
    this.q = new Fifo(16);
    this.task = sched.task(function () {
      while (self.q.n) self.handle(self.q.shift() as number);
    });
    listen(engine, this);
  }

  // ---- requests ------------------------------------------------------------------------------

  start(): void {
    this.push(Ev.Start);
  }

  /** Close the network and power the module off — unless `keepPowered`, or the board cannot power it on again. */
  stop(keepPowered: boolean): void {
    this.keepPowered = keepPowered ? 1 : 0;
    this.push(Ev.Stop);
  }

  /** The engine timed out a command / stalled. */
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

  /** `+CIPERROR: 4` under a send, or transparent mode's network loss. */
  noteNetworkError(): void {
    this.push(Ev.NetLost);
  }

  isOnline(): boolean {
    return this.state === St.Online;
  }

  /** Registration as words. */
  regText(r: Reg | undefined): string {
    return r === undefined ? "unknown" : regName(r);
  }

  /** The module can be powered on again after AT+CPOF only with a PWRKEY line. */
  canPowerOn(): boolean {
    return !!(this.hal.pwrkey && this.board.pwrkey);
  }

  /** Run the UART (and the engine's wire timing) at `rate`. */
  setBaud(rate: number): void {
    this.baud = rate;
    this.engine.setBaud(rate);
    this.hal.uart.setup(rate);
  }

  // ---- events ------------------------------------------------------------------------------

  /** Queue event `ev` (internal; used by the URC handlers). */
  push(ev: number): void {
    if (!this.q.push(ev)) {
      // Only URC storms fill it; an event of the same type already waiting says the same thing.
      for (let i = 0; i < this.q.n; i++) if (this.q.at(i) === ev) return;
      this.q.shift();
      this.q.push(ev);
    }
    this.sched.post(this.task);
  }

  private handle(ev: number): void {
    const s = this.state;
    if (ev === Ev.Stop && s !== St.Off && s !== St.PowerOff) return this.enter(St.PowerOff);
    if (ev === Ev.Stall) {
      // Probing a silent module times out by design; only a stall of a running module resets it.
      if (s < St.Configure || s >= St.PowerOff) return this.engine.reset();
      this.hard = 1;
      return this.enter(St.Reset);
    }
    if (ev === Ev.Done && s >= St.Register && s <= St.Recover && this.engine.stats.echoes > this.echoMark) {
      // Echo is on again after ATE0: the module rebooted under us (its banner missed or taken for a late one).
      this.counters.reboots++;
      this.lose("reboot");
      return this.enter(St.Configure);
    }
    const e = this.lastErr;
    switch (s) {
      case St.Off:
      case St.Failed:
        if (ev === Ev.Start) this.enter(St.PowerOn);
        return;
      case St.PowerOn:
        if (ev === Ev.Timer) {
          // The STATUS pin says off: press at once, no probing.
          if (this.hal.status && !this.hal.status.read()) return this.boot();
          return this.probe("AT", this.o.probeTimeoutMs);
        }
        if (ev !== Ev.Done) return;
        if (!e) return this.answered();
        if (++this.step < 2) return this.probe("AT", this.o.probeTimeoutMs);
        if (this.step === 2) return this.escape();
        this.searched = 0;
        return this.search ? this.enter(St.BaudSearch) : this.boot();
      case St.BaudSearch:
        if (ev !== Ev.Done) return;
        if (!e) return this.answered();
        if (this.searched) return this.fail("power", "no answer at any baud rate: check the supply, the PWRKEY wiring and the UART pins", null);
        this.searched = 1;
        return this.boot();
      case St.Booting:
        if (ev === Ev.Timer && this.step === 0) {
          // The PWRKEY press is over: wait for the module to boot.
          (this.hal.pwrkey as { write(a: boolean): void }).write(false);
          this.step = 1;
          this.deadline = this.sched.now() + this.o.bootTimeoutMs;
          return this.arm(this.o.probeIntervalMs);
        }
        if ((ev === Ev.Timer || ev === Ev.Banner) && this.step === 1) {
          this.step = 2;
          this.disarm();
          return this.probe("AT", this.o.probeTimeoutMs);
        }
        if (ev !== Ev.Done) return;
        if (!e) return this.answered();
        this.step = 1;
        if (this.sched.now() < this.deadline) return this.arm(this.o.probeIntervalMs);
        if (this.again) {
          // A power cycle's long press can switch ON a module that had lost power, and its boot
          // press then switches it off again (a pulse toggles a running A76XX): press once more.
          this.again = 0;
          return this.boot();
        }
        // It may have booted at another rate.
        if (this.search && this.searched) return this.enter(St.BaudSearch);
        return this.fail("power", "no answer within " + this.o.bootTimeoutMs + " ms of power-on", null);
      case St.Configure:
      case St.Register:
      case St.Attach:
        if (ev === Ev.Done) this.bringUp(e as AtError | null);
        return;
      case St.Online:
        return this.onOnline(ev, e);
      case St.Recover:
        if (ev === Ev.Banner) {
          // The module rebooted while the network was down: bring it up from scratch.
          this.counters.reboots++;
          return this.enter(St.Configure);
        }
        if (ev === Ev.Timer) return this.run(RECOVER);
        if (ev !== Ev.Done) return;
        if (!e) return this.enter(St.Online);
        if (++this.netRetries >= this.o.maxNetRetries) {
          this.lastError = modemError("netopen", "no NETOPEN after " + this.netRetries + " tries", e);
          this.hard = 0;
          return this.enter(St.Reset);
        }
        this.progress("recovering: NETOPEN failed (" + e.text + "), next try in " + Math.round(this.backoff / 1000) + " s");
        this.arm(this.backoff);
        this.backoff = Math.min(this.backoff * 2, this.o.backoffMaxMs);
        return;
      case St.Reset:
        return this.onReset(ev);
      case St.PowerOff:
        return this.onPowerOff(ev, e);
    }
  }

  /** The only place the state changes: cancels the state's timer and script, then runs its entry. */
  private enter(next: St): void {
    this.state = next;
    this.step = 0;
    this.verifying = 0;
    this.disarm();
    this.runner.cancel();
    this.sgen++;
    try {
      this.l.state(stateNames()[next]);
    } catch (x) {
      // a listener must not break the state machine
    }
    const f = this.facts;
    const h = this.hal;
    switch (next) {
      case St.PowerOn:
        this.resetsInRow = 0;
        this.keptPowered = "";
        this.foundAtBaud = 0;
        if (h.powerEnable) h.powerEnable.write(true);
        if (h.dtr) h.dtr.write(true);
        this.releasePins();
        this.engine.start();
        this.engine.reset();
        this.setBaud(this.target);
        return this.arm(this.o.powerSettleMs || 1);
      case St.BaudSearch: {
        const g = this.sgen;
        const self = this;
        (this.search as BaudSearch)(this.target, function (at: number) {
          if (g !== self.sgen) return;
          self.foundAtBaud = at === self.target ? 0 : at;
          self.lastErr = at ? null : err("no answer at any rate");
          self.push(Ev.Done);
        });
        return;
      }
      case St.Booting: {
        this.powered = false;
        this.deadline = this.sched.now() + this.o.bootTimeoutMs;
        const p = this.board.pwrkey;
        if (this.press && h.pwrkey && p) {
          h.pwrkey.write(true);
          return this.arm(p.onPressMs);
        }
        this.step = 1;
        return this.arm(this.o.probeIntervalMs);
      }
      case St.Configure:
        f.pinNeeded = false;
        return this.run(CONFIGURE);
      case St.Register:
        this.echoMark = this.engine.stats.echoes;
        this.lastProgress = this.sched.now();
        f.regDeadline = this.lastProgress + this.o.registrationTimeoutMs;
        return this.run(REGISTER);
      case St.Attach:
        return this.run(ATTACH);
      case St.Online:
        this.resetsInRow = 0;
        this.reported = 0;
        this.lastError = null;
        try {
          this.l.online(f.ip);
        } catch (x) {
          // ignored
        }
        return this.armHealth();
      case St.Recover:
        this.counters.recoveries++;
        this.lose("network");
        this.netRetries = 0;
        this.backoff = this.o.backoffMinMs;
        return this.run(RECOVER);
      case St.Reset:
        return this.entryReset();
      case St.PowerOff: {
        this.releasePins();
        this.lose("stop");
        // In data mode the NETCLOSE waits until the borrower (transparent mode) has left it.
        if (this.engine.stalled()) this.engine.reset();
        return this.send("AT+NETCLOSE", NETCLOSE_MS, netClose());
      }
      case St.Failed:
        try {
          this.l.failed(this.lastError as ModemError);
        } catch (x) {
          // ignored
        }
        return;
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

  /** Run a script of this state (built now, dropped when it ends); its end is a Done event. */
  private run(make: () => Script<Facts>): void {
    const g = this.sgen;
    const self = this;
    // A failure cause set by an earlier script (a SIM retry's) must not name this one's.
    this.facts.failKind = "power";
    this.facts.failText = "";
    this.runner.run(make(), function (e: AtError | null) {
      if (g !== self.sgen) return;
      self.lastErr = e;
      self.push(Ev.Done);
    });
  }

  /** One command of this state (its end is a Done event with lastErr); `base` supplies async/raw fields. */
  private send(request: string, timeout: number, base?: { async?: string; errField?: number }): void {
    const g = this.sgen;
    const self = this;
    const c = { request: request, timeout: timeout, async: base && base.async, errField: base && base.errField };
    const ok = this.engine.submit(c, function (r: AtResult) {
      if (g !== self.sgen) return;
      self.lastErr = r.error;
      self.push(Ev.Done);
    });
    if (!ok) {
      this.lastErr = err("the AT engine refused " + request);
      this.push(Ev.Done);
    }
  }

  /** A probe (`AT`, or the raw `+++`); nobody answering drops the engine's resynchronisation and its timeout count. */
  private probe(request: string, ms: number): void {
    const g = this.sgen;
    const self = this;
    const ok = this.engine.submit({ request: request, timeout: ms, raw: request === "+++" }, function (r: AtResult) {
      if (g !== self.sgen) return;
      if (r.error) self.engine.reset();
      self.lastErr = r.error;
      self.push(Ev.Done);
    });
    if (!ok) {
      this.engine.reset();
      this.lastErr = err("probe refused");
      this.push(Ev.Done);
    }
  }

  /**
   * A module a previous run left in transparent data mode forwards our `AT` to its peer: drop DTR
   * (with AT&D1 it leaves data mode) and send `+++` between guard silences; an OK is the module.
   */
  private escape(): void {
    const self = this;
    const g = this.sgen;
    const dtr = this.hal.dtr;
    if (dtr) dtr.write(false);
    this.timer = this.sched.after(GUARD_MS, function () {
      if (dtr) dtr.write(true);
      if (g === self.sgen) self.probe("+++", GUARD_MS + 1500);
    });
  }

  /** Press PWRKEY (when wired) and wait for the module to boot. */
  private boot(): void {
    this.press = 1;
    this.enter(St.Booting);
  }

  private answered(): void {
    this.powered = true;
    this.enter(St.Configure);
  }

  private arm(ms: number): void {
    this.disarm();
    const g = this.sgen;
    const self = this;
    this.timer = this.sched.after(ms, function () {
      self.timer = undefined;
      if (g === self.sgen) self.push(Ev.Timer);
    });
  }

  private disarm(): void {
    this.sched.cancel(this.timer);
    this.timer = undefined;
  }

  private lose(reason: LossReason): void {
    if (this.reported) return;
    this.reported = 1;
    this.facts.ip = "";
    try {
      this.l.linksLost(reason);
    } catch (e) {
      // ignored
    }
  }

  /** After each registration poll: a progress report every PROGRESS_MS. */
  polled(): void {
    const now = this.sched.now();
    if (now - this.lastProgress < PROGRESS_MS) return;
    this.lastProgress = now;
    const f = this.facts;
    const t = this.o.registrationTimeoutMs;
    const sig = f.signal && f.signal.dbm !== undefined ? ", signal " + f.signal.dbm + " dBm" : ", no signal yet";
    this.progress("registering: LTE " + this.regText(f.cereg) + ", packet " + this.regText(f.cgreg) + ", " + Math.round((now - f.regDeadline + t) / 1000) + " s of " + Math.round(t / 1000) + " s" + sig);
  }

  /** A bring-up script ended. */
  private bringUp(e: AtError | null): void {
    const s = this.state;
    if (!e) return this.enter(s === St.Configure ? St.Register : s === St.Register ? St.Attach : St.Online);
    if (e.kind === "timeout" || e.kind === "stalled" || e.kind === "reset") {
      // Not a refusal: the module stopped answering (rebooting?). The engine's stall resets it;
      // otherwise start the bring-up again.
      if (!this.engine.stalled()) this.enter(St.Configure);
      return;
    }
    const f = this.facts;
    if (f.failKind === "netopen") {
      // Vendor advice: reset the module and bring it up again.
      this.lastError = modemError("netopen", f.failText, e);
      this.hard = 0;
      return this.enter(St.Reset);
    }
    this.fail(s === St.Attach && f.failKind !== "apn" ? "apn" : f.failKind, f.failText || "bring-up failed", e);
  }

  // ---- online --------------------------------------------------------------------------------

  private armHealth(): void {
    if (this.o.healthCheckMs > 0 && this.o.dataMode !== "transparent") this.arm(this.o.healthCheckMs);
  }

  private onOnline(ev: number, e: AtError | null): void {
    if (ev === Ev.NetLost) return this.enter(St.Recover);
    if (ev === Ev.Banner) {
      // Late banners are common: believe a reboot only when the network is no longer open. A
      // rebooted module never answers the command in flight, so that one may not wait long.
      this.engine.hurry(BANNER_HURRY_MS);
      if (this.verifying) return;
      this.verifying = 1;
      this.disarm();
      return this.run(VERIFY);
    }
    if (ev === Ev.Timer) {
      // Traffic proves the module alive: check only after healthCheckMs without an answer.
      const quiet = this.sched.now() - this.engine.answeredAt;
      // Whole milliseconds: a wait that rounds to almost nothing would fire and re-arm forever.
      if (quiet < this.o.healthCheckMs) return this.arm(Math.ceil(this.o.healthCheckMs - quiet));
      if (!this.runner.running()) this.run(HEALTH);
      return;
    }
    if (ev !== Ev.Done) return;
    if (this.verifying) {
      this.verifying = 0;
      if (!this.facts.netWasOpen && !e) {
        this.counters.reboots++;
        this.lose("reboot");
        return this.enter(St.Configure);
      }
      this.counters.lateBanners++;
    }
    this.armHealth();
  }

  // ---- reset and power off -------------------------------------------------------------------

  private entryReset(): void {
    this.counters.resets++;
    this.lose("reset");
    if (++this.resetsInRow > this.o.maxResets) {
      const le = this.lastError;
      return this.fail("gave-up", "not online after " + this.o.maxResets + " resets", le ? err(le.text) : null);
    }
    this.engine.reset();
    this.powered = false;
    const h = this.hal;
    if (this.hard && (this.canPowerOn() || h.reset)) {
      this.counters.powerCycles++;
      // A hung module: a long PWRKEY press switches it off (then a normal press boots it), or the RESET pin.
      const pin = this.canPowerOn() ? h.pwrkey : h.reset;
      (pin as { write(a: boolean): void }).write(true);
      this.step = pin === h.pwrkey ? 1 : 3;
      return this.arm(pin === h.pwrkey ? (this.board.pwrkey as { offPressMs: number }).offPressMs : RESET_PULSE_MS);
    }
    // AT+CRESET (also the last resort of a hard reset without pins).
    this.send("AT+CRESET", CRESET_MS);
  }

  private onReset(ev: number): void {
    const h = this.hal;
    if (ev === Ev.Done && this.step === 0) {
      // Whatever it answered, the module is restarting: wait for it as after power-on.
      this.engine.reset();
      this.press = 0;
      return this.enter(St.Booting);
    }
    if (ev !== Ev.Timer) return;
    if (this.step === 1) {
      (h.pwrkey as { write(a: boolean): void }).write(false);
      this.step = 2;
      return this.arm(this.o.powerOffWaitMs || 1);
    }
    if (this.step === 3) (h.reset as { write(a: boolean): void }).write(false);
    this.press = this.again = this.step === 2 ? 1 : 0;
    this.enter(St.Booting);
  }

  /** Let go of PWRKEY and RESET: a stop or restart may come in the middle of a press. */
  private releasePins(): void {
    if (this.hal.pwrkey) this.hal.pwrkey.write(false);
    if (this.hal.reset) this.hal.reset.write(false);
  }

  private onPowerOff(ev: number, e: AtError | null): void {
    const h = this.hal;
    if (ev === Ev.Done && this.step === 0) {
      if (this.keepPowered || !this.canPowerOn()) {
        this.keptPowered = this.keepPowered ? "asked to" : "the board has no PWRKEY line to power it on again";
        this.engine.reset();
        return this.enter(St.Off);
      }
      this.step = 1;
      return this.send("AT+CPOF", 5000);
    }
    if (ev === Ev.Done && this.step === 1 && e) {
      (h.pwrkey as { write(a: boolean): void }).write(true);
      this.step = 2;
      return this.arm((this.board.pwrkey as { offPressMs: number }).offPressMs);
    }
    if ((ev === Ev.Done && this.step === 1) || (ev === Ev.Timer && this.step === 2)) {
      this.releasePins();
      this.powered = false;
      this.engine.reset();
      this.enter(St.Off);
    }
  }
}

/** The URCs the supervisor reacts to: boot banners, network loss, registration. Outside the class so the handlers keep only `sup`. */
function listen(engine: AtEngine, sup: Supervisor): void {
  const banner = function (): void {
    sup.push(Ev.Banner);
  };
  const lost = function (line: string): void {
    // "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY", "+CGEV: ME|NW PDN DEACT 1" (our context, cid 1).
    if (line.indexOf("NETWORK CLOSED") > 0 || (line.indexOf("PDN DEACT") > 0 && line.substr(line.length - 2) === " 1")) sup.push(Ev.NetLost);
  };
  const reg = function (line: string): void {
    const f = sup.facts;
    const v = parseInt(line.substr(line.indexOf(":") + 1), 10);
    if (isNaN(v) || v < 0) return;
    const r = v <= 5 ? (v as Reg) : Reg.Other;
    if (line.charAt(2) === "R") f.creg = r;
    else if (line.charAt(2) === "G") f.cgreg = r;
    else f.cereg = r;
  };
  // One call per prefix, no table: the handlers keep this scope alive, a table in it would stay too.
  engine.onUrc("RDY", banner);
  engine.onUrc("*ATREADY", banner);
  engine.onUrc("SMS DONE", banner);
  engine.onUrc("PB DONE", banner);
  engine.onUrc("+CPIN: READY", banner);
  engine.onUrc("+CIPEVENT:", lost);
  engine.onUrc("+CGEV:", lost);
  engine.onUrc("+CREG:", reg);
  engine.onUrc("+CGREG:", reg);
  engine.onUrc("+CEREG:", reg);
}

function err(text: string): AtError {
  return { kind: "error", code: -1, text: text };
}
