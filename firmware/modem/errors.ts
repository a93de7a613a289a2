// Error values of the modem lifecycle: what went wrong during power-up, bring-up or recovery.
import { AtError } from "../at/errors";

/**
 * - "power": the module never answered (not powered, PWRKEY not wired, wrong baud everywhere)
 * - "sim-missing": no SIM (CME 10)         - "sim-pin": the SIM wants a PIN/PUK we do not have
 * - "sim": the SIM never became ready       - "registration": not registered in time (text says searching/denied)
 * - "apn": AT+CGDCONT/AT+CGAUTH refused     - "netopen": the data network could not be opened
 * - "gave-up": too many module resets in a row without reaching online
 * - "dns": a name did not resolve           - "invalid": a value handed in by the user was rejected
 * - "stopped": the modem was stopped while the request waited
 */
export type ModemErrorKind =
  | "power"
  | "sim-missing"
  | "sim-pin"
  | "sim"
  | "registration"
  | "apn"
  | "netopen"
  | "gave-up"
  | "dns"
  | "invalid"
  | "stopped";

/** `code` is the modem's number behind it (CME/IP/async error) or -1; `text` says it in words. */
export interface ModemError {
  kind: ModemErrorKind;
  code: number;
  text: string;
}

export function modemFailure(kind: ModemErrorKind, text: string, cause: AtError | null): ModemError {
  return { kind: kind, code: cause ? cause.code : -1, text: cause ? text + ": " + cause.text : text };
}
