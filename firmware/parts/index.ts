// Every optional part, for hosts that do not count bytes (Node tools and tests): server, transparent, tools.
import { server } from "./server";
import { transparent } from "./transparent";
import { tools } from "./tools";

export { server, transparent, tools };
export type { ListenOptions, Server } from "../app/modem";
export type { DiagnoseOptions, DiagnoseResult, ToolsModem } from "./tools";

/** All parts, in install order. */
export const allParts = [server, transparent, tools];
