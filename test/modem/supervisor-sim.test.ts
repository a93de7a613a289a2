// Tests of the modem supervisor against the A76XX simulator on the host test HAL (virtual clock).
import * as assert from "assert";
import { AtResult } from "../../firmware/at/command";
import { A76xxSim, pumpUntil, TcpPeer } from "../../tools/sim/index";
import { Profile } from "../../tools/sim/boot";
import { advance, lost, makeRig, Rig, runUntilState, stateOf } from "./rig";

interface SimRig extends Rig {
  sim: A76xxSim;
}

const sims: A76xxSim[] = [];

function simRig(options: { [name: string]: unknown }, sim: { profile?: Profile; startPoweredOn?: boolean; bootMs?: number }, boardId?: string): SimRig {
  const rig = makeRig(Object.assign({ apn: "internet", healthCheckMs: 0 }, options), boardId);
  const s = new A76xxSim({ clock: rig.hal.clock, profile: sim.profile || "clean", startPoweredOn: sim.startPoweredOn === true, bootMs: sim.bootMs || 3000 });
  s.attach(rig.hal.wire.modem, { pwrkey: rig.hal.pwrkey, dtr: rig.hal.dtr, reset: rig.hal.reset, powerEnable: rig.hal.powerEnable }, { toHost: rig.hal.wire.toHost });
  sims.push(s);
  return Object.assign(rig, { sim: s });
}

