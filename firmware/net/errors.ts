// Error values and close reasons of the socket layer: what failed on a socket, with the modem's code and text.

/**
 * A failure on a socket or server, as a value. `kind` is one of the socket layer's own:
 * - "invalid": a value handed in was refused before any byte was sent
 * - "no-link": every provisioned link is in use    - "offline": the modem is not online
 * - "queue-full": the send queue cannot take this write
 * - "overflow": received bytes did not fit the receive ring and were dropped (direct push)
 * - "short-send": the module confirmed fewer bytes than sent, even after retries
 * - "lost": received data could not be read (a bad or failed read)      - "closed": the socket is closed
 * or one of the AT layer's ("ip", "cme", "cip", "async", "timeout", "badRead"…) or "dns" — the modem's
 * number in `code` (-1 when none) and its words in `text`.
 */
export interface SocketError {
  kind: string;
  code: number;
  text: string;
}

/**
 * Why a socket (or server) closed; its owner hears it exactly once, after the last data:
 * "local" (the application closed it, or `+IPCLOSE: <l>,0`), "remote" (the peer; CLOSED in
 * transparent mode), "timeout" (`+IPCLOSE: <l>,2`), "network" / "reboot" / "reset" / "stop"
 * (every link lost), "error" (an error event came first), "rejected" (a server client the
 * allowlist refused), "lost" (the module no longer had the link).
 */
export type CloseReason = "local" | "remote" | "timeout" | "network" | "reboot" | "reset" | "stop" | "error" | "rejected" | "lost";

export function sockErr(kind: string, text: string): SocketError {
  return { kind: kind, code: -1, text: text };
}

/** An error value from the AT engine or the resolver, with `context` before the modem's words. */
export function fromModem(e: { kind: string; code: number; text: string }, context: string): SocketError {
  return { kind: e.kind, code: e.code, text: context + ": " + e.text };
}
