// Optional part "tools": board bring-up from the REPL — a step-by-step diagnosis, raw AT commands, a console↔modem passthrough, a status print.
//
// Install with `parts: [tools]`; it adds modem.diagnose(opts?, done?), modem.at(request, done?),
// modem.passthrough(escape?, done?) and modem.printStatus(). Every helper prints through the
// HAL's log (console.log on a board), one line at a time as things happen, and never throws.
// The diagnosis prints `PASS|FAIL|SKIP  <step>: <detail> — <what to check>` per step, progress
// while it waits for the network, and ends with "diagnosis: N passed, N failed, N skipped".
import type { Borrower } from "../at/engine";
import { AtResult, printable } from "../at/command";
import type { Modem, Part, PartContext } from "../app/modem";
import type { ModemError } from "../modem/errors";

export interface DiagnoseOptions {
  /** Host and port for the TCP round trip (skipped without them). */
  host?: string;
  port?: number;
  /** Bytes sent after connecting; the step waits for an answer (an echo server's). */
  send?: string;
  /** Name for the DNS step (default: the host when it is a name, else "example.com"). */
  dnsName?: string;
  /** Longest wait for the modem to come online, ms (default 180000). */
  onlineTimeoutMs?: number;
  /** Longest wait for the TCP step, ms (default 20000). */
  tcpTimeoutMs?: number;
}

export interface DiagnoseResult {
  passed: number;
  failed: number;
  skipped: number;
  lines: string[];
}

type Print = (line: string) => void;

/** What to check for each failure kind of the lifecycle, most likely cause first. */
function advice(kind: string, text: string): string {
  switch (kind) {
    case "power": return " — no answer: check the modem's supply (2 A peaks) and ground first, then TX/RX not swapped, the PWRKEY wiring and its level, the UART pins";
    case "sim-missing": return " — insert the SIM (contacts down) with the module off";
    case "sim-pin": return ' — the SIM is locked: pass {pin: "1234"}, or remove the PIN with a phone';
    case "sim": return " — the SIM never became ready: reseat it, try it in a phone";
    case "registration": return text.indexOf("denied") >= 0 ? " — denied: the SIM's plan or the radio technology (LTE-M/NB/Cat-1) is not allowed on this network" : " — still searching: antenna connected? coverage? bands of your module vs. the network";
    case "apn": return " — the APN was refused: check the APN (and user/password) from your operator";
    case "netopen": return " — the data network did not open: wrong APN, or no data plan";
    case "gave-up": return " — the module keeps failing: power-cycle it, check the supply";
    default: return "";
  }
}

