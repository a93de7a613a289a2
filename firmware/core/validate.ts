// Checks on values the user hands the driver that end up inside AT commands (hosts, ports, APNs, lengths).
//
// A `"`, CR, LF or other control byte inside a quoted AT argument would end the string or the
// command and let the rest run as a second command (`a"<CR>AT+CRESET`), so every such value is
// checked before any byte reaches the UART. Each function returns undefined when the value is
// acceptable, or a sentence saying what is wrong.

/** Longest host name the driver passes to AT+CIPOPEN / AT+CDNSGIP (DNS names are at most 253). */
export const MAX_HOST_LENGTH = 253;
/** Longest APN (3GPP TS 23.003 allows 100 octets). */
export const MAX_APN_LENGTH = 100;
/** Longest user name or password for AT+CGAUTH. */
export const MAX_AUTH_LENGTH = 64;

/** True for an 8-bit string made only of characters in [A-Za-z0-9] plus those in `extra`. */
function onlyChars(s: string, extra: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum && extra.indexOf(s.charAt(i)) < 0) return false;
  }
  return true;
}

/** A host name or IP literal for AT+CIPOPEN/AT+CDNSGIP: letters, digits, `.`, `-`, `_`, `:` only. */
export function checkHost(host: unknown): string | undefined {
  if (typeof host !== "string") return "host must be a string";
  if (host.length === 0) return "host is empty";
  if (host.length > MAX_HOST_LENGTH) return "host is longer than " + MAX_HOST_LENGTH + " characters";
  if (!onlyChars(host, ".-_:")) return "host " + JSON.stringify(host) + " contains a character not allowed in a host name (only letters, digits, '.', '-', '_', ':')";
  return undefined;
}

/** A TCP/UDP port: an integer 1..65535 (0 allowed only where `allowZero`, e.g. "any local port"). */
export function checkPort(port: unknown, allowZero: boolean): string | undefined {
  const min = allowZero ? 0 : 1;
  if (typeof port !== "number" || Math.floor(port) !== port || port < min || port > 65535) {
    return "port must be an integer in " + min + "..65535, got " + String(port);
  }
  return undefined;
}

/** An APN for AT+CGDCONT: may be empty (network default); letters, digits, `.`, `-`, `_` only. */
export function checkApn(apn: unknown): string | undefined {
  if (typeof apn !== "string") return "APN must be a string";
  if (apn.length > MAX_APN_LENGTH) return "APN is longer than " + MAX_APN_LENGTH + " characters";
  if (!onlyChars(apn, ".-_")) return "APN " + JSON.stringify(apn) + " contains a character not allowed in an APN (only letters, digits, '.', '-', '_')";
  return undefined;
}

/** A user name or password for AT+CGAUTH: printable ASCII without `"` or `\`. */
export function checkAuthField(name: string, value: unknown): string | undefined {
  if (typeof value !== "string") return name + " must be a string";
  if (value.length > MAX_AUTH_LENGTH) return name + " is longer than " + MAX_AUTH_LENGTH + " characters";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return name + " contains a control character, a quote or a backslash";
  }
  return undefined;
}

/** A length: an integer in min..max. */
export function checkLength(name: string, n: unknown, min: number, max: number): string | undefined {
  if (typeof n !== "number" || Math.floor(n) !== n || n < min || n > max) {
    return name + " must be an integer in " + min + ".." + max + ", got " + String(n);
  }
  return undefined;
}

/** True when `s` is an IPv4 dotted quad (no lookup needed). */
export function isIpv4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length < 1 || p.length > 3 || parseInt(p, 10) > 255) return false;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (c < 48 || c > 57) return false;
    }
  }
  return true;
}
