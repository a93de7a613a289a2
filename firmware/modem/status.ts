// Parsers for the modem's status answers: signal quality (+CSQ) and network registration (+CREG/+CGREG/+CEREG).

/** Signal quality from `+CSQ: <rssi>,<ber>`. `dbm` is undefined when the modem does not know (99). */
export interface Signal {
  rssi: number;
  ber: number;
  dbm: number | undefined;
}

/** 3GPP TS 27.007: rssi 0 = -113 dBm or less, 1 = -111, 2..30 = -109..-53 (2 dB steps), 31 = -51 or more, 99 = unknown. */
export function rssiToDbm(rssi: number): number | undefined {
  if (rssi >= 0 && rssi <= 31) return -113 + 2 * rssi;
  return undefined;
}

/** Parse the text after `+CSQ: ` ("23,99"); undefined when malformed. */
export function parseCsq(body: string): Signal | undefined {
  const comma = body.indexOf(",");
  if (comma < 1) return undefined;
  const rssi = parseInt(body.substr(0, comma), 10);
  const ber = parseInt(body.substr(comma + 1), 10);
  if (isNaN(rssi) || isNaN(ber)) return undefined;
  return { rssi: rssi, ber: ber, dbm: rssiToDbm(rssi) };
}

/** Registration as the driver sees it. */
export const enum Reg {
  NotSearching = 0,
  Home = 1,
  Searching = 2,
  Denied = 3,
  Unknown = 4,
  Roaming = 5,
  /** Any other value (6 SMS only home, 7 SMS only roaming, 8 emergency, 9/10 CSFB not preferred, 11 …). */
  Other = 6,
}

/** Human-readable registration state. */
export function regName(r: Reg): string {
  switch (r) {
    case Reg.NotSearching: return "not searching";
    case Reg.Home: return "home";
    case Reg.Searching: return "searching";
    case Reg.Denied: return "denied";
    case Reg.Unknown: return "unknown";
    case Reg.Roaming: return "roaming";
    default: return "other";
  }
}

/** True when packet data can be used (registered home or roaming). */
export function isRegistered(r: Reg): boolean {
  return r === Reg.Home || r === Reg.Roaming;
}

/**
 * Parse the text after `+CREG: `, `+CGREG: ` or `+CEREG: `. A query answer is `<n>,<stat>[,…]`;
 * an unsolicited one (with n=1) is just `<stat>[,…]`. Returns the registration, or undefined when malformed.
 */
export function parseReg(body: string, isQueryAnswer: boolean): Reg | undefined {
  let s = body;
  if (isQueryAnswer) {
    const comma = s.indexOf(",");
    if (comma < 0) return undefined;
    s = s.substr(comma + 1);
  }
  const end = s.indexOf(",");
  const stat = parseInt(end < 0 ? s : s.substr(0, end), 10);
  if (isNaN(stat) || stat < 0) return undefined;
  if (stat <= 5) return stat as Reg;
  return Reg.Other;
}
