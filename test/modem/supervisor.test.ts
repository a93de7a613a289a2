// Tests of the modem supervisor against a scripted module: power-up, baud search, bring-up, failures, recovery, scripts as data, stop.
import * as assert from "assert";
import { createModem } from "../../firmware/app/index";
import { AtCommand, AtResult } from "../../firmware/at/command";
import { Script } from "../../firmware/at/script";
import * as scripts from "../../firmware/modem/scripts";
import { ATTACH, CONFIGURE, Facts, RECOVER, REGISTER } from "../../firmware/modem/scripts";
import { findBoard } from "../../boards/index";
import { BoardDef } from "../../firmware/core/board";
import { createTestHal } from "../../hal/host/test-hal";
import { FakeModem, Reply } from "../at/fake-modem";
import { advance, lost, makeRig, Rig, runUntil, runUntilState, stateOf } from "./rig";

const OK = "\r\nOK\r\n";

/**
 * A healthy, already running A7670 on `hal`. `net.open` tracks AT+NETOPEN state. `overrides` answer
 * their commands instead of the healthy defaults (permanent rules match in the order they were added).
 */
function healthyModem(rig: { hal: Rig["hal"] }, overrides?: { [cmd: string]: Reply }): { modem: FakeModem; net: { open: boolean } } {
  const modem = new FakeModem(rig.hal);
  const net = { open: false };
  for (const k of Object.keys(overrides || {})) modem.on(k, overrides![k]);
  modem
    .on("AT", OK)
    .on("ATE0", OK)
    .on("AT+CMEE=1", OK)
    .on("AT+CPIN?", "\r\n+CPIN: READY\r\n" + OK)
    .on("AT+CSQ", "\r\n+CSQ: 20,99\r\n" + OK)
    .on("AT+CREG?", "\r\n+CREG: 0,1\r\n" + OK)
    .on("AT+CGREG?", "\r\n+CGREG: 0,1\r\n" + OK)
    .on("AT+CEREG?", "\r\n+CEREG: 0,1\r\n" + OK)
    .on(/^AT\+CGDCONT=/, OK)
    .on(/^AT\+CGAUTH=/, OK)
    .on(/^AT\+CIPMODE=/, OK)
    .on(/^AT\+CIPRXGET=/, OK)
    .on("AT+CIPHEAD=1", OK)
    .on("AT+CIPSRIP=1", OK)
    .on("AT&D1", OK)
    .on("AT+CMEE?", "\r\n+CMEE: 1\r\n" + OK)
    .on("AT+CIPHEAD?", "\r\n+CIPHEAD: 1\r\n" + OK)
    .on("AT+CIPSRIP?", "\r\n+CIPSRIP: 1\r\n" + OK)
    .on("AT+CIPMODE?", "\r\n+CIPMODE: 0\r\n" + OK)
    .on("AT+NETOPEN?", () => modem.send("\r\n+NETOPEN: " + (net.open ? 1 : 0) + "\r\n" + OK))
    .on("AT+NETOPEN", () => {
      if (net.open) return modem.send("\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n");
      net.open = true;
      modem.send(OK);
      modem.later(50, "\r\n+NETOPEN: 0\r\n");
    })
    .on("AT+NETCLOSE", () => {
      if (!net.open) return modem.send("\r\n+NETCLOSE: 2\r\n\r\nERROR\r\n");
      net.open = false;
      modem.send(OK + "\r\n+NETCLOSE: 0\r\n");
    })
    .on("AT+IPADDR", () => modem.send(net.open ? "\r\n+IPADDR: 10.148.0.17\r\n" + OK : "\r\n+IPADDR: Network not opened\r\n\r\nERROR\r\n"))
    .on("AT+CPOF", OK);
  return { modem, net };
}

const BRING_UP = [
  "AT",
  "ATE0",
  "AT+CMEE=1",
  "AT+CPIN?",
  "AT+CSQ",
  "AT+CSQ",
  "AT+CREG?",
  "AT+CGREG?",
  "AT+CEREG?",
  "AT+NETOPEN?",
  'AT+CGDCONT=1,"IP","internet"',
  "AT+CIPMODE=0",
  "AT+CIPRXGET=1",
  "AT+CIPHEAD=1",
  "AT+CIPSRIP=1",
  "AT+NETOPEN",
  "AT+IPADDR",
];

/** The requests a script sends for `facts`: its steps in order, those whose `when` is false left out. */
function scriptRequests(script: Script<Facts>, facts: Facts): string[] {
  return script.steps.filter((s) => !s.when || s.when(facts)).map((s) => (typeof s.cmd === "function" ? s.cmd(facts) : (s.cmd as AtCommand)).request);
}

