// Tests of the make command line's variables as the tools read them: MODEM="option=value …" with APN= and MODE=, and the ARGS each example documents.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { listApps, modemOptionsFromEnv, parsePairs } from "../../tools/bundle/apps";

const ROOT = path.resolve(__dirname, "../..");

describe("make variables", () => {
  it("MODEM= gives any modem option: numbers, true/false, number lists and text; APN= and MODE= win over it", () => {
    const o = modemOptionsFromEnv({
      MODEM: "healthCheckMs=0 escapeWithDtr=true searchBauds=9600,115200 apn=from-modem user=me backoffMinMs=1.5",
      APN: "internet",
      MODE: "push",
    });
    assert.deepStrictEqual(o, { healthCheckMs: 0, escapeWithDtr: true, searchBauds: [9600, 115200], apn: "internet", user: "me", backoffMinMs: 1.5, dataMode: "push" });
    assert.deepStrictEqual(modemOptionsFromEnv({ MODEM: "apn=from-modem", APN: " " }), { apn: "from-modem" });
    assert.throws(() => modemOptionsFromEnv({ MODEM: "dataMode" }), /expected key=value, got "dataMode"/);
  });

  it("every ARGS key an example's usage line shows is an argument that example reads, and every make variable it shows exists", () => {
    const known = ["PORT", "BOARD", "APP", "APN", "MODE", "MODEM", "ARGS", "BAUD", "SERIAL", "PWRKEY", "DTRLINE"];
    for (const name of listApps()) {
      const src = fs.readFileSync(path.join(ROOT, "examples", name + ".ts"), "utf8");
      const read = new Set<string>();
      for (const m of src.matchAll(/\bargs\.([A-Za-z_]\w*)/g)) read.add(m[1]);
      const usage = src.split("\n").filter((l) => /^\/\/ +(Usage: +)?make /.test(l));
      assert.ok(usage.length > 0, name + " has no usage line");
      for (const l of usage) {
        for (const m of l.matchAll(/ ([A-Z]+)=/g)) assert.ok(known.indexOf(m[1]) >= 0, `${name}: ${m[1]}= is not a make variable: ${l}`);
        const a = /ARGS="([^"]*)"/.exec(l);
        if (!a) continue;
        for (const k of Object.keys(parsePairs(a[1]))) assert.ok(read.has(k), `${name} documents ARGS key "${k}" but never reads args.${k}: ${l}`);
      }
    }
  });
});
