// Host HAL over a real serial port (the `serialport` package): a USB-UART adapter wired to a modem, or a pseudo-terminal.
//
// PWRKEY and DTR can be mapped to the adapter's DTR and RTS outputs (modem-control lines). Where the
// device cannot set them (a pseudo-terminal, an adapter without the lines) the pin becomes a no-op
// and one warning is printed per pin. A port that cannot be opened (or that goes away) is reported
// once, as that, through onFatal (diagnose.ts says why, most likely cause first); it is not retried.
import { SerialPort } from "serialport";
import { checkSerialPath, describeOpenError } from "./diagnose";
import { Hal, OutputPin, Uart } from "../../firmware/core/hal";
import { nodeCodec } from "../host/codec";
import { SystemClock } from "../host/system-clock";

/** An adapter output line and whether asserting the pin means driving the line active (true) or inactive. */
export interface ControlLineMap {
  line: "dtr" | "rts";
  /** true: pin active = line asserted. Most adapters drive an asserted line LOW at the TTL pin. */
  assertWhenActive: boolean;
}

export interface SerialPortHalOptions {
  /** Device path, e.g. /dev/ttyUSB0 or a simulator PTY. */
  path: string;
  pwrkey?: ControlLineMap;
  dtr?: ControlLineMap;
  /** Where warnings go (default console.warn). */
  warn?: (msg: string) => void;
  /**
   * Called once when the port cannot be opened or goes away (unplugged), with one line saying why
   * ("cannot open /dev/ttyUSB0: …"). Without it, that line is a warning. Either way it is not retried.
   */
  onFatal?: (msg: string) => void;
}

/** What crossed the port, for diagnoses: byte counts and the first bytes received. */
export interface SerialPortStats {
  sent: number;
  received: number;
  /** The first 64 bytes received (8-bit string). */
  head: string;
}

export interface SerialPortHal extends Hal {
  /**
   * Opens the port at `baud` now (rather than at the firmware's first uart.setup), so that a port
   * that cannot be opened is known before anything starts. Resolves undefined when open, else the
   * one-line reason (also passed to onFatal).
   */
  open(baud: number): Promise<string | undefined>;
  /** Close the port for good (the Uart's close() does the same). Resolves when closed. */
  shutdown(): Promise<void>;
  stats(): SerialPortStats;
}

function controlPin(port: () => SerialPort | undefined, name: string, map: ControlLineMap, warn: (m: string) => void): OutputPin {
  let warned = false;
  return {
    write(active: boolean): void {
      const p = port();
      if (!p || !p.isOpen) return;
      const asserted = active === map.assertWhenActive;
      const flags: { dtr?: boolean; rts?: boolean } = {};
      flags[map.line] = asserted;
      p.set(flags, (err) => {
        if (err && !warned) {
          warned = true;
          warn(`a76xx: cannot drive ${name} through the adapter's ${map.line.toUpperCase()} line (${err.message}); ${name} is a no-op on this port`);
        }
      });
    },
  };
}

/** A HAL on a real serial device. Nothing is opened until `uart.setup(baud)`. */
export function createSerialPortHal(options: SerialPortHalOptions): SerialPortHal {
  const warn = options.warn || ((m: string) => console.warn(m));
  let port: SerialPort | undefined;
  let handler: ((chunk: string) => void) | undefined;
  let fatal: string | undefined;
  let closing = false;
  let opening: Promise<string | undefined> | undefined;
  const stats: SerialPortStats = { sent: 0, received: 0, head: "" };
  const fail = (msg: string) => {
    if (fatal !== undefined) return;
    fatal = msg;
    if (options.onFatal) options.onFatal(msg);
    else warn(`a76xx: ${msg}`);
  };
  const closePort = (): Promise<void> =>
    new Promise((resolve) => {
      closing = true;
      const p = port;
      port = undefined;
      opening = undefined;
      if (!p || !p.isOpen) return resolve();
      p.close(() => resolve());
    });
  const open = (baud: number): Promise<string | undefined> => {
    if (opening) return opening;
    closing = false;
    opening = new Promise((resolve) => {
      const before = checkSerialPath(options.path);
      if (before !== undefined) {
        fail(before);
        return resolve(before);
      }
      const p = new SerialPort({ path: options.path, baudRate: baud, autoOpen: true }, (err) => {
        if (!err) return resolve(undefined);
        const why = describeOpenError(options.path, err.message);
        fail(why);
        resolve(why);
      });
      port = p;
      p.on("data", (buf: Buffer) => {
        stats.received += buf.length;
        if (stats.head.length < 64) stats.head += buf.toString("latin1", 0, Math.min(buf.length, 64 - stats.head.length));
        if (handler) handler(buf.toString("latin1"));
      });
      p.on("error", (err: Error) => warn(`a76xx: ${options.path}: ${err.message}`));
      p.on("close", (err?: { disconnected?: boolean; message?: string }) => {
        if (!closing && err && err.disconnected) fail(`${options.path} went away (${err.message || "disconnected"}) — the adapter was unplugged, or the program behind the pseudo-terminal stopped`);
      });
    });
    return opening;
  };
  const uart: Uart = {
    setup(baud: number): void {
      if (fatal !== undefined) return;
      if (port && port.isOpen) {
        port.update({ baudRate: baud }, (err) => {
          if (err) warn(`a76xx: cannot change ${options.path} to ${baud} baud: ${err.message}`);
        });
        return;
      }
      if (opening && port) {
        // Still opening (open() was called first): apply the rate once it is open.
        void opening.then((why) => {
          if (why === undefined && port && port.isOpen) port.update({ baudRate: baud }, () => undefined);
        });
        return;
      }
      void open(baud);
    },
    write(data: string): void {
      // After shutdown (the host runner's Ctrl+C, an app's done) the firmware's timers may still
      // write until the process exits: dropped, as by a closed UART, not a crash.
      if (fatal !== undefined || closing) return;
      if (!port) throw new Error("a76xx: serial write before setup");
      stats.sent += data.length;
      port.write(Buffer.from(data, "latin1"));
    },
    onData(h: (chunk: string) => void): void {
      handler = h;
    },
    close(): void {
      void closePort();
    },
  };
  const hal: SerialPortHal = {
    uart,
    clock: new SystemClock(),
    codec: nodeCodec,
    open,
    shutdown: closePort,
    stats: () => ({ sent: stats.sent, received: stats.received, head: stats.head }),
    log: (line: string) => console.log(line),
  };
  if (options.pwrkey) hal.pwrkey = controlPin(() => port, "PWRKEY", options.pwrkey, warn);
  if (options.dtr) hal.dtr = controlPin(() => port, "DTR", options.dtr, warn);
  return hal;
}