describe("modem supervisor", () => {
  it("brings a running module online without pressing PWRKEY, setting every data-mode option explicitly", () => {
    const rig = makeRig({ apn: "internet", healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000), rig.log.join(" "));
    assert.deepStrictEqual(modem.commands, BRING_UP);
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active), "no press on a running module");
    assert.ok(rig.hal.pinLog.some((p) => p.pin === "dtr" && p.active), "DTR asserted");
    const f = rig.sup.facts;
    assert.strictEqual(f.ip, "10.148.0.17");
    assert.strictEqual(f.sim, "READY");
    assert.deepStrictEqual(rig.sup.facts.signal, { rssi: 20, ber: 99, dbm: -73 });
    assert.strictEqual(rig.sup.regText(f.cereg), "home");
    assert.ok(rig.sup.powered);
    assert.ok(rig.log.indexOf("online:10.148.0.17") >= 0);
  });

  it("sets transparent mode and push mode before NETOPEN as configured", () => {
    const rig = makeRig({ apn: "", dataMode: "transparent", healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    assert.ok(modem.commands.indexOf("AT+CIPMODE=1") >= 0);
    assert.ok(modem.commands.indexOf("AT+CIPRXGET=0") >= 0);
    assert.ok(modem.commands.indexOf("AT+CIPMODE=1") < modem.commands.indexOf("AT+NETOPEN"));
    assert.ok(modem.commands.indexOf("AT+CIPRXGET=0") < modem.commands.indexOf("AT+NETOPEN"));

    const push = makeRig({ dataMode: "push", healthCheckMs: 0 });
    const p = healthyModem(push).modem;
    push.sup.start();
    assert.ok(runUntilState(push, "online", 10000));
    assert.ok(p.commands.indexOf("AT+CIPMODE=0") >= 0 && p.commands.indexOf("AT+CIPMODE=0") < p.commands.indexOf("AT+NETOPEN"));
    assert.ok(p.commands.indexOf("AT+CIPRXGET=0") >= 0 && p.commands.indexOf("AT+CIPRXGET=0") < p.commands.indexOf("AT+NETOPEN"));
  });

  it("presses PWRKEY for the board's time only after probing finds nobody, then waits for the boot", () => {
    const rig = makeRig({ apn: "internet", healthCheckMs: 0, searchBauds: [] });
    const modem = new FakeModem(rig.hal);
    let on = false;
    rig.hal.pwrkey.onChange((active) => {
      if (!active && !on) {
        on = true;
        rig.hal.clock.setTimeout(() => {
          modem.send("\r\nRDY\r\n");
          healthyModem(rig); // answers from now on
        }, 3000);
      }
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 60000), rig.log.join(" "));
    const presses = rig.hal.pinLog.filter((p) => p.pin === "pwrkey");
    const down = presses.find((p) => p.active)!;
    const up = presses.find((p) => !p.active && p.t > down.t)!;
    assert.strictEqual(up.t - down.t, rig.board.pwrkey!.onPressMs);
    assert.strictEqual(presses.filter((p) => p.active).length, 1, "one press");
    const probes = rig.hal.wire.hostLog.filter((r) => r.data === "AT\r" && r.t < down.t);
    assert.ok(probes.length >= 2, "probed with AT (" + probes.length + " times) before pressing");
    assert.ok(rig.log.indexOf("state:booting") > 0);
  });

  it("finds a module answering at another baud and switches it back with AT+IPR", () => {
    const rig = makeRig({ apn: "internet", healthCheckMs: 0, searchBauds: [115200, 9600, 57600] });
    rig.hal.wire.modem.setBaud(9600);
    const { modem } = healthyModem(rig);
    modem.once("AT+IPR=115200", () => {
      modem.send(OK);
      rig.hal.clock.setTimeout(() => rig.hal.wire.modem.setBaud(115200), 5);
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000), rig.log.join(" "));
    assert.strictEqual(rig.sup.foundAtBaud, 9600);
    assert.strictEqual(rig.sup.baud, 115200);
    assert.strictEqual(rig.hal.wire.hostBaud, 115200);
    assert.ok(modem.commands.indexOf("AT+IPR=115200") >= 0);
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active));
  });

  it("fails with a clear error when the SIM is missing", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    healthyModem(rig, { "AT+CPIN?": "\r\n+CME ERROR: 10\r\n" });
    rig.sup.start();
    assert.ok(runUntilState(rig, "failed", 10000));
    const err = rig.sup.lastError!;
    assert.strictEqual(err.kind, "sim-missing");
    assert.strictEqual(err.code, 10);
    assert.ok(/SIM/.test(err.text));
    assert.strictEqual(rig.sup.facts.sim, "not inserted");
    assert.deepStrictEqual(rig.log.filter((l) => l.indexOf("failed:") === 0), ["failed:sim-missing"]);
  });

  it("asks for a PIN it does not have as an error, and sends the configured PIN when it has one", () => {
    const locked = makeRig({ healthCheckMs: 0 });
    healthyModem(locked, { "AT+CPIN?": "\r\n+CPIN: SIM PIN\r\n" + OK });
    locked.sup.start();
    assert.ok(runUntilState(locked, "failed", 10000));
    assert.strictEqual(locked.sup.lastError!.kind, "sim-pin");
    assert.ok(/pin option/.test(locked.sup.lastError!.text), locked.sup.lastError!.text);

    const withPin = makeRig({ pin: "1234", healthCheckMs: 0 });
    const { modem } = healthyModem(withPin);
    modem.once("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n" + OK);
    modem.on('AT+CPIN="1234"', OK);
    withPin.sup.start();
    assert.ok(runUntilState(withPin, "online", 10000));
    const i = modem.commands.indexOf('AT+CPIN="1234"');
    assert.ok(i > 0 && modem.commands[i + 1] === "AT+CPIN?", "the SIM is asked again after the PIN: " + modem.commands.join(" "));
  });

  it("retries a busy SIM until it is ready (field quirk: SIM busy, bare ERROR, then READY)", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    modem.once("AT+CPIN?", "\r\n+CME ERROR: SIM busy\r\n");
    modem.once("AT+CPIN?", "\r\nERROR\r\n");
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 20000));
    assert.strictEqual(modem.commands.filter((c) => c === "AT+CPIN?").length, 3);
  });

  it("does not blame the SIM for a later failure after a SIM that was busy at first", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig, { "AT+CIPRXGET=1": "\r\nERROR\r\n" });
    modem.once("AT+CPIN?", "\r\n+CME ERROR: SIM busy\r\n");
    rig.sup.start();
    assert.ok(runUntilState(rig, "failed", 20000), rig.log.join(" "));
    const err = rig.sup.lastError!;
    assert.strictEqual(err.kind, "apn");
    assert.ok(!/SIM/.test(err.text), "stale SIM text in " + JSON.stringify(err.text));
  });

  it("waits while registration searches, then goes on; reports denied as an error after the timeout", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    for (let i = 0; i < 3; i++) {
      modem.once("AT+CGREG?", "\r\n+CGREG: 0,2\r\n" + OK);
      modem.once("AT+CEREG?", "\r\n+CEREG: 0,2\r\n" + OK);
    }
    rig.sup.start();
    assert.ok(runUntilState(rig, "registering", 10000));
    assert.ok(runUntil(rig.hal.clock, () => rig.sup.regText(rig.sup.facts.cereg) === "searching", 10000));
    assert.ok(runUntilState(rig, "online", 20000));
    assert.strictEqual(modem.commands.filter((c) => c === "AT+CEREG?").length, 4);

    const denied = makeRig({ healthCheckMs: 0, registrationTimeoutMs: 10000 });
    healthyModem(denied, { "AT+CGREG?": "\r\n+CGREG: 0,3\r\n" + OK, "AT+CEREG?": "\r\n+CEREG: 0,3\r\n" + OK });
    denied.sup.start();
    assert.ok(runUntilState(denied, "failed", 30000));
    const err = denied.sup.lastError!;
    assert.strictEqual(err.kind, "registration");
    assert.ok(/denied/.test(err.text));
  });

  it("treats NETOPEN's 'already opened' answer as success", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    modem.once("AT+NETOPEN?", "\r\n+NETOPEN: 0\r\n" + OK);
    modem.once("AT+NETOPEN", () => {
      net.open = true;
      modem.send("\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n");
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    assert.strictEqual(rig.sup.counters.resets, 0);
    assert.strictEqual(rig.sup.facts.ip, "10.148.0.17");
  });

  it("resets the module with AT+CRESET when NETOPEN fails and AT+NETOPEN? says closed, then comes online", () => {
    const rig = makeRig({ healthCheckMs: 0, searchBauds: [] });
    const { modem } = healthyModem(rig);
    modem.once("AT+NETOPEN", () => {
      modem.send(OK);
      modem.later(100, "\r\n+NETOPEN: 1\r\n");
    });
    modem.on("AT+CRESET", () => {
      modem.send(OK);
      modem.later(2000, "\r\nRDY\r\n");
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "resetting", 10000));
    const failedOpen = modem.commands.lastIndexOf("AT+NETOPEN");
    assert.strictEqual(modem.commands[failedOpen + 1], "AT+NETOPEN?", "asked whether the network is open after all");
    assert.ok(runUntilState(rig, "online", 60000), rig.log.join(" "));
    assert.strictEqual(rig.sup.counters.resets, 1);
    assert.strictEqual(rig.sup.counters.powerCycles, 0);
    assert.ok(modem.commands.indexOf("AT+CRESET") > 0);
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active), "AT+CRESET, no PWRKEY");
  });

  it("goes on when NETOPEN reports failure but AT+NETOPEN? says open (no reset)", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    modem.once("AT+NETOPEN", () => {
      net.open = true;
      modem.send(OK);
      modem.later(100, "\r\n+NETOPEN: 1\r\n");
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000), rig.log.join(" "));
    assert.strictEqual(rig.sup.counters.resets, 0);
    assert.deepStrictEqual(modem.commands.slice(-3), ["AT+NETOPEN", "AT+NETOPEN?", "AT+IPADDR"]);
  });

  it("recovers from a network drop: links reported lost once, NETCLOSE, NETOPEN again", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const before = modem.commands.length;
    modem.send("\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
    assert.ok(runUntilState(rig, "recovering", 1000));
    assert.ok(runUntilState(rig, "online", 60000));
    assert.deepStrictEqual(modem.commands.slice(before), ["AT+NETOPEN?", "AT+NETCLOSE", "AT+NETOPEN", "AT+IPADDR"]);
    assert.deepStrictEqual(modem.commands.slice(before), scriptRequests(RECOVER(), rig.sup.facts), "the RECOVER script's steps, in order");
    assert.deepStrictEqual(lost(rig), ["lost:network"]);
    assert.strictEqual(rig.sup.counters.recoveries, 1);
  });

  it("retries NETOPEN with doubling backoff (reported as progress) and resets the module after maxNetRetries", () => {
    const rig = makeRig({ healthCheckMs: 0, maxNetRetries: 3, backoffMinMs: 1000, searchBauds: [] });
    let failing = false;
    const { modem, net } = healthyModem(rig, {
      "AT+NETOPEN": (_c, m) => {
        if (!failing) {
          net.open = true;
          return m.send(OK + "\r\n+NETOPEN: 0\r\n");
        }
        m.send(OK + "\r\n+NETOPEN: 1\r\n");
      },
      "AT+CRESET": OK,
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    net.open = false;
    failing = true;
    const t0 = rig.hal.clock.now();
    modem.send("\r\n+CGEV: NW PDN DEACT 1\r\n");
    assert.ok(runUntilState(rig, "resetting", 60000));
    const opens = rig.hal.wire.hostLog.filter((r) => r.data === "AT+NETOPEN\r" && r.t >= t0).map((r) => Math.round(r.t - t0));
    assert.strictEqual(opens.length, 3);
    // The first retry waits backoffMinMs, the next twice that (plus the NETOPEN? before each).
    const g1 = opens[1] - opens[0];
    const g2 = opens[2] - opens[1];
    assert.ok(g1 >= 1000 && g1 < 1500, "first gap " + g1);
    assert.ok(g2 >= 2000 && g2 < 2500, "second gap " + g2);
    assert.deepStrictEqual(
      rig.progress.map((p) => p.text.replace(/\(.*\)/, "(…)")),
      ["recovering: NETOPEN failed (…), next try in 1 s", "recovering: NETOPEN failed (…), next try in 2 s"],
    );
    assert.strictEqual(rig.sup.lastError!.kind, "netopen");
    assert.deepStrictEqual(lost(rig), ["lost:network"], "a reset during recovery tells the link owners nothing new");
  });

  it("takes a late boot URC while online for what it is when the network is still open", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const before = modem.commands.length;
    modem.send("\r\nPB DONE\r\n");
    advance(rig, 2000);
    assert.strictEqual(stateOf(rig), "online");
    assert.deepStrictEqual(modem.commands.slice(before), ["AT+NETOPEN?"], "asked, nothing else");
    assert.strictEqual(rig.sup.counters.lateBanners, 1);
    assert.strictEqual(rig.sup.counters.reboots, 0);
    assert.deepStrictEqual(lost(rig), []);
  });

  it("detects a reboot while online (banner, network closed): links lost once, bring-up redone", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    net.open = false;
    modem.send("\r\n*ATREADY: 1\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    assert.ok(runUntilState(rig, "configuring", 2000));
    assert.ok(runUntilState(rig, "online", 20000));
    assert.strictEqual(rig.sup.counters.reboots, 1);
    assert.deepStrictEqual(lost(rig), ["lost:reboot"]);
  });

  it("hurries the command in flight when a boot banner arrives: the reboot is noticed in seconds, not at the command's deadline", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    // A look-up the module will never answer (it reboots under it); its own deadline is 70 s.
    let res: AtResult | undefined;
    let doneAt = -1;
    rig.engine.submit({ request: 'AT+CDNSGIP="example.com"', match: "+CDNSGIP:", timeout: 70000 }, (r) => {
      res = r;
      doneAt = rig.hal.clock.now();
    });
    advance(rig, 500);
    net.open = false;
    const t0 = rig.hal.clock.now();
    modem.send("\r\nRDY\r\n");
    assert.ok(runUntilState(rig, "configuring", 10000), rig.log.join(" "));
    const noticed = rig.hal.clock.now() - t0;
    assert.ok(noticed < 5000, "reboot noticed after " + noticed + " ms");
    assert.ok(res && res.error && res.error.kind === "timeout", "the look-up ended as a timeout");
    assert.ok(doneAt - t0 <= 2100, "the look-up was given at most 2 s more: " + (doneAt - t0) + " ms");
    assert.ok(runUntilState(rig, "online", 20000));
    assert.strictEqual(rig.sup.counters.reboots, 1);
    assert.deepStrictEqual(lost(rig), ["lost:reboot"]);
  });

  it("power-cycles a module that stops answering while online, with a long PWRKEY press", () => {
    const rig = makeRig({ healthCheckMs: 5000, searchBauds: [] });
    healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    // The module hangs: it answers nothing until it is power-cycled.
    new FakeModem(rig.hal); // replaces the answering handler: no rules
    let pressedAt = -1;
    let cycles = 0;
    rig.hal.pwrkey.onChange((active, at) => {
      if (active) pressedAt = at;
      else if (pressedAt >= 0 && at - pressedAt >= rig.board.pwrkey!.offPressMs) {
        cycles++;
        rig.hal.clock.setTimeout(() => healthyModem(rig), 1); // it boots again after the cycle
      }
    });
    assert.ok(runUntilState(rig, "resetting", 60000), rig.log.join(" "));
    assert.ok(runUntilState(rig, "online", 120000), rig.log.join(" "));
    assert.strictEqual(cycles, 1);
    assert.strictEqual(rig.sup.counters.powerCycles, 1);
    assert.ok(rig.sup.counters.timeouts >= 3, "timeouts " + rig.sup.counters.timeouts);
    assert.deepStrictEqual(lost(rig), ["lost:reset"]);
  });

  it("fails as 'power' when nothing ever answers, after the boot timeout and a baud search", () => {
    const rig = makeRig({ healthCheckMs: 0, bootTimeoutMs: 5000, searchBauds: [9600] });
    new FakeModem(rig.hal);
    rig.sup.start();
    assert.ok(runUntilState(rig, "failed", 60000));
    assert.strictEqual(rig.sup.lastError!.kind, "power");
    assert.ok(/any baud rate/.test(rig.sup.lastError!.text), rig.sup.lastError!.text);
    const states = rig.log.filter((l) => l.indexOf("state:") === 0);
    assert.deepStrictEqual(states, ["state:powering-on", "state:baud-search", "state:booting", "state:baud-search", "state:failed"]);
    assert.strictEqual(rig.hal.pwrkey.level, false, "PWRKEY released");
  });

  it("leaves no timer, event or queued command behind after 100 recovery cycles", () => {
    const rig = makeRig({ healthCheckMs: 0, backoffMinMs: 10 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    for (let i = 0; i < 100; i++) {
      modem.send("\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
      assert.ok(runUntilState(rig, "recovering", 1000));
      assert.ok(runUntilState(rig, "online", 10000));
    }
    // The engine's one deadline timer lapses on its own (at most a NETOPEN deadline, 130 s).
    advance(rig, 200000);
    assert.strictEqual(stateOf(rig), "online");
    assert.strictEqual(rig.sup.counters.recoveries, 100);
    assert.strictEqual(lost(rig).length, 100);
    assert.strictEqual(rig.sched.armed, 0, "scheduler timers armed");
    // The supervisor drains its whole event queue each time its task runs: no task waiting = no event waiting.
    assert.strictEqual(rig.sched.pending(), 0, "scheduler tasks waiting");
    assert.strictEqual(rig.engine.queued(), 0);
    assert.ok(!rig.engine.busy());
    assert.strictEqual(rig.hal.clock.pending(), 0, "virtual clock timers");
    assert.strictEqual(rig.engine.stats.errors, 0, "callbacks that threw");
    assert.strictEqual(rig.sched.stats.errors, 0, "tasks that threw");
  });

  it("powers off with NETCLOSE and AT+CPOF on stop()", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    rig.sup.stop(false);
    assert.ok(runUntilState(rig, "off", 10000));
    assert.deepStrictEqual(modem.commands.slice(-2), ["AT+NETCLOSE", "AT+CPOF"]);
    assert.strictEqual(net.open, false);
    assert.deepStrictEqual(lost(rig), ["lost:stop"]);
    assert.strictEqual(rig.sup.powered, false);
    assert.strictEqual(rig.sup.keptPowered, "");
  });

  it("presses PWRKEY long when AT+CPOF is not answered on stop()", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    healthyModem(rig, { "AT+CPOF": "\r\nERROR\r\n" });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const t0 = rig.hal.clock.now();
    rig.sup.stop(false);
    assert.ok(runUntilState(rig, "off", 20000));
    const presses = rig.hal.pinLog.filter((p) => p.pin === "pwrkey" && p.t >= t0);
    const down = presses.find((p) => p.active)!;
    const up = presses.find((p) => !p.active && p.t > down.t)!;
    assert.strictEqual(up.t - down.t, rig.board.pwrkey!.offPressMs);
  });
});

