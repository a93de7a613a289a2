// Parser unit tests: every event kind, payload framing, prompt, echo, data mode, overflow and resynchronisation.
import * as assert from "assert";
import { nodeCodec } from "../../hal/host/codec";
import { AtParser, PayloadKind } from "../../firmware/at/parser";
import { EventLog, parserWithLog, feedCuts } from "./helpers";

function parse(stream: string, armPrompt = false, ringBytes = 256): string[] {
  const { parser, log } = parserWithLog(ringBytes, armPrompt);
  parser.feed(stream);
  return log.all();
}

/** Same stream fed whole and byte by byte must give the same events; returns them. */
function parseBoth(stream: string, armPrompt = false, ringBytes = 256): string[] {
  const whole = parse(stream, armPrompt, ringBytes);
  const { parser, log } = parserWithLog(ringBytes, armPrompt);
  for (let i = 0; i < stream.length; i++) parser.feed(stream[i]);
  assert.deepStrictEqual(log.all(), whole, "1-byte chunks differ from one chunk");
  return whole;
}

describe("AT parser", () => {
  it("reports information lines and OK, skipping blank lines", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CSQ: 20,99\r\n\r\n\r\n\r\nOK\r\n"), ["line +CSQ: 20,99", "final ok"]);
  });

  it("reports ERROR, +CME ERROR with a number or text and NO CARRIER as finals", () => {
    assert.deepStrictEqual(parseBoth("\r\nERROR\r\n\r\n+CME ERROR: 13\r\n\r\n+CME ERROR: SIM busy\r\n\r\nNO CARRIER\r\n"), [
      "final error",
      "final cme 13",
      "final cme SIM busy",
      "final noCarrier",
    ]);
  });

  it("joins +IP ERROR with the ERROR that follows it, across blank lines and URCs", () => {
    assert.deepStrictEqual(parseBoth("\r\n+IP ERROR: No data\r\n\r\n+CIPRXGET: 1,1\r\n\r\nERROR\r\n"), [
      "line +CIPRXGET: 1,1",
      "final ip No data",
    ]);
  });

  it("reports a +IP ERROR not followed by ERROR as a plain line before the next final", () => {
    assert.deepStrictEqual(parseBoth("\r\n+IP ERROR: 22\r\n\r\nOK\r\n"), ["line +IP ERROR: 22", "final ok"]);
  });

  it("reports +CIPERROR as a final of its own", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPERROR: 4\r\n"), ["final cip 4"]);
  });

  it("recognises the echo of a command, which ends at CR only", () => {
    assert.deepStrictEqual(parseBoth("AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\nATE0\r\r\nOK\r\n"), [
      "echo AT+CSQ",
      "line +CSQ: 20,99",
      "final ok",
      "echo ATE0",
      "final ok",
    ]);
  });

  it("reports the prompt with and without a trailing space only while armed", () => {
    assert.deepStrictEqual(parseBoth("\r\n> ", true), ["prompt"]);
    assert.deepStrictEqual(parseBoth("\r\n>", true), ["prompt"]);
    assert.deepStrictEqual(parseBoth("\r\n> \r\nOK\r\n", false), ["line > ", "final ok"]);
  });

  it("accepts output right after the prompt and URCs before it", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 1,1\r\n\r\n> +IPCLOSE: 2,1\r\n", true), [
      "line +CIPRXGET: 1,1",
      "prompt",
      "line +IPCLOSE: 2,1",
    ]);
  });

  it("reports CONNECT with and without text, CONNECT FAIL as an error, and CLOSED", () => {
    assert.deepStrictEqual(parseBoth("\r\nCONNECT 115200\r\n\r\nCONNECT\r\n\r\nCONNECT FAIL\r\n\r\nCLOSED\r\n"), [
      "connect 115200",
      "connect ",
      "final error CONNECT FAIL",
      "closed",
    ]);
  });

  it("streams +IPD payloads containing OK, +IPD, CR, LF and every byte value", () => {
    let bin = "";
    for (let i = 0; i < 256; i++) bin += String.fromCharCode(i);
    const data = "OK\r\n+IPD5\r\n\r\rERROR\r\n" + bin;
    const ev = parseBoth("\r\n+RECV FROM:1.2.3.4:5253\r\n+IPD" + data.length + "\r\n" + data + "\r\nOK\r\n");
    assert.strictEqual(ev.length, 2);
    assert.ok(ev[0].startsWith("payload ipd link=-1 len=" + data.length + " rest=-1 from=1.2.3.4:5253 "));
    assert.strictEqual(ev[1], "final ok");
  });

  it("accepts RECV FROM without '+' and +IPD without RECV FROM", () => {
    const { parser, log } = parserWithLog(256, false);
    parser.feed("RECV FROM:117.131.85.139:5254\r\n+IPD5\r\nHELLO\r\n+IPD3\r\nabc");
    assert.deepStrictEqual(
      log.payloads.map((p) => [p.kind, p.remote, p.data]),
      [
        ["ipd", "117.131.85.139:5254", "HELLO"],
        ["ipd", "", "abc"],
      ],
    );
  });

  it("passes a RECV FROM line that no +IPD follows on as a line", () => {
    assert.deepStrictEqual(parseBoth("\r\nRECV FROM:1.2.3.4:5\r\n\r\nOK\r\n"), ["line RECV FROM:1.2.3.4:5", "final ok"]);
  });

  it("streams +RECEIVE,<link>,<n> payloads with their link", () => {
    assert.deepStrictEqual(parseBoth("\r\n+RECEIVE,3,4\r\n\r\nOK"), ["payload receive link=3 len=4 rest=-1 \\r\\nOK"]);
  });

  it("streams +CIPRXGET: 2 raw reads with link and rest, then the OK", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 2,1,5,11\r\nOK\r\n\r\n\r\nOK\r\n"), [
      "payload rxget link=1 len=5 rest=11 OK\\r\\n\\r",
      "final ok",
    ]);
  });

  it("handles a zero-length +CIPRXGET: 2 read", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 2,1,0,0\r\n\r\nOK\r\n"), ["payload rxget link=1 len=0 rest=0 ", "final ok"]);
  });

  it("streams the hex line of a +CIPRXGET: 3 read as 2n characters", () => {
    assert.deepStrictEqual(parseBoth("+CIPRXGET: 3,1,5,6\r\n66726F6D20\r\nOK\r\n"), ["payload rxhex link=1 len=10 rest=6 66726F6D20", "final ok"]);
  });

  it("keeps +CIPRXGET: 1 and 4 as lines", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 1,1\r\n\r\n+CIPRXGET: 4,1,16\r\n"), ["line +CIPRXGET: 1,1", "line +CIPRXGET: 4,1,16"]);
  });

  it("treats a malformed or oversized length header as an ordinary line", () => {
    const { parser, log } = parserWithLog(256, false);
    parser.feed("\r\n+IPDx\r\n+IPD99999\r\n+RECEIVE,1\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["line +IPDx", "line +IPD99999", "line +RECEIVE,1", "final ok"]);
  });

  it("streams a 1500-byte payload through a 64-byte ring in pieces as bytes arrive", () => {
    const pieces: number[] = [];
    class CountingLog extends EventLog {
      payloadData(kind: PayloadKind, link: number, data: string): void {
        pieces.push(data.length);
        super.payloadData(kind, link, data);
      }
    }
    const log = new CountingLog();
    const parser = new AtParser({ ringBytes: 64, maxPayloadBytes: 4096 }, nodeCodec, log);
    let body = "";
    for (let i = 0; i < 1500; i++) body += String.fromCharCode((i * 7) & 255);
    const stream = "\r\n+CIPRXGET: 2,0,1500,0\r\n" + body + "\r\nOK\r\n";
    for (let i = 0; i < stream.length; i += 50) parser.feed(stream.substr(i, 50));
    assert.strictEqual(log.payloads.length, 1);
    assert.strictEqual(log.payloads[0].data, body);
    assert.ok(pieces.length >= 30, "delivered in pieces");
    assert.deepStrictEqual(log.all().slice(-1), ["final ok"]);
  });

  it("drops a line longer than the ring, reports it once and resynchronises on the next line end", () => {
    const long = "+X: " + "y".repeat(300);
    const stream = "\r\n" + long + "\r\n\r\nOK\r\n";
    const whole = parse(stream, false, 128);
    assert.deepStrictEqual(whole, ["overflow", "final ok"]);
    const { parser, log } = parserWithLog(128, false);
    feedCuts(parser, stream, [5, 40, 100, 200, 310]);
    assert.deepStrictEqual(log.all(), whole);
    assert.strictEqual(parser.stats.overflows, 1);
  });

  it("accepts a line exactly as long as the ring", () => {
    const line = "+L: " + "z".repeat(124);
    const { parser, log } = parserWithLog(128, false);
    feedCuts(parser, "\r\n" + line + "\r\n", [10, 70]);
    assert.deepStrictEqual(log.all(), ["line " + line]);
  });

  it("passes unknown and garbage lines through as lines without breaking later parsing", () => {
    assert.deepStrictEqual(parseBoth("\xf3\xf7\xff\r\n\x00\x01junk\r\n+CGEV: ME PDN ACT 8,1\r\nOK\r\n"), [
      "line \\xf3\\xf7\\xff",
      "line \\x00\\x01junk",
      "line +CGEV: ME PDN ACT 8,1",
      "final ok",
    ]);
  });

  it("in data mode reports every byte as data, skipping only the LF of the CONNECT line", () => {
    const { parser, log } = parserWithLog(256, false);
    log.onConnect = () => parser.setDataMode(true);
    parser.feed("\r\nCONNECT 115200\r");
    parser.feed("\n\r\nOK\r\n+IPD3\r\nabc");
    assert.deepStrictEqual(log.all(), ["connect 115200", "data \\r\\nOK\\r\\n+IPD3\\r\\nabc"]);
    parser.setDataMode(false);
    parser.feed("\r\nOK\r\n");
    assert.deepStrictEqual(log.all().slice(-1), ["final ok"]);
  });

  it("rejects nonsense options with RangeError", () => {
    const log = new EventLog();
    assert.throws(() => new AtParser({ ringBytes: 10, maxPayloadBytes: 100 }, nodeCodec, log), RangeError);
    assert.throws(() => new AtParser({ ringBytes: 100.5, maxPayloadBytes: 100 }, nodeCodec, log), RangeError);
    assert.throws(() => new AtParser({ ringBytes: 1024, maxPayloadBytes: 0 }, nodeCodec, log), RangeError);
  });
});
