// The supervisor's command sequences as data: configure, register, attach, recover, power off (Zephyr-style chat scripts).
//
// Each step says what is sent, when it is skipped, how its answer is judged and how often it is
// retried; the state machine only hears "done" or "failed at step N". Changing "retry NETOPEN
// twice" is the `retries` of one step here. Checks read what they need into the context
// (`Facts`) and set `failKind` before a FAIL so the state machine can name the cause.
import { AtCommand, AtResult, cmd, lineAfter } from "../at/command";
import { FAIL, NEXT, RESTART, RETRY, Script } from "../at/script";
import { ModemErrorKind } from "./errors";
import { isRegistered, parseCsq, parseReg, Reg, Signal } from "./status";

/** Deadline of simple configuration commands, ms. */
const CMD_MS = 5000;
/** AT+NETOPEN's deadline (the module's own limit is 120 s), and AT+NETCLOSE's, ms. */
const NETOPEN_MS = 130000;
const NETCLOSE_MS = 30000;

/** What the scripts read from the module and need from the options. */
export interface Facts {
  apn: string;
  user: string;
  password: string;
  authType: number;
  pin: string;
  /** 1 in transparent mode. */
  cipMode: number;
  /** 1 in buffer-access mode. */
  rxMode: number;
  escapeWithDtr: boolean;
  simTimeoutMs: number;
  registrationPollMs: number;
  /** Absolute time (ms) after which registering fails. */
  regDeadline: number;
  now(): number;
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
  /** Called after each registration poll (progress reports). */
  polled(): void;
}

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