function diagnose(m: Modem, opts: DiagnoseOptions, print: Print, done?: (r: DiagnoseResult) => void): void {
  const res: DiagnoseResult = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const sched = m.sched;
  const step = function (kind: string, name: string, detail: string): void {
    if (kind === "PASS") res.passed++;
    else if (kind === "FAIL") res.failed++;
    else res.skipped++;
    const line = kind + "  " + name + ": " + detail;
    res.lines.push(line);
    print(line);
  };
  const finish = function (): void {
    print("diagnosis: " + res.passed + " passed, " + res.failed + " failed, " + res.skipped + " skipped");
    if (done) done(res);
  };

  const tcp = function (): void {
    const host = opts.host;
    const port = opts.port;
    if (!host || !port) {
      step("SKIP", "TCP round trip", "give {host, port} to test one");
      return finish();
    }
    const t0 = sched.now();
    let tc = -1;
    let got = 0;
    let settled = false;
    const s = m.connect(host, port);
    const limit = opts.tcpTimeoutMs || 20000;
    const settle = function (ok: boolean, detail: string): void {
      if (settled) return;
      settled = true;
      sched.cancel(timer);
      step(ok ? "PASS" : "FAIL", "TCP round trip to " + host + ":" + port, detail);
      if (s.state !== "closed") s.destroy();
      finish();
    };
    const timer = sched.after(limit, function () {
      if (tc < 0) settle(false, "no connection within " + limit + " ms — is the server reachable from the mobile network (not a LAN address)?");
      else settle(true, "connected in " + Math.round(tc - t0) + " ms, no answer to the probe");
    });
    s.on("connect", function () {
      tc = sched.now();
      if (opts.send) s.write(opts.send);
      else settle(true, "connected in " + Math.round(tc - t0) + " ms");
    });
    s.on("data", function (d: string) {
      got += d.length;
      if (opts.send && got >= opts.send.length) settle(true, "connected in " + Math.round(tc - t0) + " ms, " + got + " bytes back after " + Math.round(sched.now() - tc) + " ms");
    });
    s.on("error", function (e: { code: number; text: string }) {
      settle(false, e.text + (e.code >= 0 ? " (code " + e.code + ")" : ""));
    });
    s.on("close", function () {
      if (tc < 0) settle(false, "closed before connecting");
      else if (opts.send) settle(got > 0, got > 0 ? "answered " + got + " bytes, then closed" : "closed by the server without an answer");
    });
  };

  const report = function (): void {
    const st = m.status();
    const e = st.lastError as ModemError | null;
    const ek = e ? e.kind : "";
    const et = e ? e.text : "";
    if (st.powered) step("PASS", "module answers", "at " + st.baud + " baud" + (st.foundAtBaud ? " (found at " + st.foundAtBaud + " baud)" : ""));
    else step("FAIL", "module answers", (et || "not powered") + advice("power", ""));
    const simOk = st.sim === "READY";
    if (!st.powered) step("SKIP", "SIM", "the module does not answer");
    else if (simOk) step("PASS", "SIM", "ready");
    else step("FAIL", "SIM", st.sim + advice(ek, et));
    if (!simOk) step("SKIP", "signal", "needs a SIM");
    else if (st.signal && st.signal.dbm !== undefined) step("PASS", "signal", st.signal.dbm + " dBm (rssi " + st.signal.rssi + ")");
    else step("FAIL", "signal", "no reading (+CSQ: 99) — check the antenna");
    const reg = st.cereg === "home" || st.cereg === "roaming" || st.cgreg === "home" || st.cgreg === "roaming";
    if (!simOk) step("SKIP", "registration", "needs a SIM");
    else if (reg) step("PASS", "registration", "LTE " + st.cereg + ", packet " + st.cgreg + ", circuit " + st.creg);
    else step("FAIL", "registration", "LTE " + st.cereg + ", packet " + st.cgreg + advice("registration", ek === "registration" ? et : st.cereg));
    const apnBad = ek === "apn";
    if (!reg) step("SKIP", "APN", "needs registration");
    else if (apnBad) step("FAIL", "APN", JSON.stringify(m.options.apn) + ": " + et + advice("apn", ""));
    else step("PASS", "APN", m.options.apn ? JSON.stringify(m.options.apn) : "network default");
    if (!reg || apnBad) step("SKIP", "NETOPEN", "needs the PDP context");
    else if (st.online) step("PASS", "NETOPEN", "data network open");
    else step("FAIL", "NETOPEN", (et || "not open") + advice(ek === "gave-up" ? ek : "netopen", ""));
    if (!st.online) {
      step("SKIP", "IP address", "network not open");
      step("SKIP", "DNS lookup", "network not open");
      step("SKIP", "TCP round trip", "network not open");
      return finish();
    }
    step("PASS", "IP address", st.ip);
    const h = opts.host;
    const name = opts.dnsName || (h && /[A-Za-z]/.test(h) && h.indexOf(":") < 0 ? h : "example.com");
    const t0 = sched.now();
    m.resolve(name, function (err, ip) {
      if (err) step("FAIL", "DNS lookup of " + name, err.text + " — the network's DNS may be unreachable: check the APN");
      else step("PASS", "DNS lookup of " + name, ip + " in " + Math.round(sched.now() - t0) + " ms");
      tcp();
    });
  };

  if (m.isOnline()) return report();
  const limit = opts.onlineTimeoutMs || 180000;
  print("diagnosis: bringing the modem up (up to " + Math.round(limit / 1000) + " s)");
  let waiting = true;
  const onState = function (s: string): void {
    if (s === "failed") stop();
    else print("  " + s);
  };
  const onProgress = function (t: string): void {
    print("  " + t);
  };
  const stop = function (): void {
    if (!waiting) return;
    waiting = false;
    sched.cancel(timer);
    m.off("online", stop);
    m.off("state", onState);
    m.off("progress", onProgress);
    report();
  };
  const timer = sched.after(limit, stop);
  m.on("online", stop);
  m.on("state", onState);
  m.on("progress", onProgress);
  const state = m.status().state;
  if (state === "off" || state === "failed") m.start();
}

function atCommand(c: PartContext, request: string, print: Print, done?: (ok: boolean, lines: string[]) => void): void {
  if (typeof request !== "string" || !printable(request)) {
    print("at: the command must be printable ASCII without CR/LF");
    if (done) done(false, []);
    return;
  }
  const ok = c.engine.submit({ request: request, timeout: 10000, match: "" }, function (r: AtResult) {
    for (let i = 0; i < r.lines.length; i++) print(r.lines[i]);
    const e = r.error;
    print(e ? "ERROR (" + e.kind + (e.code >= 0 ? " " + e.code : "") + (e.text ? ": " + e.text : "") + ")" : "OK");
    if (done) done(!e, r.lines);
  });
  if (!ok) {
    print("at: the command queue is full or the modem is not answering; try again");
    if (done) done(false, []);
  }
}

