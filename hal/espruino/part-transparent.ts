// Entry of the device bundle dist/a76xx-transparent.js: the optional "transparent" part, as a Storage module (require("a76xx-transparent")) or the global A76XX_TRANSPARENT.
import { transparent } from "../../firmware/parts/transparent";

declare var A76XX_TRANSPARENT: unknown;

A76XX_TRANSPARENT = transparent;
