// Tests of the modem supervisor against a scripted module: power-up, baud search, bring-up, failures, recovery.
import * as assert from "assert";
import { ModemState } from "../../firmware/modem/supervisor";
import { FakeModem, Reply } from "../at/fake-modem";
import { makeRig, Rig, runUntilState } from "./rig";

const OK = "\r\nOK\r\n";

/**
 * A healthy, already running A7670. `net.open` tracks AT+NETOPEN state. `overrides` answer their
 * commands instead of the healthy defaults (permanent rules match in the order they were added).
 */
function healthyModem(rig: Rig, overrides?: { [cmd: string]: Reply }): { modem: FakeModem; net: { open: boolean } } {
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
    .on(/^AT\+CIPMODE=/, OK)
    .on(/^AT\+CIPRXGET=/, OK)
    .on("AT+CIPHEAD=1", OK)
    .on("AT+CIPSRIP=1", OK)
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

describe("modem supervisor", () => {
  it("brings a running module online without pressing PWRKEY, setting every data-mode option explicitly", () => {
    const rig = makeRig({ apn: "internet", healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    assert.deepStrictEqual(modem.commands, BRING_UP);
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active), "no press on a running module");
    assert.ok(rig.hal.pinLog.some((p) => p.pin === "dtr" && p.active), "DTR asserted");
    const st = rig.sup.status();
    assert.strictEqual(st.ip, "10.148.0.17");
    assert.strictEqual(st.sim, "READY");
    assert.deepStrictEqual(st.signal, { rssi: 20, ber: 99, dbm: -73 });
    assert.strictEqual(st.cereg, "home");
    assert.ok(rig.log.indexOf("online:10.148.0.17") >= 0);
  });

  it("sets transparent mode and push mode before NETOPEN as configured", () => {
    const rig = makeRig({ apn: "", dataMode: "transparent", healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    assert.ok(modem.commands.indexOf("AT+CIPMODE=1") >= 0);
    assert.ok(modem.commands.indexOf("AT+CIPRXGET=0") >= 0);
    assert.ok(modem.commands.indexOf("AT+CIPMODE=1") < modem.commands.indexOf("AT+NETOPEN"));
  });

  it("presses PWRKEY for the board's time only after probing finds nobody, then waits for the boot", () => {
    const rig = makeRig({ apn: "internet", healthCheckMs: 0, searchBauds: [] });
    const modem = new FakeModem(rig.hal);
    let on = false;
    rig.hal.pwrkey.onChange((active, at) => {
      if (!active && !on) {
        on = true;
        rig.hal.clock.setTimeout(() => {
          modem.send("\r\nRDY\r\n");
          healthyModem(rig); // answers from now on
        }, 3000);
        void at;
      }
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 60000), rig.log.join(" "));
    const presses = rig.hal.pinLog.filter((p) => p.pin === "pwrkey");
    const down = presses.find((p) => p.active)!;
    const up = presses.find((p) => !p.active && p.t > down.t)!;
    assert.strictEqual(up.t - down.t, rig.board.pwrkey!.onPressMs);
    const firstProbe = rig.hal.wire.hostLog[0];
    assert.ok(firstProbe.t < down.t, "probed with AT before pressing");
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
    assert.ok(runUntilState(rig, ModemState.Online, 30000), rig.log.join(" "));
    assert.strictEqual(rig.sup.status().foundAtBaud, 9600);
    assert.strictEqual(rig.sup.status().baud, 115200);
    assert.ok(modem.commands.indexOf("AT+IPR=115200") >= 0);
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active));
  });

  it("fails with a clear error when the SIM is missing", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    healthyModem(rig, { "AT+CPIN?": "\r\n+CME ERROR: 10\r\n" });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Failed, 10000));
    const err = rig.sup.status().lastError!;
    assert.strictEqual(err.kind, "sim-missing");
    assert.strictEqual(err.code, 10);
    assert.ok(/SIM/.test(err.text));
  });

  it("asks for a PIN it does not have as an error, and sends the configured PIN when it has one", () => {
    const locked = makeRig({ healthCheckMs: 0 });
    healthyModem(locked, { "AT+CPIN?": "\r\n+CPIN: SIM PIN\r\n" + OK });
    locked.sup.start();
    assert.ok(runUntilState(locked, ModemState.Failed, 10000));
    assert.strictEqual(locked.sup.status().lastError!.kind, "sim-pin");

    const withPin = makeRig({ pin: "1234", healthCheckMs: 0 });
    const { modem } = healthyModem(withPin);
    modem.once("AT+CPIN?", "\r\n+CPIN: SIM PIN\r\n" + OK);
    modem.on('AT+CPIN="1234"', OK);
    withPin.sup.start();
    assert.ok(runUntilState(withPin, ModemState.Online, 10000));
  });

  it("retries a busy SIM until it is ready (field quirk: SIM busy, bare ERROR, then READY)", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    modem.once("AT+CPIN?", "\r\n+CME ERROR: SIM busy\r\n");
    modem.once("AT+CPIN?", "\r\nERROR\r\n");
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 20000));
    assert.strictEqual(modem.commands.filter((c) => c === "AT+CPIN?").length, 3);
  });

  it("waits while registration searches, then goes on; reports denied as an error after the timeout", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    for (let i = 0; i < 3; i++) {
      modem.once("AT+CGREG?", "\r\n+CGREG: 0,2\r\n" + OK);
      modem.once("AT+CEREG?", "\r\n+CEREG: 0,2\r\n" + OK);
    }
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Registering, 10000));
    assert.ok(rig.hal.clock.runUntil(() => rig.sup.status().cereg === "searching", 10000));
    assert.ok(runUntilState(rig, ModemState.Online, 20000));

    const denied = makeRig({ healthCheckMs: 0, registrationTimeoutMs: 10000 });
    healthyModem(denied, { "AT+CGREG?": "\r\n+CGREG: 0,3\r\n" + OK, "AT+CEREG?": "\r\n+CEREG: 0,3\r\n" + OK });
    denied.sup.start();
    assert.ok(runUntilState(denied, ModemState.Failed, 30000));
    const err = denied.sup.status().lastError!;
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
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    assert.strictEqual(rig.sup.status().counters.resets, 0);
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
    assert.ok(runUntilState(rig, ModemState.Resetting, 10000));
    assert.ok(runUntilState(rig, ModemState.Online, 60000), rig.log.join(" "));
    assert.strictEqual(rig.sup.status().counters.resets, 1);
    assert.ok(modem.commands.indexOf("AT+CRESET") > 0);
  });

  it("recovers from a network drop: links reported lost once, NETCLOSE, NETOPEN again", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    const before = modem.commands.length;
    modem.send("\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
    assert.ok(runUntilState(rig, ModemState.Recovering, 1000));
    assert.ok(runUntilState(rig, ModemState.Online, 60000));
    assert.deepStrictEqual(modem.commands.slice(before), ["AT+NETOPEN?", "AT+NETCLOSE", "AT+NETOPEN", "AT+IPADDR"]);
    assert.strictEqual(rig.log.filter((l) => l === "lost:network").length, 1);
    assert.strictEqual(rig.sup.status().counters.recoveries, 1);
  });

  it("retries NETOPEN with doubling backoff and resets the module after maxNetRetries", () => {
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
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    net.open = false;
    failing = true;
    const t0 = rig.hal.clock.now();
    modem.send("\r\n+CGEV: NW PDN DEACT 1\r\n");
    assert.ok(runUntilState(rig, ModemState.Resetting, 60000));
    const opens = rig.hal.wire.hostLog.filter((r) => r.data === "AT+NETOPEN\r" && r.t >= t0).map((r) => Math.round(r.t - t0));
    assert.strictEqual(opens.length, 3);
    assert.ok(opens[1] - opens[0] >= 2000 && opens[2] - opens[1] >= 4000, "backoff doubles: " + opens.join(","));
  });

  it("takes a late boot URC while online for what it is when the network is still open", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    modem.send("\r\nPB DONE\r\n");
    rig.hal.clock.advance(2000);
    assert.strictEqual(rig.sup.getState(), ModemState.Online);
    assert.strictEqual(rig.sup.status().counters.lateBootUrcs, 1);
    assert.ok(!rig.log.some((l) => l.indexOf("lost:") === 0));
  });

  it("detects a reboot while online (banner, network closed): links lost once, bring-up redone", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    net.open = false;
    modem.send("\r\n*ATREADY: 1\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n");
    assert.ok(runUntilState(rig, ModemState.Configuring, 2000));
    assert.ok(runUntilState(rig, ModemState.Online, 20000));
    assert.strictEqual(rig.sup.status().counters.reboots, 1);
    assert.deepStrictEqual(rig.log.filter((l) => l.indexOf("lost:") === 0), ["lost:reboot"]);
  });

  it("power-cycles a module that stops answering while online, with a long PWRKEY press", () => {
    const rig = makeRig({ healthCheckMs: 5000, searchBauds: [] });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    // The module hangs: it answers nothing until it is power-cycled.
    const silent = new FakeModem(rig.hal); // replaces the answering handler: no rules
    void silent;
    let pressedAt = -1;
    rig.hal.pwrkey.onChange((active, at) => {
      if (active) pressedAt = at;
      else if (pressedAt >= 0 && at - pressedAt >= rig.board.pwrkey!.offPressMs) {
        rig.hal.clock.setTimeout(() => healthyModem(rig), 1); // it boots again after the cycle
      }
    });
    assert.ok(runUntilState(rig, ModemState.Resetting, 60000), rig.log.join(" "));
    assert.ok(runUntilState(rig, ModemState.Online, 120000), rig.log.join(" "));
    const st = rig.sup.status();
    assert.strictEqual(st.counters.powerCycles, 1);
    assert.ok(st.counters.timeouts >= 3);
    assert.deepStrictEqual(rig.log.filter((l) => l.indexOf("lost:") === 0), ["lost:reset"]);
    void modem;
  });

  it("fails as 'power' when nothing ever answers, after the boot timeout and a baud search", () => {
    const rig = makeRig({ healthCheckMs: 0, bootTimeoutMs: 5000, searchBauds: [9600] });
    new FakeModem(rig.hal);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Failed, 60000));
    assert.strictEqual(rig.sup.status().lastError!.kind, "power");
  });

  it("leaves no timer, event or queued command behind after 100 recovery cycles", () => {
    const rig = makeRig({ healthCheckMs: 0, backoffMinMs: 10 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    const urcs = rig.engine.urcTable();
    for (let i = 0; i < 100; i++) {
      modem.send("\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
      assert.ok(runUntilState(rig, ModemState.Recovering, 1000));
      assert.ok(runUntilState(rig, ModemState.Online, 10000));
    }
    rig.hal.clock.advance(1000);
    assert.strictEqual(rig.sup.status().counters.recoveries, 100);
    assert.strictEqual(rig.sched.armedTimers(), 0);
    assert.strictEqual(rig.sched.queued(), 0);
    assert.strictEqual(rig.sup.pendingEvents(), 0);
    assert.strictEqual(rig.engine.queued(), 0);
    assert.ok(!rig.engine.busy());
    assert.strictEqual(rig.hal.clock.pending(), 0);
    assert.strictEqual(urcs.handlerErrors, 0);
    assert.strictEqual(rig.sup.listenerErrors, 0);
  });

  it("powers off with NETCLOSE and AT+CPOF on stop()", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    rig.sup.stop();
    assert.ok(runUntilState(rig, ModemState.Off, 10000));
    assert.deepStrictEqual(modem.commands.slice(-2), ["AT+NETCLOSE", "AT+CPOF"]);
    assert.deepStrictEqual(rig.log.filter((l) => l.indexOf("lost:") === 0), ["lost:stop"]);
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
    assert.ok(runUntilState(rig, ModemState.Online, 30000), rig.log.join(" "));
    assert.ok(!rig.log.some((l) => l === "state:baud-search"));
    const press = rig.hal.pinLog.find((p) => p.pin === "pwrkey" && p.active)!;
    assert.ok(press.t <= 200, "pressed right after the power settle time, at " + press.t);
  });
});