/** Bridge the REPL console to the modem's UART (the engine lends the line) until `escape` (default Ctrl+], 0x1D). */
function passthrough(c: PartContext, escape: string | undefined, print: Print, done?: () => void): void {
  const port = c.hal.console;
  if (!port) {
    print("passthrough: this runtime has no console to bridge");
    if (done) done();
    return;
  }
  const esc = escape || "\x1d";
  const e = c.engine;
  const b: Borrower = {
    data: function (bytes: string) {
      port.write(bytes);
    },
    wantLine: function () {
      // the user holds the line; commands wait until the passthrough ends
    },
  };
  print("passthrough to the modem; type Ctrl+] (0x1D) to return");
  const start = function (): void {
    // A command of the driver's in flight keeps its answer: lend the line once it is done.
    if (e.busy()) {
      c.sched.after(20, start);
      return;
    }
    e.borrow(b);
    port.take(function (chunk: string) {
      const i = chunk.indexOf(esc);
      if (i < 0) return e.lineWrite(chunk);
      if (i > 0) e.lineWrite(chunk.substr(0, i));
      port.release();
      e.giveBack(true);
      print("passthrough ended");
      if (done) done();
    });
  };
  start();
}

function printStatus(m: Modem, print: Print): void {
  const st = m.status();
  print("state " + st.state + (st.online ? " (online, " + st.ip + ")" : "") + ", baud " + st.baud + ", data mode " + st.dataMode + (st.keptPowered ? ", kept powered: " + st.keptPowered : ""));
  print("SIM " + st.sim + ", signal " + (st.signal && st.signal.dbm !== undefined ? st.signal.dbm + " dBm" : "unknown") + ", registration LTE " + st.cereg + " / packet " + st.cgreg + " / circuit " + st.creg);
  const c = st.counters;
  print("reboots " + c.reboots + ", recoveries " + c.recoveries + ", resets " + c.resets + ", power cycles " + c.powerCycles + ", AT timeouts " + c.timeouts + ", resyncs " + c.resyncs);
  if (st.lastError) print("last error: " + st.lastError.kind + ": " + st.lastError.text + advice(st.lastError.kind, st.lastError.text));
  for (let i = 0; i < st.links.length; i++) print("link " + JSON.stringify(st.links[i]));
}

/**
 * The baud search the supervisor runs when the module does not answer at the configured rate:
 * probe `searchBauds` in order (two probes a rate: the first may land on bytes of the old rate);
 * on an answer, AT+IPR=<target> (it takes effect right after its OK) and confirm at the target,
 * keeping the found rate when the switch fails or `switchBaud` is off.
 */
export function baudSearch(c: PartContext, target: number, done: (foundAt: number) => void): void {
  const rates: number[] = c.opts.searchBauds;
  const sup = c.sup;
  const e = c.engine;
  let i = -1;
  let tries = 0;
  const probe = function (then: (ok: boolean) => void): void {
    const ok = e.submit({ request: "AT", timeout: c.opts.probeTimeoutMs }, function (r: AtResult) {
      if (r.error) e.reset();
      then(!r.error);
    });
    if (!ok) {
      e.reset();
      then(false);
    }
  };
  const next = function (): void {
    do i++;
    while (i < rates.length && rates[i] === target);
    if (i >= rates.length) {
      sup.setBaud(target);
      return done(0);
    }
    sup.setBaud(rates[i]);
    tries = 0;
    probe(answer);
  };
  const answer = function (ok: boolean): void {
    if (!ok) return ++tries < 2 ? probe(answer) : next();
    const found = rates[i];
    if (!c.opts.switchBaud) return done(found);
    e.submit({ request: "AT+IPR=" + target, timeout: 5000 }, function (r: AtResult) {
      if (r.error) return done(found);
      e.reset();
      sup.setBaud(target);
      probe(function (ok2: boolean) {
        if (!ok2) sup.setBaud(found);
        done(found);
      });
    });
  };
  next();
}

/** The part: `parts: [tools]`, then modem.diagnose(), modem.at(), modem.passthrough(), modem.printStatus(), and the baud search. */
export const tools: Part = {
  name: "tools",
  schema: "searchBauds=[115200,9600,57600,38400,19200,230400,460800,921600]:B;switchBaud=true:b",
  install: function (ctx: PartContext): void {
    ctx.sup.search = function (target: number, done: (foundAt: number) => void): void {
      baudSearch(ctx, target, done);
    };
    const m = ctx.modem as Modem & { [k: string]: unknown };
    const log = ctx.hal.log;
    const print: Print = log ? log : function (): void {};
    m.diagnose = function (opts?: DiagnoseOptions, done?: (r: DiagnoseResult) => void): void {
      diagnose(ctx.modem, opts || {}, print, done);
    };
    m.at = function (request: string, done?: (ok: boolean, lines: string[]) => void): void {
      atCommand(ctx, request, print, done);
    };
    m.passthrough = function (escape?: string, done?: () => void): void {
      passthrough(ctx, escape, print, done);
    };
    m.printStatus = function (): void {
      printStatus(ctx.modem, print);
    };
  },
};

/** The helpers the tools part adds to a Modem (for TypeScript users). */
export interface ToolsModem extends Modem {
  diagnose(opts?: DiagnoseOptions, done?: (r: DiagnoseResult) => void): void;
  at(request: string, done?: (ok: boolean, lines: string[]) => void): void;
  passthrough(escape?: string, done?: () => void): void;
  printStatus(): void;
}