function reg(r: AtResult, prefix: string): Reg | undefined {
  const b = lineAfter(r, prefix);
  return r.error || b === undefined ? undefined : parseReg(b, true);
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

const netOpenQuery: AtCommand = { request: "AT+NETOPEN?", timeout: CMD_MS, match: "+NETOPEN:", need: true };
const netOpen: AtCommand = { request: "AT+NETOPEN", timeout: NETOPEN_MS, async: "+NETOPEN: ", errField: 0 };
export const netClose: AtCommand = { request: "AT+NETCLOSE", timeout: NETCLOSE_MS, async: "+NETCLOSE: ", errField: 0 };
const ipAddr: AtCommand = { request: "AT+IPADDR", timeout: CMD_MS, match: "+IPADDR:" };

function simCheck(r: AtResult, f: Facts): number {
  const state = lineAfter(r, "+CPIN: ");
  const e = r.error;
  if (!e && state !== undefined) {
    f.sim = state;
    if (state === "READY") {
      f.pinNeeded = false;
      return NEXT;
    }
    if (state === "SIM PIN" && f.pin && !f.pinNeeded) {
      f.pinNeeded = true;
      return NEXT;
    }
    if (state.indexOf("PIN") >= 0 || state.indexOf("PUK") >= 0) return fail(f, "sim-pin", "the SIM is locked (" + state + ")" + (f.pin ? "" : ": set the pin option"));
  }
  if (e && e.kind === "cme" && (e.code === 10 || e.text.indexOf("not inserted") >= 0)) {
    f.sim = "not inserted";
    return fail(f, "sim-missing", "no SIM card: insert one (contacts down) with the module off");
  }
  // Busy, not ready, a bare ERROR: the SIM is still starting; ask again until simTimeoutMs.
  f.sim = e ? e.text : "not ready";
  f.failKind = "sim";
  f.failText = "the SIM did not become ready within " + f.simTimeoutMs + " ms";
  return RETRY;
}

const simQuery = { cmd: { request: "AT+CPIN?", timeout: CMD_MS, match: "+CPIN:" }, check: simCheck, wait: 1000, until: (f: Facts) => f.simTimeoutMs };

function readIp(r: AtResult, f: Facts): number {
  const ip = lineAfter(r, "+IPADDR: ");
  f.ip = !r.error && ip !== undefined ? ip : "";
  return NEXT;
}

export const CONFIGURE: Script<Facts> = {
  name: "configure",
  steps: [
    { cmd: cmd("ATE0", CMD_MS), retries: 1 },
    { cmd: cmd("AT+CMEE=1", CMD_MS), retries: 1 },
    simQuery,
    {
      cmd: (f: Facts) => cmd('AT+CPIN="' + f.pin + '"', CMD_MS),
      when: (f: Facts) => f.pinNeeded,
      check: (r: AtResult, f: Facts) => (r.error ? fail(f, "sim-pin", "the SIM refused the PIN") : NEXT),
    },
    { cmd: simQuery.cmd, check: simCheck, wait: 1000, until: simQuery.until, when: (f: Facts) => f.pinNeeded },
    { cmd: cmd("AT+CSQ", CMD_MS, "+CSQ:"), check: readSignal, optional: true },
  ],
};

export const REGISTER: Script<Facts> = {
  name: "register",
  restartWait: (f: Facts) => f.registrationPollMs,
  steps: [
    { cmd: cmd("AT+CSQ", CMD_MS, "+CSQ:"), check: readSignal, optional: true },
    {
      cmd: cmd("AT+CREG?", CMD_MS, "+CREG:"),
      check: (r: AtResult, f: Facts) => {
        f.creg = reg(r, "+CREG: ");
        return NEXT;
      },
    },
    {
      cmd: cmd("AT+CGREG?", CMD_MS, "+CGREG:"),
      check: (r: AtResult, f: Facts) => {
        f.cgreg = reg(r, "+CGREG: ");
        return NEXT;
      },
    },
    {
      cmd: cmd("AT+CEREG?", CMD_MS, "+CEREG:"),
      check: (r: AtResult, f: Facts) => {
        f.cereg = reg(r, "+CEREG: ");
        f.polled();
        if ((f.cgreg !== undefined && isRegistered(f.cgreg)) || (f.cereg !== undefined && isRegistered(f.cereg))) return NEXT;
        if (f.now() < f.regDeadline) return RESTART;
        const denied = f.creg === Reg.Denied || f.cgreg === Reg.Denied || f.cereg === Reg.Denied;
        return fail(f, "registration", denied ? "registration denied by the network: check the SIM's plan and that the radio technology is supported" : "not registered in time (still searching): check the antenna and coverage");
      },
    },
  ],
};

export const ATTACH: Script<Facts> = {
  name: "attach",
  steps: [
    {
      // Start from a closed network: CIPMODE can only be set then, and no stale link survives.
      cmd: netOpenQuery,
      check: (r: AtResult, f: Facts) => {
        f.netWasOpen = netIsOpen(r);
        f.netopenFailed = false;
        return NEXT;
      },
      optional: true,
    },
    { cmd: netClose, when: (f: Facts) => f.netWasOpen, optional: true },
    {
      cmd: (f: Facts) => cmd('AT+CGDCONT=1,"IP","' + f.apn + '"', CMD_MS),
      check: (r: AtResult, f: Facts) => (r.error ? fail(f, "apn", "the module refused the APN " + JSON.stringify(f.apn)) : NEXT),
    },
    {
      cmd: (f: Facts) => cmd("AT+CGAUTH=1," + f.authType + ',"' + f.password + '","' + f.user + '"', CMD_MS),
      when: (f: Facts) => f.user !== "",
      check: (r: AtResult, f: Facts) => (r.error ? fail(f, "apn", "the module refused the PDP user/password") : NEXT),
    },
    { cmd: (f: Facts) => cmd("AT+CIPMODE=" + f.cipMode, CMD_MS) },
    { cmd: (f: Facts) => cmd("AT+CIPRXGET=" + f.rxMode, CMD_MS) },
    { cmd: cmd("AT+CIPHEAD=1", CMD_MS), optional: true },
    { cmd: cmd("AT+CIPSRIP=1", CMD_MS), optional: true },
    { cmd: cmd("AT&D1", CMD_MS), when: (f: Facts) => f.escapeWithDtr, optional: true },
    {
      cmd: netOpen,
      check: (r: AtResult, f: Facts) => {
        f.netopenFailed = !netOpened(r);
        return NEXT;
      },
    },
    {
      // The vendor's advice: a failed NETOPEN is no failure when AT+NETOPEN? says open.
      cmd: netOpenQuery,
      when: (f: Facts) => f.netopenFailed,
      check: (r: AtResult, f: Facts) => (netIsOpen(r) ? NEXT : fail(f, "netopen", "AT+NETOPEN failed")),
    },
    { cmd: ipAddr, check: readIp, optional: true },
  ],
};

/** After a network loss: close what is left open, NETOPEN again (the state machine spaces the attempts). */
export const RECOVER: Script<Facts> = {
  name: "recover",
  steps: [
    {
      cmd: netOpenQuery,
      check: (r: AtResult, f: Facts) => {
        f.netWasOpen = netIsOpen(r);
        return NEXT;
      },
      optional: true,
    },
    { cmd: netClose, when: (f: Facts) => f.netWasOpen, optional: true },
    { cmd: netOpen, check: (r: AtResult, f: Facts) => (netOpened(r) ? NEXT : fail(f, "netopen", "the network did not re-open")) },
    { cmd: ipAddr, check: readIp, optional: true },
  ],
};

/** Is the data network still open? (a boot banner arrived while online). */
export const VERIFY: Script<Facts> = {
  name: "verify",
  steps: [
    {
      cmd: netOpenQuery,
      check: (r: AtResult, f: Facts) => {
        f.netWasOpen = netIsOpen(r);
        return r.error && r.error.kind === "timeout" ? RETRY : NEXT;
      },
      retries: 1,
    },
  ],
};

/** The online health check: the module answers and the signal is read. */
export const HEALTH: Script<Facts> = {
  name: "health",
  steps: [{ cmd: { request: "AT+CSQ", timeout: 2000, match: "+CSQ:" }, check: readSignal }],
};
