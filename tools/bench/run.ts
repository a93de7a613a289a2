// `make bench`: runs every benchmark, prints a table for people and one JSON object per line for tools.
import { benchAtEngine } from "./at-engine";

interface Row {
  name: string;
  figure: string;
  json: object;
}

function main(): void {
  const rows: Row[] = [];
  const at = benchAtEngine();
  rows.push({
    name: "AT engine, host, mixed stream",
    figure: `${at.mbPerSec.toFixed(1)} MB/s (${(at.bytes / 1048576).toFixed(1)} MB in ${at.seconds.toFixed(2)} s)`,
    json: { bench: "at-engine", bytes: at.bytes, seconds: at.seconds, mbPerSec: at.mbPerSec },
  });
  console.log("benchmark".padEnd(44) + "result");
  for (const r of rows) console.log(r.name.padEnd(44) + r.figure);
  for (const r of rows) console.log(JSON.stringify(r.json));
}

main();
