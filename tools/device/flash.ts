// The real flash path: `make flash PORT=tcp://127.0.0.1:2323 BOARD=linux APP=echo-check SERIAL=<pty>` into an interpreter started with --telnet, then the app running from boot code — at once and after the interpreter restarts.
//
// The Linux build's telnet port is fixed (2323), so flash runs hold a machine-wide lock on it
// (port-lock.ts) and run one at a time; everything else about them is private to their temp directory,
// where the interpreter keeps its Storage (espruino.flash).
import { ROOT } from "../bundle/build";
import { patternAt } from "../../examples/echo-check";
import { Child } from "./process";
import { Runtime } from "./runtimes";
import { DeviceEnv } from "./env";
import { lockPort, portAccepts } from "./port-lock";

export interface FlashPhase {
  /** What this phase was. */
  name: string;
  ok: boolean;
  failures: string[];
  /** Output lines that matter (the interpreter's and the CLI's). */
  output: string[];
}

export interface FlashResult {
  phases: FlashPhase[];
  wallMs: number;
}

const UPLOAD_TIMEOUT_MS = 240000;
const RUN_TIMEOUT_MS = 120000;

/** Lines of a child worth showing (no banner). */
function meaningful(c: Child): string[] {
  return c.lines.filter((l) => l.trim() && !/^[ |_]/.test(l) && !/Espruino is Open Source|only by sales|espruino\.com\/Donate/.test(l)).slice(-30);
}

/**
 * Flash echo-check (`bytes` bytes) as boot code through the espruino CLI, check it ran from boot
 * code, restart the interpreter in the same directory and check it ran again.
 */
export async function flashAndReboot(rt: Runtime, bytes = 8192): Promise<FlashResult> {
  const t0 = Date.now();
  const phases: FlashPhase[] = [];
  const port = rt.def.telnetPort;
  if (!port) throw new Error(rt.def.id + " has no telnet REPL to flash through");
  await DeviceEnv.with({ label: "flash", baud: 115200 }, async (env) => {
    const want = patternAt(0, bytes);
    const echo = env.servers.tcpEcho;
    const passed = `echo-check passed: ${bytes} bytes sent and echoed byte for byte`;
    const lock = await lockPort(port, 600000);
    let first: Child | undefined;
    try {
      // 1. A fresh interpreter (empty Storage in its own directory) serving its REPL over telnet.
      first = env.launch(rt, undefined, { telnet: true });
      const up = await portAccepts(port, 15000);
      const boot: FlashPhase = { name: "interpreter with --telnet", ok: up, failures: up ? [] : [`nothing accepted connections on port ${port}`], output: [] };
      phases.push(boot);
      if (!up) return;
      // 2. make flash, as a user types it.
      const cli = new Child(
        "make",
        ["-s", "flash", `PORT=tcp://127.0.0.1:${port}`, "BOARD=linux", "APP=echo-check", `SERIAL=${env.sim.path}`, `ARGS=host=127.0.0.1 port=${echo.port} bytes=${bytes}`],
        { cwd: ROOT, env: Object.assign({}, process.env, { MAKEFLAGS: "" }) },
      );
      env.children.push(cli);
      await cli.waitFor(() => undefined, UPLOAD_TIMEOUT_MS);
      if (cli.running) await cli.kill();
      const upload: FlashPhase = { name: "make flash … APP=echo-check (espruino CLI over telnet)", ok: true, failures: [], output: meaningful(cli) };
      if (cli.exitCode !== 0) upload.failures.push(`make flash exited with ${cli.exitCode === null ? "signal " + cli.exitSignal : "code " + cli.exitCode}`);
      const bad = cli.lines.filter((l) => /Got EOF|Uncaught|SyntaxError|ERROR/.test(l));
      if (bad.length) upload.failures.push("the upload reported: " + bad.join(" | "));
      upload.ok = upload.failures.length === 0;
      phases.push(upload);
      // 3. The app runs from boot code right after the upload: its connection echoes the whole pattern.
      const ran: FlashPhase = { name: "the app runs from boot code after the upload", ok: true, failures: [], output: [] };
      const firstRun = first;
      // Its verdict is printed on whichever console is current (telnet while the CLI is connected, else stdout).
      const verdicts = () => cli.lines.concat(firstRun.lines).filter((l) => /echo-check (passed|FAILED)/.test(l));
      const done1 = await firstRun.waitFor(() => (verdicts().length ? true : undefined), RUN_TIMEOUT_MS);
      if (!done1) ran.failures.push(`no echo-check result within ${RUN_TIMEOUT_MS / 1000} s (the echo server got ${(echo.received[0] || "").length} bytes)`);
      else if (verdicts().some((l) => l.indexOf(passed) < 0)) ran.failures.push("the app printed: " + verdicts().join(" | "));
      if ((echo.received[0] || "") !== want) ran.failures.push(`the echo server received ${(echo.received[0] || "").length} bytes, not the ${bytes}-byte pattern`);
      ran.output = meaningful(firstRun);
      ran.ok = ran.failures.length === 0;
      phases.push(ran);
      await firstRun.kill();
    } finally {
      if (first) await first.kill();
      lock.release();
    }
    // 4. Restart: the same directory (same Storage), no script: the boot code runs again.
    const second = env.launch(rt, undefined);
    const again: FlashPhase = { name: "the app runs again from boot code after the interpreter restarts", ok: true, failures: [], output: [] };
    const line = await second.waitLine((l) => /echo-check (passed|FAILED)/.test(l), RUN_TIMEOUT_MS);
    if (!line) again.failures.push(`no echo-check result within ${RUN_TIMEOUT_MS / 1000} s`);
    else if (line.indexOf(passed) < 0) again.failures.push(`the app printed "${line}"`);
    if ((echo.received[1] || "") !== want) again.failures.push(`the echo server's second connection received ${(echo.received[1] || "").length} bytes, not the ${bytes}-byte pattern`);
    for (const l of second.lines) for (const re of rt.def.fatal) if (re.test(l)) again.failures.push("the interpreter printed: " + l);
    again.output = meaningful(second);
    again.ok = again.failures.length === 0;
    phases.push(again);
  });
  return { phases, wallMs: Date.now() - t0 };
}
