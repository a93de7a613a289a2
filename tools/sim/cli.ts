// Command line of the simulator: the modem on a pseudo-terminal (socat) at a path, on wall-clock time, until Ctrl+C.
//
//   ts-node tools/sim/cli.ts --pty /tmp/a76xx [--baud 115200] [--log file] [--faults list]
//        [--profile clean|field-quirks] [--boot-ms N] [--powered | --boot] [--chunk N]
//        [--latency-ms N] [--rx-buffer N] [--dns name=ip,…] [--port-map 8080=18080,…] [--free-ports] [--console]
//        [--event-gap-ms N] [--guard-ms N] [--list-faults]
//
// By default the module is on and ready at once (a person has no PWRKEY); --boot starts it as if
// just switched on (banner after --boot-ms). --faults takes `name[:arg][@ms]` items separated by
// commas (`@ms` = apply that long after start), e.g. `sim-busy,drop-network@30000,reboot@60000`.
// A server or UDP local port of the module listens on the same port number of this machine (so a
// person can connect to it), unless --port-map names another; --free-ports puts every port that
// --port-map does not name on any free port instead ("state" shows which).
// While it runs in the foreground of its terminal, lines typed there are applied the same way
// ("help" lists the names, "state" shows the links and servers); as a background job
// (`make sim PTY=… &`) it never reads the terminal, so the shell does not stop it (console.ts).
// --console reads standard input whatever it is; --list-faults prints the fault list and exits. A
// bad item in --faults stops the CLI before it starts; a typed one is refused with a message.
// SIGINT/SIGTERM close every socket, stop socat (which removes the link) and exit.
import { SystemClock } from "../../hal/host/system-clock";
import { Profile } from "./boot";
import { applyFault, FaultItem, faultHelp, parseFaults } from "./faults";
import { A76xxSim } from "./modem";
import { PtyBridge, Transcript } from "./pty";
import { startConsole } from "./console";

interface CliArgs {
  pty: string;
  baud: number;
  log?: string;
  faults: string;
  profile: Profile;
  bootMs: number;
  powered: boolean;
  chunk: number;
  latencyMs: number;
  rxBuffer: number;
  dns: { [name: string]: string };
  portMap: { [port: number]: number };
  freePorts: boolean;
  console: boolean;
  eventGapMs: number;
  guardMs: number;
}

const USAGE =
  "usage: cli.ts --pty <path> [--baud 115200] [--log file] [--faults list] [--profile clean|field-quirks]\n" +
  "              [--boot-ms 3000] [--powered|--boot] [--chunk 64] [--latency-ms 2] [--rx-buffer 16384]\n" +
  "              [--dns name=ip,...] [--port-map 8080=18080,...] [--free-ports] [--console]\n" +
  "              [--event-gap-ms 20] [--guard-ms 1000] [--list-faults]";

