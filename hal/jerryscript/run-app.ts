// Runs an example app on the JerryScript host: main(modem, args, done); done or a signal stops the modem cleanly and ends the host.
import { Modem } from "../../firmware/app/index";

/** Run-time settings from the host's command line (`jhost app.snapshot -- serial=/dev/ttyUSB1 port=7000`). */
export interface RunConfig {
  /** Serial device (serial=...), when given. */
  serial?: string;
  /** Modem options given on the command line: apn=, mode= (dataMode), baud=. */
  modem: { [k: string]: unknown };
  /** Everything else, for the app's main. */
  args: { [k: string]: string };
}

/**
 * `key=value` words (jhost.argv) over the bundle's built-in settings: serial, apn, mode and baud
 * configure the modem; any other key is an app argument. A word without "=" is ignored with a line.
 */
export function runConfig(argv: string[], modem: { [k: string]: unknown }, args: { [k: string]: string }): RunConfig {
  const cfg: RunConfig = { modem: Object.assign({}, modem), args: Object.assign({}, args) };
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf("=");
    if (eq <= 0) {
      jhost.print("a76xx-jerry: ignoring argument " + argv[i] + " (expected key=value)");
      continue;
    }
    const k = argv[i].substr(0, eq);
    const v = argv[i].substr(eq + 1);
    if (k === "serial") cfg.serial = v;
    else if (k === "apn") cfg.modem.apn = v;
    else if (k === "mode") cfg.modem.dataMode = v;
    else if (k === "baud") cfg.modem.baud = parseInt(v, 10);
    else cfg.args[k] = v;
  }
  return cfg;
}

export type AppMain = (modem: Modem, args: { [k: string]: string }, done?: (ok: boolean, summary: string) => void) => void;

/**
 * Calls `main`. When the app reports `done(ok, summary)`, or SIGINT/SIGTERM arrives, the modem is
 * stopped (sockets closed, AT+NETCLOSE; the module stays powered) and the host exits: 0 when the
 * app passed, 1 when it failed, 130/143 on a signal. Waits at most 10 s for the modem to confirm.
 */
export function runApp(modem: Modem, main: AppMain, args: { [k: string]: string }): void {
  let ending = false;
  const end = (code: number, why: string): void => {
    if (ending) return;
    ending = true;
    jhost.print("a76xx-jerry: " + why + "; closing sockets and the network");
    modem.on("state", (s: string) => {
      if (s === "off") jhost.exit(code);
    });
    jhost.setTimer(function (): void {
      jhost.print("a76xx-jerry: the modem did not confirm within 10 s; exiting anyway");
      jhost.exit(code);
    }, 10000);
    modem.stop(true);
  };
  modem.on("state", (s: string) => jhost.print("a76xx-jerry: modem " + s));
  modem.on("error", (e: { kind: string; text: string }) => jhost.print("a76xx-jerry: error " + e.kind + ": " + e.text));
  jhost.onSignal(function (sig: string): void {
    end(sig === "SIGINT" ? 130 : 143, "interrupted (" + sig + ")");
  });
  main(modem, args, function (ok: boolean, summary: string): void {
    end(ok ? 0 : 1, (ok ? "passed: " : "FAILED: ") + summary);
  });
}
