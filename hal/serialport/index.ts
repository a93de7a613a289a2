// Host HAL over a real serial port (the `serialport` package): a USB-UART adapter wired to a modem, or a pseudo-terminal.
//
// PWRKEY and DTR can be mapped to the adapter's DTR and RTS outputs (modem-control lines). Where the
// device cannot set them (a pseudo-terminal, an adapter without the lines) the pin becomes a no-op
// and one warning is printed per pin.
import { SerialPort } from "serialport";
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
}

export interface SerialPortHal extends Hal {
  /** Close the port for good (the Uart's close() does the same). Resolves when closed. */
  shutdown(): Promise<void>;
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
  const closePort = (): Promise<void> =>
    new Promise((resolve) => {
      const p = port;
      port = undefined;
      if (!p || !p.isOpen) return resolve();
      p.close(() => resolve());
    });
  const uart: Uart = {
    setup(baud: number): void {
      if (port && port.isOpen) {
        port.update({ baudRate: baud }, (err) => {
          if (err) warn(`a76xx: cannot change ${options.path} to ${baud} baud: ${err.message}`);
        });
        return;
      }
      port = new SerialPort({ path: options.path, baudRate: baud, autoOpen: true }, (err) => {
        if (err) warn(`a76xx: cannot open ${options.path}: ${err.message}`);
      });
      port.on("data", (buf: Buffer) => {
        if (handler) handler(buf.toString("latin1"));
      });
      port.on("error", (err: Error) => warn(`a76xx: ${options.path}: ${err.message}`));
    },
    write(data: string): void {
      if (!port) throw new Error("a76xx: serial write before setup");
      port.write(Buffer.from(data, "latin1"));
    },
    onData(h: (chunk: string) => void): void {
      handler = h;
    },
    close(): void {
      void closePort();
    },
  };
  const hal: SerialPortHal = { uart, clock: new SystemClock(), codec: nodeCodec, shutdown: closePort, log: (line: string) => console.log(line) };
  if (options.pwrkey) hal.pwrkey = controlPin(() => port, "PWRKEY", options.pwrkey, warn);
  if (options.dtr) hal.dtr = controlPin(() => port, "DTR", options.dtr, warn);
  return hal;
}
