// The JerryScript tests run only with JERRY_SDK: without it each suite is skipped by name with the reason (listed at the end of make test), and one line says so at once.
import type { Context } from "mocha";
import { jerrySdk } from "../../tools/jerry/launch";
import { skipped } from "../../tools/test/needs";

let said = false;

/**
 * From a suite's before(): the SDK path, or (without JERRY_SDK) every test of the suite skipped,
 * recorded with the reason for the runner's list, and one line printed the first time.
 */
export function needsJerrySdk(ctx: Context): string {
  const r = jerrySdk();
  if (r.sdk) return r.sdk;
  const hook = ctx.test;
  const title = hook && hook.parent ? hook.parent.fullTitle() : "JerryScript";
  const why = r.why || "JERRY_SDK is not usable";
  skipped.push({ title, why });
  if (!said) console.log(`      JerryScript tests skipped: ${why}`);
  said = true;
  ctx.skip();
  return "";
}
