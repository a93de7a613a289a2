// Public surface of the socket layer (the socket table and its value types) for firmware/app and tests.
export type { SocketError, SocketErrorKind, CloseReason } from "./errors";
export { socketError, fromModem, ipCloseReason } from "./errors";
export type { SocketTableOptions } from "./options";
export { defaultSocketTableOptions, socketOptionsWithDefaults, validateSocketOptions } from "./options";
export type { LinkOwner, LinkCounters } from "./link";
export { LINK_STATE_NAMES } from "./link";
export type { ServerOwner } from "./servers";
export { SERVER_STATE_NAMES } from "./servers";
export type { TableHooks, LinkStatus, TableStats } from "./table";
export { SocketTable, LINKS, SERVERS, MAX_DATAGRAM } from "./table";
export { TX_OK, TX_WAIT, TX_REFUSED } from "./txqueue";
