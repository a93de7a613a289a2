// Tests of the JerryScript host's natives (jhost): build, timers, exceptions in callbacks, codec, UART over a PTY pair, GPIO errors, snapshots, heap figures.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildJerryHost, JHOST, runJerry, startJerry } from "../../tools/jerry/launch";
import { bundleJerryLib, JerryBundle, JerryLibrary, makeSnapshot, makeStaticSnapshots, snapshotTool, staticForm } from "../../tools/jerry/bundle";
import { needs } from "../../tools/test/needs";
import { PtyClient } from "../support/pty-client";
import { needsJerrySdk } from "./gate";

/** A pair of connected pseudo-terminals from `socat -d -d pty,raw,echo=0 pty,raw,echo=0`. */
async function ptyPair(): Promise<{ a: string; b: string; proc: ChildProcess }> {
  const proc = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  const paths = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("socat made no PTYs: " + err)), 5000);
    proc.once("error", (e) => reject(new Error("cannot run socat (make host-tools): " + e.message)));
    proc.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = err.match(/PTY is \S+/g);
      if (m && m.length >= 2) {
        clearTimeout(timer);
        resolve(m.map((s) => s.substr(7)));
      }
    });
  });
  proc.stderr!.resume();
  return { a: paths[0], b: paths[1], proc };
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe("JerryScript host (jhost)", function () {
  this.timeout(60000);
  let SDK = "";
  let dir = "";
  let lib: JerryLibrary;
  const script = (name: string, code: string): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, code);
    return f;
  };

  before(async function () {
    SDK = needsJerrySdk(this);
    buildJerryHost(SDK);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-jhost-"));
    lib = await bundleJerryLib(SDK, path.join(dir, "lib"));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("make jerry-host compiles the host with -Wall -Wextra without a warning", () => {
    const out = buildJerryHost(SDK, true);
    assert.ok(/-Wall -Wextra/.test(out), out);
    assert.ok(!/warning:/.test(out), out);
    assert.ok(fs.existsSync(JHOST));
  });

  it("timers fire in due order (ties in the order set), cleared ones never, and the loop ends when none remain", async () => {
    const f = script("timers.js", `
      var order = [];
      jhost.setTimer(function () { order.push("c30"); }, 30);
      jhost.setTimer(function () { order.push("a10"); }, 10);
      var x = jhost.setTimer(function () { order.push("cleared"); }, 20);
      jhost.setTimer(function () { order.push("b10"); }, 10);
      jhost.setTimer(function () {
        order.push("z0");
        jhost.setTimer(function () { order.push("nested0"); }, 0);
        jhost.clearTimer(x);
      }, 0);
      jhost.setTimer(function () { print(order.join(",") + " pending " + jhost.timers()); }, 60);
    `);
    const r = await runJerry([f], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout.trim(), "z0,nested0,a10,b10,c30 pending 0");
  });

  it("setTimer returns an error string when all timers are in use, and clearTimer of a fired timer is a no-op", async () => {
    const f = script("full.js", `
      var ids = [], r;
      for (var i = 0; i < jhost.maxTimers; i++) ids.push(jhost.setTimer(function () {}, 1000));
      r = jhost.setTimer(function () {}, 1);
      print(jhost.maxTimers + " " + typeof r + " " + r);
      for (var j = 0; j < ids.length; j++) jhost.clearTimer(ids[j]);
      var t = jhost.setTimer(function () { jhost.clearTimer(t); jhost.clearTimer(t); print("fired, pending " + jhost.timers()); }, 0);
    `);
    const r = await runJerry([f], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, "64 string setTimer: all 64 timers are in use\nfired, pending 0\n");
  });

  it("an exception thrown by a callback is printed and counted, and the loop goes on (exit code 1 at the end)", async () => {
    const f = script("throws.js", `
      jhost.setTimer(function () { throw new Error("boom in a timer"); }, 0);
      jhost.setTimer(function () { null.x; }, 5);
      jhost.setTimer(function () { print("still running, errors " + jhost.errors()); }, 20);
    `);
    const r = await runJerry([f], [], 10000);
    assert.strictEqual(r.stdout, "still running, errors 2\n");
    assert.ok(/uncaught exception in a timer callback[\s\S]*boom in a timer/.test(r.stderr), r.stderr);
    assert.ok(/2 exception\(s\) in callbacks/.test(r.stderr), r.stderr);
    assert.strictEqual(r.code, 1);
  });

  it("jhost.exit(code) ends at once with that code; argv holds the arguments after --", async () => {
    const f = script("exit.js", `
      print(JSON.stringify(jhost.argv));
      jhost.setTimer(function () { try { jhost.exit(7); } catch (e) { print("caught"); } print("not reached"); }, 0);
      jhost.setTimer(function () { print("not reached either"); }, 50);
    `);
    const r = await runJerry([f], ["a=1", "two words"], 10000);
    assert.strictEqual(r.stdout, '["a=1","two words"]\n');
    assert.strictEqual(r.code, 7, r.stderr);
  });

  it("the codec round-trips all 256 byte values, rejects chars above 255 with an error value, and is8bit tells them apart", async () => {
    const f = script("codec.js", `
      var all = "";
      for (var i = 0; i < 256; i++) all += String.fromCharCode(i);
      var big = "";
      for (var k = 0; k < 64; k++) big += all;
      var b = jhost.toBytes(all), same = b instanceof Uint8Array && b.length === 256;
      for (var j = 0; j < 256; j++) if (b[j] !== j) same = false;
      var bb = jhost.toBytes(big), sameBig = bb.length === 16384;
      for (var m = 0; m < bb.length; m++) if (bb[m] !== (m & 255)) sameBig = false;
      print([same, jhost.fromBytes(b, 0, 256) === all, jhost.fromBytes(bb, 0, bb.length) === big,
        jhost.fromBytes(b, 65, 68), jhost.fromBytes(b, 250, 999).length, jhost.fromBytes(b, 10, 5).length,
        jhost.toBytes("ascii only").length, jhost.toBytes("").length, jhost.fromBytes(new Uint8Array(0), 0, 0) === "",
        jhost.toBytes("a\\u0100"), jhost.fromBytes([1, 2], 0, 2), jhost.fromBytes(b.subarray(200), 0, 2) === all.substr(200, 2)].join("|"));
      print([jhost.is8bit(all), jhost.is8bit(big), jhost.is8bit(""), jhost.is8bit("plain"), jhost.is8bit("a\\u0100"), jhost.is8bit(all + "\\u20ac"),
        jhost.is8bit("\\ud83d\\ude00"), jhost.is8bit(all.substr(128) + "\\u07ff"), jhost.is8bit(42)].join("|"));
    `);
    const r = await runJerry([f], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout.trim(), "true|true|true|ABC|6|0|10|0|true|not an 8-bit string (a char code above 255)|-1|true\ntrue|true|true|true|false|false|false|false|false");
  });

  it("the UART is 8-bit clean both ways on a PTY pair: all 256 values, chunked delivery, close stops it", async function () {
    needs(this, "socat");
    const pair = await ptyPair();
    const far = new PtyClient(pair.b);
    try {
      const f = script("uart.js", `
        var all = "";
        for (var i = 0; i < 256; i++) all += String.fromCharCode(i);
        var got = "", chunks = 0, biggest = 0;
        var want = 256 + 8192;
        var h = jhost.uartOpen(jhost.argv[0], 921600, function (chunk, err) {
          if (chunk === null) { print("error " + err); return; }
          chunks++; if (chunk.length > biggest) biggest = chunk.length;
          got += chunk;
          if (got.length >= want) {
            var wrote = jhost.uartWrite(h, got);
            print("received " + got.length + " in " + chunks + " chunks, biggest " + biggest + ", first 256 intact " + (got.substr(0, 256) === all) + ", wrote back " + wrote);
            print("close " + jhost.uartClose(h) + ", write after close: " + jhost.uartWrite(h, "x"));
          }
        });
        print("open " + typeof h + ", write 256: " + jhost.uartWrite(h, all) + ", write U+0100: " + jhost.uartWrite(h, "\\u0100"));
      `);
      const run = startJerry([f], [pair.a]);
      await far.until(() => far.rx.length >= 256, 5000);
      assert.ok(ALL_BYTES.equals(Buffer.from(far.rx.substr(0, 256), "latin1")), "host -> far end: " + Buffer.from(far.rx, "latin1").toString("hex"));
      const block = Buffer.alloc(8192);
      for (let i = 0; i < block.length; i++) block[i] = (i * 7 + 3) & 255;
      far.write(Buffer.concat([ALL_BYTES, block]).toString("latin1"));
      await far.until(() => far.rx.length >= 256 + 256 + 8192, 5000);
      const code = await run.exited;
      assert.strictEqual(code, 0, run.stderr());
      const lines = run.stdout().trim().split("\n");
      assert.strictEqual(lines[0], "open number, write 256: 256, write U+0100: not an 8-bit string (a char code above 255)");
      const m = /^received 8448 in (\d+) chunks, biggest (\d+), first 256 intact true, wrote back 8448$/.exec(lines[1]);
      assert.ok(m, lines[1]);
      assert.ok(Number(m![1]) >= 9, "8448 bytes arrive in chunks of at most 1024: " + lines[1]);
      assert.ok(Number(m![2]) <= 1024, lines[1]);
      assert.strictEqual(lines[2], "close 0, write after close: uartWrite: expected (handle, string) on an open UART");
      assert.ok(Buffer.concat([ALL_BYTES, ALL_BYTES, block]).equals(Buffer.from(far.rx, "latin1")), "far end got everything back byte for byte");
    } finally {
      far.close();
      pair.proc.kill("SIGTERM");
    }
  });

  it("uartOpen returns an error string for a missing device, and opens a PTY at every A76XX rate", async function () {
    needs(this, "socat");
    const pair = await ptyPair();
    try {
      const f = script("rates.js", `
        var rates = [300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 3000000, 3200000, 3686400];
        var bad = [];
        for (var i = 0; i < rates.length; i++) {
          var h = jhost.uartOpen(jhost.argv[0], rates[i], function () {});
          if (typeof h !== "number") bad.push(rates[i] + ": " + h); else jhost.uartClose(h);
        }
        print("failed: " + bad.length + (bad.length ? " " + bad.join("; ") : ""));
        print(jhost.uartOpen("/dev/a76xx-no-such-tty", 115200, function () {}));
      `);
      const r = await runJerry([f], [pair.a], 10000);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(r.stdout, "failed: 0\nopen /dev/a76xx-no-such-tty: No such file or directory\n");
    } finally {
      pair.proc.kill("SIGTERM");
    }
  });

  it("a GPIO line on a missing chip is an error value, and the HAL leaves such pins out", async () => {
    const f = script("gpio.js", `
      print(jhost.gpioOutput("/dev/gpiochip-a76xx-none", 17, 0));
      print(jhost.gpioInput("/dev/gpiochip-a76xx-none", 22));
      print(jhost.gpioWrite(3, 1));
      var b = A76XX.findBoard("jerry-rpi");
      var board = {};
      for (var k in b) board[k] = b[k];
      board.pwrkey = { pin: "gpiochip250:17", activeHigh: true, onPressMs: 100, offPressMs: 3000 };
      board.dtr = { pin: "gpiochip250:27", activeHigh: false };
      board.ri = { pin: "D22", activeHigh: false };
      var lines = [];
      var hal = A76XX.createJerryHal(board, { path: "/dev/null", log: function (l) { lines.push(l); } });
      print([hal.pwrkey === undefined, hal.dtr === undefined, hal.ri === undefined, typeof hal.uart.write].join(" "));
      print(lines.join("\\n"));
    `);
    const r = await runJerry([lib.js, f], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(
      r.stdout,
      [
        "open /dev/gpiochip-a76xx-none: No such file or directory",
        "open /dev/gpiochip-a76xx-none: No such file or directory",
        "gpioWrite: not an open line",
        "true true true function",
        "a76xx: pin pwrkey (gpiochip250:17) absent: open /dev/gpiochip250: No such file or directory",
        "a76xx: pin dtr (gpiochip250:27) absent: open /dev/gpiochip250: No such file or directory",
        "a76xx: pin ri (D22) is not a gpiochipN:LINE name; left out",
        "",
      ].join("\n"),
    );
  });

  it("runs a snapshot made by the SDK's jerry-snapshot, and the library from its snapshot", async () => {
    const f = script("snap.js", `var x = [1, 2, 3].map(function (v) { return v * 2; }); jhost.setTimer(function () { print("from snapshot " + x.join(",")); }, 1);`);
    const tool = snapshotTool(SDK)!;
    const snap = makeSnapshot(tool, f);
    const r = await runJerry([snap.file], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, "from snapshot 2,4,6\n");
    const probe = script("probe.js", `print(typeof A76XX.setup + " " + A76XX.findBoard("jerry-linux").uart.path + " " + typeof console.log + " " + typeof setInterval);`);
    const r2 = await runJerry([lib.snapshot!, probe], [], 10000);
    assert.strictEqual(r2.code, 0, r2.stderr);
    assert.strictEqual(r2.stdout, "function /dev/ttyUSB0 function function\n");
  });

  it("a .literals file is registered before anything runs: static snapshots (arrows and regular expressions included) run in place from it and the library's holds no code in the heap", async () => {
    const f = script("static.js", `var re = /^a(b+)c$/i; var twice = (v) => v * 2; var self = { k: 3, f() { return [1, 2].map((v) => v * this.k); } };
      jhost.setTimer(() => print("static " + [1, 2, 3].map(twice).join(",") + " " + re.exec("ABBC")[1] + " " + self.f().join(",")), 1);`);
    const b: JerryBundle = { js: f, bytes: 0, findings: [] };
    makeStaticSnapshots(snapshotTool(SDK)!, [b], f.replace(/\.js$/, ".literals"));
    assert.ok(/^[0-9]+ /.test(fs.readFileSync(b.literals!, "latin1")), "a litdump list");
    const r = await runJerry([b.literals!, b.staticSnapshot!], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, "static 2,4,6 BB 3,6\n");
    // The form a static snapshot is made from keeps no arrow and no regular expression literal.
    assert.ok(!/=>/.test(staticForm(fs.readFileSync(f, "utf8"))));
    assert.ok(/new RegExp\("\^a\(b\+\)c\$","i"\)/.test(staticForm(fs.readFileSync(f, "utf8"))));
    // Without its list the engine refuses a static snapshot with an exception, never a crash.
    const bare = await runJerry([b.staticSnapshot!], [], 10000);
    assert.strictEqual(bare.code, 1, bare.stdout + bare.stderr);
    // The library and its parts from their static snapshots: setup works; only the realm's objects are in the heap.
    const probe = script("static-probe.js", `jhost.gc(); print(typeof A76XX.setup + " " + typeof A76XX_SERVER + " " + A76XX.findBoard("jerry-linux").uart.path + " " + (jhost.heapStats().allocated < 32768));`);
    const all = [lib.literals!, lib.staticSnapshot!].concat(Object.keys(lib.parts).map((k) => lib.parts[k].staticSnapshot!));
    const r2 = await runJerry(all.concat([probe]), [], 10000);
    assert.strictEqual(r2.code, 0, r2.stderr);
    assert.strictEqual(r2.stdout, "function object /dev/ttyUSB0 true\n");
  });

  it("a malformed literal list, or a second one, is a usage error before anything runs", async () => {
    const bad = script("bad.literals", "3 abc\nxyz\n");
    const good = script("good.literals", "3 abc\n5 hello\n");
    const hello = script("hello.js", `print("ran");`);
    const r = await runJerry([bad, hello], [], 10000);
    assert.strictEqual(r.code, 2);
    assert.ok(/is not a literal list/.test(r.stderr), r.stderr);
    assert.strictEqual(r.stdout, "");
    const r2 = await runJerry([good, good, hello], [], 10000);
    assert.strictEqual(r2.code, 2);
    assert.ok(/one \.literals file at most/.test(r2.stderr), r2.stderr);
    const r3 = await runJerry([good, hello], [], 10000);
    assert.strictEqual(r3.code, 0, r3.stderr);
    assert.strictEqual(r3.stdout, "ran\n");
  });

  it("the library defines console, setTimeout and setInterval over jhost where JerryScript has none", async () => {
    const f = script("globals.js", `
      var n = 0;
      var iv = setInterval(function () {
        n++;
        if (n === 3) {
          clearInterval(iv);
          setTimeout(function () { console.log("ticks", n, "timers", jhost.timers(), { a: 1 } instanceof Object); }, 30);
        }
      }, 5);
      var never = setTimeout(function () { console.log("cleared timeout ran"); }, 10);
      clearTimeout(never);
      console.error("to stderr", 42);
    `);
    const r = await runJerry([lib.js, f], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, "ticks 3 timers 0 true\n");
    assert.strictEqual(r.stderr, "to stderr 42\n");
  });

  it("heapStats gives the engine's heap size, live bytes and peak; a bad file is a usage error", async () => {
    const f = script("heap.js", `
      var before = jhost.heapStats();
      var keep = []; for (var i = 0; i < 1000; i++) keep.push({ i: i, s: "x" + i });
      var mid = jhost.heapStats();
      keep = null; jhost.gc();
      var after = jhost.heapStats();
      print([before.size, mid.allocated > before.allocated + 10000, after.allocated < mid.allocated, after.peak >= mid.allocated].join(" "));
    `);
    const r = await runJerry([f], [], 10000);
    assert.strictEqual(r.code, 0, r.stderr);
    const [size, ...rest] = r.stdout.trim().split(" ");
    assert.ok(Number(size) > 0, r.stdout);
    assert.deepStrictEqual(rest, ["true", "true", "true"]);
    const bad = await runJerry([path.join(dir, "missing.js")], [], 10000);
    assert.strictEqual(bad.code, 2);
    assert.ok(/cannot read/.test(bad.stderr));
  });

  it("SIGTERM reaches the onSignal handler, which can finish before exiting", async () => {
    const f = script("signal.js", `
      jhost.onSignal(function (sig) { print("got " + sig); jhost.setTimer(function () { jhost.exit(3); }, 10); });
      jhost.setTimer(function () {}, 30000);
      print("ready");
    `);
    const run = startJerry([f], []);
    const end = Date.now() + 5000;
    while (!/ready/.test(run.stdout()) && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    run.child.kill("SIGTERM");
    const code = await run.exited;
    assert.strictEqual(run.stdout(), "ready\ngot SIGTERM\n");
    assert.strictEqual(code, 3);
  });
});
