// Tests that every espruino CLI command the project builds passes --no-ble (no D-Bus needed), and that the hints for finding a port work without D-Bus.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { espruinoArgs, espruinoCommand } from "../../tools/flash/cli";

const ROOT = path.resolve(__dirname, "../..");

describe("espruino CLI without D-Bus", function () {
  this.timeout(90000);

  it("flash (app and library), repl and the port list all pass --no-ble", () => {
    const all = [
      espruinoArgs.flashApp("/dev/ttyUSB0", 115200, "dist/tcp-echo-esp32.js"),
      espruinoArgs.flashLibrary("/dev/ttyUSB0", 115200, "dist/a76xx.js"),
      espruinoArgs.repl("/dev/ttyUSB0", 115200),
      espruinoArgs.list(),
    ];
    for (const args of all) assert.strictEqual(args[0], "--no-ble", args.join(" "));
    assert.deepStrictEqual(espruinoArgs.list(), ["--no-ble", "--list"]);
    assert.strictEqual(espruinoCommand(espruinoArgs.repl("/dev/ttyUSB0", 9600)), "node_modules/.bin/espruino --no-ble -p /dev/ttyUSB0 -b 9600");
  });

  it("make flash without PORT shows the upload command with --no-ble and says to list ports with make ports", () => {
    const r = spawnSync("make", ["-s", "flash", "BOARD=pico", "APP=tcp-echo"], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/node_modules\/\.bin\/espruino --no-ble -p <PORT> -b 9600 --config SAVE_ON_SEND=1 dist\/tcp-echo-pico\.js/.test(r.stderr), r.stderr);
    assert.ok(/make ports +\(runs node_modules\/\.bin\/espruino --no-ble --list/.test(r.stderr), r.stderr);
  });

  it("make ports runs the CLI's --list with --no-ble and it does not reach for D-Bus", () => {
    const r = spawnSync("make", ["-s", "ports"], { cwd: ROOT, encoding: "utf8" });
    const out = r.stdout + r.stderr;
    assert.ok(out.indexOf("$ node_modules/.bin/espruino --no-ble --list") >= 0, out);
    assert.ok(!/dbus|system_bus_socket/i.test(out), "the CLI tried D-Bus:\n" + out);
    // Either it lists ports, or it says it found none: both are answers, not crashes.
    assert.ok(r.status === 0 || /No Ports Found/.test(out), out);
  });

  it("make repl PORT=<missing device> says the port cannot be opened (the CLI alone would exit 0 after 'Unable to connect!')", () => {
    const r = spawnSync("make", ["-s", "repl", "PORT=/dev/ttyNOPE"], { cwd: ROOT, encoding: "utf8" });
    assert.notStrictEqual(r.status, 0);
    assert.ok(/^cannot open \/dev\/ttyNOPE: no such device/m.test(r.stderr), r.stderr);
    assert.ok(/make ports/.test(r.stderr), r.stderr);
  });
});
