// The demo's readable output: timestamped log lines (device virtual ms and wall ms) and the closing summary table.

/** Console output captured at load, so the log still reaches the terminal while device code has its own console. */
const print = console.log.bind(console);

/** One exchange's outcome, a row of the summary. */
export interface ExchangeResult {
  exchange: string;
  mode: string;
  /** Bytes the device sent and received in this exchange. */
  bytesOut: number;
  bytesIn: number;
  verified: boolean;
  /** Virtual (device) time the exchange took, ms. */
  virtualMs: number;
  /** What was checked, or what went wrong. */
  note: string;
}

export class DemoLog {
  private wall0 = Date.now();
  private clock: (() => number) | undefined = undefined;

  /** Stamp lines with this clock's time (a session's virtual clock); undefined = no device clock. */
  useClock(now: (() => number) | undefined): void {
    this.clock = now;
  }

  /** One line: virtual ms of the current session, wall ms since start (or since `atWallMs`, a Date.now() of when it happened), then the text. */
  line(text: string, atWallMs?: number): void {
    const v = this.clock ? this.clock().toFixed(1) : "-";
    const w = String((atWallMs !== undefined ? atWallMs : Date.now()) - this.wall0);
    print(`${v.padStart(9)} ${w.padStart(6)}  ${text}`);
  }

  /** A heading between groups of lines. */
  section(text: string): void {
    print("");
    print(`== ${text}`);
  }

  header(): void {
    print(`${"virt ms".padStart(9)} ${"wall ms".padStart(6)}  (virt = the session's device clock, from 0 at each bring-up)`);
  }

  /** The summary table (`timeLabel` names the last column: whose time `virtualMs` is); returns the exchanges that did not verify. */
  summary(results: ExchangeResult[], timeLabel = "virtual time"): ExchangeResult[] {
    const head = ["exchange", "mode", "bytes out", "bytes in", "verified", timeLabel];
    const rows = results.map((r) => [r.exchange, r.mode, String(r.bytesOut), String(r.bytesIn), r.verified ? "yes" : "NO", (r.virtualMs / 1000).toFixed(3) + " s"]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const fmt = (cells: string[]) => "| " + cells.map((c, i) => (i >= 2 && i !== 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ") + " |";
    print("");
    print("== summary");
    print(fmt(head));
    print("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
    for (const r of rows) print(fmt(r));
    print("");
    for (const r of results) print(`${r.verified ? "ok  " : "FAIL"} ${r.exchange} (${r.mode}): ${r.note}`);
    return results.filter((r) => !r.verified);
  }
}
