// Simulated UART pair for host tests: the firmware's Uart on one end, a modem (test or simulator) on the other.
//
// Both directions are paced at their sender's line rate on the given clock. When the two ends are
// set to different rates the receiver gets garbage, as a real UART would (bytes mapped to 0xF0..0xFF,
// which never form a valid response). Every byte each side wrote is logged with its timestamp.
import { Clock, Uart } from "../../firmware/core/hal";
import { ChunkPolicy, PacedLine } from "./paced-line";

export interface WireRecord {
  /** Time (ms) the bytes were written by their sender. */
  t: number;
  data: string;
}

export interface SimUartOptions {
  /** Rate of both ends at start (the host end is re-set by Uart.setup). */
  baud: number;
  /** Chunking of modem → host deliveries. */
  toHostChunk?: number | ChunkPolicy;
  /** Chunking of host → modem deliveries. */
  toModemChunk?: number | ChunkPolicy;
}

/** The modem's end of the wire, as the simulator or a test sees it. */
export interface ModemEnd {
  /** Send bytes to the host (paced at the modem end's baud). */
  write(data: string): void;
  /** Receive what the host sent, at the time it finished arriving. */
  onData(handler: (chunk: string, at: number) => void): void;
  /** Rate of the modem end (AT+IPR changes it). */
  setBaud(baud: number): void;
  getBaud(): number;
}

function garble(data: string): string {
  let out = "";
  for (let i = 0; i < data.length; i++) out += String.fromCharCode(0xf0 | (data.charCodeAt(i) & 0x0f));
  return out;
}

export class SimUart {
  /** Everything the firmware wrote, in order, with timestamps. */
  readonly hostLog: WireRecord[] = [];
  /** Everything the modem side wrote. */
  readonly modemLog: WireRecord[] = [];
  readonly toHost: PacedLine;
  readonly toModem: PacedLine;
  /** The firmware's side: hand this to the firmware as `hal.uart`. */
  readonly host: Uart;
  /** The modem's side. */
  readonly modem: ModemEnd;
  /** True between host setup() and close(). */
  hostOpen = false;
  hostBaud: number;
  modemBaud: number;
  /** Counts of setup() and close() calls by the firmware. */
  setupCalls = 0;

  private hostHandler: ((chunk: string) => void) | undefined;
  private modemHandler: ((chunk: string, at: number) => void) | undefined;
  private clock: Clock;

  constructor(clock: Clock, options: SimUartOptions) {
    this.clock = clock;
    this.hostBaud = options.baud;
    this.modemBaud = options.baud;
    // Bytes are intact when the receiver listens at the rate they were sent at.
    this.toHost = new PacedLine(clock, { baud: options.baud, chunk: options.toHostChunk || 64 }, (chunk, _at, sentAt) => {
      if (!this.hostOpen || !this.hostHandler) return; // a closed port hears nothing
      this.hostHandler(this.hostBaud === sentAt ? chunk : garble(chunk));
    });
    this.toModem = new PacedLine(clock, { baud: options.baud, chunk: options.toModemChunk || 64 }, (chunk, at, sentAt) => {
      if (!this.modemHandler) return;
      this.modemHandler(this.modemBaud === sentAt ? chunk : garble(chunk), at);
    });
    const self = this;
    this.host = {
      setup(baud: number): void {
        self.setupCalls++;
        self.hostBaud = baud;
        self.toModem.baud = baud;
        self.hostOpen = true;
      },
      write(data: string): void {
        if (!self.hostOpen) throw new Error("SimUart: write before setup");
        self.hostLog.push({ t: self.clock.now(), data });
        self.toModem.send(data);
      },
      onData(handler: (chunk: string) => void): void {
        self.hostHandler = handler;
      },
      close(): void {
        self.hostOpen = false;
      },
    };
    this.modem = {
      write(data: string): void {
        self.modemLog.push({ t: self.clock.now(), data });
        self.toHost.send(data);
      },
      onData(handler: (chunk: string, at: number) => void): void {
        self.modemHandler = handler;
      },
      setBaud(baud: number): void {
        self.modemBaud = baud;
        self.toHost.baud = baud;
      },
      getBaud(): number {
        return self.modemBaud;
      },
    };
  }

  /** All bytes the firmware wrote, concatenated. */
  hostWritten(): string {
    let s = "";
    for (let i = 0; i < this.hostLog.length; i++) s += this.hostLog[i].data;
    return s;
  }
}
