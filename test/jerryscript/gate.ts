// The JerryScript tests run only with JERRY_SDK; without it this says so once, in one line, and they are not registered.
import { jerrySdk } from "../../tools/jerry/launch";

let said = false;

/** The SDK path, or undefined after printing (once per run) why the JerryScript tests are skipped. */
export function sdkOrSkip(): string | undefined {
  const r = jerrySdk();
  if (r.sdk) return r.sdk;
  if (!said) console.log(`JerryScript tests skipped: ${r.why}`);
  said = true;
  return undefined;
}
