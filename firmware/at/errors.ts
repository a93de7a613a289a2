// Error values of the AT layer: what failed, with the modem's number and words (doc section 6); nothing here throws.

/**
 * - "error": bare `ERROR`                  - "cme": `+CME ERROR: <n|text>`
 * - "ip": `+IP ERROR: <n|text>` + `ERROR`  - "cip": `+CIPERROR: <n>` (a send failed, e.g. after a PDN loss)
 * - "async": the async completion (`+CIPOPEN: 1,4` …) carried a non-zero `<err>`
 * - "timeout": no answer within the command's deadline (or no `>` prompt within the prompt deadline)
 * - "stalled": the engine gave up after repeated timeouts (the supervisor resets the module)
 * - "reset": the engine was reset (module reboot, power cycle, stop) while the command waited
 * - "noPrompt": the modem answered a send with a final result instead of the `>` prompt
 * - "badRead": a buffer-access read whose length or framing did not match the read asked for
 */
export type AtErrorKind = "error" | "cme" | "ip" | "cip" | "async" | "timeout" | "stalled" | "reset" | "noPrompt" | "badRead";

/** A failed command as a value. `code` is the modem's number, -1 when it gave none. */
export interface AtError {
  kind: AtErrorKind;
  code: number;
  text: string;
}

/** Digits only → their value; anything else → -1 (no parseInt leniency: "12abc" is not 12). */
export function parseUint(s: string): number {
  // Canonical numbers (the modem's) are checked natively; a loop only for anything else.
  const v = parseInt(s, 10);
  if (v >= 0 && s.length < 10 && String(v) === s) return v; // by length, not "< 1e9": so large a literal does not fit every engine's precompiled form
  return digitsOnly(s);
}

function digitsOnly(s: string): number {
  if (s.length === 0 || s.length > 9) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return parseInt(s, 10);
}

/** An error from the modem's own words: `info` is its `<n|text>` field ("" for a bare ERROR). */
export function atError(kind: AtErrorKind, info: string): AtError {
  const n = parseUint(info);
  return { kind: kind, code: n, text: info || (kind === "error" ? "ERROR" : kind) };
}
