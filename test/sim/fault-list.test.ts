// The CLI's fault list (`make sim FAULTS=…`) parses into the same fault calls tests use, and the test peer can stop reading.
import * as assert from "assert";
import { applyFault, FAULT_NAMES, faultHelp, parseFaults } from "../../tools/sim/faults";
import { TcpPeer } from "../../tools/sim/peers";
import { ERROR, Host, line, OK } from "./helpers";

describe("sim: fault lists and peers", () => {
  let h: Host;
  let peer: TcpPeer | undefined;
  afterEach(async () => {
    h.close();
    if (peer) await peer.close();
    peer = undefined;
  });

  it("parses name[:arg][@ms] items and rejects unknown names", () => {
    h = new Host();
    assert.deepStrictEqual(parseFaults("sim-busy, netopen-fail:2,drop-network@30000,urc:+CGEV: NW REATTACH"), [
      { name: "sim-busy", arg: undefined, atMs: undefined },
      { name: "netopen-fail", arg: "2", atMs: undefined },
      { name: "drop-network", arg: undefined, atMs: 30000 },
      { name: "urc", arg: "+CGEV: NW REATTACH", atMs: undefined },
    ]);
    assert.throws(() => parseFaults("explode"), /unknown fault 'explode'/);
    assert.deepStrictEqual(parseFaults(""), []);
  });

  it("takes a comma inside a URC written as \\, and parses send-buffer-full", () => {
    h = new Host();
    assert.deepStrictEqual(parseFaults("urc:+CGEV: ME PDN ACT 8\\,1@500,send-buffer-full:1:3000"), [
      { name: "urc", arg: "+CGEV: ME PDN ACT 8,1", atMs: 500 },
      { name: "send-buffer-full", arg: "1:3000", atMs: undefined },
    ]);
  });

  it("parses the robustness faults and refuses, at parse time, arguments they could not apply", () => {
    h = new Host();
    assert.deepStrictEqual(parseFaults("reboot-at:prompt,hang-at:ok:AT+CIPSEND=1\\,5,power-cut-at:echo@200,slow:2500:AT+CSQ,slow-next:2500:2"), [
      { name: "reboot-at", arg: "prompt", atMs: undefined },
      { name: "hang-at", arg: "ok:AT+CIPSEND=1,5", atMs: undefined },
      { name: "power-cut-at", arg: "echo", atMs: 200 },
      { name: "slow", arg: "2500:AT+CSQ", atMs: undefined },
      { name: "slow-next", arg: "2500:2", atMs: undefined },
    ]);
    assert.throws(() => parseFaults("hang-at:later"), /the point is echo, prompt or ok/);
    assert.throws(() => parseFaults("slow-next:soon"), /'soon' is not a number/);
    assert.throws(() => parseFaults("rx-length-lie"), /'' is not a number/);
    assert.throws(() => parseFaults("push-from:10.9.9.9:port"), /'port' is not a number/);
  });

  it("every listed fault name is applied, and the help lists each one", () => {
    h = new Host({ echo: false });
    const args: { [name: string]: string } = {
      "remote-close": "1", "send-timeout": "1", "send-buffer-full": "1:10", "reboot-at": "ok", "hang-at": "ok", "power-cut-at": "ok",
      "slow-next": "10", slow: "10:AT", "rx-length-lie": "1", urc: "RING", chunk: "8", garbage: "2",
    };
    const help = faultHelp();
    for (const name of Object.keys(FAULT_NAMES)) {
      assert.ok(help.some((l) => l.indexOf("  " + name) === 0 && /^[:\[ ]/.test(l.substr(2 + name.length))), "help lists " + name);
      const item = parseFaults(args[name] !== undefined ? name + ":" + args[name] : name)[0];
      assert.doesNotThrow(() => applyFault(h.sim.fault, item), name);
    }
    assert.throws(() => applyFault(h.sim.fault, { name: "no-such" }), /listed but not applied/);
  });

  it("the typed robustness faults act on the simulator", async () => {
    h = new Host({ echo: false, bootMs: 300 });
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    for (const f of parseFaults("dns-corrupt,push-from:10.9.9.9:4444:GET /evil,slow-next:500")) applyFault(h.sim.fault, f);
    assert.strictEqual(await h.settle(20), line("+RECV FROM:10.9.9.9:4444") + "+IPD9\r\nGET /evil");
    h.send('AT+CDNSGIP="localhost"\r');
    assert.strictEqual(await h.settle(450), "");
    await h.until(OK);
    assert.strictEqual(await h.settle(10), line('+CDNSGIP: 1,"localhost","127.0.\x01.1"') + OK);
    for (const f of parseFaults("reboot-at:ok:AT+CSQ")) applyFault(h.sim.fault, f);
    await h.expect("AT+CSQ", line("+CSQ: 23,99") + OK);
    await h.until("PB DONE\r\n");
  });

  it("applies parsed faults to the simulator", async () => {
    h = new Host({ echo: false });
    for (const f of parseFaults("sim-absent,searching,netopen-fail:1,urc:RING")) applyFault(h.sim.fault, f);
    assert.strictEqual(await h.settle(10), line("RING"));
    await h.expect("AT+CPIN?", ERROR);
    for (const f of parseFaults("sim-ready,home")) applyFault(h.sim.fault, f);
    assert.strictEqual(await h.settle(10), line("+CPIN: READY"));
    await h.expect("AT+CREG?", line("+CREG: 0,1") + OK);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 1"), "+NETOPEN: 1\r\n");
  });

  it("a peer that stops reading receives nothing until it resumes", async () => {
    h = new Host({ echo: false });
    peer = await TcpPeer.listen({ echo: false });
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    await h.expect(`AT+CIPOPEN=1,"TCP","127.0.0.1",${peer.port}`, OK + line("+CIPOPEN: 1,0"), "+CIPOPEN: 1,0\r\n");
    await h.until(() => peer!.conns.length === 1);
    peer.stopReading();
    h.send("AT+CIPSEND=1,5\r");
    await h.until("> ");
    h.send("HELLO");
    await h.until("+CIPSEND: 1,5,5\r\n");
    await h.settle(200);
    assert.strictEqual(peer.all(), "");
    peer.resumeReading();
    await h.until(() => peer!.all() === "HELLO");
  });

  it("help prints each fault once: its form, two spaces, what it does (no name run into its own text)", () => {
    h = new Host(); // afterEach closes one
    const lines = faultHelp();
    const names = Object.keys(FAULT_NAMES).concat(["state", "help"]);
    assert.strictEqual(lines.length, names.length);
    const column = lines[0].length - /^  \S+ +(\S.*)$/.exec(lines[0])![1].length;
    lines.forEach((l, i) => {
      const m = /^  (\S+)( {2,})(\S.*)$/.exec(l);
      assert.ok(m, JSON.stringify(l));
      assert.strictEqual(m![1].split(":")[0].replace(/\[.*$/, ""), names[i], l);
      assert.strictEqual(2 + m![1].length + m![2].length, column, "descriptions start in one column: " + l);
      assert.ok(m![3].indexOf(names[i] + ":") !== 0, "the text repeats the name: " + l);
    });
    assert.ok(lines.some((l) => /^  send-buffer-full:<link>:<ms> {2,}CIPSEND on link confirms 0 bytes for ms$/.test(l)), lines.join("\n"));
  });
});
