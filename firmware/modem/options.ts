// Modem driver options (APN, data mode, baud, timings) with defaults and validation before any byte is sent.
import { A76XX_BAUDS } from "../core/board";
import { overlay } from "../core/overlay";
import { checkApn, checkAuthField } from "../core/validate";

/** How socket data moves (doc section 1): buffer access is the lossless default. */
export type DataMode = "buffer" | "push" | "transparent";

export interface ModemOptions {
  /** Access point name; "" lets the network choose. */
  apn: string;
  /** PDP authentication (AT+CGAUTH) when `user` is non-empty. */
  user: string;
  password: string;
  /** 1 = PAP, 2 = CHAP. */
  authType: number;
  /** SIM PIN, sent only when the SIM asks for it; "" = none (a locked SIM is then an error). */
  pin: string;
  dataMode: DataMode;
  /** Transparent mode leaves data mode by dropping DTR (sets AT&D1; needs a DTR pin) instead of `+++`. */
  escapeWithDtr: boolean;
  /** UART rate to use (the board's default when 0). */
  baud: number;
  /** Rates probed when the module does not answer at `baud`, in order. */
  searchBauds: number[];
  /** After finding the module at another rate, switch it to `baud` with AT+IPR. */
  switchBaud: boolean;
  /** One `AT` probe's deadline, ms. */
  probeTimeoutMs: number;
  /** Pause between probes while the module boots (about 1 s), ms. */
  probeIntervalMs: number;
  /** From PWRKEY release (or reset) to an answer, at most, ms. */
  bootTimeoutMs: number;
  /** Settling time after raising the power-enable pin, ms. */
  powerSettleMs: number;
  /** Wait after a power-off press before pressing again, ms. */
  powerOffWaitMs: number;
  /** How long a SIM may report busy/not ready before it is an error, ms. */
  simTimeoutMs: number;
  /** Registration wait, ms. */
  registrationTimeoutMs: number;
  /** Pause between registration polls, ms. */
  registrationPollMs: number;
  /** First and largest pause between NETOPEN retries while recovering, ms (doubles each time). */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** NETOPEN attempts while recovering before the module is reset. */
  maxNetRetries: number;
  /** Module resets in a row (without reaching online) before the supervisor gives up. */
  maxResets: number;
  /** Period of the online health check (AT+CSQ), ms; 0 = none. Not run in transparent mode (it would cost a +++/ATO cycle). */
  healthCheckMs: number;
}

export const defaultModemOptions: ModemOptions = {
  apn: "",
  user: "",
  password: "",
  authType: 1,
  pin: "",
  dataMode: "buffer",
  escapeWithDtr: false,
  baud: 0,
  searchBauds: [115200, 9600, 57600, 38400, 19200, 230400, 460800, 921600],
  switchBaud: true,
  probeTimeoutMs: 500,
  probeIntervalMs: 1000,
  bootTimeoutMs: 30000,
  powerSettleMs: 100,
  powerOffWaitMs: 3000,
  simTimeoutMs: 20000,
  registrationTimeoutMs: 180000,
  registrationPollMs: 2000,
  backoffMinMs: 1000,
  backoffMaxMs: 30000,
  maxNetRetries: 5,
  maxResets: 3,
  healthCheckMs: 30000,
};

/** `defaultModemOptions` overlaid with the fields `given` sets. */
export function withDefaults(given: Partial<ModemOptions> | undefined): ModemOptions {
  return overlay(defaultModemOptions, given);
}

function checkMs(errors: string[], name: string, v: number, min: number): void {
  if (typeof v !== "number" || !(v >= min) || Math.floor(v) !== v) errors.push(name + " must be an integer ≥ " + min + " (ms), got " + v);
}

/** Problems with `o`, as sentences; empty when usable. Checked before the driver touches the UART. */
export function validateModemOptions(o: ModemOptions): string[] {
  const errors: string[] = [];
  const apn = checkApn(o.apn);
  if (apn) errors.push(apn);
  if (o.user) {
    const u = checkAuthField("user", o.user);
    if (u) errors.push(u);
    const p = checkAuthField("password", o.password);
    if (p) errors.push(p);
    if (o.authType !== 1 && o.authType !== 2) errors.push("authType must be 1 (PAP) or 2 (CHAP)");
  }
  if (o.pin && !/^[0-9]{4,8}$/.test(o.pin)) errors.push("pin must be 4 to 8 digits");
  if (o.dataMode !== "buffer" && o.dataMode !== "push" && o.dataMode !== "transparent") errors.push('dataMode must be "buffer", "push" or "transparent"');
  if (o.baud !== 0 && A76XX_BAUDS.indexOf(o.baud) < 0) errors.push("baud " + o.baud + " is not a rate the A76XX supports");
  for (let i = 0; i < o.searchBauds.length; i++) {
    if (A76XX_BAUDS.indexOf(o.searchBauds[i]) < 0) errors.push("searchBauds has an unsupported rate " + o.searchBauds[i]);
  }
  checkMs(errors, "probeTimeoutMs", o.probeTimeoutMs, 1);
  checkMs(errors, "probeIntervalMs", o.probeIntervalMs, 1);
  checkMs(errors, "bootTimeoutMs", o.bootTimeoutMs, 1);
  checkMs(errors, "powerSettleMs", o.powerSettleMs, 0);
  checkMs(errors, "powerOffWaitMs", o.powerOffWaitMs, 0);
  checkMs(errors, "simTimeoutMs", o.simTimeoutMs, 1);
  checkMs(errors, "registrationTimeoutMs", o.registrationTimeoutMs, 1);
  checkMs(errors, "registrationPollMs", o.registrationPollMs, 1);
  checkMs(errors, "backoffMinMs", o.backoffMinMs, 1);
  checkMs(errors, "backoffMaxMs", o.backoffMaxMs, o.backoffMinMs);
  checkMs(errors, "maxNetRetries", o.maxNetRetries, 1);
  checkMs(errors, "maxResets", o.maxResets, 1);
  checkMs(errors, "healthCheckMs", o.healthCheckMs, 0);
  return errors;
}
