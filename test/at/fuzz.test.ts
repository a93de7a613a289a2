// The engine fuzz (issue 16): seeded cases of a module answering late, never, twice or garbled; no command may complete with another's answer.
// `make test` runs FUZZ_CASES (default 1500) cases from FUZZ_SEED (default 1); `make fuzz` runs many more. FUZZ_MIX=all adds the unattributable kinds (see fuzz.ts).
import * as assert from "assert";
import { Mix, runMany } from "./fuzz";

const CASES = Number(process.env.FUZZ_CASES || 1500);
const FIRST = Number(process.env.FUZZ_SEED || 1);
const MIX = (process.env.FUZZ_MIX || "firmware") as Mix;

describe("AT engine fuzz", () => {
  it("every command completes once, with its own answer, an error or a timeout, never another command's (" + CASES + " seeded cases)", function () {
    this.timeout(0);
    assert.ok(CASES >= 1 && FIRST >= 0 && (MIX === "firmware" || MIX === "all"), "FUZZ_CASES, FUZZ_SEED, FUZZ_MIX");
    const t0 = Date.now();
    const { failed, totals } = runMany(FIRST, CASES, MIX);
    const commands = Object.keys(totals).reduce((n, k) => n + (k.indexOf("fault ") === 0 ? totals[k] : 0), 0);
    console.log(
      "      engine fuzz: " + CASES + " cases (seeds " + FIRST + ".." + (FIRST + CASES - 1) + ", mix " + MIX + "), " + commands + " commands, " + failed.length + " failing cases, " + (Date.now() - t0) + " ms",
    );
    console.log("      outcomes: " + JSON.stringify(totals));
    for (const f of failed.slice(0, 3)) console.log(f.failures.join("\n") + "\n" + f.describe());
    assert.strictEqual(failed.length, 0, "failing seeds: " + failed.map((f) => f.seed).slice(0, 20).join(", "));
  });
});
