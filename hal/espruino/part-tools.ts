// Entry of the device bundle dist/a76xx-tools.js: the optional "tools" part, as a Storage module (require("a76xx-tools")) or the global A76XX_TOOLS.
import { tools } from "../../firmware/parts/tools";

declare var A76XX_TOOLS: unknown;

A76XX_TOOLS = tools;
