// Error values and close reasons of the socket layer: what failed on a socket, with the modem's code and text.
//
// Nothing in firmware/net throws at run time (RangeError only for programmer errors such as
// nonsense sizes). A failure reaches the socket's owner as a SocketError value; errors that came
// from the modem keep the modem's kind, number and words (AtError / ModemError), the socket layer
// adds its own kinds for what it detects itself.
import { AtError } from "../at/errors";
import { ModemError } from "../modem/errors";

/**
 * Socket layer kinds (besides every AtErrorKind and ModemErrorKind, passed through unchanged):
 * - "invalid": a value handed in by the application was rejected before any byte was sent
 * - "no-link": all 10 links are in use          - "no-server": all 4 server slots are in use
 * - "offline": the modem is not online            - "queue-full": the send queue cannot take this write
 * - "overflow": received bytes did not fit the receive ring and were dropped (direct push, transparent)
 * - "short-send": `+CIPSEND` confirmed fewer bytes than requested, even after retries
 * - "lost": received data the module still held when the link closed could not be read
 * - "closed": the socket is closed (write after end)
 * - "escape": transparent mode could not leave data mode (`+++` got no OK)
 */
export type SocketErrorKind =
  | "invalid"
  | "no-link"
  | "no-server"
  | "offline"
  | "queue-full"
  | "overflow"
  | "short-send"
  | "lost"
  | "closed"
  | "escape";

/** A failure on a socket or server. `kind` is a SocketErrorKind, an AtErrorKind or a ModemErrorKind; `code` -1 when there is no number. */
export interface SocketError {
  kind: string;
  code: number;
  text: string;
}

/**
 * Why a socket (or server) closed; its owner hears it exactly once.
 * - "local": the application closed it (end/destroy/close), or the module reported `+IPCLOSE: <l>,0`
 * - "remote": the peer closed it (`+IPCLOSE: <l>,1`, `CLOSED` in transparent mode)
 * - "timeout": the module gave up sending (`+IPCLOSE: <l>,2`: send timeout or DTR off)
 * - "network" / "reboot" / "reset" / "stop": from the modem supervisor (every link lost)
 * - "error": opening failed or an unrecoverable send/receive error (an error event came first)
 * - "rejected": a server client not on the allowlist (never handed to the application)
 * - "lost": after recovery the module no longer had the link (reconciliation)
 */
export type CloseReason = "local" | "remote" | "timeout" | "network" | "reboot" | "reset" | "stop" | "error" | "rejected" | "lost";

export function socketError(kind: SocketErrorKind, text: string): SocketError {
  return { kind: kind, code: -1, text: text };
}

/** A SocketError from the AT engine's or the supervisor's error value, with `context` before the modem's words. */
export function fromModem(e: AtError | ModemError, context: string): SocketError {
  return { kind: e.kind, code: e.code, text: context ? context + ": " + e.text : e.text };
}

/** `+IPCLOSE: <l>,<reason>` reason number → CloseReason. */
export function ipCloseReason(n: number): CloseReason {
  if (n === 1) return "remote";
  if (n === 2) return "timeout";
  return "local";
}
