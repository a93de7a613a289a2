// Board bring-up helpers for the REPL: a one-call diagnosis, raw AT commands, a console↔modem passthrough, status.
//
// Every helper prints through the `print` function it is given (console.log on the board) and
// reports through an optional callback; none throws. The diagnosis prints one line per step:
//   PASS|FAIL|SKIP  <step>: <detail>[ — <what to check>]
// and ends with "diagnosis: N passed, N failed, N skipped".
import { ConsolePort } from "../core/hal";
import { ModemError } from "../modem/errors";
import type { Modem } from "./modem";
import type { Socket } from "./sockets";

export interface DiagnoseOptions {
  /** Host and port for the TCP round trip (skipped when absent). */
  host?: string;
  port?: number;
  /** Bytes sent after connecting; the step waits for any answer (an echo server answers them). "" = connect only. */
  send?: string;
  /** Name for the DNS step (default: `host` when it is a name, else "example.com"). */
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
  /** Every printed step line, in order. */
  lines: string[];
}

type Print = (line: string) => void;

/** What to check for each failure kind of the lifecycle (README: bring-up guide). */
function advice(e: ModemError | null): string {
  if (!e) return "";
  switch (e.kind) {
    case "power": return " — no answer at any baud: check the modem's supply (2 A peaks), PWRKEY wiring and level, TX/RX not swapped, common ground";
    case "sim-missing": return " — SIM not inserted: insert it (contacts down) with the module off";
    case "sim-pin": return " — the SIM is locked: pass {pin: \"1234\"} or remove the PIN with a phone";
    case "sim": return " — the SIM never became ready: reseat it, check it in a phone";
    case "registration": return e.text.indexOf("denied") >= 0 ? " — denied: the SIM's plan or the radio technology (LTE-M/NB/Cat-1) is not allowed on this network" : " — still searching: check the antenna and coverage";
    case "apn": return " — the APN was refused: check the APN (and user/password) from your operator";
    case "netopen": return " — the data network did not open: wrong APN, or no data plan";
    case "gave-up": return " — the module keeps failing: power-cycle it and check the supply";
    default: return "";
  }
}

function isName(h: string): boolean {
  return /[A-Za-z]/.test(h) && h.indexOf(":") < 0;
}

/**
 * Run the diagnosis: starts the modem when it is off or failed, waits for online (or failure), then
 * reports power/baud, SIM, signal (dBm), registration, APN, NETOPEN, IP, a DNS lookup and a TCP round
 * trip. `done` receives the counts and lines.
 */
