// Commands as data: what is sent, which lines answer it and how it completes, plus the result a command produces.
//
// A command is a plain object (the modem_chat idea): the engine reads it, never calls into it, so
// scripts and socket paths can keep them in tables. Times are milliseconds.
import { AtError } from "./errors";

export interface AtCommand {
  /** Text sent, without the final CR (the engine appends it unless `raw`). Printable ASCII only. */
  request: string;
  /** Deadline from the request leaving the wire to the final result and async completion. */
  timeout: number;
  /**
   * Prefix of the information lines that answer it, collected into AtResult.lines in order
   * ("+CSQ:"). "" collects any line no URC prefix claims (ATI, raw commands). Lines that match
   * nothing are dispatched as URCs, never taken as the answer.
   */
  match?: string;
  /** Its answer always has a `match` line first: an OK before one is a stray, not this command's. */
  need?: boolean;
  /** Wait for the `>` prompt (within the engine's prompt deadline), then write these bytes. */
  payload?: string;
  /**
   * Prefix of the asynchronous completion, including the link where there is one ("+NETOPEN: ",
   * "+CIPSEND: 1,"). It may arrive before or after OK; the command completes when both are in.
   */
  async?: string;
  /** Which comma-separated field after `async` is `<err>` (0 = first); non-zero fails with kind "async". Absent: none. */
  errField?: number;
  /** `CONNECT[ <text>]` is the successful final result (data mode follows; see AtEngine.borrow). */
  connect?: boolean;
  /** Send `request` exactly as given, without CR ("+++" is not sent this way: see AtEngine.borrow). */
  raw?: boolean;
  /** A buffer-access read (AT+CIPRXGET=2): its link and the most bytes it may bring (the parser checks the header). */
  readLink?: number;
  readMax?: number;
}

/** What a finished command produced. */
export interface AtResult {
  /** null on success. */
  error: AtError | null;
  /** Collected information lines (at most the engine's maxLines). */
  lines: string[];
  /** The async completion line ("" when none was expected or it never came). */
  async: string;
  /** Text after CONNECT for `connect` commands. */
  connect: string;
}

/** Called once per submitted command, from the engine's event handling (never re-entering the parser). */
export type AtDone = (result: AtResult) => void;

/**
 * A plain command: request, deadline, optional information prefix. A query's answer always starts
 * with its line, so with a prefix it is `need`: a bare OK (a repeated answer) cannot complete it.
 */
export function cmd(request: string, timeout: number, match?: string): AtCommand {
  return { request: request, timeout: timeout, match: match, need: !!match };
}

/** The text after `prefix` of the first collected line that starts with it, or undefined. */
export function lineAfter(r: AtResult, prefix: string): string | undefined {
  for (let i = 0; i < r.lines.length; i++) {
    const l = r.lines[i];
    if (l.substr(0, prefix.length) === prefix) return l.substr(prefix.length);
  }
  return undefined;
}

/** True for printable ASCII only (no CR, LF or other control bytes). */
export function printable(s: string): boolean {
  // One native match instead of a loop the interpreter would lex per character.
  return !NOT_PRINTABLE.test(s);
}

const NOT_PRINTABLE = /[^ -~]/;
