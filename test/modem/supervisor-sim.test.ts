// Tests of the modem supervisor against the A76XX simulator on the host test HAL (virtual clock).
import * as assert from "assert";
import { ModemState } from "../../firmware/modem/supervisor";
import { ModemOptions } from "../../firmware/modem/options";
import { A76xxSim } from "../../tools/sim/index";
import { Profile } from "../../tools/sim/boot";
import { makeRig, Rig, runUntilState } from "./rig";

interface SimRig extends Rig {
  sim: A76xxSim;
}

const sims: A76xxSim[] = [];

function simRig(options: Partial<ModemOptions>, sim: { profile?: Profile; startPoweredOn?: boolean; bootMs?: number }, boardId?: string): SimRig {
  const rig = makeRig(Object.assign({ apn: "internet", healthCheckMs: 0 }, options), boardId);
  const s = new A76xxSim({ clock: rig.hal.clock, profile: sim.profile || "clean", startPoweredOn: sim.startPoweredOn === true, bootMs: sim.bootMs || 3000 });
  s.attach(rig.hal.wire.modem, { pwrkey: rig.hal.pwrkey, dtr: rig.hal.dtr, reset: rig.hal.reset, powerEnable: rig.hal.powerEnable }, { toHost: rig.hal.wire.toHost });
  sims.push(s);
  return Object.assign(rig, { sim: s });
}

function lost(rig: Rig): string[] {
  return rig.log.filter((l) => l.indexOf("lost:") === 0);
}

