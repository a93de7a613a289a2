// The simulator's error answers: both tables of the protocol doc (section 6) and the +CME ERROR codes it uses.

/** `+IP ERROR: <info>` table: index = numeric form (AT+CIPCCFG errMode 0), value = text form (default). */
export const IP_ERROR_TEXT: readonly string[] = [
  "Connection time out", // 0
  "Bind port failed", // 1
  "Port overflow", // 2
  "Create socket failed", // 3
  "Network is already opened", // 4
  "Network is already closed", // 5
  "No clients connected", // 6
  "No active client", // 7
  "Network not opened", // 8
  "Client index overflow", // 9
  "Connection is already created", // 10
  "Connection is not created", // 11
  "Invalid parameter", // 12
  "Operation not supported", // 13
  "DNS query failed", // 14
  "TCP busy", // 15
  "Net close failed for socket opened", // 16
  "Sending time out", // 17
  "Sending failure for network error", // 18
  "Open failure for network error", // 19
  "Server is already listening", // 20
  "Operation failed", // 21
  "No data", // 22
];

/** Names for the `+IP ERROR` table. */
export const IpErr = {
  CONNECTION_TIMEOUT: 0,
  BIND_FAILED: 1,
  PORT_OVERFLOW: 2,
  CREATE_SOCKET_FAILED: 3,
  NET_ALREADY_OPENED: 4,
  NET_ALREADY_CLOSED: 5,
  NO_CLIENTS: 6,
  NO_ACTIVE_CLIENT: 7,
  NET_NOT_OPENED: 8,
  CLIENT_INDEX_OVERFLOW: 9,
  CONNECTION_EXISTS: 10,
  CONNECTION_NOT_CREATED: 11,
  INVALID_PARAMETER: 12,
  NOT_SUPPORTED: 13,
  DNS_FAILED: 14,
  TCP_BUSY: 15,
  NETCLOSE_SOCKETS_OPEN: 16,
  SEND_TIMEOUT: 17,
  SEND_NETWORK_ERROR: 18,
  OPEN_NETWORK_ERROR: 19,
  SERVER_LISTENING: 20,
  OPERATION_FAILED: 21,
  NO_DATA: 22,
};

/** The `<err>` field of +NETOPEN, +NETCLOSE, +CIPOPEN, +CIPSEND, +CIPCLOSE, +SERVERSTART, +SERVERSTOP. */
export const Err = {
  OK: 0,
  NETWORK_FAILURE: 1,
  NET_NOT_OPENED: 2,
  WRONG_PARAMETER: 3,
  NOT_SUPPORTED: 4,
  CREATE_SOCKET_FAILED: 5,
  BIND_FAILED: 6,
  SERVER_LISTENING: 7,
  BUSY: 8,
  SOCKETS_OPENED: 9,
  TIMEOUT: 10,
  DNS_FAILED: 11,
  UNKNOWN: 12,
};

/** Meaning of each `<err>` value (for logs and the README). */
export const ERR_TEXT: readonly string[] = [
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
  "DNS parse failed for CIPOPEN",
  "unknown error",
];

/** 3GPP TS 27.007 +CME ERROR codes the simulator produces, with their text (AT+CMEE=2). */
export const CME_TEXT: { [code: number]: string } = {
  3: "operation not allowed",
  4: "operation not supported",
  10: "SIM not inserted",
  11: "SIM PIN required",
  13: "SIM failure",
  14: "SIM busy",
  50: "Incorrect parameters",
  100: "unknown",
};

export const Cme = { NOT_ALLOWED: 3, NOT_SUPPORTED: 4, SIM_NOT_INSERTED: 10, SIM_PIN: 11, SIM_FAILURE: 13, SIM_BUSY: 14, BAD_PARAMS: 50, UNKNOWN: 100 };

/** The text of `+IP ERROR: <info>` for code `n`: a number when errMode is 0, else the table's text. */
export function ipErrorInfo(n: number, errMode: number): string {
  return errMode === 0 ? String(n) : IP_ERROR_TEXT[n];
}

/** The final result for a generic failure: bare ERROR (CMEE=0), `+CME ERROR: <n>` (1) or `+CME ERROR: <text>` (2). */
export function cmeFinal(code: number, cmee: number): string {
  if (cmee === 1) return "+CME ERROR: " + code;
  if (cmee === 2) return "+CME ERROR: " + (CME_TEXT[code] || "unknown");
  return "ERROR";
}
