// The supervisor's command sequences as data: configure, register, attach, recover, verify, health (Zephyr-style chat scripts).
//
// Each step says what is sent, when it is skipped, how its answer is judged and how often it is
// retried; the state machine only hears "done" or "failed". Changing "retry NETOPEN twice" is the
// `retries` of one step here. Checks read what they need into the context (`Facts`) and set
// `failKind`/`failText` before a FAIL so the state machine can name the cause.
import { AtCommand, AtResult, cmd, lineAfter } from "../at/command";
import { FAIL, NEXT, RESTART, RETRY, Script, Step } from "../at/script";
import { ModemErrorKind } from "./errors";
import { isRegistered, parseCsq, parseReg, Reg, Signal } from "./status";

/** Deadline of simple configuration commands, ms. */
const CMD_MS = 5000;

/** What the scripts read from the module and need from the options. */
export interface Facts {
  /** The modem's options (apn, user, password, authType, pin, escapeWithDtr, simTimeoutMs, registrationPollMs). */
  o: { apn: string; user: string; password: string; authType: number; pin: string; escapeWithDtr: boolean; simTimeoutMs: number; registrationPollMs: number };
  /** 1 in transparent mode. */
  cipMode: number;
  /** 1 in buffer-access mode. */
  rxMode: number;
  /** Absolute time (ms) after which registering fails. */
  regDeadline: number;
  /** The clock (the scheduler) and the supervisor, whose polled() reports progress after each registration poll. */
  clock: { now(): number };
  sup: { polled(): void };
  sim: string;
  signal: Signal | undefined;
  creg: Reg | undefined;
  cgreg: Reg | undefined;
  cereg: Reg | undefined;
  ip: string;
  netWasOpen: boolean;
  netopenFailed: boolean;
  pinNeeded: boolean;
  /** Set by a check before it returns FAIL. */
  failKind: ModemErrorKind;
  failText: string;
}

type S = Step<Facts>;

function fail(f: Facts, kind: ModemErrorKind, text: string): number {
  f.failKind = kind;
  f.failText = text;
  return FAIL;
}

function readSignal(r: AtResult, f: Facts): number {
  const b = lineAfter(r, "+CSQ: ");
  const s = b === undefined ? undefined : parseCsq(b);
  if (s) f.signal = s;
  return NEXT;
}

function readIp(r: AtResult, f: Facts): number {
  const ip = lineAfter(r, "+IPADDR: ");
  f.ip = !r.error && ip !== undefined ? ip : "";
  return NEXT;
}

/** `+NETOPEN: 1` in the answer of AT+NETOPEN?. */
export function netIsOpen(r: AtResult): boolean {
  const b = lineAfter(r, "+NETOPEN: ");
  return !r.error && b !== undefined && b.charAt(0) === "1";
}

/** OK + `+NETOPEN: 0`, or the idempotence answer "Network is already opened" (IP error 4). */
function netOpened(r: AtResult): boolean {
  const e = r.error;
  return !e || (e.kind === "ip" && (e.code === 4 || e.text.indexOf("already opened") >= 0));
}

function simCheck(r: AtResult, f: Facts): number {
  const state = lineAfter(r, "+CPIN: ");
  const e = r.error;
  if (!e && state !== undefined) {
    f.sim = state;
    if (state === "READY") {
      f.pinNeeded = false;
      return NEXT;
    }
    if (state === "SIM PIN" && f.o.pin && !f.pinNeeded) {
      f.pinNeeded = true;
      return NEXT;
    }
    if (state.indexOf("PIN") >= 0 || state.indexOf("PUK") >= 0) return fail(f, "sim-pin", "SIM locked (" + state + ")" + (f.o.pin ? "" : ": set the pin option"));
  }
  if (e && e.kind === "cme" && (e.code === 10 || e.text.indexOf("not inserted") >= 0)) {
    f.sim = "not inserted";
    return fail(f, "sim-missing", "no SIM card");
  }
  // Busy, not ready, a bare ERROR: the SIM is still starting; ask again until simTimeoutMs.
  f.sim = e ? e.text : "not ready";
  f.failKind = "sim";
  f.failText = "SIM not ready within " + f.o.simTimeoutMs + " ms";
  return RETRY;
}

/** The stored registration of a query answer. */
function regStep(q: string, key: "creg" | "cgreg" | "cereg"): S {
  return {
    cmd: cmd("AT+" + q + "?", CMD_MS, "+" + q + ":"),
    check: function (r: AtResult, f: Facts): number {
      const b = lineAfter(r, "+" + q + ": ");
      f[key] = r.error || b === undefined ? undefined : parseReg(b, true);
      return NEXT;
    },
  };
}

// Scripts are functions that build their steps when they run: the steps (and the closures in
// them) then take heap only while a script runs, not for as long as the library is loaded.
function netOpenQuery(): AtCommand {
  return { request: "AT+NETOPEN?", timeout: CMD_MS, match: "+NETOPEN:", need: true };
}
function netOpen(): AtCommand {
  return { request: "AT+NETOPEN", timeout: 130000, async: "+NETOPEN: ", errField: 0 };
}
/** AT+NETCLOSE's deadline, ms (the answer is asynchronous). */
export const NETCLOSE_MS = 30000;
export function netClose(): AtCommand {
  return { request: "AT+NETCLOSE", timeout: NETCLOSE_MS, async: "+NETCLOSE: ", errField: 0 };
}
function csq(): S {
  return { cmd: cmd("AT+CSQ", CMD_MS, "+CSQ:"), check: readSignal, optional: true };
}
function ipAddr(): S {
  return { cmd: cmd("AT+IPADDR", CMD_MS, "+IPADDR:"), check: readIp, optional: true };
}
/** Is the network open? (recorded in netWasOpen). */
function netQuery(): S {
  return {
    cmd: netOpenQuery(),
    check: function (r: AtResult, f: Facts) {
      f.netWasOpen = netIsOpen(r);
      f.netopenFailed = false;
      return NEXT;
    },
    optional: true,
  };
}
function netCloseIfOpen(): S {
  return { cmd: netClose(), when: (f: Facts) => f.netWasOpen, optional: true };
}
/** AT+CPIN? until the SIM is ready (or simTimeoutMs); `when` limits it to a PIN just entered. */
function simQuery(when?: (f: Facts) => boolean): S {
  return { cmd: cmd("AT+CPIN?", CMD_MS, "+CPIN:"), check: simCheck, wait: 1000, until: (f: Facts) => f.o.simTimeoutMs, when: when };
}

