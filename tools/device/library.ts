// The library bundle (dist/a76xx.js) driven by a short script written as an Espruino user would write it (README, "Using the library on the device"): loaded as a pasted file or required from Storage, a TCP echo checked byte for byte.
import { Runtime } from "./runtimes";
import { DataMode, DeviceEnv, libraryCode } from "./env";

export type LibraryLoad = "pasted" | "module";

export interface LibraryRun {
  load: LibraryLoad;
  mode: DataMode;
  baud: number;
  ok: boolean;
  failures: string[];
  lines: string[];
  wallMs: number;
}

/** The message the script sends: text, a line end and every byte value. */
export function libraryMessage(): string {
  let s = "hello from Espruino\r\n";
  for (let i = 0; i < 256; i++) s += String.fromCharCode(i);
  return s;
}

/** The user's script (plain ES5, as typed at the REPL or saved to a file). */
export function userScript(o: { load: LibraryLoad; serial: string; mode: DataMode; baud: number; port: number }): string {
  return [
    o.load === "module" ? 'var a76xx = require("a76xx");' : "var a76xx = A76XX;   // the pasted file defines the global A76XX",
    `var modem = a76xx.setup("linux", { apn: "internet", serial: ${JSON.stringify(o.serial)}, dataMode: "${o.mode}", baud: ${o.baud} });`,
    'var msg = "hello from Espruino\\r\\n";',
    "for (var i = 0; i < 256; i++) msg += String.fromCharCode(i);",
    'modem.on("error", function (e) { print("modem error:", e.kind, e.text); });',
    'modem.on("online", function (ip) {',
    '  print("online as", ip);',
    `  var s = modem.connect("127.0.0.1", ${o.port});`,
    '  var got = "";',
    '  s.on("connect", function () { s.write(msg); });',
    '  s.on("data", function (d) {',
    "    got += d;",
    '    if (got.length >= msg.length) { print("echo " + (got === msg ? "identical" : "DIFFERENT") + ", " + got.length + " bytes"); s.end(); }',
    "  });",
    '  s.on("error", function (e) { print("socket error:", e.kind, e.text); });',
    '  s.on("close", function (why) { print("closed:", why); });',
    "});",
    "modem.start();",
  ].join("\n");
}

const TIMEOUT_MS = 90000;

/** Run the user's script on `rt`: `pasted` = library + script in one file; `module` = library stored in Storage as "a76xx" first, then the script alone. */
export async function runLibrary(rt: Runtime, o: { load: LibraryLoad; mode: DataMode; baud: number }): Promise<LibraryRun> {
  const t0 = Date.now();
  const failures: string[] = [];
  let lines: string[] = [];
  try {
    await DeviceEnv.with({ label: `library-${o.load}-${o.mode}`, baud: o.baud }, async (env) => {
      const lib = await libraryCode();
      const script = userScript({ load: o.load, serial: env.sim.path, mode: o.mode, baud: o.baud, port: env.servers.tcpEcho.port });
      let file: string;
      if (o.load === "module") {
        // What `make flash` without APP does: the library in Storage under the name a76xx.
        env.writeScript("a76xx.js", lib);
        const store = env.launch(rt, env.writeScript("store.js", env.withEpilogue('require("Storage").write("a76xx", require("fs").readFileSync("a76xx.js"));', ['print("@@stored " + require("Storage").list().join(","));'])));
        const stored = await store.waitLine((l) => /^@@stored /.test(l), 30000);
        await store.kill();
        if (!stored || stored.indexOf("a76xx") < 0) {
          failures.push(`storing the library failed: ${stored || store.tail(5)}`);
          return;
        }
        file = env.writeScript("main.js", env.withEpilogue(script, []));
      } else {
        file = env.writeScript("main.js", env.withEpilogue(lib, [script]));
      }
      const child = env.launch(rt, file);
      lines = child.lines;
      const found = await child.waitFor(() => {
        for (const l of child.lines) {
          for (const re of rt.def.fatal) if (re.test(l)) return "fatal: " + l;
          if (/^closed: /.test(l)) return l;
        }
        return undefined;
      }, TIMEOUT_MS);
      const msg = libraryMessage();
      if (!found) failures.push(child.running ? `no "closed:" line within ${TIMEOUT_MS / 1000} s` : `the interpreter exited (${child.exitCode}) early`);
      else if (found.indexOf("fatal: ") === 0) failures.push("the interpreter failed: " + found.substr(7));
      else if (found !== "closed: local") failures.push(`the script printed "${found}"`);
      if (child.lines.indexOf(`echo identical, ${msg.length} bytes`) < 0) failures.push(`the script did not print "echo identical, ${msg.length} bytes"`);
      if ((env.servers.tcpEcho.received[0] || "") !== msg) failures.push(`the echo server received ${(env.servers.tcpEcho.received[0] || "").length} bytes, not the ${msg.length}-byte message`);
      const errs = child.lines.filter((l) => /error/i.test(l));
      if (errs.length) failures.push("errors printed: " + errs.join(" | "));
    });
  } catch (e) {
    failures.push("harness error: " + (e instanceof Error ? e.message : String(e)));
  }
  return { load: o.load, mode: o.mode, baud: o.baud, ok: failures.length === 0, failures, lines: lines.slice(), wallMs: Date.now() - t0 };
}
