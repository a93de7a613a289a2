// The JerryScript HAL: the firmware's UART, clock, codec, pins and log over the natives of the jhost program (hal/jerryscript/*.c).
//
// Pins on this target are Linux GPIO character-device lines, named "gpiochipN:LINE" (or
// "/dev/gpiochipN:LINE") in the board. A pin whose chip or line cannot be requested is left out of
// the HAL (the firmware then runs without it), with one log line saying why. Output lines are
// requested when the HAL is created and driven to their inactive level; input lines are read on
// demand and watched for edges only while someone watches them.
/// <reference path="./jhost.d.ts" />
import { BoardDef, PinWiring } from "../../firmware/core/board";
import { ByteCodec, Clock, Hal, InputPin, OutputPin, TimerHandle, Uart } from "../../firmware/core/hal";

export interface JerryHalOptions {
  /** Serial device of the modem; the board's uart.path when absent. */
  path?: string;
  /** Another byte codec (e.g. a plain-JavaScript one, to measure what the native one saves). */
  codec?: ByteCodec;
  /** Where log lines go; jhost.print when absent. */
  log?: (line: string) => void;
}

/** The native codec: one call per chunk, no byte loop in JavaScript. Non-8-bit input is a programmer error (throws). */
export const jerryCodec: ByteCodec = {
  toBytes(s: string): Uint8Array {
    const r = jhost.toBytes(s);
    if (typeof r === "string") throw new Error("a76xx: toBytes: " + r);
    return r;
  },
  fromBytes(bytes: Uint8Array, start: number, end: number): string {
    const r = jhost.fromBytes(bytes, start, end);
    if (typeof r !== "string") throw new Error("a76xx: fromBytes: error " + r);
    return r;
  },
  is8bit(s: string): boolean {
    return jhost.is8bit(s);
  },
};

/** Timers of the host's fixed table; a full table is a configuration error (throws). */
export const jerryClock: Clock = {
  now(): number {
    return jhost.now();
  },
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = jhost.setTimer(fn, ms > 0 ? ms : 0);
    if (typeof id === "string") throw new Error("a76xx: " + id);
    return id;
  },
  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === "number") jhost.clearTimer(handle);
  },
};

/** "gpiochip0:17" or "/dev/gpiochip0:17" -> {chip: "/dev/gpiochip0", line: 17}; undefined for other names. */
export function parseLine(pin: string): { chip: string; line: number } | undefined {
  const m = /^((?:\/dev\/)?gpiochip[0-9]+):([0-9]+)$/.exec(pin);
  if (!m) return undefined;
  return { chip: m[1].charAt(0) === "/" ? m[1] : "/dev/" + m[1], line: parseInt(m[2], 10) };
}

function outputPin(name: string, w: PinWiring, log: (line: string) => void): OutputPin | undefined {
  const at = parseLine(w.pin);
  if (!at) {
    log("a76xx: pin " + name + " (" + w.pin + ") is not a gpiochipN:LINE name; left out");
    return undefined;
  }
  // Requested at its inactive level: not pressed, not in reset, supply off, DTR released.
  const h = jhost.gpioOutput(at.chip, at.line, w.activeHigh ? 0 : 1);
  if (typeof h === "string") {
    log("a76xx: pin " + name + " (" + w.pin + ") absent: " + h);
    return undefined;
  }
  return {
    write(active: boolean): void {
      const r = jhost.gpioWrite(h, active === w.activeHigh ? 1 : 0);
      if (typeof r === "string") log("a76xx: pin " + name + ": " + r);
    },
  };
}