export function diagnose(modem: Modem, opts: DiagnoseOptions, print: Print, done?: (r: DiagnoseResult) => void): void {
  const res: DiagnoseResult = { passed: 0, failed: 0, skipped: 0, lines: [] };
  const sched = modem.sched;
  const step = (kind: "PASS" | "FAIL" | "SKIP", name: string, detail: string) => {
    if (kind === "PASS") res.passed++;
    else if (kind === "FAIL") res.failed++;
    else res.skipped++;
    const line = kind + "  " + name + ": " + detail;
    res.lines.push(line);
    print(line);
  };
  const finish = () => {
    print("diagnosis: " + res.passed + " passed, " + res.failed + " failed, " + res.skipped + " skipped");
    if (done) done(res);
  };

  const tcpStep = () => {
    const host = opts.host;
    const port = opts.port;
    if (!host || !port) {
      step("SKIP", "TCP round trip", "give {host, port} to test one");
      finish();
      return;
    }
    const t0 = sched.now();
    let tConnect = -1;
    let got = 0;
    let settled = false;
    const sock: Socket = modem.connect(host, port);
    const settle = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      sched.clearTimer(timer);
      step(ok ? "PASS" : "FAIL", "TCP round trip to " + host + ":" + port, detail);
      if (sock.state !== "closed") sock.end();
      finish();
    };
    const timer = sched.setTimer(opts.tcpTimeoutMs || 20000, () => {
      if (tConnect < 0) settle(false, "no connection within " + (opts.tcpTimeoutMs || 20000) + " ms — is the server reachable from the mobile network?");
      else settle(true, "connected in " + Math.round(tConnect - t0) + " ms, no answer to the probe");
    });
    sock.on("connect", () => {
      tConnect = sched.now();
      if (opts.send) sock.write(opts.send);
      else settle(true, "connected in " + Math.round(tConnect - t0) + " ms");
    });
    sock.on("data", (d: string) => {
      got += d.length;
      if (opts.send && got >= opts.send.length) {
        settle(true, "connected in " + Math.round(tConnect - t0) + " ms, " + got + " bytes back after " + Math.round(sched.now() - tConnect) + " ms");
      }
    });
    sock.on("error", (e: { kind: string; code: number; text: string }) => settle(false, e.text + (e.code >= 0 ? " (code " + e.code + ")" : "")));
    sock.on("close", () => {
      if (tConnect < 0) settle(false, "closed before connecting");
      else if (opts.send) settle(got > 0, got > 0 ? "answered " + got + " bytes, then closed" : "closed by the server without an answer");
    });
  };

  const report = () => {
    const st = modem.status();
    const err = st.lastError;
    if (st.powered) step("PASS", "module answers", "at " + st.baud + " baud" + (st.foundAtBaud ? " (found at " + st.foundAtBaud + " baud)" : ""));
    else step("FAIL", "module answers", (err ? err.text : "not powered") + advice(err && err.kind === "power" ? err : { kind: "power", code: -1, text: "" }));
    const simOk = st.sim === "READY";
    if (!st.powered) step("SKIP", "SIM", "module not answering");
    else if (simOk) step("PASS", "SIM", "ready");
    else step("FAIL", "SIM", st.sim + advice(err));
    if (!simOk) step("SKIP", "signal", "needs a SIM");
    else if (st.signal && st.signal.dbm !== undefined) step("PASS", "signal", st.signal.dbm + " dBm (rssi " + st.signal.rssi + ")");
    else step("FAIL", "signal", "no reading (+CSQ: 99) — check the antenna");
    const registered = st.cereg === "home" || st.cereg === "roaming" || st.cgreg === "home" || st.cgreg === "roaming";
    if (!simOk) step("SKIP", "registration", "needs a SIM");
    else if (registered) step("PASS", "registration", "LTE " + st.cereg + ", packet " + st.cgreg + ", circuit " + st.creg);
    else step("FAIL", "registration", "LTE " + st.cereg + ", packet " + st.cgreg + advice(err && err.kind === "registration" ? err : { kind: "registration", code: -1, text: st.cereg }));
    const apnFailed = err !== null && err.kind === "apn";
    if (!registered) step("SKIP", "APN", "needs registration");
    else if (apnFailed) step("FAIL", "APN", JSON.stringify(modem.options.apn) + ": " + (err as ModemError).text + advice(err));
    else step("PASS", "APN", modem.options.apn ? JSON.stringify(modem.options.apn) : "network default");
    if (!registered || apnFailed) step("SKIP", "NETOPEN", "needs the PDP context");
    else if (st.online) step("PASS", "NETOPEN", "data network open");
    else step("FAIL", "NETOPEN", (err ? err.text : "not open") + advice(err && err.kind === "netopen" ? err : { kind: "netopen", code: -1, text: "" }));
    if (!st.online) {
      step("SKIP", "IP address", "network not open");
      step("SKIP", "DNS lookup", "network not open");
      step("SKIP", "TCP round trip", "network not open");
      finish();
      return;
    }
    step("PASS", "IP address", st.ip);
    const name = opts.dnsName || (opts.host && isName(opts.host) ? opts.host : "example.com");
    const t0 = sched.now();
    modem.resolve(name, (e, ip) => {
      if (e) step("FAIL", "DNS lookup of " + name, e.text + " — the network's DNS may be unreachable; check the APN");
      else step("PASS", "DNS lookup of " + name, ip + " in " + Math.round(sched.now() - t0) + " ms");
      tcpStep();
    });
  };

  // Come online (or fail) first.
  if (modem.isOnline()) {
    report();
    return;
  }
  print("diagnosis: bringing the modem up (up to " + Math.round((opts.onlineTimeoutMs || 180000) / 1000) + " s)…");
  let waiting = true;
  const stopWaiting = () => {
    if (!waiting) return;
    waiting = false;
    sched.clearTimer(limit);
    modem.off("online", onOnline);
    modem.off("state", onState);
    report();
  };
  const onOnline = () => stopWaiting();
  const onState = (s: string) => {
    if (s === "failed") stopWaiting();
  };
  const limit = sched.setTimer(opts.onlineTimeoutMs || 180000, stopWaiting);
  modem.on("online", onOnline);
  modem.on("state", onState);
  const state = modem.status().state;
  if (state === "off" || state === "failed") modem.start();
}

