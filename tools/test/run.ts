// `make test`'s runner: every test/**/*.test.ts under mocha, listing skipped tests by name, closing on the plain line "N passed, N failed".
import * as fs from "fs";
import * as path from "path";
import Mocha from "mocha";
import { mochaGlobalSetup, mochaGlobalTeardown } from "./port-fixture";
import { skipReason } from "./needs";

const ROOT = path.resolve(__dirname, "../..");

function findTests(dir: string, out: string[]): string[] {
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (name === "fixtures" || name === "node_modules") continue;
    if (fs.statSync(full).isDirectory()) findTests(full, out);
    else if (name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

async function main(): Promise<void> {
  // The project's well-known host ports are held by another process during the whole run (ports.ts).
  await mochaGlobalSetup();
  const grep = process.env.GREP;
  const mocha = new Mocha({ reporter: "spec", timeout: 20000, grep: grep ? new RegExp(grep) : undefined });
  // FILES="a.test.ts,b.test.ts" loads only the test files whose path contains one of them (GREP still filters tests).
  const only = (process.env.FILES || "").split(",").map((f) => f.trim()).filter((f) => f);
  const files = findTests(path.join(ROOT, "test"), []).filter((f) => !only.length || only.some((o) => f.indexOf(o) >= 0));
  for (const f of files) mocha.addFile(f);
  const pending: string[] = [];
  const runner = mocha.run((failures) => {
    const s = runner.stats || { passes: 0, failures: 0, pending: 0 };
    const skipped = s.pending ? `, ${s.pending} skipped` : "";
    // Every skipped test by name, with why (tools/test/needs.ts), so none passes for run unnoticed.
    for (const title of pending) console.log(`skipped: ${title} — ${skipReason(title) || "marked pending in the test"}`);
    void mochaGlobalTeardown().then(() => {
      console.log(`${s.passes} passed, ${s.failures} failed${skipped}`);
      process.exit(failures || s.passes === 0 ? 1 : 0);
    });
  });
  runner.on("pending", (test: Mocha.Test) => pending.push(test.fullTitle()));
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
