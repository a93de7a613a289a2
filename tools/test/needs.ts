// Host programs some tests need (socat, script): tests that lack one are skipped by name with the reason, and the runner lists them at the end.
//
// A suite calls `needs(this, "socat")` in its before() hook (every test skipped) or a test at its
// start (that test skipped). Nothing is skipped silently: the skip prints one line at once, mocha's
// spec reporter shows the test as pending, and tools/test/run.ts lists every skipped test with why.
import { spawnSync } from "child_process";
import type { Context } from "mocha";

/** What each program is for, and how to get it. */
type Program = "socat" | "script";

const PROGRAMS: { [name in Program]: { probe: string[]; why: string } } = {
  socat: { probe: ["-V"], why: "socat is not installed (pseudo-terminals for the simulator and the serial tests; apt-get install socat)" },
  script: { probe: ["--version"], why: "script(1) is not installed (an interactive shell on a pseudo-terminal; Debian package bsdutils/util-linux)" },
};

const found: { [name: string]: boolean | undefined } = {};

/** Whether `program` runs from this process's PATH (checked once). */
export function has(program: Program): boolean {
  if (found[program] === undefined) {
    const r = spawnSync(program, PROGRAMS[program].probe, { stdio: "ignore" });
    found[program] = !r.error;
  }
  return found[program] as boolean;
}

/** Titles (a suite's or a test's full title) skipped, with the reason. */
export const skipped: Array<{ title: string; why: string }> = [];

/** The reason a full test title was skipped, if needs() skipped it or its suite. */
export function skipReason(fullTitle: string): string | undefined {
  for (const s of skipped) if (fullTitle === s.title || fullTitle.indexOf(s.title + " ") === 0) return s.why;
  return undefined;
}

/**
 * Skips the calling suite (from before()) or test (from it()) when a program is missing, saying so
 * in one line. Returns normally when every program is there.
 */
export function needs(ctx: Context, ...programs: Array<Program>): void {
  const missing = programs.filter((p) => !has(p));
  if (!missing.length) return;
  const runnable = ctx.test; // the running hook or test (currentTest may be left from another suite)
  const isHook = !!runnable && (runnable as unknown as { type: string }).type === "hook";
  const title = isHook ? (runnable!.parent ? runnable!.parent.fullTitle() : "") : runnable ? runnable.fullTitle() : "";
  const why = missing.map((p) => PROGRAMS[p].why).join("; ");
  skipped.push({ title, why });
  console.log(`      skipped: ${title}${isHook ? " (every test)" : ""} — ${why}`);
  ctx.skip();
}
