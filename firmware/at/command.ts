// Commands as data: what is sent, which lines answer it, how it completes; plus builders for the TCP/IP set.
//
// A command is a plain object (the modem_chat idea): the engine reads it, never calls into it.
// Builders below produce the doc's commands (section 3) with the right information prefixes and
// async-completion matches, so callers do not hand-write response handling.
import { AtError } from "./errors";

/** One AT command (or one step of a script). Times are milliseconds. */
export interface AtCommand {
  /** Text sent, without the final CR (the engine appends it unless `raw`). No bytes below 0x20. */
  request: string;
  /** Send `request` exactly as given, without CR (e.g. "+++"). */
  raw?: boolean;
  /**
   * Prefixes of the information lines that answer it, collected into AtResult.lines in order
   * (e.g. ["+CSQ:"]). "" collects any line that no registered URC prefix claims (ATI, AT+CGMR).
   * Lines that match nothing here are dispatched as URCs, never taken as the answer.
   */
  matches?: string[];
  /** Wait for the `>` prompt, then write these bytes (any values; the modem counts them). */
  payload?: string;
  /**
   * Prefix of the asynchronous completion, including the link where there is one: "+NETOPEN: ",
   * "+CIPOPEN: 1,", "+CIPSEND: 1,", "+CIPCLOSE: 1,", "+SERVERSTOP: 0,", "+NETCLOSE: ". It may arrive
   * before or after the final OK; the command completes when both are in.
   */
  async?: string;
  /**
   * Which comma-separated field after the `async` prefix is `<err>` (0 = the first); a non-zero
   * value fails the command with kind "async". Absent or -1: no error field (`+CIPSEND: l,req,cnf`).
   */
  asyncErrField?: number;
  /** `CONNECT[ <text>]` is the successful final result (ATO, transparent CIPOPEN): data mode follows. */
  connect?: boolean;
  /** Prefixes of lines that fail the command at once with kind "aborted" (the engine then resynchronises). */
  abort?: string[];
  /** Whole-command deadline: request sent → final result and async completion (integer ≥ 1). */
  timeoutMs: number;
}

/** What a finished command produced. */
export interface AtResult {
  /** null on success. */
  error: AtError | null;
  /** Collected information lines (at most the engine's `maxInfoLines`; `truncated` says if more came). */
  lines: string[];
  truncated: boolean;
  /** The async completion line ("" when none was expected or it never came). */
  async: string;
  /** Text after CONNECT for `connect` commands ("" otherwise). */
  connect: string;
}

/** Called once per submitted command, from the engine's event handling (never re-entering the parser). */
export type AtDone = (result: AtResult) => void;

/** True when `s` may go inside a quoted command argument: printable ASCII without `"` (doc section 8). */
export function isSafeQuoted(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34) return false;
  }
  return true;
}

function checkLink(link: number, max: number): void {
  if (!(link >= 0 && link <= max) || Math.floor(link) !== link) throw new RangeError("link/index out of range: " + link);
}

function checkQuoted(s: string): void {
  if (!isSafeQuoted(s)) throw new RangeError("unsafe string in AT argument (check with isSafeQuoted first)");
}

/** Default deadlines (ms) used by the builders; the module's own TCP/IP timeouts are ~120 s / 120 s / 120 s. */
export const AT_TIMEOUTS = {
  short: 2000,
  netOpen: 130000,
  cipOpen: 130000,
  cipSend: 130000,
  cipClose: 15000,
  netClose: 30000,
};

/** A plain command: `AT<rest>`, final OK, optional information prefixes. */
export function at(rest: string, matches: string[] | undefined, timeoutMs: number): AtCommand {
  return { request: "AT" + rest, matches: matches, timeoutMs: timeoutMs };
}

/** `AT+NETOPEN` → OK and `+NETOPEN: <err>` (either order). */
export function netOpen(): AtCommand {
  return { request: "AT+NETOPEN", async: "+NETOPEN: ", asyncErrField: 0, timeoutMs: AT_TIMEOUTS.netOpen };
}

/** `AT+NETCLOSE` → OK and `+NETCLOSE: <err>`. */
export function netClose(): AtCommand {
  return { request: "AT+NETCLOSE", async: "+NETCLOSE: ", asyncErrField: 0, timeoutMs: AT_TIMEOUTS.netClose };
}

/**
 * `AT+CIPOPEN=<link>,"TCP"|"UDP",…`: TCP needs host and port; UDP (non-transparent) a local port
 * with `host` "". `transparent`: the success is `CONNECT` (data mode). Throws RangeError on an
 * out-of-range link or an unsafe host (programmer error: validate with isSafeQuoted).
 */
export function cipOpen(link: number, proto: "TCP" | "UDP", host: string, port: number, localPort: number, transparent: boolean): AtCommand {
  checkLink(link, 9);
  checkQuoted(host);
  let req = "AT+CIPOPEN=" + link + ',"' + proto + '",';
  if (proto === "UDP" && !transparent) req += ",," + localPort;
  else req += '"' + host + '",' + port + (proto === "UDP" ? "," + localPort : "");
  if (transparent) return { request: req, connect: true, timeoutMs: AT_TIMEOUTS.cipOpen };
  return { request: req, async: "+CIPOPEN: " + link + ",", asyncErrField: 0, timeoutMs: AT_TIMEOUTS.cipOpen };
}

/**
 * `AT+CIPSEND=<link>,<len>[,"<ip>",<port>]`, then `data` after the prompt; completes on OK and
 * `+CIPSEND: <link>,<req>,<cnf>` (compare the two in AtResult.async). `ip` "" for TCP.
 */
export function cipSend(link: number, data: string, ip: string, port: number): AtCommand {
  checkLink(link, 9);
  checkQuoted(ip);
  const req = "AT+CIPSEND=" + link + "," + data.length + (ip ? ',"' + ip + '",' + port : "");
  return { request: req, payload: data, async: "+CIPSEND: " + link + ",", asyncErrField: -1, timeoutMs: AT_TIMEOUTS.cipSend };
}

/** `AT+CIPCLOSE=<link>` → OK and `+CIPCLOSE: <link>,<err>` (closed link: `+CIPCLOSE: l,4` then ERROR). */
export function cipClose(link: number): AtCommand {
  checkLink(link, 9);
  return { request: "AT+CIPCLOSE=" + link, async: "+CIPCLOSE: " + link + ",", asyncErrField: 0, timeoutMs: AT_TIMEOUTS.cipClose };
}

/**
 * `AT+CIPRXGET=<mode>,<link>[,<len>]`: mode 2 (raw) and 3 (hex) deliver the bytes as payload
 * events; mode 4 answers `+CIPRXGET: 4,<link>,<n>` (in lines). `len` ≤ 0: omitted.
 */
export function cipRxGet(mode: 2 | 3 | 4, link: number, len: number): AtCommand {
  checkLink(link, 9);
  const req = "AT+CIPRXGET=" + mode + "," + link + (mode !== 4 && len > 0 ? "," + len : "");
  return { request: req, matches: mode === 4 ? ["+CIPRXGET: 4," + link + ","] : undefined, timeoutMs: AT_TIMEOUTS.short };
}

/** `AT+SERVERSTOP=<index>` → `+SERVERSTOP: <index>,<err>` and OK. */
export function serverStop(index: number): AtCommand {
  checkLink(index, 3);
  return { request: "AT+SERVERSTOP=" + index, async: "+SERVERSTOP: " + index + ",", asyncErrField: 0, timeoutMs: AT_TIMEOUTS.cipClose };
}
