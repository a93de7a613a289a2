// Error values of the modem lifecycle and name resolution: what went wrong, with the modem's number and words.
import { AtError } from "../at/errors";

/**
 * - "power": the module never answered (not powered, PWRKEY not wired, no rate works, port missing)
 * - "sim-missing": no SIM (CME 10)          - "sim-pin": the SIM wants a PIN/PUK the options lack
 * - "sim": the SIM never became ready       - "registration": not registered in time (text: searching/denied)
 * - "apn": AT+CGDCONT/AT+CGAUTH refused     - "netopen": the data network could not be opened
 * - "gave-up": too many module resets in a row without reaching online
 * - "dns": a name did not resolve           - "invalid": a value handed in was rejected
 */
export type ModemErrorKind = "power" | "sim-missing" | "sim-pin" | "sim" | "registration" | "apn" | "netopen" | "gave-up" | "dns" | "invalid";

/** `code` is the modem's number behind it (CME/IP/async error) or -1; `text` says it in words. */
export interface ModemError {
  kind: ModemErrorKind;
  code: number;
  text: string;
}

export function modemError(kind: ModemErrorKind, text: string, cause: AtError | null): ModemError {
  return { kind: kind, code: cause ? cause.code : -1, text: cause ? text + ": " + cause.text : text };
}
