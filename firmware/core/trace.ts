// The AT trace: one timestamped, direction-marked line per command, answer line, payload and mode change, with payload bytes summarised.
//
//   12.345 > AT+CIPRXGET=2,9,1460
//   12.351 < +CIPRXGET: 2,9,1460,0
//   12.480 < [1460 B] "GET / HTTP/1.1\r\nHost: ex..."
//   12.481 < OK
//   13.002 * data mode on
// Directions: ">" to the module, "<" from it, "*" the driver's own notes. Costs nothing when off:
// the engine holds no tracer then and tests one field per line, never per chunk.

/** Bytes shown of a payload. */
const PREVIEW = 24;

/** Printable form of 8-bit bytes: \r \n \t \\ \" and \xNN for the rest; at most `max` bytes, then "...". */
export function escapeBytes(s: string, max: number): string {
  let out = "";
  const n = s.length < max ? s.length : max;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 13) out += "\\r";
    else if (c === 10) out += "\\n";
    else if (c === 9) out += "\\t";
    else if (c === 92 || c === 34) out += "\\" + s.charAt(i);
    else if (c < 32 || c > 126) out += "\\x" + (c < 16 ? "0" : "") + c.toString(16);
    else out += s.charAt(i);
  }
  return n < s.length ? out + "..." : out;
}

/** What the engine calls: direction, text, and whether `text` is payload bytes (summarised) or a line. */
export type Tracer = (dir: string, text: string, bytes: boolean) => void;

/** A tracer that formats each event as one line for `out`, timestamped in seconds by `now` (ms). */
export function makeTracer(now: () => number, out: (line: string) => void): Tracer {
  return function (dir: string, text: string, bytes: boolean): void {
    const body = bytes ? "[" + text.length + " B] \"" + escapeBytes(text, PREVIEW) + "\"" : escapeBytes(text, 200);
    out((now() / 1000).toFixed(3) + " " + dir + " " + body);
  };
}