describe("modem supervisor on the simulator", () => {
  afterEach(() => {
    while (sims.length) (sims.pop() as A76xxSim).close();
  });

  it("powers a switched-off module on with PWRKEY and brings it online (clean profile)", () => {
    const rig = simRig({}, {});
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 60000), rig.log.join(" "));
    assert.ok(rig.sim.netOpen);
    const st = rig.sup.status();
    assert.strictEqual(st.ip, "10.148.0.17");
    assert.strictEqual(st.signal!.dbm, -67);
    assert.ok(rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active));
  });

  it("comes online through every field quirk: late banners, SIM busy, extra blank lines, idempotence answers", () => {
    const rig = simRig({}, { profile: "field-quirks" });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 90000), rig.log.join(" "));
    // Late and repeated boot URCs after we are online must not be taken for a reboot.
    rig.hal.clock.advance(20000);
    assert.strictEqual(rig.sup.getState(), ModemState.Online, rig.log.join(" "));
    assert.strictEqual(rig.sup.status().counters.reboots, 0);
    assert.deepStrictEqual(lost(rig), []);
  });

  it("does not press PWRKEY on a module that is already running", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active));
  });

  it("reports a missing SIM as an error without retrying forever", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.simNotReady("absent");
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Failed, 60000), rig.log.join(" "));
    assert.strictEqual(rig.sup.status().lastError!.kind, "sim-missing");
  });

  it("waits for a SIM that is busy at first and goes on when it is ready", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.simNotReady("busy");
    rig.sup.start();
    rig.hal.clock.advance(4000);
    assert.strictEqual(rig.sup.getState(), ModemState.Configuring);
    rig.sim.fault.simNotReady(false);
    assert.ok(runUntilState(rig, ModemState.Online, 30000), rig.log.join(" "));
  });

  it("reports registration denied", () => {
    const rig = simRig({ registrationTimeoutMs: 20000 }, { startPoweredOn: true });
    rig.sim.fault.registration("denied");
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Failed, 60000), rig.log.join(" "));
    const err = rig.sup.status().lastError!;
    assert.strictEqual(err.kind, "registration");
    assert.ok(/denied/.test(err.text));
  });

  it("waits while registration is searching and continues once registered", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.registration("searching");
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Registering, 20000));
    rig.hal.clock.advance(10000);
    assert.strictEqual(rig.sup.getState(), ModemState.Registering);
    assert.strictEqual(rig.sup.status().cereg, "searching");
    rig.sim.fault.registration("roaming");
    assert.ok(runUntilState(rig, ModemState.Online, 30000), rig.log.join(" "));
    assert.strictEqual(rig.sup.status().cereg, "roaming");
  });

  it("recovers from a NETOPEN failure by resetting the module (vendor advice)", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.netopenFails(1);
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 90000), rig.log.join(" "));
    assert.strictEqual(rig.sup.status().counters.resets, 1);
  });

  it("recovers from a network drop within a bounded time, telling link owners once", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    const t0 = rig.hal.clock.now();
    rig.sim.fault.dropNetwork();
    assert.ok(runUntilState(rig, ModemState.Recovering, 1000));
    assert.ok(runUntilState(rig, ModemState.Online, 10000), rig.log.join(" "));
    assert.ok(rig.hal.clock.now() - t0 < 10000);
    assert.deepStrictEqual(lost(rig), ["lost:network"]);
    assert.ok(rig.sim.netOpen);
  });

  it("recovers from a PDN loss announced only by +CGEV", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    rig.sim.fault.pdnLoss(false);
    assert.ok(runUntilState(rig, ModemState.Recovering, 2000), rig.log.join(" "));
    assert.ok(runUntilState(rig, ModemState.Online, 20000), rig.log.join(" "));
  });

  it("notices a reboot mid-session and brings the module up again", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    rig.sim.fault.reboot();
    assert.ok(runUntilState(rig, ModemState.Configuring, 10000), rig.log.join(" "));
    assert.ok(runUntilState(rig, ModemState.Online, 30000), rig.log.join(" "));
    assert.strictEqual(rig.sup.status().counters.reboots, 1);
    assert.deepStrictEqual(lost(rig), ["lost:reboot"]);
  });

  it("power-cycles a module that goes silent and brings it back within a bounded time", () => {
    const rig = simRig({ healthCheckMs: 5000 }, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    const t0 = rig.hal.clock.now();
    rig.sim.fault.hang(true);
    assert.ok(runUntilState(rig, ModemState.Resetting, 30000), rig.log.join(" "));
    assert.ok(runUntilState(rig, ModemState.Online, 60000), rig.log.join(" "));
    assert.ok(rig.hal.clock.now() - t0 < 60000, "recovered in " + (rig.hal.clock.now() - t0) + " ms");
    assert.strictEqual(rig.sup.status().counters.powerCycles, 1);
  });

  it("leaves no timer, event, command or URC handler behind after 100 network recoveries", () => {
    const rig = simRig({ backoffMinMs: 10 }, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    rig.hal.clock.advance(100);
    const timers0 = rig.sched.armedTimers();
    for (let i = 0; i < 100; i++) {
      rig.sim.fault.dropNetwork();
      assert.ok(runUntilState(rig, ModemState.Recovering, 2000));
      assert.ok(runUntilState(rig, ModemState.Online, 20000));
    }
    rig.hal.clock.advance(100);
    assert.strictEqual(rig.sup.status().counters.recoveries, 100);
    assert.strictEqual(rig.sched.armedTimers(), timers0);
    assert.strictEqual(rig.sched.queued(), 0);
    assert.strictEqual(rig.sup.pendingEvents(), 0);
    assert.strictEqual(rig.engine.queued(), 0);
    assert.strictEqual(rig.engine.urcTable().handlerErrors, 0);
    assert.strictEqual(lost(rig).length, 100);
  });
});

describe("modem supervisor on the simulator: interruptions during bring-up", () => {
  afterEach(() => {
    while (sims.length) (sims.pop() as A76xxSim).close();
  });

  it("notices a reboot while attaching (echo is back) and redoes the bring-up instead of failing on the APN", () => {
    const rig = simRig({}, { startPoweredOn: true });
    let rebooted = false;
    rig.sup.addListener({
      state: (s) => {
        if (s === ModemState.Attaching && !rebooted) {
          rebooted = true;
          rig.sim.fault.reboot();
        }
      },
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 90000), rig.log.join(" "));
    assert.ok(rebooted);
    assert.strictEqual(rig.sim.rxMode, 1, "AT+CIPRXGET=1 set again after the reboot");
    assert.ok(rig.log.filter((l) => l === "state:configuring").length >= 2, rig.log.join(" "));
  });

  it("lets go of PWRKEY when stopped in the middle of a power-cycle press", () => {
    const rig = simRig({ healthCheckMs: 5000 }, { startPoweredOn: true });
    rig.sup.addListener({
      linksLost: (why) => {
        if (why === "reset") rig.sup.stop(true);
      },
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, ModemState.Online, 30000));
    rig.sim.fault.hang(true);
    assert.ok(runUntilState(rig, ModemState.Off, 60000), rig.log.join(" "));
    rig.hal.clock.advance(10000);
    assert.strictEqual(rig.hal.pwrkey.level, false, "PWRKEY released");
  });
});
