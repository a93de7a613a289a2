// Entry of the device bundle dist/a76xx-server.js: the optional "server" part, as a Storage module (require("a76xx-server")) or the global A76XX_SERVER.
import { server } from "../../firmware/parts/server";

declare var A76XX_SERVER: unknown;

A76XX_SERVER = server;