describe("modem supervisor with a STATUS pin", () => {
  it("presses PWRKEY at once when STATUS says the module is off, without a baud search", () => {
    const rig = makeRig({ apn: "internet", healthCheckMs: 0 }, "esp32", 115200, true);
    rig.hal.status.set(false);
    let modem: FakeModem | undefined;
    let pressed = false;
    rig.hal.pwrkey.onChange((active) => {
      if (active) pressed = true;
      else if (pressed && !modem) {
        rig.hal.status.set(true);
        modem = healthyModem(rig).modem;
      }
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000), rig.log.join(" "));
    assert.ok(!rig.log.some((l) => l === "state:baud-search"));
    const press = rig.hal.pinLog.find((p) => p.pin === "pwrkey" && p.active)!;
    assert.ok(press.t <= 200, "pressed right after the power settle time, at " + press.t);
    assert.strictEqual(rig.hal.wire.hostLog.filter((r) => r.t < press.t).length, 0, "nothing probed before the press");
  });
});

describe("modem supervisor stop", () => {
  it("can close the network and leave the module powered (host runner on a desk modem)", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    rig.sup.stop(true);
    assert.ok(runUntilState(rig, "off", 10000));
    assert.strictEqual(modem.commands[modem.commands.length - 1], "AT+NETCLOSE");
    assert.strictEqual(net.open, false);
    assert.strictEqual(modem.commands.indexOf("AT+CPOF"), -1);
    assert.strictEqual(rig.sup.keptPowered, "asked to");
    assert.deepStrictEqual(lost(rig), ["lost:stop"]);
  });

  it("keeps the module powered on a board without PWRKEY and says so in status().keptPowered (new)", () => {
    const hal = createTestHal();
    const board = findBoard("linux") as BoardDef;
    assert.strictEqual(board.pwrkey, undefined);
    const { modem, net } = healthyModem({ hal });
    const m = createModem(hal, board, { healthCheckMs: 0 });
    const offline: string[] = [];
    m.on("offline", (why: string) => offline.push(why));
    m.start();
    assert.ok(runUntil(hal.clock, () => m.isOnline(), 10000));
    m.stop();
    assert.ok(runUntil(hal.clock, () => m.status().state === "off", 10000));
    const st = m.status();
    assert.ok(/no PWRKEY/.test(st.keptPowered), st.keptPowered);
    assert.strictEqual(st.powered, true);
    assert.strictEqual(modem.commands.indexOf("AT+CPOF"), -1, "AT+CPOF would leave it off for good");
    assert.strictEqual(modem.commands[modem.commands.length - 1], "AT+NETCLOSE");
    assert.strictEqual(net.open, false);
    assert.deepStrictEqual(offline, ["stop"]);
    // And it can be started again without a power-up.
    m.start();
    assert.ok(runUntil(hal.clock, () => m.isOnline(), 10000));
    assert.strictEqual(m.status().keptPowered, "");
  });
});