describe("modem supervisor on the simulator", () => {
  afterEach(() => {
    while (sims.length) (sims.pop() as A76xxSim).close();
  });

  it("powers a switched-off module on with PWRKEY and brings it online (clean profile)", () => {
    const rig = simRig({}, {});
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 60000), rig.log.join(" "));
    assert.ok(rig.sim.netOpen);
    assert.strictEqual(rig.sup.facts.ip, "10.148.0.17");
    assert.strictEqual(rig.sup.facts.signal!.dbm, -67);
    assert.ok(rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active));
    assert.ok(rig.sup.powered);
  });

  it("comes online through every field quirk: late banners, SIM busy, extra blank lines, idempotence answers", () => {
    const rig = simRig({}, { profile: "field-quirks" });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 90000), rig.log.join(" "));
    // Late and repeated boot URCs after we are online must not be taken for a reboot.
    advance(rig, 20000);
    assert.strictEqual(stateOf(rig), "online", rig.log.join(" "));
    assert.strictEqual(rig.sup.counters.reboots, 0);
    assert.deepStrictEqual(lost(rig), []);
  });

  it("does not press PWRKEY on a module that is already running", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active));
  });

  it("reports a missing SIM as an error without retrying forever", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.simNotReady("absent");
    rig.sup.start();
    assert.ok(runUntilState(rig, "failed", 60000), rig.log.join(" "));
    assert.strictEqual(rig.sup.lastError!.kind, "sim-missing");
    const asked = rig.hal.wire.hostLog.filter((r) => r.data === "AT+CPIN?\r").length;
    advance(rig, 30000);
    assert.strictEqual(rig.hal.wire.hostLog.filter((r) => r.data === "AT+CPIN?\r").length, asked, "no more questions once failed");
  });

  it("waits for a SIM that is busy at first and goes on when it is ready", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.simNotReady("busy");
    rig.sup.start();
    advance(rig, 4000);
    assert.strictEqual(stateOf(rig), "configuring");
    rig.sim.fault.simNotReady(false);
    assert.ok(runUntilState(rig, "online", 30000), rig.log.join(" "));
  });

  it("reports registration denied", () => {
    const rig = simRig({ registrationTimeoutMs: 20000 }, { startPoweredOn: true });
    rig.sim.fault.registration("denied");
    rig.sup.start();
    assert.ok(runUntilState(rig, "failed", 60000), rig.log.join(" "));
    const err = rig.sup.lastError!;
    assert.strictEqual(err.kind, "registration");
    assert.ok(/denied/.test(err.text));
  });

  it("waits while registration is searching and continues once registered", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.registration("searching");
    rig.sup.start();
    assert.ok(runUntilState(rig, "registering", 20000));
    advance(rig, 12000);
    assert.strictEqual(stateOf(rig), "registering");
    assert.strictEqual(rig.sup.regText(rig.sup.facts.cereg), "searching");
    rig.sim.fault.registration("roaming");
    assert.ok(runUntilState(rig, "online", 30000), rig.log.join(" "));
    assert.strictEqual(rig.sup.regText(rig.sup.facts.cereg), "roaming");
    assert.ok(rig.progress.length >= 1 && /^registering: LTE searching/.test(rig.progress[0].text), JSON.stringify(rig.progress));
  });

  it("recovers from a NETOPEN failure by resetting the module (vendor advice)", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sim.fault.netopenFails(1);
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 90000), rig.log.join(" "));
    assert.strictEqual(rig.sup.counters.resets, 1);
  });

  it("gives up as 'gave-up' after maxResets resets in a row that do not bring it online, and starts afresh on start()", () => {
    const rig = simRig({ maxResets: 2 }, { startPoweredOn: true });
    rig.sim.fault.netopenFails(3);
    rig.sup.start();
    assert.ok(runUntilState(rig, "failed", 120000), rig.log.join(" "));
    assert.strictEqual(rig.sup.lastError!.kind, "gave-up");
    assert.ok(/after 2 resets/.test(rig.sup.lastError!.text), rig.sup.lastError!.text);
    assert.strictEqual(rig.sup.counters.resets, 3, "two resets, the third refused");
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 60000), rig.log.join(" "));
    assert.strictEqual(rig.sup.lastError, null);
  });

  it("recovers from a network drop within a bounded time, telling link owners once", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    const t0 = rig.hal.clock.now();
    rig.sim.fault.dropNetwork();
    assert.ok(runUntilState(rig, "recovering", 1000));
    assert.ok(runUntilState(rig, "online", 10000), rig.log.join(" "));
    assert.ok(rig.hal.clock.now() - t0 < 10000);
    assert.deepStrictEqual(lost(rig), ["lost:network"]);
    assert.ok(rig.sim.netOpen);
  });

  it("recovers from a PDN loss announced only by +CGEV", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    rig.sim.fault.pdnLoss(false);
    assert.ok(runUntilState(rig, "recovering", 2000), rig.log.join(" "));
    assert.ok(runUntilState(rig, "online", 20000), rig.log.join(" "));
    assert.deepStrictEqual(lost(rig), ["lost:network"]);
  });

  it("notices a reboot mid-session and brings the module up again", () => {
    const rig = simRig({}, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    rig.sim.fault.reboot();
    assert.ok(runUntilState(rig, "configuring", 10000), rig.log.join(" "));
    assert.ok(runUntilState(rig, "online", 30000), rig.log.join(" "));
    assert.strictEqual(rig.sup.counters.reboots, 1);
    assert.deepStrictEqual(lost(rig), ["lost:reboot"]);
    assert.strictEqual(rig.sim.echo, false, "ATE0 sent again after the reboot");
  });

  it("notices a reboot under a long command at once: the boot banner hurries it (new)", () => {
    const rig = simRig({}, { startPoweredOn: true, bootMs: 3000 });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    // The module reboots right after taking a DNS look-up (deadline 70 s): its banner comes bootMs later.
    rig.sim.fault.at("echo", "reboot", "AT+CDNSGIP");
    let res: AtResult | undefined;
    rig.engine.submit({ request: 'AT+CDNSGIP="example.com"', match: "+CDNSGIP:", timeout: 70000 }, (r) => (res = r));
    const t0 = rig.hal.clock.now();
    assert.ok(runUntilState(rig, "configuring", 20000), rig.log.join(" "));
    const noticed = rig.hal.clock.now() - t0;
    assert.ok(noticed < 3000 + 4000, "reboot noticed " + noticed + " ms after it happened (banner at 3000 ms)");
    assert.ok(res && res.error && res.error.kind === "timeout", "the look-up ended as a timeout, not at its 70 s deadline");
    assert.ok(runUntilState(rig, "online", 30000), rig.log.join(" "));
    assert.strictEqual(rig.sup.counters.reboots, 1);
    assert.deepStrictEqual(lost(rig), ["lost:reboot"]);
  });

  it("power-cycles a module that goes silent and brings it back within a bounded time", () => {
    const rig = simRig({ healthCheckMs: 5000 }, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    const t0 = rig.hal.clock.now();
    rig.sim.fault.hang(true);
    assert.ok(runUntilState(rig, "resetting", 30000), rig.log.join(" "));
    assert.ok(runUntilState(rig, "online", 60000), rig.log.join(" "));
    assert.ok(rig.hal.clock.now() - t0 < 60000, "recovered in " + (rig.hal.clock.now() - t0) + " ms");
    assert.strictEqual(rig.sup.counters.powerCycles, 1);
    assert.deepStrictEqual(lost(rig), ["lost:reset"]);
  });

  it("brings back a module that lost its power while online, also where a PWRKEY pulse toggles a running module (field quirk)", () => {
    for (const profile of ["clean", "field-quirks"] as Profile[]) {
      const rig = simRig({ healthCheckMs: 5000 }, { startPoweredOn: true, profile });
      rig.sup.start();
      assert.ok(runUntilState(rig, "online", 60000), profile + ": " + rig.log.join(" "));
      const t0 = rig.hal.clock.now();
      rig.sim.fault.powerCut();
      assert.ok(runUntilState(rig, "resetting", 30000), profile + ": " + rig.log.join(" "));
      assert.ok(runUntilState(rig, "online", 120000), profile + ": " + rig.log.join(" ") + " " + JSON.stringify(rig.sup.lastError));
      assert.ok(rig.hal.clock.now() - t0 < 90000, profile + ": back after " + (rig.hal.clock.now() - t0) + " ms");
      assert.strictEqual(rig.sup.counters.powerCycles, 1, profile);
      assert.deepStrictEqual(lost(rig), ["lost:reset"], profile);
    }
  });

  it("notices a reboot, a freeze and a network drop within 10 s each with the default health check (buffer and push mode)", () => {
    const faults: Array<[string, (sim: A76xxSim) => void, string]> = [
      ["reboot", (sim) => sim.fault.reboot(), "configuring"],
      ["freeze", (sim) => sim.fault.hang(true), "resetting"],
      ["drop", (sim) => sim.fault.dropNetwork(), "recovering"],
    ];
    for (const dataMode of ["buffer", "push"]) {
      for (const [name, inject, state] of faults) {
        const rig = simRig({ dataMode, healthCheckMs: 5000 }, { startPoweredOn: true });
        rig.sup.start();
        assert.ok(runUntilState(rig, "online", 30000));
        // The worst moment for a freeze: right after an answer, so the line looks alive for healthCheckMs.
        rig.engine.submit({ request: "AT", timeout: 1000 }, undefined);
        advance(rig, 100);
        const t0 = rig.hal.clock.now();
        inject(rig.sim);
        assert.ok(runUntilState(rig, state, 10000), dataMode + " " + name + " not noticed within 10 s: " + rig.log.join(" "));
      }
    }
  });

  it("leaves no timer, event, command or URC handler error behind after 100 network recoveries", () => {
    const rig = simRig({ backoffMinMs: 10 }, { startPoweredOn: true });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    for (let i = 0; i < 100; i++) {
      rig.sim.fault.dropNetwork();
      assert.ok(runUntilState(rig, "recovering", 2000));
      assert.ok(runUntilState(rig, "online", 20000));
    }
    // The engine's one deadline timer lapses on its own (at most a NETOPEN deadline, 130 s).
    advance(rig, 200000);
    assert.strictEqual(rig.sup.counters.recoveries, 100);
    assert.strictEqual(rig.sched.armed, 0);
    assert.strictEqual(rig.sched.pending(), 0);
    assert.strictEqual(rig.engine.queued(), 0);
    assert.ok(!rig.engine.busy());
    assert.strictEqual(rig.engine.stats.errors, 0);
    assert.strictEqual(rig.sched.stats.errors, 0);
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
    rig.hooks.push({
      state: (s) => {
        if (s === "attaching" && !rebooted) {
          rebooted = true;
          rig.sim.fault.reboot();
        }
      },
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 90000), rig.log.join(" "));
    assert.ok(rebooted);
    assert.strictEqual(rig.sim.rxMode, 1, "AT+CIPRXGET=1 set again after the reboot");
    assert.ok(rig.log.filter((l) => l === "state:configuring").length >= 2, rig.log.join(" "));
    assert.strictEqual(rig.sup.lastError, null);
  });

  it("lets go of PWRKEY when stopped in the middle of a power-cycle press", () => {
    const rig = simRig({ healthCheckMs: 5000 }, { startPoweredOn: true });
    rig.hooks.push({
      linksLost: (why) => {
        if (why === "reset") rig.sup.stop(true);
      },
    });
    rig.sup.start();
    assert.ok(runUntilState(rig, "online", 30000));
    rig.sim.fault.hang(true);
    assert.ok(runUntilState(rig, "off", 60000), rig.log.join(" "));
    advance(rig, 10000);
    assert.strictEqual(rig.hal.pwrkey.level, false, "PWRKEY released");
  });
});

