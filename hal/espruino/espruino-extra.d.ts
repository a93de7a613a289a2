// Ambient declarations for Espruino globals that @types/espruino 1.95 lacks or types too narrowly.
declare function setTimeout(fn: () => void, ms: number): number;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearInterval(id: number): void;
declare namespace E {
  function toString(data: Uint8Array): string;
  function on(event: "init" | "kill", handler: () => void): void;
  function getErrorFlags(): string[];
  function getConsole(): string | undefined;
}
declare var process: { version: string; env: { [key: string]: string }; memory(): { free: number; usage: number; total: number } };
declare function require(module: string): any;
declare var USB: Serial | undefined;
declare var Telnet: Serial | undefined;
declare interface Serial {
  write(data: string): void;
  removeAllListeners(event: string): void;
  path: string;
}
declare var console: { log(msg: string): void };
/** The Pin constructor: `new Pin("D4")`; an unknown name gives a Pin whose String() is not the name. */
declare var Pin: { new (name: string): Pin };

// STM32 pin names (Espruino Pico/WiFi boards), missing from @types/espruino.
declare var A0: Pin, A1: Pin, A2: Pin, A3: Pin, A4: Pin, A5: Pin, A6: Pin, A7: Pin, A8: Pin, A9: Pin, A10: Pin, A11: Pin, A12: Pin, A13: Pin, A14: Pin, A15: Pin;
declare var B0: Pin, B1: Pin, B2: Pin, B3: Pin, B4: Pin, B5: Pin, B6: Pin, B7: Pin, B8: Pin, B9: Pin, B10: Pin, B11: Pin, B12: Pin, B13: Pin, B14: Pin, B15: Pin;
declare var C0: Pin, C1: Pin, C2: Pin, C3: Pin, C4: Pin, C5: Pin, C6: Pin, C7: Pin, C8: Pin, C9: Pin, C10: Pin, C11: Pin, C12: Pin, C13: Pin, C14: Pin, C15: Pin;

/** NetworkJS (require("NetworkJS")): a JavaScript driver becomes the board's network for require("net")/require("http"). */
declare interface NetworkJSCallbacks {
  /** host undefined = server; type & 3: 0 TCP, 1 HTTP, 2 UDP; type & 4: TLS. Returns a socket index ≥ 0, or < 0 for an error. */
  create(host: string | undefined, port: number, type: number, options: object): number;
  close(sckt: number): void;
  /** The new socket index, or < 0 when none is waiting. */
  accept(serverSckt: number): number;
  /** A string ("" = nothing yet), -1 closed, -11 still connecting. */
  recv(sckt: number, maxLen: number, type: number): string | number;
  /** Bytes taken (> 0), 0 = busy, < 0 = error and close. */
  send(sckt: number, data: string, type: number): number;
}
declare interface NetworkJSModule {
  create(callbacks: NetworkJSCallbacks): void;
}