describe("modem supervisor data-mode settings", () => {
  it("sets AT&D1 before NETOPEN when transparent mode leaves data mode with DTR", () => {
    const rig = makeRig({ dataMode: "transparent", escapeWithDtr: true, healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const i = modem.commands.indexOf("AT&D1");
    assert.ok(i > 0 && i < modem.commands.indexOf("AT+NETOPEN"), modem.commands.join(" "));
  });

  it("runs no periodic health check in transparent mode (it would interrupt the data stream)", () => {
    const rig = makeRig({ dataMode: "transparent", healthCheckMs: 1000 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const n = modem.commands.length;
    advance(rig, 10000);
    assert.strictEqual(modem.commands.length, n);
    const buffer = makeRig({ dataMode: "buffer", healthCheckMs: 1000 });
    const b = healthyModem(buffer).modem;
    buffer.sup.start();
    assert.ok(runUntilState(buffer, "online", 10000));
    const m = b.commands.length;
    advance(buffer, 10000);
    const checks = b.commands.slice(m);
    assert.ok(checks.length >= 9 && checks.every((c) => c === "AT+CSQ"), "AT+CSQ about every second on a quiet line in buffer mode: " + checks.join(" "));
  });

  it("checks health only after healthCheckMs without any answer: traffic proves the module alive (new)", () => {
    const rig = makeRig({ healthCheckMs: 5000 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const t0 = rig.hal.clock.now();
    const before = modem.commands.length;
    // Other traffic every 2 s for 30 s: the module keeps answering, so no AT+CSQ.
    for (let i = 0; i < 15; i++) {
      rig.engine.submit({ request: "AT", timeout: 1000 }, undefined);
      advance(rig, 2000);
    }
    const during = modem.commands.slice(before);
    assert.strictEqual(during.filter((c) => c === "AT+CSQ").length, 0, during.join(" "));
    assert.strictEqual(during.length, 15);
    // Quiet from now: the first check comes healthCheckMs after the last answer.
    const lastAnswer = rig.engine.answeredAt;
    assert.ok(lastAnswer > t0);
    assert.ok(runUntil(rig.hal.clock, () => modem.commands.length > before + 15, 10000));
    assert.strictEqual(modem.commands[modem.commands.length - 1], "AT+CSQ");
    const sentAt = rig.hal.wire.hostLog[rig.hal.wire.hostLog.length - 1].t;
    const quiet = sentAt - lastAnswer;
    assert.ok(quiet >= 5000 && quiet < 5100, "AT+CSQ after " + quiet + " ms of quiet");
  });
});

describe("modem supervisor progress while registering (new)", () => {
  it("reports registration progress with the wait and the signal, at most every 10 s", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    let registered = false;
    healthyModem(rig, {
      "AT+CGREG?": (_c, m) => m.send("\r\n+CGREG: 0," + (registered ? 1 : 2) + "\r\n" + OK),
      "AT+CEREG?": (_c, m) => m.send("\r\n+CEREG: 0," + (registered ? 1 : 2) + "\r\n" + OK),
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "registering", 10000));
    const t0 = rig.hal.clock.now();
    rig.hal.clock.setTimeout(() => (registered = true), 35000);
    assert.ok(runUntilState(rig, "online", 60000), rig.log.join(" "));
    const p = rig.progress;
    assert.ok(p.length >= 3 && p.length <= 4, p.map((x) => x.t + " " + x.text).join("\n"));
    for (const x of p) assert.ok(/^registering: LTE searching, packet searching, \d+ s of 180 s, signal -73 dBm$/.test(x.text), x.text);
    assert.ok(p[0].t - t0 >= 10000, "first report after 10 s");
    for (let i = 1; i < p.length; i++) assert.ok(p[i].t - p[i - 1].t >= 10000, "reports 10 s apart at least");
    const waited = p.map((x) => Number(/, (\d+) s of/.exec(x.text)![1]));
    for (let i = 0; i < p.length; i++) assert.strictEqual(waited[i], Math.round((p[i].t - t0) / 1000));
  });
});

describe("modem supervisor scripts as data (new)", () => {
  it("runs the CONFIGURE, REGISTER and ATTACH steps in their order, skipping those whose `when` is false", () => {
    const rig = makeRig({ apn: "internet", healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const f = rig.sup.facts;
    const expected = ["AT"].concat(scriptRequests(CONFIGURE(), f), scriptRequests(REGISTER(), f), scriptRequests(ATTACH(), f));
    assert.deepStrictEqual(modem.commands, expected);
    // Skipped: the PIN steps, AT+NETCLOSE (network was closed), AT+CGAUTH (no user), AT&D1, the NETOPEN? after a good NETOPEN.
    assert.strictEqual(expected.length, CONFIGURE().steps.length - 2 + REGISTER().steps.length + ATTACH().steps.length - 4 + 1);
  });

  it("sends the conditional steps when their `when` holds: CGAUTH with a user, AT&D1 with escapeWithDtr, NETCLOSE when the network was open", () => {
    const rig = makeRig({ apn: "internet", user: "u", password: "p", authType: 2, dataMode: "transparent", escapeWithDtr: true, healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    net.open = true; // left open by an earlier run
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 10000));
    const attach = modem.commands.slice(modem.commands.indexOf("AT+NETOPEN?"));
    assert.deepStrictEqual(attach, [
      "AT+NETOPEN?",
      "AT+NETCLOSE",
      'AT+CGDCONT=1,"IP","internet"',
      'AT+CGAUTH=1,2,"p","u"',
      "AT+CIPMODE=1",
      "AT+CIPRXGET=0",
      "AT+CIPHEAD=1",
      "AT+CIPSRIP=1",
      "AT&D1",
      "AT+NETOPEN",
      "AT+IPADDR",
    ]);
  });

  it("goes on past a failed optional step and fails the bring-up at a failed required one", () => {
    const opt = makeRig({ healthCheckMs: 0 });
    const a = healthyModem(opt, { "AT+CIPHEAD=1": "\r\nERROR\r\n", "AT+CSQ": "\r\nERROR\r\n" }).modem;
    opt.sup.start();
    assert.ok(runUntilState(opt, "online", 10000), opt.log.join(" "));
    assert.ok(a.commands.indexOf("AT+CIPSRIP=1") > a.commands.indexOf("AT+CIPHEAD=1"));

    const req = makeRig({ healthCheckMs: 0 });
    const b = healthyModem(req, { "AT+CGDCONT=1,\"IP\",\"\"": "\r\nERROR\r\n" }).modem;
    req.sup.start();
    assert.ok(runUntilState(req, "failed", 10000), req.log.join(" "));
    assert.strictEqual(req.sup.lastError!.kind, "apn");
    assert.strictEqual(b.commands[b.commands.length - 1], 'AT+CGDCONT=1,"IP",""', "nothing after the failed step");
  });

  it("honours a step's `retries`: changing it in the script changes the number of attempts", () => {
    // The script is built when it runs: change its step there, as an edit of scripts.ts would.
    const step = CONFIGURE().steps[1];
    assert.strictEqual((step.cmd as AtCommand).request, "AT+CMEE=1");
    const saved = step.retries;
    const mod = scripts as { CONFIGURE: () => Script<Facts> };
    const original = mod.CONFIGURE;
    function attempts(retries: number | undefined, errors: number): { n: number; state: string } {
      mod.CONFIGURE = function () {
        const s = original();
        s.steps[1].retries = retries;
        return s;
      };
      try {
        const rig = makeRig({ healthCheckMs: 0 });
        const { modem } = healthyModem(rig);
        for (let i = 0; i < errors; i++) modem.once("AT+CMEE=1", "\r\nERROR\r\n");
        rig.sup.start();
        runUntil(rig.hal.clock, () => stateOf(rig) === "online" || stateOf(rig) === "failed", 20000);
        return { n: modem.commands.filter((c) => c === "AT+CMEE=1").length, state: stateOf(rig) };
      } finally {
        mod.CONFIGURE = original;
      }
    }
    assert.strictEqual(saved, 1);
    assert.deepStrictEqual(attempts(saved, 2), { n: 2, state: "failed" }, "one retry: two refusals fail the bring-up");
    assert.deepStrictEqual(attempts(3, 2), { n: 3, state: "online" }, "three retries: the third attempt succeeds");
    assert.deepStrictEqual(attempts(3, 10), { n: 4, state: "failed" });
    assert.deepStrictEqual(attempts(undefined, 1), { n: 1, state: "failed" }, "no retries: one attempt");
  });

  it("honours a step's `until`: the SIM is asked about once a second until simTimeoutMs, then the bring-up fails as 'sim'", () => {
    function run(simTimeoutMs: number): { n: number; rig: Rig } {
      const rig = makeRig({ healthCheckMs: 0, simTimeoutMs });
      const { modem } = healthyModem(rig, { "AT+CPIN?": "\r\n+CME ERROR: SIM busy\r\n" });
      rig.sup.start();
      assert.ok(runUntilState(rig, "failed", simTimeoutMs + 10000), rig.log.join(" "));
      return { n: modem.commands.filter((c) => c === "AT+CPIN?").length, rig };
    }
    const short = run(5000);
    const long = run(10000);
    assert.ok(short.n >= 4 && short.n <= 5, "5 s: " + short.n + " attempts");
    assert.ok(long.n >= 9 && long.n <= 10, "10 s: " + long.n + " attempts");
    assert.strictEqual(short.rig.sup.lastError!.kind, "sim");
    assert.ok(/5000 ms/.test(short.rig.sup.lastError!.text), short.rig.sup.lastError!.text);
    assert.strictEqual(short.rig.sup.facts.sim, "SIM busy");
  });
});
