// Command line of the device check: reports each construct Espruino cannot run in the named files and fails the build on any.
//
// The check reads JavaScript. A TypeScript file (.ts, .mts, .cts, .tsx) is first stripped of its
// types by esbuild (target esnext, so no construct is rewritten away) and the findings are reported
// at the TypeScript file's own lines, through esbuild's source map. Code that does not parse is
// reported as that ("not valid JavaScript/TypeScript"), never as a construct the device cannot run.
import { readFileSync, statSync } from "fs";
import { transformSync } from "esbuild";
import { checkDeviceSource, Finding } from "./check";

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Source-map "mappings" → for each generated line (0-based), the original line (0-based) of its first mapped segment, or -1. */
export function originalLines(mappings: string): number[] {
  const out: number[] = [];
  let srcLine = 0;
  for (const lineText of mappings.split(";")) {
    let first = -1;
    for (const seg of lineText.split(",")) {
      if (!seg) continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      if (fields.length >= 4) {
        srcLine += fields[2];
        if (first < 0) first = srcLine;
      }
    }
    out.push(first);
  }
  return out;
}

interface Checked {
  findings: Finding[];
  /** Set when the file does not parse: the message to print instead of findings. */
  invalid?: string;
  bytes: number;
}

function checkFile(file: string): Checked {
  const source = readFileSync(file, "utf8");
  if (!TYPESCRIPT.test(file)) {
    const findings = checkDeviceSource(source);
    const syntax = findings.find((f) => f.construct.indexOf("syntax error") === 0);
    if (syntax)
      return {
        findings: [],
        bytes: Buffer.byteLength(source),
        invalid: `${file}:${syntax.line} not valid JavaScript (${syntax.construct}) — the device check reads JavaScript; a TypeScript file must end in .ts`,
      };
    return { findings, bytes: Buffer.byteLength(source) };
  }
  let js: { code: string; map: string };
  try {
    js = transformSync(source, { loader: file.endsWith(".tsx") ? "tsx" : "ts", target: "esnext", sourcemap: "external", sourcefile: file, logLevel: "silent" });
  } catch (e) {
    const errs = (e as { errors?: Array<{ text: string; location?: { line: number } }> }).errors || [];
    const first = errs[0];
    return { findings: [], bytes: Buffer.byteLength(source), invalid: `${file}:${first && first.location ? first.location.line : 1} not valid TypeScript (${first ? first.text : String(e)})` };
  }
  const lines = originalLines((JSON.parse(js.map) as { mappings: string }).mappings);
  const findings = checkDeviceSource(js.code).map((f) => {
    const orig = lines[f.line - 1];
    // The column stays the generated one (only lines are reported on the command line).
    return Object.assign({}, f, { line: orig !== undefined && orig >= 0 ? orig + 1 : f.line });
  });
  return { findings, bytes: Buffer.byteLength(js.code) };
}

/**
 * Checks each file, writing one `file:line construct` line per finding (or `device check: <file> OK (<bytes> bytes)`)
 * to out and problems to err. Returns the exit code: 0 all clean, 1 a finding or a file that does not parse,
 * 2 no file named or a file missing.
 */
export function runDeviceCheck(files: string[], out: (line: string) => void, err: (line: string) => void): number {
  if (files.length === 0) {
    err("usage: ts-node tools/check-device/cli.ts FILE [FILE...]   (JavaScript; .ts files are stripped of their types first)");
    return 2;
  }
  let missing = false;
  let found = false;
  for (const file of files) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      err(`device check: ${file}: no such file`);
      missing = true;
      continue;
    }
    const r = checkFile(file);
    if (r.invalid !== undefined) {
      found = true;
      out(r.invalid);
      err(`device check: ${file} FAILED: it does not parse, so no construct was checked`);
      continue;
    }
    for (const f of r.findings) out(`${file}:${f.line} ${f.construct}`);
    const ts = TYPESCRIPT.test(file) ? `; checked the JavaScript esbuild makes from it, ${r.bytes} bytes` : "";
    if (r.findings.length > 0) {
      found = true;
      err(`device check: ${file} FAILED (${r.findings.length} construct${r.findings.length === 1 ? "" : "s"} Espruino cannot run${ts})`);
    } else {
      out(ts ? `device check: ${file} OK (TypeScript${ts})` : `device check: ${file} OK (${r.bytes} bytes)`);
    }
  }
  return missing ? 2 : found ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = runDeviceCheck(
    process.argv.slice(2),
    (line) => process.stdout.write(line + "\n"),
    (line) => process.stderr.write(line + "\n"),
  );
}
