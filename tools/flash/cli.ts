// `make bundle BOARD= APP=`, `make flash PORT= BOARD= [APP=]` and `make repl PORT=`: build, upload and talk to a board with the espruino CLI.
//
// Flashing writes the app bundle as the board's boot code (the CLI's SAVE_ON_SEND=1, "direct to
// flash"): it survives a reset, runs at every power-up (so the modem is initialised again after a
// reset, which a save()d RAM image would not do), and the interpreter runs it from flash, so the
// bundle's source does not take RAM (a ~70 KB bundle would not fit in a Pico's RAM otherwise).
// Without APP the library alone is written to Storage as the module "a76xx" (require("a76xx")).
import { spawn } from "child_process";
import * as path from "path";
import { bundle, ROOT } from "../bundle/build";
import { bundleApp, listApps, parsePairs } from "../bundle/app";
import { checkDeviceSource } from "../check-device/check";
import * as fs from "fs";

const ESPRUINO = path.join(ROOT, "node_modules/.bin/espruino");

/** Baud of each board's REPL console (ignored by USB consoles, e.g. the Pico's). */
const CONSOLE_BAUD: { [board: string]: number } = { esp32: 115200, "t-a7670": 115200, pico: 9600, linux: 9600 };

/** How long an upload may take before we stop waiting (CLI 0.1.67 can hang after small uploads). */
const UPLOAD_TIMEOUT_MS = 180000;

function env(name: string): string | undefined {
  const v = process.env[name];
  return v && v.trim() ? v.trim() : undefined;
}

function howToFindPort(): string {
  return [
    "How to find the port:",
    "  Linux:  ls /dev/ttyUSB* /dev/ttyACM*   (ESP32 boards: ttyUSB0 via CP2102/CH340; Espruino boards: ttyACM0)",
    "  macOS:  ls /dev/cu.usbserial* /dev/cu.usbmodem*",
    `  any:    ${path.relative(ROOT, ESPRUINO)} --list`,
    "  Espruino's Linux build: run it with --telnet and use PORT=tcp://127.0.0.1:2323",
  ].join("\n");
}

async function buildFor(board: string | undefined, app: string | undefined): Promise<{ file: string; bytes: number }> {
  if (!app) {
    const out = path.join(ROOT, "dist/a76xx.js");
    const res = await bundle("hal/espruino/bundle-entry.ts", out, true);
    const findings = checkDeviceSource(fs.readFileSync(out, "utf8"));
    if (findings.length) throw new Error(findings.map((f) => `${out}:${f.line} ${f.construct}`).join("\n"));
    return { file: out, bytes: res.bytes };
  }
  if (!board) throw new Error("BOARD= is needed with APP= (esp32, t-a7670, pico, linux)");
  const modem: { [k: string]: unknown } = {};
  const pairs = parsePairs(env("MODEM"));
  for (const k of Object.keys(pairs)) modem[k] = /^[0-9]+$/.test(pairs[k]) ? Number(pairs[k]) : pairs[k];
  if (env("APN") !== undefined) modem.apn = env("APN");
  if (env("MODE")) modem.dataMode = env("MODE");
  const res = await bundleApp({ board, app, serial: env("SERIAL"), modem, args: parsePairs(env("ARGS")) });
  const rel = path.relative(process.cwd(), res.outfile);
  for (const f of res.findings) console.error(`${rel}:${f.line} ${f.construct}`);
  if (res.findings.length) throw new Error(`device check failed on ${rel}`);
  return { file: res.outfile, bytes: res.bytes };
}

/**
 * Arguments every CLI call gets: `--no-ble`, because the CLI otherwise initialises Bluetooth through
 * D-Bus and crashes where there is none (containers, WSL, CI); boards are reached by serial or TCP.
 */
const ALWAYS = ["--no-ble"];

function run(given: string[], timeoutMs: number): Promise<number> {
  const args = ALWAYS.concat(given);
  console.log(`$ ${path.relative(ROOT, ESPRUINO)} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(ESPRUINO, args, { stdio: "inherit" });
    const timer = timeoutMs > 0 ? setTimeout(() => child.kill("SIGTERM"), timeoutMs) : undefined;
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve(code === null ? (signal === "SIGTERM" ? 124 : 1) : code);
    });
  });
}

async function main(): Promise<number> {
  const cmd = process.argv[2];
  const port = env("PORT");
  const board = env("BOARD");
  const app = env("APP");
  if (cmd === "bundle") {
    if (!board || !app) {
      console.error(`usage: make bundle BOARD=<esp32|t-a7670|pico|linux> APP=<${listApps().join("|")}> [APN=…] [MODE=buffer|push|transparent] [ARGS="host=… port=…"] [SERIAL=/dev/ttyS0]`);
      return 2;
    }
    const b = await buildFor(board, app);
    console.log(`bundle: ${path.relative(process.cwd(), b.file)} ${b.bytes} bytes, device check OK`);
    console.log("Web IDE users: open this file in the editor and send it with 'Save on Send: Direct to flash'.");
    return 0;
  }
  if (cmd === "flash") {
    if (app && listApps().indexOf(app) < 0) throw new Error(`unknown app "${app}"; apps: ${listApps().join(", ")}`);
    if (board && ["esp32", "t-a7670", "pico", "linux"].indexOf(board) < 0) throw new Error(`unknown board "${board}"; boards: esp32, t-a7670, pico, linux`);
    const baud = Number(env("BAUD") || CONSOLE_BAUD[board || "esp32"] || 115200);
    const what = app ? `the ${app} app for ${board || "?"} as boot code (runs at every power-up)` : `the library to Storage as module "a76xx"`;
    if (!port) {
      console.error(`make flash needs PORT=<serial device of the board's REPL>.`);
      console.error(`It would build and upload ${what}:`);
      console.error(
        app
          ? `  ${path.relative(ROOT, ESPRUINO)} ${ALWAYS.join(" ")} -p <PORT> -b ${baud} --config SAVE_ON_SEND=1 dist/${app}-${board || "<board>"}.js`
          : `  ${path.relative(ROOT, ESPRUINO)} ${ALWAYS.join(" ")} -p <PORT> -b ${baud} --storage a76xx:dist/a76xx.js`,
      );
      console.error(howToFindPort());
      return 2;
    }
    const b = await buildFor(board, app);
    console.log(`uploading ${what}: ${path.relative(process.cwd(), b.file)} (${b.bytes} bytes) to ${port}`);
    const args = app
      ? ["-p", port, "-b", String(baud), "--config", "SAVE_ON_SEND=1", b.file]
      : ["-p", port, "-b", String(baud), "--storage", "a76xx:" + b.file, "-e", 'print("a76xx stored: " + require("Storage").getFree() + " bytes of Storage free")'];
    const code = await run(args, UPLOAD_TIMEOUT_MS);
    if (code === 124) console.error(`the espruino CLI did not exit within ${UPLOAD_TIMEOUT_MS / 1000} s (a known CLI hang); check the board with make repl PORT=${port}`);
    return code;
  }
  if (cmd === "repl") {
    if (!port) {
      console.error("make repl needs PORT=<serial device of the board's REPL>.");
      console.error(howToFindPort());
      return 2;
    }
    const baud = Number(env("BAUD") || CONSOLE_BAUD[board || "esp32"] || 115200);
    console.log("Espruino REPL; press Ctrl+C twice to leave. Try: modem.diagnose({host: \"example.com\", port: 80})");
    return run(["-p", port, "-b", String(baud)], 0);
  }
  console.error("usage: ts-node tools/flash/cli.ts bundle|flash|repl (through make)");
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  },
);