describe("modem supervisor stop", () => {
  it("can close the network and leave the module powered (host runner on a desk modem)", () => {
    const rig = makeRig({ healthCheckMs: 0 });
    const { modem, net } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    rig.sup.stop(true);
    assert.ok(runUntilState(rig, ModemState.Off, 10000));
    assert.strictEqual(modem.commands[modem.commands.length - 1], "AT+NETCLOSE");
    assert.strictEqual(net.open, false);
    assert.strictEqual(modem.commands.indexOf("AT+CPOF"), -1);
  });
});

describe("modem supervisor data-mode settings", () => {
  it("sets AT&D1 before NETOPEN when transparent mode leaves data mode with DTR", () => {
    const rig = makeRig({ dataMode: "transparent", escapeWithDtr: true, healthCheckMs: 0 });
    const { modem } = healthyModem(rig, { "AT&D1": OK });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    const i = modem.commands.indexOf("AT&D1");
    assert.ok(i > 0 && i < modem.commands.indexOf("AT+NETOPEN"), modem.commands.join(" "));
  });

  it("runs no periodic health check in transparent mode (it would interrupt the data stream)", () => {
    const rig = makeRig({ dataMode: "transparent", healthCheckMs: 1000 });
    const { modem } = healthyModem(rig);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 10000));
    const n = modem.commands.length;
    rig.hal.clock.advance(10000);
    assert.strictEqual(modem.commands.length, n);
    const buffer = makeRig({ dataMode: "buffer", healthCheckMs: 1000 });
    const b = healthyModem(buffer).modem;
    buffer.sup.start();
    assert.ok(runUntilState(buffer, ModemState.Online, 10000));
    const m = b.commands.length;
    buffer.hal.clock.advance(10000);
    assert.ok(b.commands.length - m >= 9, "AT+CSQ about every second in buffer mode");
  });
});
