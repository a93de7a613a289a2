// One modem bring-up for the demo: the host test HAL at 115200 baud, the A76XX simulator on its virtual clock, createModem in one data mode, online.
import { BoardDef } from "../../firmware/core/board";
import { Hal } from "../../firmware/core/hal";
import { createModem, Modem, Socket, UdpSocket } from "../../firmware/app/index";
import { allParts } from "../../firmware/parts/index";
import type { ListenOptions, Server } from "../../firmware/parts/index";
import { esp32Devkit } from "../../boards/esp32-devkit";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { A76xxSim, pumpUntil } from "../sim/index";
import { DemoLog } from "./log";
import { DeviceRuntime } from "./runtime";

export type DataMode = "buffer" | "push" | "transparent";

/** A realistic UART rate for the A76XX (the modules' default). */
export const DEMO_BAUD = 115200;

/** The module's ports the demo apps bind (UDP local port, server port), each mapped to a free port on this machine. */
export const MODULE_UDP_PORT = 5000;
export const MODULE_SERVER_PORT = 8080;

/** An ESP32 DevKit's ring sizes, without pins: the simulated module starts powered on. */
const board: BoardDef = {
  id: "demo",
  name: "demo: ESP32 DevKit ring sizes on the host test HAL",
  uart: { port: 1, baud: DEMO_BAUD },
  atRxRingBytes: esp32Devkit().atRxRingBytes,
  socketRxRingBytes: esp32Devkit().socketRxRingBytes,
  links: esp32Devkit().links,
};

/** What an app does with the modem, as the demo watches it: every socket, UDP socket and server it creates. */
export interface AppTaps {
  socket?(s: Socket): void;
  udp?(u: UdpSocket): void;
  server?(srv: Server): void;
}

export class Session {
  readonly hal: TestHal;
  readonly sim: A76xxSim;
  readonly runtime: DeviceRuntime;
  readonly modem: Modem;
  /** Every line device code printed (console.log), in order. */
  readonly appLines: string[] = [];
  ip = "";

  private constructor(readonly mode: DataMode, log: DemoLog) {
    this.hal = createTestHal({ baud: DEMO_BAUD });
    this.sim = new A76xxSim({ clock: this.hal.clock, startPoweredOn: true, portMap: { [MODULE_UDP_PORT]: 0, [MODULE_SERVER_PORT]: 0 } });
    this.sim.attach(this.hal.wire.modem, { pwrkey: this.hal.pwrkey, dtr: this.hal.dtr }, { toHost: this.hal.wire.toHost });
    this.runtime = new DeviceRuntime(this.hal.clock, (line) => {
      this.appLines.push(line);
      log.line("  app> " + line);
    });
    const deviceHal: Hal = {
      uart: this.runtime.deviceUart(this.hal.uart),
      clock: this.runtime.deviceClock(),
      codec: this.hal.codec,
      dtr: this.hal.dtr,
    };
    this.modem = createModem(deviceHal, board, { apn: "internet", dataMode: mode, parts: allParts });
  }

  /** Bring a fresh modem online in `mode`; logs every supervisor state. Throws when it does not come online. */
  static async open(mode: DataMode, log: DemoLog): Promise<Session> {
    const s = new Session(mode, log);
    log.useClock(() => s.hal.clock.now());
    log.line(`simulator: A76XX at ${DEMO_BAUD} baud (line rate ${DEMO_BAUD / 10} B/s), module ports ${MODULE_UDP_PORT}/udp and ${MODULE_SERVER_PORT}/tcp mapped to free local ports`);
    log.line(`createModem(hal, board, {apn: "internet", dataMode: "${mode}"}); modem.start()`);
    s.modem.on("state", (name: string) => log.line("modem state: " + name));
    s.modem.on("online", (ip: string) => {
      s.ip = ip;
      log.line("modem online, own address " + ip);
    });
    s.modem.on("offline", (why: string) => log.line("modem offline: " + why));
    s.modem.on("error", (e: { kind: string; text: string }) => log.line("modem error: " + e.kind + " " + e.text));
    s.runtime.run(() => s.modem.start());
    if (!(await s.until(() => s.modem.isOnline(), 120000))) {
      await s.close();
      throw new Error(`the modem did not come online in ${mode} mode (state ${s.modem.status().state})`);
    }
    return s;
  }

  now(): number {
    return this.hal.clock.now();
  }

  /** Run the virtual clock with real I/O until `done()` (true) or a limit (false). 1 ms steps: timings are exact to 1 ms. */
  until(done: () => boolean, maxVirtualMs: number, maxRealMs = 20000): Promise<boolean> {
    return pumpUntil(this.hal.clock, done, { maxVirtualMs, maxRealMs, stepMs: 1 });
  }

  /**
   * The modem as an app's `main(modem, args)` sees it once the session has it online: `start()`
   * does nothing and an "online" handler runs at once (from a scheduler task, as the event would);
   * every other call and event is the real modem's. `taps` see each socket/server the app creates
   * before the app does, so the demo can check the bytes at the API boundary.
   */
  appModem(taps: AppTaps): Modem {
    const modem = this.modem;
    const ip = this.ip;
    const view = Object.create(modem) as Modem;
    view.start = () => undefined;
    view.on = ((event: string, fn: (a?: unknown, b?: unknown) => void): Modem => {
      if (event === "online") modem.sched.after(0, () => fn(ip));
      else modem.on(event, fn);
      return view;
    }) as Modem["on"];
    view.connect = (host: string, port: number): Socket => {
      const s = modem.connect(host, port);
      if (taps.socket) taps.socket(s);
      return s;
    };
    view.udp = (localPort?: number): UdpSocket => {
      const u = modem.udp(localPort);
      if (taps.udp) taps.udp(u);
      return u;
    };
    view.listen = (port: number, onClient?: (s: Socket) => void, opts?: ListenOptions): Server => {
      const srv = modem.listen(port, onClient, opts);
      if (taps.server) taps.server(srv);
      return srv;
    };
    return view;
  }

  /** Stop the modem (sockets closed, AT+NETCLOSE, power off), then close the simulator and every socket it opened. */
  async close(): Promise<void> {
    if (this.modem.status().state !== "off") {
      this.runtime.run(() => this.modem.stop());
      await this.until(() => this.modem.status().state === "off", 30000, 5000);
    }
    this.runtime.clearAll();
    this.sim.close();
  }
}
