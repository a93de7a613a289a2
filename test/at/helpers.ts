// Test helpers for the AT engine: an event recorder, chunked feeding, and a rig (test HAL + scheduler + engine + fake modem).
import { nodeCodec } from "../../hal/host/codec";
import { createTestHal, TestHal } from "../../hal/host/test-hal";
import { ChunkPolicy } from "../../hal/host/paced-line";
import { Scheduler, defaultSchedulerOptions } from "../../firmware/core/scheduler";
import { AtParser, AtParserSink, FinalKind, PayloadKind } from "../../firmware/at/parser";
import { AtEngine, AtEngineListener, AtEngineOptions, defaultAtEngineOptions } from "../../firmware/at/engine";
import { AtCommand, AtResult } from "../../firmware/at/command";
import { FakeModem } from "./fake-modem";

/** Printable form of an 8-bit string: \r \n and non-printable bytes escaped. */
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

/**
 * Records parser/engine events as strings. Payload and data pieces are merged (their split depends
 * on chunking; their concatenation must not), so two logs of one stream compare equal.
 */
export class EventLog implements AtParserSink, AtEngineListener {
  readonly events: string[] = [];
  /** Payloads as delivered: kind, link, length, rest, remote and the bytes. */
  readonly payloads: Array<{ kind: PayloadKind; link: number; length: number; rest: number; remote: string; data: string }> = [];
  private open: { kind: PayloadKind; link: number; length: number; rest: number; remote: string; data: string } | undefined;
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
  closed(): void {
    this.push("closed");
  }
  payloadStart(kind: PayloadKind, link: number, length: number, rest: number, remote: string): void {
    this.flushData();
    this.open = { kind, link, length, rest, remote, data: "" };
  }
  payloadData(kind: PayloadKind, link: number, data: string): void {
    if (!this.open) throw new Error("payloadData outside a payload");
    if (this.open.kind !== kind || this.open.link !== link) throw new Error("payloadData kind/link mismatch");
    this.open.data += data;
  }
  payloadEnd(kind: PayloadKind, link: number): void {
    const p = this.open;
    if (!p) throw new Error("payloadEnd outside a payload");
    if (p.data.length !== p.length) throw new Error("payload length " + p.data.length + " != announced " + p.length);
    this.open = undefined;
    this.payloads.push(p);
    this.events.push("payload " + kind + " link=" + link + " len=" + p.length + " rest=" + p.rest + (p.remote ? " from=" + p.remote : "") + " " + esc(p.data));
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

/** A parser with a recording sink; the prompt is re-armed after each prompt. */
export function parserWithLog(ringBytes: number, armPrompt: boolean): { parser: AtParser; log: EventLog } {
  const log = new EventLog();
  const parser = new AtParser({ ringBytes, maxPayloadBytes: 8192 }, nodeCodec, log);
  if (armPrompt) {
    parser.armPrompt(true);
    log.onPrompt = () => parser.armPrompt(true);
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

export interface Rig {
  hal: TestHal;
  sched: Scheduler;
  engine: AtEngine;
  modem: FakeModem;
  log: EventLog;
  /** Submit and capture the result (undefined until done). */
  submit(cmd: AtCommand): { result: AtResult | undefined; accepted: boolean };
  /** Advance virtual time. */
  run(ms: number): void;
}

export interface RigOptions {
  engine?: Partial<AtEngineOptions>;
  toHostChunk?: number | ChunkPolicy;
  /** Modem echo on (the module's power-up default). */
  echo?: boolean;
}

/** Test HAL + scheduler + engine (started) + fake modem; unknown URCs are logged as "urc …". */
export function makeRig(options?: RigOptions): Rig {
  const o = options || {};
  const hal = createTestHal({ toHostChunk: o.toHostChunk || 64 });
  hal.uart.setup(115200);
  const sched = new Scheduler(hal.clock, defaultSchedulerOptions);
  const log = new EventLog();
  const engine = new AtEngine(hal.uart, hal.codec, sched, Object.assign({}, defaultAtEngineOptions, o.engine || {}), log);
  engine.setDefaultUrc((line) => log.urc(line));
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
      const box: { result: AtResult | undefined; accepted: boolean } = { result: undefined, accepted: false };
      box.accepted = engine.submit(cmd, (r) => {
        box.result = r;
      });
      return box;
    },
    run(ms: number) {
      hal.clock.advance(ms);
    },
  };
}
