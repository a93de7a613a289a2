// Command line of the device check: reports each construct Espruino cannot run in the named files and fails the build on any.
import { readFileSync, statSync } from "fs";
import { checkDeviceSource } from "./check";

/**
 * Checks each file, writing one `file:line construct` line per finding (or `device check: <file> OK (<bytes> bytes)`)
 * to out and problems to err. Returns the exit code: 0 all clean, 1 a finding, 2 no file named or a file missing.
 */
export function runDeviceCheck(files: string[], out: (line: string) => void, err: (line: string) => void): number {
  if (files.length === 0) {
    err("usage: ts-node tools/check-device/cli.ts FILE [FILE...]");
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
    const bytes = readFileSync(file);
    const findings = checkDeviceSource(bytes.toString("utf8"));
    for (const f of findings) out(`${file}:${f.line} ${f.construct}`);
    if (findings.length > 0) {
      found = true;
      err(`device check: ${file} FAILED (${findings.length} construct${findings.length === 1 ? "" : "s"} Espruino cannot run)`);
    } else {
      out(`device check: ${file} OK (${bytes.length} bytes)`);
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
