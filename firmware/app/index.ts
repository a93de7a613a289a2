// Public API for user code: createModem and the socket classes (see README "Sockets API").
export type { CreateOptions, FullStatus } from "./modem";
export { createModem, Modem } from "./modem";
export type { DiagnoseOptions, DiagnoseResult } from "./bringup";
export type { Data, RemoteInfo, ListenOptions } from "./sockets";
export { Socket, UdpSocket, Server } from "./sockets";
export { Emitter } from "./emitter";
export type { SocketError, CloseReason } from "../net/errors";
