// Tests of bundleUnits (tools/bundle/attribute.ts): every byte of a device bundle is attributed, and to the source function it came from.
import * as assert from "assert";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { bundleUnits } from "../../tools/bundle/attribute";
import { LIBRARY, libraryOptions, ROOT } from "../../tools/bundle/build";

/** The library bundle as esbuild writes it before the top-level lift, without a source map. */
async function plainBytes(lib: (typeof LIBRARY)[number]): Promise<number> {
  const r = await esbuild.build({ ...libraryOptions(lib, true), write: false });
  return r.outputFiles[0].contents.length;
}

describe("bundleUnits: a device bundle's bytes by source function", function () {
  this.timeout(60000);
  for (const lib of [LIBRARY[0], LIBRARY.find((l) => l.name === "a76xx-server")!]) {
    it(`${lib.name}: the units add up to the bundle's bytes, and each is named after a function of a device source file`, async () => {
      const units = await bundleUnits(lib);
      assert.strictEqual(units.reduce((a, u) => a + u.bytes, 0), await plainBytes(lib));
      for (const u of units) {
        if (u.file === "(wrapper)") continue;
        assert.ok(/^(firmware|hal|boards)\/.*\.ts$/.test(u.file), `unit from ${u.file}`);
        assert.ok(fs.existsSync(path.join(ROOT, u.file)));
        assert.notStrictEqual(u.name, "?", `a unit of ${u.file} without a name`);
      }
      for (let i = 1; i < units.length; i++) assert.ok(units[i - 1].bytes >= units[i].bytes, "largest first");
    });
  }

  it("the core's supervisor: its state handler and its entry actions are found under their own names", async () => {
    const units = await bundleUnits(LIBRARY[0]);
    const find = (name: string) => units.filter((u) => u.file === "firmware/modem/supervisor.ts" && u.name === name);
    for (const name of ["Supervisor.handle", "Supervisor.enter", "Supervisor.constructor", "listen"]) {
      assert.strictEqual(find(name).length, 1, `${name}: ${JSON.stringify(units.filter((u) => u.file === "firmware/modem/supervisor.ts").map((u) => u.name))}`);
      assert.ok(find(name)[0].bytes > 100, `${name} is ${find(name)[0].bytes} B`);
    }
  });
});
