// The simulator answers the bring-up and configuration commands byte for byte (doc sections 2, 3, 6).
import * as assert from "assert";
import { ERROR, Host, line, OK } from "./helpers";

describe("sim: bring-up and configuration commands", () => {
  let h: Host;
  afterEach(() => h.close());

  it("echoes commands at power-up, as a real module", async () => {
    h = new Host();
    await h.expect("AT", "AT\r" + OK);
  });

  it("ATE0 is still echoed itself, then echo stops; ATE1 brings it back", async () => {
    h = new Host();
    await h.expect("ATE0", "ATE0\r" + OK);
    await h.expect("AT", OK);
    await h.expect("ATE1", OK);
    await h.expect("AT", "AT\r" + OK);
  });

  it("answers ERROR to unknown and malformed commands", async () => {
    h = new Host({ echo: false });
    await h.expect("AT+FOO", ERROR);
    await h.expect("AT+CIPOPEN=x", ERROR);
    await h.expect("ATE7", ERROR);
  });

  it("answers the bring-up sequence of section 2", async () => {
    h = new Host({ echo: false });
    await h.expect("AT+CMEE=2", OK);
    await h.expect("AT+CMEE?", line("+CMEE: 2") + OK);
    await h.expect("AT+CPIN?", line("+CPIN: READY") + OK);
    await h.expect("AT+CSQ", line("+CSQ: 23,99") + OK);
    await h.expect("AT+CREG?", line("+CREG: 0,1") + OK);
    await h.expect("AT+CGREG?", line("+CGREG: 0,1") + OK);
    await h.expect("AT+CEREG?", line("+CEREG: 0,1") + OK);
    await h.expect('AT+CGDCONT=1,"IP","internet"', OK);
    await h.expect("AT+CGDCONT?", line('+CGDCONT: 1,"IP","internet","0.0.0.0",0,0') + OK);
    await h.expect("AT+IPADDR", line("+IPADDR: Network not opened") + ERROR);
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 0") + OK);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    await h.expect("AT+NETOPEN?", line("+NETOPEN: 1") + OK);
    await h.expect("AT+IPADDR", line("+IPADDR: 10.148.0.17") + OK);
    await h.expect("AT+NETCLOSE", OK + line("+NETCLOSE: 0"), "+NETCLOSE: 0\r\n");
    await h.expect("AT+IPADDR", line("+IPADDR: Network not opened") + ERROR);
  });

  it("answers the settings commands of section 3 and their queries", async () => {
    h = new Host({ echo: false });
    for (const [set, query, answer] of [
      ["AT+CIPHEAD=0", "AT+CIPHEAD?", "+CIPHEAD: 0"],
      ["AT+CIPSRIP=0", "AT+CIPSRIP?", "+CIPSRIP: 0"],
      ["AT+CIPMODE=1", "AT+CIPMODE?", "+CIPMODE: 1"],
      ["AT+CIPSENDMODE=1", "AT+CIPSENDMODE?", "+CIPSENDMODE: 1"],
      ["AT+CIPRXGET=1", "AT+CIPRXGET?", "+CIPRXGET: 1"],
      ["AT+CIPTIMEOUT=30000,20000,40000", "AT+CIPTIMEOUT?", "+CIPTIMEOUT: 30000,20000,40000"],
      ["AT+CIPCCFG=10,0,0,0,1,0,500", "AT+CIPCCFG?", "+CIPCCFG: 10,0,0,0,1,0,500"],
      ["AT&D1", "AT+IPR?", "+IPR: 115200"],
    ]) {
      await h.expect(set, OK);
      await h.expect(query, line(answer) + OK);
    }
    await h.expect("AT+CIPHEAD=2", ERROR);
    await h.expect("ATO", ERROR);
  });

  it("AT+CIPCCFG's errMode picks numeric or text +IP ERROR", async () => {
    h = new Host({ echo: false });
    await h.expect("AT+CIPRXGET=2,2", line("+IP ERROR: No data") + ERROR);
    await h.expect("AT+CIPCCFG=10,0,0,0", OK);
    await h.expect("AT+CIPRXGET=2,2", line("+IP ERROR: 22") + ERROR);
    await h.expect("AT+CIPACK=3", line("+IP ERROR: 11") + ERROR);
    await h.expect("AT+CIPCCFG=10,0,0,1", OK);
    await h.expect("AT+CIPACK=3", line("+IP ERROR: Connection is not created") + ERROR);
  });

  it("answers the idempotence cases with the +IP ERROR table (clean profile)", async () => {
    h = new Host({ echo: false });
    await h.expect("AT+NETCLOSE", line("+IP ERROR: Network is already closed") + ERROR);
    await h.expect("AT+NETOPEN", OK + line("+NETOPEN: 0"), "+NETOPEN: 0\r\n");
    await h.expect("AT+NETOPEN", line("+IP ERROR: Network is already opened") + ERROR);
    await h.expect("AT+CIPCLOSE=3", line("+IP ERROR: Connection is not created") + ERROR);
    await h.expect("AT+CIPCLOSE?", line("+CIPCLOSE: 0,0,0,0,0,0,0,0,0,0") + OK);
    await h.expect("AT+SERVERSTOP=1", line("+IP ERROR: Operation failed") + ERROR);
  });

  it("+CME ERROR follows AT+CMEE: bare, numeric, text", async () => {
    h = new Host({ echo: false });
    h.sim.fault.simNotReady("busy");
    await h.expect("AT+CPIN?", ERROR);
    await h.expect("AT+CMEE=1", OK);
    await h.expect("AT+CPIN?", line("+CME ERROR: 14"));
    await h.expect("AT+CMEE=2", OK);
    await h.expect("AT+CPIN?", line("+CME ERROR: SIM busy"));
  });

  it("AT+IPR answers OK at the old rate, then the modem end follows", async () => {
    h = new Host({ echo: false });
    await h.expect("AT+IPR=921600", OK);
    assert.strictEqual(h.hal.wire.modem.getBaud(), 921600);
    h.hal.uart.setup(921600);
    await h.expect("AT", OK);
    await h.expect("AT+IPR?", line("+IPR: 921600") + OK);
    await h.expect("AT+IPR=12345", ERROR);
  });

  it("collects a command split over many chunks and ignores noise before AT", async () => {
    h = new Host({ echo: false });
    h.take();
    for (const c of "\x00zz\nA") h.send(c);
    await h.settle(5);
    h.send("T+CSQ");
    await h.settle(5);
    h.send("\r");
    await h.until("OK\r\n");
    assert.strictEqual(await h.settle(10), line("+CSQ: 23,99") + OK);
  });

  it("queues a second command typed while the first runs and answers both in order", async () => {
    h = new Host({ echo: false, commandLatencyMs: 20 });
    h.take();
    h.send("AT+CSQ\rAT+CIPHEAD?\r");
    await h.until("+CIPHEAD: 1\r\n\r\nOK\r\n");
    assert.strictEqual(await h.settle(10), line("+CSQ: 23,99") + OK + line("+CIPHEAD: 1") + OK);
  });
});
