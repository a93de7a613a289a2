// Small scripts appended to a device bundle to watch it from inside the interpreter: memory samples, received bytes, memory after load; each prints lines starting with "@@" that the harness parses.
//
// They run after the bundle, so an app bundle's global `modem` exists; they wrap `modem.connect`
// to see the app's sockets (an extra `data` listener: constant memory, the app's own listener
// still gets every chunk). Plain ES5 and ASCII, like all device code.
import { RuntimeDef } from "./runtimes";

/**
 * Prints `@@mem b=<bytes received so far> u=<heap in use>` each time another `everyBytes` bytes
 * have arrived on the app's TCP socket, and `@@mem t u=<heap in use>` every `everyMs` ms (0 = no
 * timer samples).
 */
export function memorySampler(rt: RuntimeDef, everyBytes: number, everyMs: number): string {
  return [
    "(function(){",
    `var mem=function(){return ${rt.memoryUsage};};`,
    "var connect=modem.connect;",
    "modem.connect=function(h,p){",
    "var s=connect.call(modem,h,p);var n=0,next=0;",
    `s.on("data",function(d){n+=d.length;if(n>=next){next+=${everyBytes};${rt.printFn}("@@mem b="+n+" u="+mem());}});`,
    "return s;};",
    everyMs > 0 ? `setInterval(function(){${rt.printFn}("@@mem t u="+mem());},${everyMs});` : "",
    "})();",
  ].join("\n");
}

/** Prints `@@rx <base64>` for every chunk the app's TCP sockets receive (for byte-for-byte checks of apps that do not print what they get). */
export function receiveTap(rt: RuntimeDef): string {
  return [
    "(function(){",
    "var connect=modem.connect;",
    "modem.connect=function(h,p){",
    "var s=connect.call(modem,h,p);",
    `s.on("data",function(d){${rt.printFn}("@@rx "+btoa(d));});`,
    "return s;};",
    "})();",
  ].join("\n");
}

/**
 * The same for Espruino's net stack over the net part: every string the part's recv hands the
 * interpreter, printed as "@@rx <base64>" (the interpreter looks the callback up at each call).
 */
export function netReceiveTap(rt: RuntimeDef): string {
  return [
    "(function(){",
    "var cb=modem.netCallbacks,recv=cb.recv;",
    "cb.recv=function(i,n,t){",
    "var d=recv(i,n,t);",
    `if(typeof d==="string"&&d.length)${rt.printFn}("@@rx "+btoa(d));`,
    "return d;};",
    "})();",
  ].join("\n");
}

/**
 * Prints `@@loaded u=<heap in use>` right after the script before it has run (the script's own
 * text still held), then `@@resident u=<heap in use>` from the first timer (what stays once loading is over).
 */
export function loadedMemory(rt: RuntimeDef): string {
  return `${rt.printFn}("@@loaded u="+${rt.memoryUsage});\nsetTimeout(function(){${rt.printFn}("@@resident u="+${rt.memoryUsage});},1);`;
}

export interface MemSample {
  /** Bytes received when taken (byte samples), or undefined (timer samples). */
  bytes: number | undefined;
  usage: number;
}

/** The memory samples among output lines. */
export function memorySamples(lines: string[]): MemSample[] {
  const out: MemSample[] = [];
  for (const l of lines) {
    const m = /@@mem (?:b=(\d+)|t) u=(\d+)/.exec(l);
    if (m) out.push({ bytes: m[1] !== undefined ? Number(m[1]) : undefined, usage: Number(m[2]) });
  }
  return out;
}

/** The bytes the receive tap saw, in order, as an 8-bit string. */
export function tappedBytes(lines: string[]): string {
  let s = "";
  for (const l of lines) {
    const m = /@@rx ([A-Za-z0-9+/=]*)/.exec(l);
    if (m) s += Buffer.from(m[1], "base64").toString("latin1");
  }
  return s;
}

/** The heap in use printed by loadedMemory() (`loaded` or `resident`), or undefined. */
export function loadedUsage(lines: string[], which: "loaded" | "resident"): number | undefined {
  const re = new RegExp("@@" + which + " u=(\\d+)");
  for (const l of lines) {
    const m = re.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
}
