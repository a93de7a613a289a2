// Tests of the JerryScript target that need no SDK: its bundles pass the device check, its boards are valid, pin names parse, and the firmware has no JerryScript branch.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleJerryApp, bundleJerryLib } from "../../tools/jerry/bundle";
import { allJerryBoards, findJerryBoard } from "../../boards/jerry";
import { BOARD_IDS } from "../../boards/index";
import { validateBoard } from "../../firmware/core/board";
import { parseLine } from "../../hal/jerryscript/index";
import { ROOT } from "../../tools/jerry/launch";

describe("JerryScript target: bundles, boards, pins", function () {
  this.timeout(60000);
  let dir = "";
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-jerry-bundle-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the core, its parts and app bundles for JerryScript pass the device check (no snapshot without an SDK)", async () => {
    const lib = await bundleJerryLib(undefined, path.join(dir, "lib"));
    assert.deepStrictEqual(lib.findings, []);
    assert.strictEqual(lib.snapshot, undefined);
    const code = fs.readFileSync(lib.js, "utf8");
    assert.ok(/^var A76XX;/.test(code), "the bundle declares the global A76XX");
    assert.deepStrictEqual(Object.keys(lib.parts), ["a76xx-server", "a76xx-transparent", "a76xx-tools"]);
    for (const name of Object.keys(lib.parts)) {
      assert.deepStrictEqual(lib.parts[name].findings, [], name);
      assert.strictEqual(path.dirname(lib.parts[name].js), path.dirname(lib.js), name + " next to the core");
    }
    // The core carries no optional part: the server's commands are only in its part.
    assert.ok(!/AT\+SERVERSTART/.test(code), "no server code in the core");
    assert.ok(/AT\+SERVERSTART/.test(fs.readFileSync(lib.parts["a76xx-server"].js, "utf8")));
    for (const app of ["echo-check", "tcp-echo", "diagnose", "server"]) {
      const b = await bundleJerryApp({ app, out: path.join(dir, app + ".js") }, undefined);
      assert.deepStrictEqual(b.findings, [], app);
    }
    // An app bundle carries the parts its app imports, and transparent mode's when built for it.
    assert.ok(/AT\+SERVERSTART/.test(fs.readFileSync(path.join(dir, "server.js"), "utf8")), "the server app carries the server part");
    assert.ok(!/AT\+SERVERSTART/.test(fs.readFileSync(path.join(dir, "echo-check.js"), "utf8")), "echo-check carries no server part");
  });

  it("refuses an unknown JerryScript board or app with the list of valid ones", async () => {
    await assert.rejects(bundleJerryApp({ app: "echo-check", board: "esp32" }, undefined), /unknown JerryScript board "esp32"; boards: jerry-linux, jerry-rpi/);
    await assert.rejects(bundleJerryApp({ app: "nope" }, undefined), /unknown app "nope"/);
  });

  it("the JerryScript boards are valid, name a serial device, and stay out of the Espruino board table", () => {
    const ids: string[] = [];
    for (const b of allJerryBoards()) {
      assert.deepStrictEqual(validateBoard(b), [], b.id);
      assert.ok(b.uart.path, b.id);
      assert.strictEqual(BOARD_IDS.split(" ").indexOf(b.id), -1, b.id);
      ids.push(b.id);
    }
    assert.deepStrictEqual(ids, ["jerry-linux", "jerry-rpi"]);
    assert.notStrictEqual(findJerryBoard("jerry-linux"), findJerryBoard("jerry-linux"), "a fresh copy on each call");
    assert.strictEqual(findJerryBoard("jerry-linux")!.pwrkey, undefined, "a desktop has no pins to drive");
    const rpi = findJerryBoard("jerry-rpi")!;
    for (const w of [rpi.pwrkey!, rpi.dtr!, rpi.ri!]) assert.ok(parseLine(w.pin), w.pin);
  });

  it("pin names gpiochipN:LINE parse to a chip device and a line; other names do not", () => {
    assert.deepStrictEqual(parseLine("gpiochip0:17"), { chip: "/dev/gpiochip0", line: 17 });
    assert.deepStrictEqual(parseLine("/dev/gpiochip4:5"), { chip: "/dev/gpiochip4", line: 5 });
    for (const bad of ["D4", "17", "gpiochip0", "gpiochip0:", "gpiochipX:1", "/tmp/gpiochip0:1"]) assert.strictEqual(parseLine(bad), undefined, bad);
  });

  it("make jerry-host without JERRY_SDK fails and says what it needs", () => {
    const r = spawnSync("make", ["-s", "-B", "jerry-host"], {
      cwd: path.resolve(__dirname, "../.."), encoding: "utf8", env: Object.assign({}, process.env, { JERRY_SDK: "" }),
    });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/needs JERRY_SDK=/.test(r.stderr), r.stderr);
  });

  it("the firmware has no JerryScript-specific code (it lives in hal/jerryscript and boards/jerry.ts)", () => {
    const hits: string[] = [];
    const walk = (d: string) => {
      for (const name of fs.readdirSync(d)) {
        const full = path.join(d, name);
        if (fs.statSync(full).isDirectory()) walk(full);
        else if (/\.ts$/.test(name) && /jhost|jerry/i.test(fs.readFileSync(full, "utf8"))) hits.push(path.relative(ROOT, full));
      }
    };
    walk(path.join(ROOT, "firmware"));
    assert.deepStrictEqual(hits, []);
  });
});