export function CONFIGURE(): Script<Facts> {
  return {
    name: "configure",
    steps: [
      { cmd: cmd("ATE0", CMD_MS), retries: 1 },
      { cmd: cmd("AT+CMEE=1", CMD_MS), retries: 1 },
      simQuery(),
      {
        cmd: (f: Facts) => cmd('AT+CPIN="' + f.o.pin + '"', CMD_MS),
        when: (f: Facts) => f.pinNeeded,
        check: (r: AtResult, f: Facts) => (r.error ? fail(f, "sim-pin", "the SIM refused the PIN") : NEXT),
      },
      simQuery((f: Facts) => f.pinNeeded),
      csq(),
    ],
  };
}

export function REGISTER(): Script<Facts> {
  return {
    name: "register",
    restartWait: (f: Facts) => f.o.registrationPollMs,
    steps: [
      csq(),
      regStep("CREG", "creg"),
      regStep("CGREG", "cgreg"),
      {
        cmd: cmd("AT+CEREG?", CMD_MS, "+CEREG:"),
        check: function (r: AtResult, f: Facts): number {
          const b = lineAfter(r, "+CEREG: ");
          f.cereg = r.error || b === undefined ? undefined : parseReg(b, true);
          f.sup.polled();
          if ((f.cgreg !== undefined && isRegistered(f.cgreg)) || (f.cereg !== undefined && isRegistered(f.cereg))) return NEXT;
          if (f.clock.now() < f.regDeadline) return RESTART;
          const denied = f.creg === Reg.Denied || f.cgreg === Reg.Denied || f.cereg === Reg.Denied;
          return fail(f, "registration", denied ? "registration denied" : "not registered in time (still searching)");
        },
      },
    ],
  };
}

export function ATTACH(): Script<Facts> {
  return {
    name: "attach",
    steps: [
      // Start from a closed network: CIPMODE can only be set then, and no stale link survives.
      netQuery(),
      netCloseIfOpen(),
      {
        cmd: (f: Facts) => cmd('AT+CGDCONT=1,"IP","' + f.o.apn + '"', CMD_MS),
        check: (r: AtResult, f: Facts) => (r.error ? fail(f, "apn", "APN " + JSON.stringify(f.o.apn) + " refused") : NEXT),
      },
      {
        cmd: (f: Facts) => cmd("AT+CGAUTH=1," + f.o.authType + ',"' + f.o.password + '","' + f.o.user + '"', CMD_MS),
        when: (f: Facts) => f.o.user !== "",
        check: (r: AtResult, f: Facts) => (r.error ? fail(f, "apn", "PDP user/password refused") : NEXT),
      },
      { cmd: (f: Facts) => cmd("AT+CIPMODE=" + f.cipMode, CMD_MS) },
      { cmd: (f: Facts) => cmd("AT+CIPRXGET=" + f.rxMode, CMD_MS) },
      { cmd: cmd("AT+CIPHEAD=1", CMD_MS), optional: true },
      { cmd: cmd("AT+CIPSRIP=1", CMD_MS), optional: true },
      { cmd: cmd("AT&D1", CMD_MS), when: (f: Facts) => f.o.escapeWithDtr, optional: true },
      {
        cmd: netOpen(),
        check: function (r: AtResult, f: Facts) {
          f.netopenFailed = !netOpened(r);
          return NEXT;
        },
      },
      {
        // The vendor's advice: a failed NETOPEN is no failure when AT+NETOPEN? says open.
        cmd: netOpenQuery(),
        when: (f: Facts) => f.netopenFailed,
        check: (r: AtResult, f: Facts) => (netIsOpen(r) ? NEXT : fail(f, "netopen", "AT+NETOPEN failed")),
      },
      ipAddr(),
    ],
  };
}

/** After a network loss: close what is left open, NETOPEN again (the state machine spaces the attempts). */
export function RECOVER(): Script<Facts> {
  return {
    name: "recover",
    steps: [netQuery(), netCloseIfOpen(), { cmd: netOpen(), check: (r: AtResult, f: Facts) => (netOpened(r) ? NEXT : fail(f, "netopen", "NETOPEN failed")) }, ipAddr()],
  };
}

/** Is the data network still open? (a boot banner arrived while online). */
export function VERIFY(): Script<Facts> {
  return {
    name: "verify",
    steps: [
      {
        cmd: netOpenQuery(),
        check: function (r: AtResult, f: Facts) {
          f.netWasOpen = netIsOpen(r);
          return r.error && r.error.kind === "timeout" ? RETRY : NEXT;
        },
        retries: 1,
      },
    ],
  };
}

/** The online health check: the module answers and the signal is read. */
export function HEALTH(): Script<Facts> {
  return { name: "health", steps: [{ cmd: { request: "AT+CSQ", timeout: 2000, match: "+CSQ:", need: true }, check: readSignal }] };
}
