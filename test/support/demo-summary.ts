// Reads the demo's summary table (the lines after "== summary" that start with "| ", minus header and rule) as cell arrays.

/** The summary's data rows as cell arrays; [] when there is no summary. */
export function summaryRows(lines: string[]): string[][] {
  const at = lines.indexOf("== summary");
  if (at < 0) return [];
  const rows: string[][] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i];
    if (!l.startsWith("|")) {
      if (rows.length) break;
      continue;
    }
    if (l.startsWith("|-")) continue;
    const cells = l.split("|").slice(1, -1).map((c) => c.trim());
    if (cells[0] !== "exchange") rows.push(cells);
  }
  return rows;
}
