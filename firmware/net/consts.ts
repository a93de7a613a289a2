// Constants of the socket layer shared by the core and the optional parts: slot states, owner events, write results.

export const S_FREE = 0;
/** Waiting for the host name to resolve. */
export const S_RESOLVING = 1;
/** AT+CIPOPEN waiting, or sent and waiting for `+CIPOPEN: <l>,<err>`. */
export const S_OPENING = 2;
export const S_OPEN = 3;
/** AT+CIPCLOSE to send or in flight. */
export const S_CLOSING = 4;
/** Closed; the owner's close event is pending (the ring's last bytes are delivered before it). */
export const S_CLOSED = 5;

export function stateWords(): string[] {
  return "free resolving opening open closing closed".split(" ");
}

/** Owner events. */
export const EV_CONNECT = 1;
export const EV_READABLE = 2;
export const EV_DRAIN = 3;
export const EV_ERROR = 4;
export const EV_CLOSE = 5;

/** write() results. */
export const TX_OK = 0;
/** Queued, but the queue is at its bound: wait for drain. */
export const TX_WAIT = 1;
/** Nothing queued (no room). */
export const TX_FULL = -1;
