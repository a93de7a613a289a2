// `make demo ESPRUINO=…`: the demo's exchanges with the firmware on the real interpreter — each app bundled for the linux board and run by Espruino's Linux build against the simulator on a PTY — with the same log and summary table.
//
// Each exchange is its own interpreter run (its own bring-up: the app bundle is the program), all of
// them in parallel (DEVICE_JOBS, default 6); their logs are printed in the demo's order as they finish.
//   buffer       TCP echo (examples/echo-check, 32 KB), HTTP GET (examples/http-get), TCP server (examples/server),
//                Espruino's own http + net over the modem (examples/net-client)
//   push         TCP echo, UDP echo (examples/udp-echo)
//   transparent  TCP echo
// The time column is wall time on this machine, interpreter start to result; the Linux build sleeps
// up to 50 ms per idle loop, so it says nothing about a microcontroller's speed.
import { AppRun, runApp } from "../device/apps";
import { DataMode } from "../device/env";
import { defaultPoolSize, Pool } from "../device/pool";
import { Runtime } from "../device/runtimes";
import { DemoLog, ExchangeResult } from "./log";

interface DeviceExchange {
  name: string;
  mode: DataMode;
  app: string;
}

const BAUD = 115200;

function exchanges(): DeviceExchange[] {
  return [
    { name: "TCP echo", mode: "buffer", app: "echo-check" },
    { name: "HTTP GET (examples/http-get)", mode: "buffer", app: "http-get" },
    { name: "TCP server accept (examples/server)", mode: "buffer", app: "server" },
    { name: "Espruino http + net (examples/net-client)", mode: "buffer", app: "net-client" },
    { name: "TCP echo", mode: "push", app: "echo-check" },
    { name: "UDP echo (examples/udp-echo)", mode: "push", app: "udp-echo" },
    { name: "TCP echo", mode: "transparent", app: "echo-check" },
  ];
}

function note(r: AppRun, tcpBytes: number): string {
  if (!r.ok) return r.failures.join("; ");
  if (r.app === "echo-check") return `${tcpBytes} bytes each way, compared on the device as they arrived and at the echo server`;
  if (r.app === "http-get") return `200, body checked byte for byte (tapped inside the interpreter)`;
  if (r.app === "server") return "greeting + 1024-byte echo to a real client, both directions";
  if (r.app === "udp-echo") return "3 datagrams, each echoed intact with its sender";
  if (r.app === "net-client") return "require(\"http\").get: 200, body checked byte for byte; require(\"net\") echo intact";
  return "";
}

/** Runs every exchange on `rt`; returns the process exit code (0 only when all verified). */
export async function runDemoOnDevice(rt: Runtime, tcpBytes: number): Promise<number> {
  const log = new DemoLog();
  log.header();
  log.section(`real interpreter: ${rt.exe} (${rt.def.what})`);
  log.line(`each exchange: its app bundled for the linux board (make bundle BOARD=linux APP=… SERIAL=<pty>), run by the interpreter`);
  log.line(`against the A76XX simulator on a pseudo-terminal at ${BAUD} baud and real loopback servers (ephemeral ports)`);
  const pool = new Pool(defaultPoolSize());
  const plan = exchanges();
  const runs = plan.map((ex) =>
    pool.run(() => runApp(rt, { app: ex.app, mode: ex.mode, baud: BAUD, bytes: tcpBytes, httpCloseAfterBody: false })),
  );
  const results: ExchangeResult[] = [];
  for (let i = 0; i < plan.length; i++) {
    const ex = plan[i];
    const r = await runs[i];
    log.section(`${ex.mode} mode: ${ex.name}${ex.name.indexOf("examples/") < 0 ? ` (examples/${ex.app})` : ""}`);
    const banner = r.lines.findIndex((l) => l.indexOf("espruino.com/Donate") >= 0);
    for (let k = banner + 1; k < r.lines.length; k++) {
      const l = r.lines[k];
      if (l.trim() && l.trim() !== ">" && !/^@@/.test(l)) log.line("  app> " + l, r.lineTimes[k]);
    }
    const end = r.lineTimes.length ? r.lineTimes[r.lineTimes.length - 1] : undefined;
    for (const f of r.failures) log.line(`${ex.app}/${ex.mode}: FAILED - ${f}`, end);
    if (r.ok) log.line(`${ex.app}/${ex.mode}: ok - ${note(r, tcpBytes)}`, end);
    results.push({ exchange: ex.name, mode: ex.mode, bytesOut: r.bytesOut, bytesIn: r.bytesIn, verified: r.ok, virtualMs: r.wallMs, note: note(r, tcpBytes) });
  }
  const bad = log.summary(results, "wall time");
  console.log("");
  if (bad.length) {
    console.log(`demo FAILED: ${bad.length} of ${results.length} exchanges not verified: ${bad.map((r) => r.exchange + " (" + r.mode + ")").join(", ")}`);
    return 1;
  }
  console.log(`demo OK: all ${results.length} exchanges verified byte for byte on the real interpreter`);
  return 0;
}
