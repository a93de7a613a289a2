// Entry of the device bundle dist/a76xx.js: builds the public library object and publishes it as A76XX.
// Loading it only defines functions and data: no UART, pin or timer is touched until the user asks.
//
// The library is a plain object with plain properties on purpose: esbuild's ESM-to-CommonJS helper
// exports through getters created in a `for (let k …)` loop, which Espruino runs with one shared `k`
// (every getter would return the last export). The bundle's banner declares `var A76XX`; the footer
// copies it onto `exports` when loaded as a module (Storage file or Modules.addCached).
import { createEspruinoHal, espruinoClock, espruinoCodec } from "./index";
import { boards, findBoard } from "../../boards/index";
import { ByteRing } from "../../firmware/core/ring";
import { Scheduler, defaultSchedulerOptions } from "../../firmware/core/scheduler";
import { AtEngine, defaultAtEngineOptions } from "../../firmware/at/engine";
import { ModemSupervisor } from "../../firmware/modem/supervisor";
import { validateModemOptions, withDefaults } from "../../firmware/modem/options";

declare var A76XX: unknown;

A76XX = {
  /** Library version (semver). */
  version: "0.1.0",
  createEspruinoHal: createEspruinoHal,
  espruinoClock: espruinoClock,
  espruinoCodec: espruinoCodec,
  boards: boards,
  findBoard: findBoard,
  ByteRing: ByteRing,
  Scheduler: Scheduler,
  defaultSchedulerOptions: defaultSchedulerOptions,
  AtEngine: AtEngine,
  defaultAtEngineOptions: defaultAtEngineOptions,
  ModemSupervisor: ModemSupervisor,
  modemOptions: withDefaults,
  validateModemOptions: validateModemOptions,
};
