// `make demo`: the firmware brings a simulated A76XX up once per data mode and runs the apps' exchanges against real loopback servers; exit 0 only when every exchange verified.
//
// Per data mode, one bring-up (transparent mode needs its own: AT+CIPMODE=1 is set before
// AT+NETOPEN) of the real firmware (createModem on the host test HAL at 115200 baud) against the
// in-process simulator; then, in turn:
//   buffer       TCP echo (32 KB), HTTP GET (examples/http-get), TCP server (examples/server)
//   push         TCP echo (32 KB), UDP echo (examples/udp-echo)
//   transparent  TCP echo (32 KB)
// A readable log (device virtual ms, wall ms) and a summary table follow. Usage:
//   node_modules/.bin/ts-node --transpile-only tools/demo/run.ts [--tcp-bytes N] [--espruino <interpreter>]
// With --espruino (`make demo ESPRUINO=…`) the same exchanges run with the firmware on that real
// interpreter instead of in this process (device.ts).
import { DemoLog, ExchangeResult } from "./log";
import { httpGetExample, serverExample, tcpEcho, udpEchoExample } from "./exchanges";
import { LoopbackServers } from "./servers";
import { DataMode, Session } from "./session";
import { runDemoOnDevice } from "./device";
import { RUNTIMES } from "../device/runtimes";
import * as path from "path";

/** The demo gives up (exit 1) after this much wall time (in process; on a real interpreter: DEVICE_WALL_LIMIT_MS). */
const WALL_LIMIT_MS = 55000;
const DEVICE_WALL_LIMIT_MS = 600000;
const DEFAULT_TCP_BYTES = 32 * 1024;

type Exchange = { name: string; run: (s: Session, servers: LoopbackServers, log: DemoLog) => Promise<ExchangeResult> };

interface Plan {
  mode: DataMode;
  what: string;
  exchanges: Exchange[];
}

function plans(tcpBytes: number): Plan[] {
  const echo: Exchange = { name: "TCP echo", run: (s, sv, log) => tcpEcho(s, sv, log, tcpBytes) };
  return [
    {
      mode: "buffer",
      what: "buffer access (AT+CIPRXGET=1): the module keeps received data, the driver reads what fits",
      exchanges: [
        echo,
        { name: "HTTP GET (examples/http-get)", run: httpGetExample },
        { name: "TCP server accept (examples/server)", run: (s, _sv, log) => serverExample(s, log) },
      ],
    },
    {
      mode: "push",
      what: "direct push (+RECV FROM / +IPD): the module pushes received data as it comes",
      exchanges: [echo, { name: "UDP echo (examples/udp-echo)", run: udpEchoExample }],
    },
    {
      mode: "transparent",
      what: "transparent (AT+CIPMODE=1 before AT+NETOPEN): link 0 is the UART",
      exchanges: [echo],
    },
  ];
}

function failed(name: string, mode: string, why: string): ExchangeResult {
  return { exchange: name, mode, bytesOut: 0, bytesIn: 0, verified: false, virtualMs: 0, note: why };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function parseTcpBytes(argv: string[]): number {
  const i = argv.indexOf("--tcp-bytes");
  if (i < 0) return DEFAULT_TCP_BYTES;
  const n = parseInt(argv[i + 1], 10);
  if (!(n >= 1 && n <= 16 * 1024 * 1024)) throw new Error("--tcp-bytes takes a byte count (1..16777216)");
  return n;
}

function parseEspruino(argv: string[]): string | undefined {
  const i = argv.indexOf("--espruino");
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (!v) throw new Error("--espruino takes the path of Espruino's Linux build");
  return v;
}

async function main(): Promise<number> {
  const tcpBytes = parseTcpBytes(process.argv.slice(2));
  const espruino = parseEspruino(process.argv.slice(2));
  if (espruino) return runDemoOnDevice({ def: RUNTIMES[0], exe: path.resolve(espruino) }, tcpBytes);
  const log = new DemoLog();
  const results: ExchangeResult[] = [];
  log.header();
  log.section("loopback servers (real sockets on 127.0.0.1)");
  const servers = await LoopbackServers.start();
  log.line(`TCP echo  127.0.0.1:${servers.tcpEcho.port}`);
  log.line(`UDP echo  127.0.0.1:${servers.udpEcho.port}`);
  log.line(`HTTP      127.0.0.1:${servers.httpPort} (GET /blob.bin: ${servers.httpBody.length} bytes)`);
  try {
    for (const plan of plans(tcpBytes)) {
      log.section(`${plan.mode} mode: ${plan.what}`);
      let session: Session;
      try {
        session = await Session.open(plan.mode, log);
      } catch (e) {
        log.line("bring-up FAILED: " + message(e));
        for (const ex of plan.exchanges) results.push(failed(ex.name, plan.mode, "bring-up failed: " + message(e)));
        continue;
      }
      for (const ex of plan.exchanges) {
        try {
          results.push(await ex.run(session, servers, log));
        } catch (e) {
          log.line(`${ex.name}: FAILED with an exception: ${message(e)}`);
          results.push(failed(ex.name, plan.mode, "exception: " + message(e)));
        }
      }
      log.line("modem.stop(): sockets closed, AT+NETCLOSE, power off");
      await session.close();
      log.useClock(undefined);
    }
  } finally {
    await servers.close();
  }
  const bad = log.summary(results);
  console.log("");
  if (bad.length) {
    console.log(`demo FAILED: ${bad.length} of ${results.length} exchanges not verified: ${bad.map((r) => r.exchange + " (" + r.mode + ")").join(", ")}`);
    return 1;
  }
  console.log(`demo OK: all ${results.length} exchanges verified byte for byte`);
  return 0;
}

const wallLimitMs = process.argv.indexOf("--espruino") >= 0 ? DEVICE_WALL_LIMIT_MS : WALL_LIMIT_MS;
const watchdog = setTimeout(() => {
  console.log(`demo FAILED: still running after ${wallLimitMs / 1000} s of wall time`);
  process.exit(1);
}, wallLimitMs);
watchdog.unref();

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error("demo FAILED:", e);
    process.exitCode = 1;
  },
);
