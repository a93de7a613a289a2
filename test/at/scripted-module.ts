// A scripted in-order module for engine fuzzing: reads its UART input only when idle, answers each command after a delay, late, never, twice or garbled, and tags every byte it sends.
//
// Like a real module it handles one command at a time: while it is busy, what the host sends waits
// in its input buffer (probes queue behind a slow command). A command is a line ended by CR; ESC
// clears the line being typed, and cancels a send waiting for its payload. Every byte written to
// the host carries a tag (the id of the command it answers, or a negative tag for probes and
// noise) so a test can tell whose answer completed a command.
import { TestHal } from "../../hal/host/test-hal";

export type Fault = "ok" | "slow" | "late" | "never" | "twice" | "garbled";

/** How the module treats one command: its delay and fault. */
export interface Plan {
  fault: Fault;
  /** Milliseconds from taking the command to answering (for "never": to moving on). */
  delay: number;
}

/** What the module answers to a command line: the reply, the tag its bytes carry, an optional payload to take first. */
export interface Reply {
  /** Bytes of the answer (after the payload, for a send). */
  text: string;
  tag: number;
  /** A send: the module prompts, then takes this many payload bytes before answering. */
  payload?: number;
}

/** Tags of bytes that answer no command of the test. */
export const TAG_PROBE = -1;
export const TAG_NOISE = -2;
export const TAG_PROMPT_BASE = -1000;

/** A small deterministic PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [a, b]. */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }
  pick<T>(xs: T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** `s` with 1..3 random bytes changed by one flipped bit. */
export function garble(s: string, rng: Rng): string {
  const a = s.split("");
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    const k = rng.int(0, a.length - 1);
    a[k] = String.fromCharCode(a[k].charCodeAt(0) ^ (1 << rng.int(0, 7)));
  }
  return a.join("");
}

export class ScriptedModule {
  /** Tag of every byte written to the host, in order (bytes dropped by a power cut are removed). */
  readonly tags: number[] = [];
  /** Everything sent per tag, each write as one string (for "is this line part of its own answer"). */
  readonly sent = new Map<number, string[]>();
  /** Command lines taken, in order. */
  readonly commands: string[] = [];
  /** Payloads taken after prompts. */
  readonly payloads: string[] = [];
  private input = "";
  private busy = false;
  private timers: unknown[] = [];
  /** A send waiting for its payload: bytes still to take, what it has, and the reply after it. */
  private want = 0;
  private got = "";
  private after: Reply | undefined = undefined;
  private afterPlan: Plan | undefined = undefined;
  private gen = 0;

  constructor(
    private hal: TestHal,
    private rng: Rng,
    /** The reply to a command line (undefined: the module ignores it, e.g. an empty line). */
    private reply: (line: string) => Reply | undefined,
    /** The plan for a command line. */
    private plan: (line: string, reply: Reply) => Plan,
  ) {
    hal.wire.modem.onData((chunk) => {
      this.input += chunk;
      this.pump();
    });
  }

  /** Write bytes tagged `tag` to the host. */
  write(data: string, tag: number): void {
    for (let i = 0; i < data.length; i++) this.tags.push(tag);
    let list = this.sent.get(tag);
    if (!list) this.sent.set(tag, (list = []));
    list.push(data);
    this.hal.wire.modem.write(data);
  }

  /** Power cut: forget input, the command in progress and everything not yet on the host's side. */
  powerCut(): void {
    this.gen++;
    for (const t of this.timers) this.hal.clock.clearTimeout(t);
    this.timers = [];
    this.input = "";
    this.busy = false;
    this.want = 0;
    this.after = undefined;
    const dropped = this.hal.wire.toHost.waiting();
    this.hal.wire.toHost.clear();
    this.tags.splice(this.tags.length - dropped, dropped);
  }

  private later(ms: number, fn: () => void): void {
    const g = this.gen;
    const h = this.hal.clock.setTimeout(() => {
      const i = this.timers.indexOf(h);
      if (i >= 0) this.timers.splice(i, 1);
      if (g === this.gen) fn();
    }, ms);
    this.timers.push(h);
  }

  private answer(r: Reply, p: Plan): void {
    if (p.fault === "never") return;
    if (p.fault === "garbled") {
      this.write(garble(r.text, this.rng), r.tag);
      return;
    }
    this.write(r.text, r.tag);
    if (p.fault === "twice") this.write(r.text, r.tag);
  }

  /** Take input while idle: payload bytes of a send, else command lines. */
  private pump(): void {
    while (!this.busy && this.input.length) {
      if (this.want > 0) {
        const c = this.input.charAt(0);
        this.input = this.input.substr(1);
        if (c === "\x1b") {
          // ESC cancels the send: nothing is sent, nothing answered.
          this.want = 0;
          this.after = undefined;
          continue;
        }
        this.got += c;
        if (--this.want === 0) {
          this.payloads.push(this.got);
          const r = this.after as Reply;
          const p = this.afterPlan as Plan;
          this.after = undefined;
          this.answer(r, { fault: p.fault === "never" ? "ok" : p.fault, delay: 0 });
        }
        continue;
      }
      const esc = this.input.lastIndexOf("\x1b", this.input.indexOf("\r") < 0 ? this.input.length : this.input.indexOf("\r"));
      if (esc >= 0) {
        // ESC on the command line discards what was typed before it.
        this.input = this.input.substr(esc + 1);
        continue;
      }
      const cr = this.input.indexOf("\r");
      if (cr < 0) return;
      const line = this.input.substr(0, cr);
      this.input = this.input.substr(cr + 1);
      if (line === "") continue;
      this.commands.push(line);
      const r = this.reply(line);
      if (!r) continue;
      const p = this.plan(line, r);
      this.busy = true;
      this.later(p.delay, () => {
        this.busy = false;
        if (r.payload !== undefined) {
          // A send: the fault applies to the prompt; the answer after the payload comes at once.
          if (p.fault !== "never") {
            this.write("\r\n> ", TAG_PROMPT_BASE - r.tag);
            this.want = r.payload;
            this.got = "";
            this.after = r;
            this.afterPlan = p;
          }
        } else {
          this.answer(r, p);
        }
        this.pump();
      });
    }
  }
}
