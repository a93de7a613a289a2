// The host runner's diagnoses of the serial link, most likely cause first with the evidence (bytes sent and received, what the port is).
import * as fs from "fs";
import { SerialPortStats } from "../../hal/serialport/index";

/** The device behind a path when it is a pseudo-terminal (/dev/pts/N, macOS /dev/ttysN), else undefined. */
export function pseudoTerminal(path: string): string | undefined {
  try {
    const real = fs.realpathSync(path);
    return /^\/dev\/(pts\/\d+|ttys\d+)$/.test(real) ? real : undefined;
  } catch (e) {
    return undefined;
  }
}

function escaped(s: string, max: number): string {
  let out = "";
  for (let i = 0; i < s.length && i < max; i++) {
    const c = s.charCodeAt(i);
    out += c === 13 ? "\\r" : c === 10 ? "\\n" : c >= 32 && c < 127 ? s[i] : "\\x" + (c < 16 ? "0" : "") + c.toString(16);
  }
  return out + (s.length > max ? "…" : "");
}

/**
 * Why the link is silent or garbled, or undefined when bytes came back and the failure is not about
 * the module answering. `seconds` is how long the runner has waited.
 */
export function explainLink(path: string, stats: SerialPortStats, seconds: number, moduleSilent: boolean): string | undefined {
  const pts = pseudoTerminal(path);
  const evidence = `${stats.sent} bytes sent, ${stats.received} received in ${seconds} s`;
  if (stats.received === 0) {
    if (pts)
      return (
        `nothing came back from ${path} (${evidence}); it is a pseudo-terminal (${pts}), so the program behind it is not answering — ` +
        `if it is make sim … &, check it still runs: jobs (a Stopped job answers nothing: bg or fg it), or start it again`
      );
    return (
      `nothing came back from ${path} (${evidence}) — most likely the modem is off or not on this adapter: ` +
      `check its supply (2 A peaks) and power LED, TX to RX crossed both ways, a common ground, then PWRKEY (PWRKEY=rts when it is wired to the adapter's RTS)`
    );
  }
  if (!moduleSilent) return undefined;
  return (
    `bytes came back from ${path} but never an answer the driver understood (${evidence}; first bytes "${escaped(stats.head, 40)}") — ` +
    `most likely another rate than BAUD, or another device on this port; then noise on the lines (ground, cable length)`
  );
}
