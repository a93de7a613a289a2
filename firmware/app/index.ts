// Public API for user code: createModem, the Modem and its sockets, error values (see firmware/app/README.md).
import { BoardDef } from "../core/board";
import { Hal } from "../core/hal";
import { Modem } from "./modem";

export type { Part, PartContext, Status } from "./modem";
export { Modem, schema } from "./modem";
export type { Data, RemoteInfo, LinkStatus } from "./sockets";
export { Socket, UdpSocket, BaseSocket } from "./sockets";
export { Emitter } from "./emitter";
export type { SocketError, CloseReason } from "../net/errors";
export type { ModemError } from "../modem/errors";
export type { BoardDef, PinWiring, PwrkeyWiring, UartWiring } from "../core/board";
export type { Hal, Uart, Clock, ByteCodec, OutputPin, InputPin, ConsolePort } from "../core/hal";

/**
 * The modem driver for `board` on `hal`, with `options` (apn, dataMode, parts, trace…). Touches no
 * pin or UART until start(). Throws Error on an unknown or invalid option or an unusable board.
 */
export function createModem(hal: Hal, board: BoardDef, options?: { [name: string]: unknown }): Modem {
  return new Modem(hal, board, options);
}