function parseArgs(argv: string[]): CliArgs {
  const a: CliArgs = {
    pty: "", baud: 115200, faults: "", profile: "clean", bootMs: 3000, powered: true, chunk: 64, latencyMs: 2,
    rxBuffer: 16384, dns: {}, portMap: {}, freePorts: false, console: false, eventGapMs: 20, guardMs: 1000,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(k + " needs a value");
      return argv[++i];
    };
    const num = () => {
      const s = v();
      const n = Number(s);
      if (!isFinite(n) || n < 0) throw new Error(k + ": not a number: " + s);
      return n;
    };
    switch (k) {
      case "--pty": a.pty = v(); break;
      case "--baud": a.baud = num(); break;
      case "--log": a.log = v(); break;
      case "--faults": a.faults = v(); break;
      case "--profile": {
        const p = v();
        if (p !== "" && p !== "clean" && p !== "field-quirks") throw new Error("--profile: clean or field-quirks");
        a.profile = (p || "clean") as Profile;
        break;
      }
      case "--boot-ms": a.bootMs = num(); break;
      case "--powered": a.powered = true; break;
      case "--boot": a.powered = false; break;
      case "--chunk": a.chunk = Math.max(1, num()); break;
      case "--latency-ms": a.latencyMs = num(); break;
      case "--rx-buffer": a.rxBuffer = Math.max(1, num()); break;
      case "--dns":
        for (const kv of v().split(",")) {
          const [name, ip] = kv.split("=");
          if (name && ip) a.dns[name.toLowerCase()] = ip;
        }
        break;
      case "--port-map":
        for (const kv of v().split(",")) {
          const [p, q] = kv.split("=");
          if (p && q !== undefined) a.portMap[Number(p)] = Number(q);
        }
        break;
      case "--event-gap-ms": a.eventGapMs = num(); break;
      case "--guard-ms": a.guardMs = num(); break;
      case "--free-ports": a.freePorts = true; break;
      case "--console": a.console = true; break;
      case "-h":
      case "--help":
        process.stdout.write(USAGE + "\n\n" + faultHelp().join("\n") + "\n");
        process.exit(0);
        break;
      case "--list-faults":
        process.stdout.write(faultHelp().join("\n") + "\n");
        process.exit(0);
        break;
      default:
        throw new Error("unknown option " + k);
    }
  }
  if (!a.pty) throw new Error("--pty <path> is required");
  return a;
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write((e as Error).message + "\n" + USAGE + "\n");
    process.exit(2);
    return;
  }
  const faults = parseFaults(args.faults);
  const clock = new SystemClock();
  const transcript = args.log ? new Transcript(args.log, clock) : undefined;
  const bridge = await PtyBridge.open({ path: args.pty, baud: args.baud, chunk: args.chunk, clock, transcript });
  const sim = new A76xxSim({
    clock,
    profile: args.profile,
    bootMs: args.bootMs,
    commandLatencyMs: args.latencyMs,
    startPoweredOn: args.powered,
    rxBufferBytes: args.rxBuffer,
    dns: args.dns,
    portMap: args.portMap,
    hostPorts: args.freePorts ? "free" : "same",
    eventGapMs: args.eventGapMs,
    guardMs: args.guardMs,
  });
  sim.attach(bridge.end, undefined, { toHost: bridge.line });
  if (!args.powered) sim.powerOn();

  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const apply = (f: FaultItem) => {
    try {
      applyFault(sim.fault, f);
    } catch (e) {
      process.stdout.write("a76xx-sim: " + f.name + ": " + (e as Error).message + "\n");
    }
  };
  for (const f of faults) {
    if (f.atMs === undefined) apply(f);
    else timers.push(setTimeout(() => apply(f), f.atMs));
  }

  let stopping = false;
  let stopConsole = () => undefined as void;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    stopConsole();
    for (const t of timers) clearTimeout(t);
    sim.close();
    await bridge.close();
    if (transcript) transcript.close();
    process.stdout.write("a76xx-sim: stopped\n");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGHUP", () => void stop(0));
  bridge.onUnexpectedExit = (code) => {
    process.stderr.write("a76xx-sim: socat exited (" + code + ")\n");
    void stop(1);
  };

  process.stdout.write(
    "a76xx-sim: A76XX simulator on " + args.pty + " (" + bridge.ptsPath + "), " + args.baud + " baud, profile " + args.profile +
      (args.powered ? ", on and ready" : ", booting (" + args.bootMs + " ms)") +
      (args.faults ? ", faults " + args.faults : "") + (args.log ? ", transcript " + args.log : "") + "\n" +
      "a76xx-sim: socat pid " + bridge.pid + "\n" +
      "a76xx-sim: connect with   picocom -b " + args.baud + " " + args.pty + "   or   screen " + args.pty + " " + args.baud +
      "   or   socat -,rawer,escape=0x1d " + args.pty + ",rawer   (Ctrl+] quits socat)\n" +
      "a76xx-sim: Ctrl+C stops (or kill " + process.pid + ")\n",
  );

  const console_ = startConsole({
    force: args.console,
    say: (t) => process.stdout.write("a76xx-sim: " + t + "\n"),
    onLine: (cmd) => {
      if (cmd === "help") {
        process.stdout.write(faultHelp().join("\n") + "\n");
        return;
      }
      if (cmd === "state") {
        process.stdout.write(
          "powered " + sim.powered + ", booted " + sim.booted + ", hung " + sim.hung + ", net " + (sim.netOpen ? "open" : "closed") +
            ", data mode " + sim.dataMode + "\n",
        );
        for (let i = 0; i < 10; i++) {
          const l = sim.link(i);
          if (l.state !== "closed" || l.buffered)
            process.stdout.write("  link " + i + " " + l.state + " " + l.proto + " " + l.remoteIp + ":" + l.remotePort + " in " + l.bytesIn +
              " out " + l.bytesOut + " buffered " + l.buffered + (l.paused ? " (paused)" : "") +
              (l.hostLocalPort && l.proto === "UDP" ? " host port " + l.hostLocalPort : "") + "\n");
        }
        sim.servers.forEach((srv, i) => {
          if (srv && srv.listening) process.stdout.write("  server " + i + " port " + srv.port + " on host port " + srv.hostPort + "\n");
        });
        return;
      }
      try {
        for (const f of parseFaults(cmd)) {
          if (f.atMs === undefined) apply(f);
          else timers.push(setTimeout(() => apply(f), f.atMs));
        }
        process.stdout.write("a76xx-sim: " + cmd + "\n");
      } catch (e) {
        process.stdout.write((e as Error).message + "\n");
      }
    },
  });
  stopConsole = () => console_.stop();
}

main().catch((e) => {
  process.stderr.write("a76xx-sim: " + ((e as Error).message || e) + "\n");
  process.exit(1);
});