/**
 * Send one raw command (printable, without CR) and print every line of the answer and the result.
 * Prefer the driver's own calls for anything it covers: a raw AT+CIPCLOSE behind its back confuses
 * the socket table.
 */
export function atCommand(modem: Modem, request: string, print: Print, done?: (ok: boolean, lines: string[]) => void): void {
  for (let i = 0; i < request.length; i++) {
    const c = request.charCodeAt(i);
    if (c < 32 || c > 126) {
      print("at: the command must be printable ASCII without CR/LF");
      if (done) done(false, []);
      return;
    }
  }
  const accepted = modem.engine.submit({ request: request, matches: [""], timeoutMs: 10000 }, (r) => {
    for (let i = 0; i < r.lines.length; i++) print(r.lines[i]);
    print(r.error ? "ERROR (" + r.error.kind + (r.error.code >= 0 ? " " + r.error.code : "") + (r.error.text ? ": " + r.error.text : "") + ")" : "OK");
    if (done) done(!r.error, r.lines);
  });
  if (!accepted) {
    print("at: the command queue is full or the modem is not answering; try again");
    if (done) done(false, []);
  }
}

/**
 * Bridge the REPL console to the modem's UART until `escape` (default Ctrl+], 0x1D) is typed: for
 * vendor tools and manual sessions. The driver's parser is bypassed meanwhile; its URC handling
 * resumes when the passthrough ends.
 */
export function passthrough(modem: Modem, port: ConsolePort | undefined, escape: string | undefined, print: Print, done?: () => void): void {
  if (!port) {
    print("passthrough: this runtime has no console to bridge");
    if (done) done();
    return;
  }
  const esc = escape || "\x1d";
  const uart = modem.hal.uart;
  print("passthrough to the modem; type Ctrl+] (0x1D) to return");
  modem.engine.setDataMode(true);
  const forward = (bytes: string) => port.write(bytes);
  modem.setRawListener(forward);
  port.take((chunk: string) => {
    const i = chunk.indexOf(esc);
    if (i < 0) {
      uart.write(chunk);
      return;
    }
    if (i > 0) uart.write(chunk.substr(0, i));
    port.release();
    modem.setRawListener(undefined);
    modem.engine.setDataMode(false);
    print("passthrough ended");
    if (done) done();
  });
}

/** Print the supervisor's and the socket table's status and counters. */
export function printStatus(modem: Modem, print: Print): void {
  const st = modem.status();
  print("state " + st.state + (st.online ? " (online, " + st.ip + ")" : "") + ", baud " + st.baud + ", data mode " + st.dataMode);
  print("SIM " + st.sim + ", signal " + (st.signal && st.signal.dbm !== undefined ? st.signal.dbm + " dBm" : "unknown") + ", registration LTE " + st.cereg + " / packet " + st.cgreg + " / circuit " + st.creg);
  const c = st.counters;
  print("reboots " + c.reboots + ", recoveries " + c.recoveries + ", resets " + c.resets + ", power cycles " + c.powerCycles + ", AT timeouts " + c.timeouts);
  if (st.lastError) print("last error: " + st.lastError.kind + ": " + st.lastError.text);
  for (let i = 0; i < st.links.length; i++) {
    const l = st.links[i];
    if (l.state !== "closed" && l.state !== "free") print("link " + i + ": " + JSON.stringify(l));
  }
  for (let i = 0; i < st.servers.length; i++) {
    const s = st.servers[i];
    if (s.state !== "free" && s.state !== "closed") print("server " + i + ": " + s.state + " port " + s.port + ", accepted " + s.accepted + ", rejected " + s.rejected);
  }
}
