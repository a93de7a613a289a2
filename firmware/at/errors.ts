// Error values of the AT layer and the modem's error tables (doc section 6), mapped number <-> text both ways.
//
// Nothing here throws: a failed command is reported as an AtError value. `code` is the modem's
// number (or -1 when there is none) and `text` its words; when the modem gives only one of the two,
// the other is filled in from the tables below (unknown numbers/texts keep -1 / the modem's text).

/**
 * What failed:
 * - "error": bare `ERROR`                 - "cme": `+CME ERROR: <n|text>`
 * - "ip": `+IP ERROR: <n|text>` + `ERROR` - "cip": `+CIPERROR: <n>` (send failed, e.g. after PDN loss)
 * - "async": the async completion (`+CIPOPEN: 1,4` …) carried a non-zero `<err>`
 * - "noCarrier": `NO CARRIER`             - "timeout": no final answer within the command's timeoutMs
 * - "aborted": a line of the command's abort table arrived
 * - "stalled": the engine gave up after repeated timeouts (the supervisor must reset the modem)
 * - "reset": the engine was reset while the command was queued or in flight
 * - "noPrompt": the modem answered OK where the command waited for the `>` prompt
 */
export type AtErrorKind =
  | "error"
  | "cme"
  | "ip"
  | "cip"
  | "async"
  | "noCarrier"
  | "timeout"
  | "aborted"
  | "stalled"
  | "reset"
  | "noPrompt";

/** A failed command, as a value. `code` is -1 when the modem gave no number and the tables know none. */
export interface AtError {
  kind: AtErrorKind;
  code: number;
  text: string;
}

/** `+IP ERROR: <n|text>` table (doc section 6), index = number. */
export const IP_ERROR_TEXTS: string[] = [
  "Connection time out",
  "Bind port failed",
  "Port overflow",
  "Create socket failed",
  "Network is already opened",
  "Network is already closed",
  "No clients connected",
  "No active client",
  "Network not opened",
  "Client index overflow",
  "Connection is already created",
  "Connection is not created",
  "Invalid parameter",
  "Operation not supported",
  "DNS query failed",
  "TCP busy",
  "Net close failed for socket opened",
  "Sending time out",
  "Sending failure for network error",
  "Open failure for network error",
  "Server is already listening",
  "Operation failed",
  "No data",
];

/** `<err>` of `+NETOPEN`, `+NETCLOSE`, `+CIPOPEN`, `+CIPSEND`, `+CIPCLOSE`, `+SERVERSTART/STOP`, `+CIPERROR`. */
export const ASYNC_ERROR_TEXTS: string[] = [
  "ok",
  "network failure",
  "network not opened",
  "wrong parameter",
  "operation not supported",
  "failed to create socket",
  "failed to bind socket",
  "TCP server already listening",
  "busy",
  "sockets opened",
  "timeout",
  "DNS parse failed",
  "unknown error",
];

/** The few 3GPP TS 27.007 `+CME ERROR` codes the field reports show (doc section 9); others keep the modem's words. */
const CME_CODES: number[] = [3, 4, 10, 11, 12, 13, 14, 15, 30, 100];
const CME_TEXTS: string[] = [
  "operation not allowed",
  "operation not supported",
  "SIM not inserted",
  "SIM PIN required",
  "SIM PUK required",
  "SIM failure",
  "SIM busy",
  "SIM wrong",
  "no network service",
  "unknown",
];

/** Value of a short unsigned decimal field, or -1 when `s` is empty or has a non-digit. */
export function parseUint(s: string): number {
  const n = s.length;
  if (n === 0 || n > 9) return -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return parseInt(s, 10);
}

/** Index of `text` in `texts`, ignoring ASCII case; -1 when absent. */
function lookupText(texts: string[], text: string): number {
  const t = text.toLowerCase();
  for (let i = 0; i < texts.length; i++) if (texts[i].toLowerCase() === t) return i;
  return -1;
}

/** Text of a `+IP ERROR` number ("" when outside the table). */
export function ipErrorText(code: number): string {
  return code >= 0 && code < IP_ERROR_TEXTS.length ? IP_ERROR_TEXTS[code] : "";
}

/** Number of a `+IP ERROR` text (case-insensitive), or -1. */
export function ipErrorCode(text: string): number {
  return lookupText(IP_ERROR_TEXTS, text);
}

/** Text of an async `<err>` number ("" when outside the table). */
export function asyncErrorText(code: number): string {
  return code >= 0 && code < ASYNC_ERROR_TEXTS.length ? ASYNC_ERROR_TEXTS[code] : "";
}

/** Number of an async `<err>` text (case-insensitive), or -1. */
export function asyncErrorCode(text: string): number {
  return lookupText(ASYNC_ERROR_TEXTS, text);
}

/** Text of a known `+CME ERROR` number ("" otherwise). */
export function cmeErrorText(code: number): string {
  for (let i = 0; i < CME_CODES.length; i++) if (CME_CODES[i] === code) return CME_TEXTS[i];
  return "";
}

/** Number of a known `+CME ERROR` text (case-insensitive), or -1. */
export function cmeErrorCode(text: string): number {
  const i = lookupText(CME_TEXTS, text);
  return i < 0 ? -1 : CME_CODES[i];
}

/**
 * An AtError from the modem's `<n|text>` field, completed through the table that belongs to `kind`
 * ("ip" → IP table, "cme" → CME codes, "async"/"cip" → `<err>` table; others keep `info` as text).
 */
export function modemError(kind: AtErrorKind, info: string): AtError {
  const trimmed = info.trim();
  const n = parseUint(trimmed);
  let code = n;
  let text = trimmed;
  if (kind === "ip") {
    if (n >= 0) text = ipErrorText(n) || trimmed;
    else code = ipErrorCode(trimmed);
  } else if (kind === "cme") {
    if (n >= 0) text = cmeErrorText(n) || trimmed;
    else code = cmeErrorCode(trimmed);
  } else if (kind === "async" || kind === "cip") {
    if (n >= 0) text = asyncErrorText(n) || trimmed;
    else code = asyncErrorCode(trimmed);
  }
  return { kind: kind, code: code, text: text };
}

/** An AtError raised by the engine itself (timeout, aborted, stalled, reset, noPrompt): code -1. */
export function engineError(kind: AtErrorKind, text: string): AtError {
  return { kind: kind, code: -1, text: text };
}
