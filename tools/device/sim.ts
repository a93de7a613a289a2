// The A76XX simulator on a pseudo-terminal for a real interpreter, in this process: wall clock, a baud, the module's ports mapped to free local ports, a transcript file.
import * as path from "path";
import { SystemClock } from "../../hal/host/system-clock";
import { A76xxSim } from "../sim/index";
import { PtyBridge, Transcript } from "../sim/pty";

export interface PtySimOptions {
  /** Directory for the PTY link and the transcript. */
  dir: string;
  baud: number;
  /** Module port → local port (0 = any free port): UDP local ports and SERVERSTART ports the apps use. */
  portMap?: { [port: number]: number };
  /** Keep a transcript of both directions at <dir>/transcript.txt (default true). */
  transcript?: boolean;
}

export class PtySim {
  /** The serial device to give the interpreter. */
  readonly path: string;
  readonly transcriptPath: string | undefined;

  private constructor(readonly sim: A76xxSim, private bridge: PtyBridge, private transcript: Transcript | undefined, ptyPath: string) {
    this.path = ptyPath;
    this.transcriptPath = transcript ? path.join(path.dirname(ptyPath), "transcript.txt") : undefined;
  }

  static async start(o: PtySimOptions): Promise<PtySim> {
    const clock = new SystemClock();
    const ptyPath = path.join(o.dir, "modem");
    const transcript = o.transcript === false ? undefined : new Transcript(path.join(o.dir, "transcript.txt"), clock);
    const bridge = await PtyBridge.open({ path: ptyPath, baud: o.baud, clock, transcript });
    const sim = new A76xxSim({ clock, startPoweredOn: true, portMap: o.portMap || {} });
    sim.attach(bridge.end, undefined, { toHost: bridge.line });
    return new PtySim(sim, bridge, transcript, ptyPath);
  }

  /** The local port of the module's first listening server (SERVERSTART), or undefined. */
  listeningPort(): number | undefined {
    for (let i = 0; i < 4; i++) {
      const p = this.sim.serverPort(i);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /** Close every link and server, stop socat (which removes the PTY), close the transcript. */
  async close(): Promise<void> {
    this.sim.close();
    await this.bridge.close();
    if (this.transcript) this.transcript.close();
  }
}
