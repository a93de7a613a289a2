// Host benchmark of the AT engine: MB/s of a mixed modem stream (lines, URCs, binary pushes, command answers).
//
// The stream is built up front and cut into 256-byte chunks (a generous UART driver chunk); the
// timed part is only the engine: parsing, URC routing, payload streaming to a listener, matching
// answers to commands in flight (one command per round, sent through the Scheduler's pump).
import { Uart } from "../../firmware/core/hal";
import { Scheduler } from "../../firmware/core/sched";
import { AtEngine } from "../../firmware/at/engine";
import { AtCommand, AtResult } from "../../firmware/at/command";
import { VirtualClock } from "../../hal/host/virtual-clock";

export interface BenchResult {
  bytes: number;
  seconds: number;
  mbPerSec: number;
}

const CHUNK = 256;
const TARGET_BYTES = 4 * 1024 * 1024;

/** Deterministic pseudo-random bytes (xorshift), as an 8-bit string. */
function binary(n: number, seed: number): string {
  const b = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 255;
  }
  // Make sure the nastiest sequences occur inside payloads.
  b.write("OK\r\n+IPD5\r\nERROR\r\n", 7, "latin1");
  return b.toString("latin1");
}

interface Round {
  cmd: AtCommand;
  chunks: string[];
  bytes: number;
  /** Index of the chunk that ends with a send's prompt (-1: none). */
  promptChunk: number;
}

function cut(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += CHUNK) out.push(s.substr(i, CHUNK));
  return out;
}

/** A few kinds of rounds; each is one command and the modem's output while it is in flight. */
function makeRounds(): Round[] {
  const push = binary(1460, 7);
  const read = binary(1500, 11);
  const small = binary(64, 13);
  const csq: AtCommand = { request: "AT+CSQ", match: "+CSQ:", timeout: 1000 };
  const rx: AtCommand = { request: "AT+CIPRXGET=2,1,1500", timeout: 1000, readLink: 1, readMax: 1500 };
  const send: AtCommand = { request: "AT+CIPSEND=1,5", payload: "HELLO", async: "+CIPSEND: 1,", timeout: 1000 };
  const q: AtCommand = { request: "AT+CIPOPEN?", match: "+CIPOPEN:", timeout: 1000 };
  let listing = "";
  for (let i = 0; i < 10; i++) listing += "\r\n+CIPOPEN: " + i + (i < 3 ? ',"TCP","117.131.85.139",5253,-1' : "") + "\r\n";
  const streams: Array<[AtCommand, string]> = [
    [csq, "\r\n+CREG: 1,1\r\n\r\n+RECV FROM:117.131.85.139:5253\r\n+IPD1460\r\n" + push + "\r\n+CSQ: 20,99\r\n\r\nOK\r\n"],
    [rx, "\r\n+CIPRXGET: 2,1,1500,0\r\n" + read + "\r\nOK\r\n\r\n+CIPRXGET: 1,1\r\n"],
    [send, "\r\n+CGEV: ME PDN ACT 8,1\r\n\r\n> \r\nOK\r\n\r\n+RECEIVE,2,64\r\n" + small + "\r\n+CIPSEND: 1,5,5\r\n"],
    [q, listing + "\r\n+IPCLOSE: 4,1\r\n\r\nOK\r\n\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n"],
  ];
  // A send's answer comes after its payload has left the wire: the prompt ends a chunk of its own.
  return streams.map(([cmd, s]) => {
    const p = cmd.payload !== undefined ? s.indexOf("> ") + 2 : 0;
    const head = p ? cut(s.substr(0, p)) : [];
    return { cmd, chunks: head.concat(cut(s.substr(p))), bytes: s.length, promptChunk: head.length - 1 };
  });
}

/** Push ~4 MB of mixed traffic through the engine; returns bytes, seconds and MB/s (1 MB = 2^20 bytes). */
export function benchAtEngine(): BenchResult {
  const clock = new VirtualClock();
  const sched = new Scheduler(clock, 64, 1000);
  const uart: Uart = {
    setup() {},
    write() {},
    onData() {},
    close() {},
  };
  let payloadBytes = 0;
  let urcs = 0;
  const engine = new AtEngine(uart, sched, { maxLine: 1024, maxPayload: 1500, queue: 8, maxLines: 16, promptMs: 1000, probeMs: 1000, stallAfter: 3 }, {
    payload(kind: number, link: number, data: string) {
      payloadBytes += data.length;
    },
    data() {},
    timeout() {},
    stall() {},
  });
  engine.onUrc("", () => {
    urcs++;
  });
  // The modem's answers come after the request (and a send's payload) has left the wire: the
  // bench moves the virtual clock past it before feeding them (the engine drops earlier finals).
  engine.setBaud(1e9);
  const rounds = makeRounds();
  let perCycle = 0;
  for (const r of rounds) perCycle += r.bytes;
  const cycles = Math.ceil(TARGET_BYTES / perCycle);
  let done = 0;
  const onDone = (res: AtResult) => {
    if (res.error) throw new Error("bench command failed: " + JSON.stringify(res.error));
    done++;
  };
  // Warm up, then measure.
  const runCycles = (n: number): number => {
    let bytes = 0;
    for (let c = 0; c < n; c++) {
      for (let k = 0; k < rounds.length; k++) {
        const r = rounds[k];
        engine.submit(r.cmd, onDone);
        clock.flush(); // the pump task writes the command
        clock.advance(0.001);
        for (let i = 0; i < r.chunks.length; i++) {
          engine.parser.feed(r.chunks[i]);
          if (i === r.promptChunk) clock.advance(0.001);
        }
        bytes += r.bytes;
      }
    }
    clock.flush();
    return bytes;
  };
  runCycles(20);
  const t0 = process.hrtime.bigint();
  const bytes = runCycles(cycles);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (done !== (cycles + 20) * rounds.length) throw new Error("bench: " + done + " commands completed, expected " + (cycles + 20) * rounds.length);
  if (payloadBytes === 0 || urcs === 0) throw new Error("bench: no payloads or URCs seen");
  return { bytes, seconds, mbPerSec: bytes / (1024 * 1024) / seconds };
}

if (require.main === module) {
  const r = benchAtEngine();
  console.log("at-engine: " + r.mbPerSec.toFixed(1) + " MB/s on a " + (r.bytes / (1024 * 1024)).toFixed(1) + " MB mixed stream");
  console.log(JSON.stringify({ bench: "at-engine", bytes: r.bytes, seconds: Number(r.seconds.toFixed(4)), mbPerSec: Number(r.mbPerSec.toFixed(2)) }));
}
