// `make bundle BOARD= APP=`, `make flash PORT= BOARD= [APP=]` and `make repl PORT=`: build, upload and talk to a board with the espruino CLI.
//
// Flashing writes the app bundle as the board's boot code (the CLI's SAVE_ON_SEND=1, "direct to
// flash"): it survives a reset, runs at every power-up (so the modem is initialised again after a
// reset, which a save()d RAM image would not do), and the interpreter runs it from flash, so the
// bundle's source does not take RAM (a ~70 KB bundle would not fit in a Pico's RAM otherwise).
// Without APP the library alone is written to Storage as the module "a76xx" (require("a76xx")).
//
// Every run of the espruino CLI passes --no-ble: without it the CLI's Bluetooth module connects to
// D-Bus at start and crashes where there is none (containers, WSL, headless servers), --list included.
// `make ports` lists serial ports that way.
import { spawn } from "child_process";
import * as path from "path";
import { bundle, ROOT } from "../bundle/build";
import { bundleApp, checkModemOptions, listApps, parsePairs, resolveApp } from "../bundle/app";
import { modemOptionsFromEnv } from "../bundle/apps";
import { checkDeviceSource } from "../check-device/check";
import { checkSerialPath } from "../../hal/serialport/diagnose";
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

/** The espruino CLI's arguments for each thing the project does with it; every one starts with --no-ble. */
export const espruinoArgs = {
  flashApp: (port: string, baud: number, file: string): string[] => ["--no-ble", "-p", port, "-b", String(baud), "--config", "SAVE_ON_SEND=1", file],
  flashLibrary: (port: string, baud: number, file: string): string[] => [
    "--no-ble", "-p", port, "-b", String(baud), "--storage", "a76xx:" + file, "-e", 'print("a76xx stored: " + require("Storage").getFree() + " bytes of Storage free")',
  ],
  repl: (port: string, baud: number): string[] => ["--no-ble", "-p", port, "-b", String(baud)],
  list: (): string[] => ["--no-ble", "--list"],
};

/** The command line a person would type, for hints. */
export function espruinoCommand(args: string[]): string {
  return [path.relative(ROOT, ESPRUINO)].concat(args.map((a) => (/^[A-Za-z0-9_./:=<>-]+$/.test(a) ? a : JSON.stringify(a)))).join(" ");
}

function howToFindPort(): string {
  return [
    "How to find the port:",
    "  Linux:  ls /dev/ttyUSB* /dev/ttyACM*   (ESP32 boards: ttyUSB0 via CP2102/CH340; Espruino boards: ttyACM0)",
    "  macOS:  ls /dev/cu.usbserial* /dev/cu.usbmodem*",
    `  any:    make ports   (runs ${espruinoCommand(espruinoArgs.list())}; without --no-ble the CLI needs D-Bus for Bluetooth)`,
    "  Espruino's Linux build: run it with --telnet and use PORT=tcp://127.0.0.1:2323",
  ].join("\n");
}

/** A serial port the espruino CLI cannot open is reported as that (the CLI itself says "Unable to connect!" and exits 0). */
function checkPort(port: string): string | undefined {
  return /^tcp:\/\//.test(port) ? undefined : checkSerialPath(port);
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
  const res = await bundleApp({ board, app, serial: env("SERIAL"), modem: modemOptionsFromEnv(process.env), args: parsePairs(env("ARGS")) });
  const rel = path.relative(process.cwd(), res.outfile);
  for (const f of res.findings) console.error(`${rel}:${f.line} ${f.construct}`);
  if (res.findings.length) throw new Error(`device check failed on ${rel}`);
  return { file: res.outfile, bytes: res.bytes };
}

function run(args: string[], timeoutMs: number): Promise<number> {
  console.log(`$ ${espruinoCommand(args)}`);
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
      console.error(`usage: make bundle BOARD=<esp32|t-a7670|pico|linux> APP=<${listApps().join("|")} or path/to/your-app.ts> [APN=…] [MODE=buffer|push|transparent] [ARGS="host=… port=…"] [MODEM="option=value …"] [SERIAL=/dev/ttyS0]`);
      return 2;
    }
    const b = await buildFor(board, app);
    console.log(`bundle: ${path.relative(process.cwd(), b.file)} ${b.bytes} bytes, device check OK`);
    console.log("Web IDE users: open this file in the editor and send it with 'Save on Send: Direct to flash'.");
    return 0;
  }
  if (cmd === "flash") {
    if (app && !board) {
      console.error(`make flash APP=${app} needs BOARD=<esp32|t-a7670|pico|linux>: an app bundle is built for one board's wiring.`);
      console.error(`(Without APP, make flash uploads the library alone, which needs no BOARD.)`);
      return 2;
    }
    const appRef = app ? resolveApp(app) : undefined;
    if (board && ["esp32", "t-a7670", "pico", "linux"].indexOf(board) < 0) throw new Error(`unknown board "${board}"; boards: esp32, t-a7670, pico, linux`);
    // Bad modem options fail here, before the port is even looked at (the board would refuse them at boot).
    if (appRef && board) checkModemOptions(board, modemOptionsFromEnv(process.env));
    const baud = Number(env("BAUD") || CONSOLE_BAUD[board || "esp32"] || 115200);
    const what = appRef ? `the ${appRef.name} app for ${board} as boot code (runs at every power-up)` : `the library to Storage as module "a76xx"`;
    if (!port) {
      console.error(`make flash needs PORT=<serial device of the board's REPL>.`);
      console.error(`It would build and upload ${what}:`);
      console.error(
        app
          ? `  ${espruinoCommand(espruinoArgs.flashApp("<PORT>", baud, `dist/${appRef!.name}-${board}.js`))}`
          : `  ${espruinoCommand(espruinoArgs.flashLibrary("<PORT>", baud, "dist/a76xx.js"))}`,
      );
      console.error(howToFindPort());
      return 2;
    }
    const bad = checkPort(port);
    if (bad) {
      console.error(bad);
      console.error(howToFindPort());
      return 3;
    }
    const b = await buildFor(board, app);
    console.log(`uploading ${what}: ${path.relative(process.cwd(), b.file)} (${b.bytes} bytes) to ${port}`);
    const args = app ? espruinoArgs.flashApp(port, baud, b.file) : espruinoArgs.flashLibrary(port, baud, b.file);
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
    const bad = checkPort(port);
    if (bad) {
      console.error(bad);
      console.error(howToFindPort());
      return 3;
    }
    const baud = Number(env("BAUD") || CONSOLE_BAUD[board || "esp32"] || 115200);
    console.log("Espruino REPL; press Ctrl+C twice to leave. Try: modem.diagnose({host: \"example.com\", port: 80})");
    return run(espruinoArgs.repl(port, baud), 0);
  }
  if (cmd === "ports") {
    const code = await run(espruinoArgs.list(), 60000);
    if (code !== 0) console.error("(the espruino CLI found no port it can use; plug the board in, or: ls /dev/ttyUSB* /dev/ttyACM*)");
    return code;
  }
  console.error("usage: ts-node tools/flash/cli.ts bundle|flash|repl|ports (through make)");
  return 2;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`error: ${err.message}`);
      process.exit(1);
    },
  );
}