describe("modem supervisor on the simulator: a module left in transparent data mode (issue 16 item 2)", () => {
  let peer: TcpPeer | undefined;
  afterEach(async () => {
    while (sims.length) (sims.pop() as A76xxSim).close();
    if (peer) await peer.close();
    peer = undefined;
  });

  /** A previous program put the module in data mode on a link to `peer`, then died without leaving it. */
  async function leftInDataMode(rig: SimRig, p: TcpPeer): Promise<void> {
    const uart = rig.hal.uart;
    let got = "";
    uart.setup(115200);
    uart.onData((d) => (got += d));
    const step = async (cmd: string, until: string): Promise<void> => {
      got = "";
      uart.write(cmd + "\r");
      assert.ok(await pumpUntil(rig.hal.clock, () => got.indexOf(until) >= 0, { maxVirtualMs: 10000, maxRealMs: 5000 }), cmd + " → " + JSON.stringify(got));
    };
    await step("AT+CIPMODE=1", "OK");
    await step("AT+NETOPEN", "+NETOPEN: 0");
    await step('AT+CIPOPEN=0,"TCP","127.0.0.1",' + p.port, "CONNECT");
    got = "";
    uart.write("ping");
    assert.ok(await pumpUntil(rig.hal.clock, () => got === "ping", { maxVirtualMs: 5000, maxRealMs: 5000 }), "echoed through the link");
    assert.ok(rig.sim.dataMode);
    uart.close(); // the program dies; the module stays in data mode
  }

  it("escapes with +++ and its guard times before calling the module dead, then brings it up without PWRKEY", async () => {
    const rig = simRig({}, { startPoweredOn: true });
    peer = await TcpPeer.listen();
    await leftInDataMode(rig, peer);
    const t0 = rig.hal.clock.now();
    rig.sup.start();
    const online = await pumpUntil(rig.hal.clock, () => stateOf(rig) === "online" || stateOf(rig) === "failed", { maxVirtualMs: 90000, maxRealMs: 15000, stepMs: 20 });
    const sent = rig.hal.wire.hostLog.filter((r) => r.t >= t0);
    assert.ok(
      sent.some((r) => r.data === "+++"),
      "no +++ escape was tried; the host wrote: " + JSON.stringify(sent.slice(0, 12).map((r) => r.data)) + " … state " + stateOf(rig) + " " + JSON.stringify(rig.sup.lastError),
    );
    assert.ok(online && stateOf(rig) === "online", rig.log.join(" "));
    assert.ok(!rig.hal.pinLog.some((p) => p.pin === "pwrkey" && p.active), "no PWRKEY press on a running module");
    assert.ok(!rig.sim.dataMode);
    // The guard times: ≥ 1 s of silence before "+++", nothing written for 1 s after it.
    const i = sent.findIndex((r) => r.data === "+++");
    assert.ok(i > 0, "something was tried before the escape");
    const before = sent[i - 1];
    assert.ok(sent[i].t - (before.t + (before.data.length * 10000) / 115200) >= 1000, "silence before +++: " + (sent[i].t - before.t) + " ms");
    assert.ok(sent[i + 1].t - (sent[i].t + 30000 / 115200) >= 1000, "silence after +++: " + (sent[i + 1].t - sent[i].t) + " ms");
    assert.ok(peer.all().indexOf("+++") < 0, "the escape did not reach the peer");
    assert.strictEqual(rig.sim.link(0).state, "closed", "the bring-up closed the stale link (NETCLOSE)");
    assert.strictEqual(rig.sim.rxMode, 1);
    assert.strictEqual(rig.sup.counters.resets, 0);
    assert.ok(rig.hal.clock.now() - t0 < 15000, "online " + (rig.hal.clock.now() - t0) + " ms after start");
  });
  it("stops cleanly in the middle of the escape: NETCLOSE is written and the modem ends off", async () => {
    const rig = simRig({}, { startPoweredOn: true });
    peer = await TcpPeer.listen();
    await leftInDataMode(rig, peer);
    const t0 = rig.hal.clock.now();
    rig.sup.start();
    assert.ok(await pumpUntil(rig.hal.clock, () => rig.hal.wire.hostLog.some((r) => r.t >= t0 && r.data === "+++"), { maxVirtualMs: 10000, maxRealMs: 5000, stepMs: 20 }));
    // The escape is the engine's raw "+++" command with its guard deadline: stop while it waits.
    assert.ok(rig.engine.busy(), "the escape is in flight");
    rig.sup.stop(true);
    assert.ok(await pumpUntil(rig.hal.clock, () => stateOf(rig) === "off", { maxVirtualMs: 60000, maxRealMs: 10000, stepMs: 20 }), rig.log.join(" "));
    assert.ok(!rig.engine.borrowed() && !rig.engine.stalled(), "the engine is free");
    assert.ok(rig.hal.wire.hostLog.some((r) => r.t >= t0 && r.data === "AT+NETCLOSE\r"), "stop's NETCLOSE was written");
  });
});
