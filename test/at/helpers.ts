// Test helpers for the AT layer: an event recorder, chunked feeding, a test borrower, and a rig (test HAL + scheduler + engine + fake modem).
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { ChunkPolicy } from "../../hal/host/paced-line";
import { Scheduler } from "../../firmware/core/sched";
import { AtParser, FinalKind, K_IPD, K_RECEIVE, K_RXGET, ParserSink } from "../../firmware/at/parser";
import { AtEngine, Borrower, EngineListener, EngineOptions } from "../../firmware/at/engine";
import { AtCommand, AtResult } from "../../firmware/at/command";
import { FakeModem } from "./fake-modem";

/** Printable form of an 8-bit string: \r \n \\ and non-printable bytes as \xNN. */
export function esc(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13) out += "\\r";
    else if (c === 10) out += "\\n";
    else if (c === 92) out += "\\\\";
    else if (c < 32 || c > 126) out += "\\x" + (c < 16 ? "0" : "") + c.toString(16);
    else out += s[i];
  }
  return out;
}

export function kindName(k: number): string {
  return k === K_IPD ? "ipd" : k === K_RECEIVE ? "receive" : k === K_RXGET ? "rxget" : "kind" + k;
}

export interface Payload {
  kind: string;
  link: number;
  rest: number;
  remote: string;
  data: string;
}

/**
 * Records parser and engine events as strings. Data-mode bytes are merged (their split depends on
 * chunking; their concatenation must not), so two logs of one stream compare equal.
 */
export class EventLog implements ParserSink, EngineListener {
  readonly events: string[] = [];
  /** Payloads as delivered. */
  readonly payloads: Payload[] = [];
  private dataAcc = "";
  /** Called on `prompt` (parser tests re-arm here) and `connect` (may switch data mode). */
  onPrompt: (() => void) | undefined;
  onConnect: ((text: string) => void) | undefined;

  private flushData(): void {
    if (this.dataAcc) {
      this.events.push("data " + esc(this.dataAcc));
      this.dataAcc = "";
    }
  }
  private push(e: string): void {
    this.flushData();
    this.events.push(e);
  }
  line(text: string): void {
    this.push("line " + esc(text));
  }
  final(kind: FinalKind, info: string): void {
    this.push("final " + kind + (info ? " " + esc(info) : ""));
  }
  echo(text: string): void {
    this.push("echo " + esc(text));
  }
  prompt(): void {
    this.push("prompt");
    if (this.onPrompt) this.onPrompt();
  }
  connect(text: string): void {
    this.push("connect " + text);
    if (this.onConnect) this.onConnect(text);
  }
  payload(kind: number, link: number, data: string, rest: number, remote: string): void {
    const p = { kind: kindName(kind), link, rest, remote, data };
    this.payloads.push(p);
    this.push("payload " + p.kind + " link=" + link + " len=" + data.length + " rest=" + rest + (remote ? " from=" + remote : "") + " " + esc(data));
  }
  /** Parser: badRead(why); engine: badRead(link, why). */
  badRead(a: string | number, why?: string): void {
    this.push(typeof a === "number" ? "badRead " + a + " " + why : "badRead " + a);
  }
  data(bytes: string): void {
    this.dataAcc += bytes;
  }
  overflow(): void {
    this.push("overflow");
  }
  timeout(consecutive: number, request: string): void {
    this.push("timeout " + consecutive + " " + request);
  }
  stall(consecutive: number): void {
    this.push("stall " + consecutive);
  }
  urc(line: string): void {
    this.push("urc " + esc(line));
  }
  /** Events so far, with pending data flushed. */
  all(): string[] {
    this.flushData();
    return this.events;
  }
}

/** A parser with a recording sink; with `armPrompt` the prompt is armed, and re-armed after each prompt. */
export function parserWithLog(maxLine: number, armPrompt: boolean, maxPayload?: number): { parser: AtParser; log: EventLog } {
  const log = new EventLog();
  const parser = new AtParser(maxLine, maxPayload || 8192, log);
  if (armPrompt) {
    parser.prompt = true;
    log.onPrompt = () => {
      parser.prompt = true;
    };
  }
  return { parser, log };
}

/** Feed `stream` cut at the given sorted positions. */
export function feedCuts(parser: AtParser, stream: string, cuts: number[]): void {
  let from = 0;
  for (let i = 0; i < cuts.length; i++) {
    const at = cuts[i];
    if (at > from && at < stream.length) {
      parser.feed(stream.substring(from, at));
      from = at;
    }
  }
  if (from < stream.length) parser.feed(stream.substring(from));
}

/** Every position inside `s` (1-byte chunks). */
export function everyCut(s: string): number[] {
  const out: number[] = [];
  for (let i = 1; i < s.length; i++) out.push(i);
  return out;
}

/** A data-mode borrower that records what it got and how often the engine asked for the line. */
export class TestBorrower implements Borrower {
  got = "";
  wants = 0;
  /** Called on wantLine (e.g. to escape and give the line back). */
  onWant: (() => void) | undefined;
  /** Called on each data chunk. */
  onData: ((bytes: string) => void) | undefined;
  data(bytes: string): void {
    this.got += bytes;
    if (this.onData) this.onData(bytes);
  }
  wantLine(): void {
    this.wants++;
    if (this.onWant) this.onWant();
  }
}

/** The engine options the driver uses (firmware/app/modem.ts), for tests to override. */
export const ENGINE_DEFAULTS: EngineOptions = { maxLine: 256, maxPayload: 1500, queue: 8, maxLines: 16, promptMs: 5000, probeMs: 1000, stallAfter: 3 };

export interface Box {
  result: AtResult | undefined;
  accepted: boolean;
  /** Virtual time the result arrived. */
  at: number;
}

export interface Rig {
  hal: TestHal;
  sched: Scheduler;
  engine: AtEngine;
  modem: FakeModem;
  log: EventLog;
  /** Submit and capture the result (undefined until done). */
  submit(cmd: AtCommand): Box;
  /** Advance virtual time. */
  run(ms: number): void;
}

export interface RigOptions {
  engine?: Partial<EngineOptions>;
  toHostChunk?: number | ChunkPolicy;
  /** Modem echo on (the module's power-up default). */
  echo?: boolean;
  /** Line rate of both ends (default 115200). */
  baud?: number;
}

/** Test HAL + scheduler + engine (started) + fake modem; lines no URC prefix claims are logged as "urc …". */
export function makeRig(options?: RigOptions): Rig {
  const o = options || {};
  const baud = o.baud || 115200;
  const hal = createTestHal({ toHostChunk: o.toHostChunk || 64, baud });
  hal.uart.setup(baud);
  const sched = new Scheduler(hal.clock, 16, 20);
  const log = new EventLog();
  const engine = new AtEngine(hal.uart, sched, Object.assign({}, ENGINE_DEFAULTS, o.engine || {}), log);
  engine.setBaud(baud);
  engine.onUrc("", (line) => log.urc(line));
  engine.start();
  const modem = new FakeModem(hal);
  modem.echo = !!o.echo;
  return {
    hal,
    sched,
    engine,
    modem,
    log,
    submit(cmd: AtCommand) {
      const box: Box = { result: undefined, accepted: false, at: -1 };
      box.accepted = engine.submit(cmd, (r) => {
        box.result = r;
        box.at = hal.clock.now();
      });
      return box;
    },
    run(ms: number) {
      hal.clock.advance(ms);
    },
  };
}

/** The error kind of a finished command ("" on success, "pending" before it finished). */
export function kindOf(b: Box): string {
  if (!b.result) return "pending";
  return b.result.error ? b.result.error.kind : "";
}
