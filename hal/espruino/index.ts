// The Espruino HAL: the only code that touches Espruino's SerialN, pins, watches, timers and E.*.
import { BoardDef, PinWiring } from "../../firmware/core/board";
import { ByteCodec, Clock, ConsolePort, Hal, InputPin, OutputPin, TimerHandle, Uart } from "../../firmware/core/hal";

/** The SerialN object for port 1..6, or undefined when this build has no such port. */
function serialPort(port: number): Serial | undefined {
  switch (port) {
    case 1: return typeof Serial1 !== "undefined" ? Serial1 : undefined;
    case 2: return typeof Serial2 !== "undefined" ? Serial2 : undefined;
    case 3: return typeof Serial3 !== "undefined" ? Serial3 : undefined;
    case 4: return typeof Serial4 !== "undefined" ? Serial4 : undefined;
    case 5: return typeof Serial5 !== "undefined" ? Serial5 : undefined;
    case 6: return typeof Serial6 !== "undefined" ? Serial6 : undefined;
    default: return undefined;
  }
}

/**
 * A board pin by name ("D4", "B3"); throws Error when this device has no such pin (a board
 * definition for another device): a wrong wiring fails at setup, not later inside a task. The
 * check touches no hardware: an unknown name makes an empty Pin object.
 */
function pinOf(name: string): Pin {
  if (String(new Pin(name)) !== name) throw new Error("a76xx: pin " + name + " does not exist on this device; check the board definition");
  return name as unknown as Pin;
}

export const espruinoCodec: ByteCodec = {
  toBytes(s: string): Uint8Array {
    return E.toUint8Array(s);
  },
  fromBytes(bytes: Uint8Array, start: number, end: number): string {
    return E.toString(bytes.subarray(start, end));
  },
  is8bit(s: string): boolean {
    // A UTF-8 string whose UART bytes outnumber its characters cannot go out one byte a character.
    const u = E as unknown as { isUTF8?: (s: string) => boolean };
    return !u.isUTF8 || !u.isUTF8(s) || E.toUint8Array(s).length === s.length;
  },
};

export const espruinoClock: Clock = {
  now(): number {
    return getTime() * 1000;
  },
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return setTimeout(fn, ms > 0 ? ms : 0);
  },
  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle);
  },
};

function outputPin(w: PinWiring): OutputPin {
  const pin = pinOf(w.pin);
  return {
    write(active: boolean): void {
      digitalWrite(pin, active === w.activeHigh ? 1 : 0);
    },
  };
}

function inputPin(w: PinWiring): InputPin {
  const pin = pinOf(w.pin);
  return {
    read(): boolean {
      return (digitalRead(pin) === 1) === w.activeHigh;
    },
    watch(handler: (active: boolean) => void): () => void {
      const id = setWatch((e: { state: boolean }) => handler(e.state === w.activeHigh), pin, {
        repeat: true,
        edge: "both",
        debounce: 10,
      });
      return () => clearWatch(id);
    },
  };
}

/**
 * The UART the board wires to the modem. Nothing touches the port until `setup` is called.
 * Throws Error when the board names a SerialN this build does not have (a configuration error).
 */
function uartFor(board: BoardDef, given: Serial | undefined): Uart {
  const serial = given || serialPort(board.uart.port);
  if (!serial) throw new Error("a76xx: this Espruino build has no Serial" + board.uart.port);
  let handler: ((chunk: string) => void) | undefined = undefined;
  // A device path (the Linux build) replaces the pins; otherwise the pins are checked now.
  const u = board.uart;
  const opts: { rx?: Pin; tx?: Pin; cts?: Pin; path?: string } = {};
  if (u.path) opts.path = u.path;
  else {
    if (u.rx) opts.rx = pinOf(u.rx);
    if (u.tx) opts.tx = pinOf(u.tx);
    if (u.cts) opts.cts = pinOf(u.cts);
  }
  // Espruino's Linux build quits when no timer is pending (an open serial port does not count); a
  // board never does. A serial device path means that build: an idle timer keeps it running, as a
  // board would, while the UART is open (a transparent server may wait for a client with nothing else pending).
  let alive: number | undefined = undefined;
  return {
    setup(baud: number): void {
      if (u.path) {
        serial.path = u.path;
        if (alive === undefined) alive = setInterval(function () {}, 600000);
      }
      serial.setup(baud, opts);
    },
    write(data: string): void {
      serial.write(data);
    },
    onData(h: (chunk: string) => void): void {
      // The handler is the parser's feed itself: no wrapper call per chunk.
      if (handler) serial.removeAllListeners("data");
      handler = h;
      serial.on("data", h);
    },
    close(): void {
      if (handler) serial.removeAllListeners("data");
      handler = undefined;
      if (alive !== undefined) clearInterval(alive);
      alive = undefined;
    },
  };
}

/** The device the REPL console is on now (USB, SerialN or Telnet), or undefined. */
function consoleDevice(): Serial | undefined {
  const name = E.getConsole();
  if (name === "USB") return typeof USB !== "undefined" ? USB : undefined;
  if (name === "Telnet") return typeof Telnet !== "undefined" ? Telnet : undefined;
  if (name && name.substr(0, 6) === "Serial") return serialPort(parseInt(name.substr(6), 10));
  return undefined;
}

/**
 * The REPL console for the passthrough: while taken, the interpreter's console moves to LoopbackA
 * (so it stops reading keystrokes) and the console device's input goes to the handler.
 */
const espruinoConsole: ConsolePort = (function (): ConsolePort {
  let dev: Serial | undefined = undefined;
  return {
    take(handler: (chunk: string) => void): void {
      dev = consoleDevice();
      if (!dev) return;
      LoopbackA.setConsole(true);
      dev.on("data", handler);
    },
    release(): void {
      if (!dev) return;
      dev.removeAllListeners("data");
      dev.setConsole(false);
      dev = undefined;
    },
    write(data: string): void {
      if (dev) dev.write(data);
    },
  };
})();

/**
 * Build the HAL for `board` on Espruino (on `serial` when given, else the board's SerialN). Pins are
 * created but not driven: the modem driver decides when to write them. Throws Error on a board
 * that names a serial port this build lacks.
 */
export function createEspruinoHal(board: BoardDef, serial?: Serial): Hal {
  const hal: Hal = {
    uart: uartFor(board, serial),
    clock: espruinoClock,
    codec: espruinoCodec,
    console: espruinoConsole,
    log: (line: string) => console.log(line),
  };
  if (board.pwrkey) hal.pwrkey = outputPin(board.pwrkey);
  if (board.dtr) hal.dtr = outputPin(board.dtr);
  if (board.reset) hal.reset = outputPin(board.reset);
  if (board.powerEnable) hal.powerEnable = outputPin(board.powerEnable);
  if (board.status) hal.status = inputPin(board.status);
  if (board.ri) hal.ri = inputPin(board.ri);
  return hal;
}