function inputPin(name: string, w: PinWiring, log: (line: string) => void): InputPin | undefined {
  const at = parseLine(w.pin);
  if (!at) {
    log("a76xx: pin " + name + " (" + w.pin + ") is not a gpiochipN:LINE name; left out");
    return undefined;
  }
  const first = jhost.gpioInput(at.chip, at.line);
  if (typeof first === "string") {
    log("a76xx: pin " + name + " (" + w.pin + ") absent: " + first);
    return undefined;
  }
  let h = first;
  const handlers: Array<(active: boolean) => void> = [];
  const onEdge = (level: number): void => {
    const active = (level === 1) === w.activeHigh;
    const list = handlers.slice();
    for (let i = 0; i < list.length; i++) list[i](active);
  };
  // Re-request the line with or without edge events (a watched line keeps the host's loop alive).
  const request = (watch: boolean): void => {
    jhost.gpioClose(h);
    const r = watch ? jhost.gpioInput(at.chip, at.line, onEdge, 10000) : jhost.gpioInput(at.chip, at.line);
    if (typeof r === "string") log("a76xx: pin " + name + ": " + r);
    else h = r;
  };
  return {
    read(): boolean {
      const v = jhost.gpioRead(h);
      if (typeof v === "string") {
        log("a76xx: pin " + name + ": " + v);
        return false;
      }
      return (v === 1) === w.activeHigh;
    },
    watch(handler: (active: boolean) => void): () => void {
      handlers.push(handler);
      if (handlers.length === 1) request(true);
      return () => {
        const i = handlers.indexOf(handler);
        if (i < 0) return;
        handlers.splice(i, 1);
        if (handlers.length === 0) request(false);
      };
    },
  };
}

/**
 * The modem's UART on a serial device. `setup` opens it (or changes the rate when open); a device
 * that cannot be opened is logged and the UART stays closed (the firmware then sees a silent
 * module and reports it); a device that fails later is closed and re-opened by the next `setup`.
 */
function uartAt(path: string, log: (line: string) => void): Uart {
  let handle = -1;
  let handler: ((chunk: string) => void) | undefined = undefined;
  const onData = (chunk: string | null, error?: string): void => {
    if (chunk === null) {
      log("a76xx: UART " + path + ": " + error);
      if (handle >= 0) jhost.uartClose(handle);
      handle = -1;
      return;
    }
    if (handler) handler(chunk);
  };
  return {
    setup(baud: number): void {
      const r = handle >= 0 ? jhost.uartBaud(handle, baud) : jhost.uartOpen(path, baud, onData);
      if (typeof r === "string") {
        log("a76xx: UART " + path + " at " + baud + " baud: " + r);
        return;
      }
      if (handle < 0) handle = r;
    },
    write(data: string): void {
      if (handle < 0) return;
      const r = jhost.uartWrite(handle, data);
      if (typeof r === "string") log("a76xx: UART " + path + ": " + r);
    },
    onData(h: (chunk: string) => void): void {
      handler = h;
    },
    close(): void {
      if (handle >= 0) jhost.uartClose(handle);
      handle = -1;
    },
  };
}

/**
 * Build the HAL for `board` on the JerryScript host. Requests the board's GPIO lines (absent ones
 * are left out, with a log line); the UART is opened by the firmware's first `setup`. Throws Error
 * when neither the options nor the board name a serial device (a configuration error).
 */
export function createJerryHal(board: BoardDef, options?: JerryHalOptions): Hal {
  const o = options || {};
  const log = o.log || ((line: string) => jhost.print(line));
  const path = o.path || board.uart.path;
  if (!path) throw new Error("a76xx: board " + board.id + " names no serial device; pass {path: \"/dev/...\"}");
  const hal: Hal = { uart: uartAt(path, log), clock: jerryClock, codec: o.codec || jerryCodec, log: log };
  if (board.pwrkey) hal.pwrkey = outputPin("pwrkey", board.pwrkey, log);
  if (board.dtr) hal.dtr = outputPin("dtr", board.dtr, log);
  if (board.reset) hal.reset = outputPin("reset", board.reset, log);
  if (board.powerEnable) hal.powerEnable = outputPin("powerEnable", board.powerEnable, log);
  if (board.status) hal.status = inputPin("status", board.status, log);
  if (board.ri) hal.ri = inputPin("ri", board.ri, log);
  return hal;
}
