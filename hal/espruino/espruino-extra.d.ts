// Ambient declarations for Espruino globals that @types/espruino 1.95 lacks or types too narrowly.
declare function setTimeout(fn: () => void, ms: number): number;
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
