// Engine fuzz (issue 16): a scripted in-order module answers each command late, never, twice or garbled; no command may ever complete with another command's answer.
//
// One case = one seed: a random line rate, chunking, engine options, a list of commands with
// distinct answers (`AT+Xn` → `+Xn: <token>` then OK; sends `AT+Sn=<len>` → prompt, payload, OK
// and `+Sn: <token>`), a fault and delay per command and per probe, URC noise, and submission
// times. Everything runs on the virtual clock. The module tags every byte it sends with the
// command it answers, and the test feeds the engine through a UART wrapper that knows which bytes
// are being parsed when a command completes, so a completion is attributed exactly.
//
// Verdict per command: completed exactly once (if accepted), and either with an error the driver
// made (timeout, stalled, reset, badRead), or on bytes of its own answer with lines/async that are
// part of its own answer (garbled or not). Anything else is a failure, described with the seed.
import { createTestHal } from "../../hal/host/test-hal";
import { Uart } from "../../firmware/core/hal";
import { Scheduler } from "../../firmware/core/sched";
import { AtEngine, EngineListener, EngineOptions } from "../../firmware/at/engine";
import { AtCommand, AtResult } from "../../firmware/at/command";
import { makeTracer } from "../../firmware/core/trace";
import { Fault, Plan, Reply, Rng, ScriptedModule, TAG_NOISE, TAG_PROBE } from "./scripted-module";

const PROBE_ANSWERS: { [req: string]: string } = {
  "AT+CMEE?": "\r\n+CMEE: 1\r\n\r\nOK\r\n",
  "AT+CIPHEAD?": "\r\n+CIPHEAD: 0\r\n\r\nOK\r\n",
  "AT+CIPSRIP?": "\r\n+CIPSRIP: 0\r\n\r\nOK\r\n",
  "AT+CIPMODE?": "\r\n+CIPMODE: 0\r\n\r\nOK\r\n",
};

interface Cmd {
  id: number;
  cmd: AtCommand;
  /** Submitted at this virtual time. */
  at: number;
  reply: Reply;
  plan: Plan;
  accepted?: boolean;
  results: Array<{ r: AtResult; t: number; lo: number; hi: number }>;
}

export interface CaseReport {
  seed: number;
  failures: string[];
  /** Counts: faults planned ("fault late"…), outcomes (ok, own error, driver errors by kind). */
  outcomes: { [k: string]: number };
  /** What the case was, for a failure report. */
  describe(): string;
}

const DRIVER_ERRORS = ["timeout", "stalled", "reset", "badRead"];

function weighted<T>(rng: Rng, table: Array<[T, number]>): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let x = rng.next() * total;
  for (const [v, w] of table) {
    if ((x -= w) < 0) return v;
  }
  return table[table.length - 1][0];
}

function planFor(rng: Rng, fault: Fault, deadline: number): Plan {
  switch (fault) {
    case "slow":
      return { fault, delay: Math.floor(deadline * (0.3 + 0.5 * rng.next())) };
    case "late":
      return { fault, delay: Math.floor(deadline * (1.05 + 1.5 * rng.next())) };
    case "never":
      return { fault, delay: Math.floor(deadline * 1.5 * rng.next()) };
    default:
      return { fault, delay: rng.int(1, 40) };
  }
}

function token(rng: Rng): string {
  const a = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  let s = "";
  const n = rng.int(4, 12);
  for (let i = 0; i < n; i++) s += a.charAt(rng.int(0, a.length - 1));
  return s;
}

/**
 * Command mixes. "firmware" (the default, in `make test` and `make fuzz`): the kinds whose answers
 * the engine can attribute — queries that `need` their own information line, and sends (prompt,
 * payload, then an async result whose prefix is shared by every send on the link, as
 * `+CIPSEND: <l>,` is). "all" adds kinds whose answers carry nothing that says whose they are:
 * plain commands (OK is the whole answer), queries without `need`, and `need` queries sharing one
 * prefix per link (as `AT+CIPRXGET=4,<l>` does). A repeated answer arriving after the next request
 * has left the wire can complete those; `FUZZ_MIX=all make fuzz` measures how often.
 */
export type Mix = "firmware" | "all";

export function runCase(seed: number, mix: Mix = "firmware"): CaseReport {
  const rng = new Rng(seed * 2654435761 + 12345);
  const baud = rng.pick([9600, 115200, 921600]);
  const split = rng.chance(0.5);
  const chunkMax = rng.pick([1, 8, 64, 256]);
  const hal = createTestHal({ baud, toHostChunk: () => rng.int(1, chunkMax), toModemChunk: () => rng.int(1, 16) });
  const opts: EngineOptions = {
    maxLine: 256,
    maxPayload: 1500,
    queue: 16,
    maxLines: 4,
    promptMs: rng.pick([500, 2000, 5000]),
    probeMs: rng.pick([300, 1000]),
    stallAfter: rng.int(2, 4),
  };
  const faults: Array<[Fault, number]> = [
    ["ok", 40],
    ["slow", 10],
    ["late", 15],
    ["never", 10],
    ["twice", 15],
    ["garbled", 10],
  ];
  const probeFaults: Array<[Fault, number]> = [
    ["ok", 60],
    ["slow", 10],
    ["late", 10],
    ["never", 5],
    ["twice", 10],
    ["garbled", 5],
  ];

  // The commands.
  const cmds: Cmd[] = [];
  const byRequest = new Map<string, Cmd>();
  const n = rng.int(4, 14);
  const links = rng.int(1, 3);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const timeout = rng.int(200, 3000);
    const tok = token(rng);
    const l = rng.int(0, links - 1);
    const kind = weighted(rng, mix === "all" ? [["x", 3], ["s", 3], ["q", 2], ["p", 2], ["n", 2]] : [["x", 3], ["s", 2]]);
    let cmd: AtCommand;
    let reply: Reply;
    if (kind === "s") {
      // A send; the async prefix is shared by every send on its link (as +CIPSEND: <l>, is).
      const len = rng.int(1, 8);
      const data = token(rng).substr(0, len).padEnd(len, "z");
      cmd = { request: "AT+S" + i + "=" + l + "," + len, timeout, payload: data, async: "+SND: " + l + "," };
      reply = { text: "\r\nOK\r\n\r\n+SND: " + l + "," + tok + "\r\n", tag: i, payload: len };
    } else if (kind === "q") {
      // A query whose answer line's prefix is shared by every query on its link (as +CIPRXGET: 4,<l>, is).
      cmd = { request: "AT+Q" + i + "=" + l, timeout, match: "+Q: " + l + ",", need: true };
      reply = { text: "\r\n+Q: " + l + "," + tok + "\r\n\r\nOK\r\n", tag: i };
    } else if (kind === "p") {
      // A plain command: OK is its whole answer.
      cmd = { request: "AT+P" + i, timeout };
      reply = { text: "\r\nOK\r\n", tag: i };
    } else {
      // Its own information line; "n" commands do not say they need it.
      cmd = { request: "AT+" + (kind === "n" ? "N" : "X") + i, timeout, match: "+" + (kind === "n" ? "N" : "X") + i + ":", need: kind === "x" };
      reply = { text: "\r\n+" + (kind === "n" ? "N" : "X") + i + ": " + tok + "\r\n\r\nOK\r\n", tag: i };
    }
    const fault = weighted(rng, faults);
    const plan = planFor(rng, fault, cmd.payload !== undefined ? opts.promptMs : timeout);
    if (i > 0 && !rng.chance(0.5)) t += rng.int(0, 3000);
    const c: Cmd = { id: i, cmd, at: t, reply, plan, results: [] };
    cmds.push(c);
    byRequest.set(cmd.request, c);
  }
  const probePlans: string[] = [];
  const module = new ScriptedModule(
    hal,
    rng,
    (line) => {
      const c = byRequest.get(line);
      if (c) return c.reply;
      const p = PROBE_ANSWERS[line];
      if (p) return { text: p, tag: TAG_PROBE };
      return { text: "\r\nERROR\r\n", tag: TAG_NOISE };
    },
    (line) => {
      const c = byRequest.get(line);
      if (c) return c.plan;
      const p = planFor(rng, weighted(rng, probeFaults), opts.probeMs);
      probePlans.push(line + ":" + p.fault + "/" + p.delay);
      return p;
    },
  );

  // The UART as the engine sees it: every byte's position in the module's output is known while it is parsed.
  let off = 0;
  let received = "";
  let lo = -1;
  let hi = -1;
  const uart: Uart = {
    setup: (b) => hal.uart.setup(b),
    write: (d) => hal.uart.write(d),
    close: () => hal.uart.close(),
    onData: (h) =>
      hal.uart.onData((chunk) => {
        received += chunk;
        if (split) {
          for (let i = 0; i < chunk.length; i++) {
            lo = off;
            hi = ++off;
            h(chunk.charAt(i));
          }
        } else {
          lo = off;
          off += chunk.length;
          hi = off;
          h(chunk);
        }
        lo = hi = -1;
      }),
  };
  uart.setup(baud);
  const sched = new Scheduler(hal.clock, 16, 20);
  const failures: string[] = [];
  sched.onError = (e) => failures.push("scheduler caught: " + String(e));
  let stalls = 0;
  let engine: AtEngine;
  const listener: EngineListener = {
    payload: (k, link, data) => failures.push("unexpected payload " + k + "," + link + " " + JSON.stringify(data)),
    data: (d) => failures.push("unexpected data-mode bytes " + JSON.stringify(d)),
    timeout: () => undefined,
    stall: () => {
      stalls++;
      // What the supervisor does: power-cycle the module, then reset the engine.
      sched.after(10, () => {
        module.powerCut();
        engine.reset();
      });
    },
  };
  engine = new AtEngine(uart, sched, opts, listener);
  engine.setBaud(baud);
  engine.start();
  if (process.env.FUZZ_TRACE) engine.trace = makeTracer(() => hal.clock.now(), (l) => console.log(l));

  // URC noise at random times.
  const noise = rng.int(0, 3);
  for (let i = 0; i < noise; i++) {
    const at = rng.int(0, t + 3000);
    const text = "\r\n+CREG: 0," + rng.int(0, 5) + "\r\n";
    hal.clock.setTimeout(() => module.write(text, TAG_NOISE), at);
  }
  for (const c of cmds) {
    hal.clock.setTimeout(() => {
      c.accepted = engine.submit(c.cmd, (r) => {
        c.results.push({ r, t: hal.clock.now(), lo, hi });
      });
    }, c.at);
  }
  const allDone = () => cmds.every((c) => c.accepted !== undefined && (!c.accepted || c.results.length > 0));
  hal.clock.runUntil(allDone, t + 600000);
  hal.clock.advance(30000); // late answers and second completions, if any, show up here

  const outcomes: { [k: string]: number } = {};
  for (const c of cmds) outcomes["fault " + c.plan.fault] = (outcomes["fault " + c.plan.fault] || 0) + 1;
  for (const c of cmds) {
    const name = "#" + c.id + " " + c.cmd.request + " (" + c.plan.fault + ")";
    if (c.accepted === undefined) {
      failures.push(name + ": never submitted");
      continue;
    }
    if (!c.accepted) {
      outcomes.refused = (outcomes.refused || 0) + 1;
      continue;
    }
    if (c.results.length !== 1) {
      failures.push(name + ": completed " + c.results.length + " times");
      if (!c.results.length) continue;
    }
    const { r, lo: a, hi: b } = c.results[0];
    const e = r.error;
    const own = (s: string) => (module.sent.get(c.id) || []).some((w) => w.indexOf(s) >= 0);
    if (e && DRIVER_ERRORS.indexOf(e.kind) >= 0) {
      outcomes[e.kind] = (outcomes[e.kind] || 0) + 1;
    } else {
      // Completed on something the module sent: it must be this command's own bytes.
      outcomes[e ? "own " + e.kind : "ok"] = (outcomes[e ? "own " + e.kind : "ok"] || 0) + 1;
      if (a < 0) failures.push(name + ": completed (" + JSON.stringify(r) + ") outside any received bytes");
      else {
        // The bytes parsed when it completed are its own, or end a line of its own (a garbled line
        // end makes the next line end, whoever sent it, end its line).
        const tags = module.tags.slice(a, b);
        const endsOwnLine = "\r\n".indexOf(received.charAt(a)) >= 0 && module.tags[a - 1] === c.id;
        if (tags.indexOf(c.id) < 0 && !endsOwnLine) {
          failures.push(name + ": completed (" + JSON.stringify(r) + ") on bytes " + a + ".." + b + " tagged " + JSON.stringify(tags) + ", not its own answer");
        }
      }
    }
    for (const l of r.lines) if (!own(l)) failures.push(name + ": line " + JSON.stringify(l) + " is not part of its own answer");
    if (r.async && !own(r.async)) failures.push(name + ": async " + JSON.stringify(r.async) + " is not part of its own answer");
    if (!e && c.cmd.match !== undefined && c.cmd.need && r.lines.length === 0) failures.push(name + ": need command succeeded without its line");
    if (!e && c.cmd.async && !r.async) failures.push(name + ": async command succeeded without its completion");
  }
  if (sched.armed > 0) failures.push("timers left armed: " + sched.armed);

  return {
    seed,
    failures,
    outcomes,
    describe() {
      const lines = ["seed " + seed + ": baud " + baud + (split ? ", per-byte attribution" : ", chunks 1.." + chunkMax) + ", engine " + JSON.stringify(opts) + ", stalls " + stalls];
      for (const c of cmds) {
        lines.push(
          "  #" + c.id + " t=" + c.at + " " + JSON.stringify(c.cmd) + " plan " + c.plan.fault + "/" + c.plan.delay + " -> " + c.results.map((x) => "t=" + x.t + " " + JSON.stringify(x.r)).join(" | "),
        );
      }
      lines.push("  probes: " + probePlans.join(", "));
      lines.push("  module took: " + JSON.stringify(module.commands));
      lines.push("  host wrote: " + JSON.stringify(hal.wire.hostWritten()));
      return lines.join("\n");
    },
  };
}

/** Run `count` cases from `first`; returns the failing reports and the outcome totals. */
export function runMany(first: number, count: number, mix: Mix = "firmware"): { failed: CaseReport[]; totals: { [k: string]: number } } {
  const failed: CaseReport[] = [];
  const totals: { [k: string]: number } = {};
  for (let s = first; s < first + count; s++) {
    const rep = runCase(s, mix);
    for (const k of Object.keys(rep.outcomes)) totals[k] = (totals[k] || 0) + rep.outcomes[k];
    if (rep.failures.length) failed.push(rep);
  }
  return { failed, totals };
}
