// Parser unit tests: every event kind, whole payloads, the read checks, prompt, echo, data mode, overflow and resynchronisation.
import * as assert from "assert";
import { everyCut, feedCuts, parserWithLog } from "./helpers";

function parse(stream: string, armPrompt = false, maxLine = 256): string[] {
  const { parser, log } = parserWithLog(maxLine, armPrompt);
  parser.feed(stream);
  return log.all();
}

/** The same stream fed whole and byte by byte must give the same events; returns them. */
function parseBoth(stream: string, armPrompt = false, maxLine = 256): string[] {
  const whole = parse(stream, armPrompt, maxLine);
  const { parser, log } = parserWithLog(maxLine, armPrompt);
  for (let i = 0; i < stream.length; i++) parser.feed(stream[i]);
  assert.deepStrictEqual(log.all(), whole, "1-byte chunks differ from one chunk");
  return whole;
}

describe("AT parser", () => {
  it("reports information lines and OK, skipping blank lines", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CSQ: 20,99\r\n\r\n\r\n\r\nOK\r\n"), ["line +CSQ: 20,99", "final ok"]);
  });

  it("reports ERROR, +CME ERROR with a number or text and NO CARRIER as error finals", () => {
    // New design: NO CARRIER is an "error" final carrying its text (no kind of its own).
    assert.deepStrictEqual(parseBoth("\r\nERROR\r\n\r\n+CME ERROR: 13\r\n\r\n+CME ERROR: SIM busy\r\n\r\nNO CARRIER\r\n"), [
      "final error",
      "final cme 13",
      "final cme SIM busy",
      "final error NO CARRIER",
    ]);
  });

  it("joins +IP ERROR with the ERROR that follows it, across blank lines and URCs", () => {
    assert.deepStrictEqual(parseBoth("\r\n+IP ERROR: No data\r\n\r\n+CIPRXGET: 1,1\r\n\r\nERROR\r\n"), ["line +CIPRXGET: 1,1", "final ip No data"]);
  });

  it("reports a +IP ERROR not followed by ERROR as a plain line before the next final", () => {
    assert.deepStrictEqual(parseBoth("\r\n+IP ERROR: 22\r\n\r\nOK\r\n"), ["line +IP ERROR: 22", "final ok"]);
  });

  it("reports an earlier +IP ERROR as a line when a second one comes before the ERROR", () => {
    assert.deepStrictEqual(parseBoth("\r\n+IP ERROR: 1\r\n\r\n+IP ERROR: 2\r\n\r\nERROR\r\n"), ["line +IP ERROR: 1", "final ip 2"]);
  });

  it("reports +CIPERROR as a final of its own", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPERROR: 4\r\n"), ["final cip 4"]);
  });

  it("recognises the echo of a command (any case), which ends at CR", () => {
    assert.deepStrictEqual(parseBoth("AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\nATE0\r\r\nOK\r\nat\r\r\nOK\r\n"), [
      "echo AT+CSQ",
      "line +CSQ: 20,99",
      "final ok",
      "echo ATE0",
      "final ok",
      "echo at",
      "final ok",
    ]);
  });

  it("reports the prompt with and without a trailing space only while armed, and disarms it", () => {
    assert.deepStrictEqual(parseBoth("\r\n> ", true), ["prompt"]);
    assert.deepStrictEqual(parseBoth("\r\n>", true), ["prompt"]);
    assert.deepStrictEqual(parseBoth("\r\n> \r\nOK\r\n", false), ["line > ", "final ok"]);
    const { parser, log } = parserWithLog(256, false);
    parser.prompt = true;
    parser.feed("\r\n> \r\n> \r\n");
    assert.deepStrictEqual(log.all(), ["prompt", "line > "], "a second '>' after the first is an ordinary line");
    assert.strictEqual(parser.prompt, false);
  });

  it("accepts output right after the prompt and URCs before it", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 1,1\r\n\r\n> +IPCLOSE: 2,1\r\n", true), ["line +CIPRXGET: 1,1", "prompt", "line +IPCLOSE: 2,1"]);
  });

  it("reports CONNECT with and without text and CONNECT FAIL as an error; CLOSED is an ordinary line", () => {
    // New design: the parser knows no CLOSED; telling the module's data-mode endings from payload is the transparent part's job.
    assert.deepStrictEqual(parseBoth("\r\nCONNECT 115200\r\n\r\nCONNECT\r\n\r\nCONNECT FAIL\r\n\r\nCLOSED\r\n\r\nCONNECTED\r\n"), [
      "connect 115200",
      "connect ",
      "final error CONNECT FAIL",
      "line CLOSED",
      "line CONNECTED",
    ]);
  });

  it("delivers a +IPD payload containing OK, +IPD, CR, LF and every byte value whole, with its sender", () => {
    let bin = "";
    for (let i = 0; i < 256; i++) bin += String.fromCharCode(i);
    const data = "OK\r\n+IPD5\r\n\r\rERROR\r\n" + bin;
    const { parser, log } = parserWithLog(256, false);
    const stream = "\r\n+RECV FROM:1.2.3.4:5253\r\n+IPD" + data.length + "\r\n" + data + "\r\nOK\r\n";
    feedCuts(parser, stream, everyCut(stream));
    assert.deepStrictEqual(log.payloads, [{ kind: "ipd", link: -1, rest: -1, remote: "1.2.3.4:5253", data }]);
    assert.deepStrictEqual(log.all().slice(1), ["final ok"]);
    assert.deepStrictEqual(parser.stats.payloads, 1);
    assert.deepStrictEqual(parser.stats.payloadBytes, data.length);
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

  it("delivers +RECEIVE,<link>,<n> payloads with their link", () => {
    assert.deepStrictEqual(parseBoth("\r\n+RECEIVE,3,4\r\n\r\nOK"), ["payload receive link=3 len=4 rest=-1 \\r\\nOK"]);
  });

  it("delivers +CIPRXGET: 2 raw reads with link and rest, then the OK", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 2,1,5,11\r\nOK\r\n\r\n\r\nOK\r\n"), ["payload rxget link=1 len=5 rest=11 OK\\r\\n\\r", "final ok"]);
  });

  it("ends a read whose OK arrives in the payload's last chunk as it ends one whose OK comes later, and still checks that it is OK", () => {
    const head = "\r\n+CIPRXGET: 2,1,5,0\r\n";
    const expect = ["payload rxget link=1 len=5 rest=0 ab\\r\\nc", "final ok"];
    for (const cut of [[head, "ab\r\nc\r\nOK\r\n"], [head + "ab", "\r\nc\r\nOK\r\n"], [head, "ab\r\nc\r\nO", "K\r\n"]]) {
      const { parser, log } = parserWithLog(256, false);
      for (const c of cut) parser.feed(c);
      assert.deepStrictEqual(log.all(), expect, JSON.stringify(cut));
    }
    const { parser, log } = parserWithLog(256, false);
    parser.feed(head);
    parser.feed("ab\r\nc\r\nERROR\r\n");
    assert.ok(log.all().some((e) => /bad/.test(e)), "a read not followed by OK is reported: " + JSON.stringify(log.all()));
  });

  it("handles a zero-length +CIPRXGET: 2 read", () => {
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 2,1,0,0\r\n\r\nOK\r\n"), ["payload rxget link=1 len=0 rest=0 ", "final ok"]);
  });

  it("keeps +CIPRXGET: 1, 3 and 4 as lines (hex reads are not a payload kind any more)", () => {
    // New design: the driver never reads in hex (mode 3); its header and hex line are ordinary lines.
    assert.deepStrictEqual(parseBoth("\r\n+CIPRXGET: 1,1\r\n\r\n+CIPRXGET: 4,1,16\r\n+CIPRXGET: 3,1,5,6\r\n66726F6D20\r\nOK\r\n"), [
      "line +CIPRXGET: 1,1",
      "line +CIPRXGET: 4,1,16",
      "line +CIPRXGET: 3,1,5,6",
      "line 66726F6D20",
      "final ok",
    ]);
  });

  it("treats a malformed or oversized length header as an ordinary line", () => {
    const { parser, log } = parserWithLog(256, false, 1500);
    parser.feed("\r\n+IPDx\r\n+IPD1501\r\n+RECEIVE,1\r\n+RECEIVE,1,2,3\r\n+CIPRXGET: 2,1,1501,0\r\n+CIPRXGET: 2,1,x,0\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), [
      "line +IPDx",
      "line +IPD1501",
      "line +RECEIVE,1",
      "line +RECEIVE,1,2,3",
      "line +CIPRXGET: 2,1,1501,0",
      "line +CIPRXGET: 2,1,x,0",
      "final ok",
    ]);
  });

  it("delivers a 1500-byte payload whole, once, through a parser whose lines are at most 64 bytes", () => {
    // New design: payloads come whole (no start/data/end pieces) and never count against maxLine.
    const { parser, log } = parserWithLog(64, false, 1500);
    let body = "";
    for (let i = 0; i < 1500; i++) body += String.fromCharCode((i * 7) & 255);
    const stream = "\r\n+CIPRXGET: 2,0,1500,0\r\n" + body + "\r\nOK\r\n";
    for (let i = 0; i < stream.length; i += 50) parser.feed(stream.substr(i, 50));
    assert.strictEqual(log.payloads.length, 1);
    assert.strictEqual(log.payloads[0].data, body);
    assert.strictEqual(parser.stats.overflows, 0);
    assert.deepStrictEqual(log.all().slice(1), ["final ok"]);
  });

  it("parses the bytes after a payload's end in the same chunk as text", () => {
    const { parser, log } = parserWithLog(256, false);
    parser.feed("\r\n+IPD3\r\n");
    parser.feed("ab");
    assert.ok(parser.inPayload());
    parser.feed("c\r\n+CSQ: 1,2\r\nOK\r\n+RECEIVE,1,2\r\nxy");
    assert.deepStrictEqual(log.all(), ["payload ipd link=-1 len=3 rest=-1 abc", "line +CSQ: 1,2", "final ok", "payload receive link=1 len=2 rest=-1 xy"]);
    assert.ok(!parser.inPayload());
  });

  it("drops a line longer than maxLine, reports it once and resynchronises on the next line end", () => {
    const long = "+X: " + "y".repeat(300);
    const stream = "\r\n" + long + "\r\n\r\nOK\r\n";
    const whole = parse(stream, false, 128);
    assert.deepStrictEqual(whole, ["overflow", "final ok"]);
    for (const cuts of [[5, 40, 100, 200, 310], everyCut(stream)]) {
      const { parser, log } = parserWithLog(128, false);
      feedCuts(parser, stream, cuts);
      assert.deepStrictEqual(log.all(), whole);
      assert.strictEqual(parser.stats.overflows, 1);
    }
  });

  it("drops a line that becomes too long only when its end arrives in a later chunk", () => {
    const { parser, log } = parserWithLog(64, false);
    parser.feed("\r\n+Y: " + "a".repeat(40));
    parser.feed("b".repeat(30) + "\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["overflow", "final ok"]);
  });

  it("accepts a line exactly maxLine long", () => {
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
    for (const cuts of [[], [17], everyCut("\r\nCONNECT 115200\r\n\r\nOK\r\n+IPD3\r\nabc")]) {
      const { parser, log } = parserWithLog(256, false);
      log.onConnect = () => {
        parser.dm = true;
      };
      feedCuts(parser, "\r\nCONNECT 115200\r\n\r\nOK\r\n+IPD3\r\nabc", cuts);
      assert.deepStrictEqual(log.all(), ["connect 115200", "data \\r\\nOK\\r\\n+IPD3\\r\\nabc"], "cuts " + cuts.length);
      parser.dm = false;
      parser.feed("\r\nOK\r\n");
      assert.deepStrictEqual(log.all().slice(-1), ["final ok"]);
    }
  });

  it("finishes a payload in progress before data mode takes the rest of the chunk", () => {
    const { parser, log } = parserWithLog(256, false);
    parser.feed("\r\n+IPD4\r\nab");
    parser.dm = true;
    parser.feed("cdXYZ\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["payload ipd link=-1 len=4 rest=-1 abcd", "data XYZ\\r\\nOK\\r\\n"]);
  });

  it("abortPayload drops a payload in progress and reports how many bytes it had", () => {
    const { parser, log } = parserWithLog(256, false);
    parser.feed("\r\n+IPD10\r\nabc");
    assert.strictEqual(parser.abortPayload(), 3);
    assert.strictEqual(parser.abortPayload(), -1, "nothing in progress");
    parser.feed("\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["final ok"]);
    // Announced, framing LF not yet seen: still a payload in progress.
    parser.feed("\r\n+IPD10\r");
    assert.ok(parser.inPayload());
    assert.strictEqual(parser.abortPayload(), 0);
    parser.feed("\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["final ok", "final ok"]);
  });

  it("reset() forgets a line tail, a payload, a held +IP ERROR, the prompt and data mode", () => {
    const { parser, log } = parserWithLog(256, false);
    parser.feed("\r\n+IP ERROR: 1\r\n+CSQ: 1");
    parser.prompt = true;
    parser.dm = false;
    parser.reset();
    assert.strictEqual(parser.prompt, false);
    parser.feed("\r\n> \r\nERROR\r\n");
    assert.deepStrictEqual(log.all(), ["line > ", "final error"]);
    parser.feed("\r\n+IPD5\r\nab");
    parser.dm = true;
    parser.reset();
    assert.strictEqual(parser.dm, false);
    assert.ok(!parser.inPayload());
    parser.feed("OK\r\n");
    assert.deepStrictEqual(log.all().slice(2), ["final ok"]);
  });
});

describe("AT parser: buffer-access read checks", () => {
  function reader(link: number, max: number) {
    const { parser, log } = parserWithLog(256, false);
    parser.expectRead(link, max);
    return { parser, log };
  }

  it("delivers a read whose header matches the read in flight", () => {
    const { parser, log } = reader(1, 5);
    parser.feed("\r\n+CIPRXGET: 2,1,5,0\r\nHELLO\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["payload rxget link=1 len=5 rest=0 HELLO", "final ok"]);
  });

  it("reports a read header for another link as a bad read and never delivers its bytes as a payload", () => {
    const { parser, log } = reader(1, 100);
    parser.feed("\r\n+CIPRXGET: 2,3,5,0\r\nHELLO\r\nOK\r\n");
    const ev = log.all();
    assert.strictEqual(ev[0], "badRead read header 2,3,5,0 does not match the read asked for");
    assert.strictEqual(log.payloads.length, 0);
  });

  it("reports a read header announcing more than was asked as a bad read", () => {
    const { parser, log } = reader(1, 4);
    parser.feed("\r\n+CIPRXGET: 2,1,5,0\r\nHELLO\r\nOK\r\n");
    assert.ok(log.all()[0].startsWith("badRead read header 2,1,5,0"));
    assert.strictEqual(log.payloads.length, 0);
  });

  it("reports a read not followed by OK (a length that announced fewer bytes than came) as a bad read", () => {
    const { parser, log } = reader(1, 100);
    parser.feed("\r\n+CIPRXGET: 2,1,5,0\r\nHELLOABC\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["payload rxget link=1 len=5 rest=0 HELLO", "badRead no OK after the data", "line ABC", "final ok"]);
  });

  it("reports a read whose length announced more bytes than came: the module's next line is not OK", () => {
    const { parser, log } = reader(1, 100);
    parser.feed("\r\n+CIPRXGET: 2,1,10,0\r\nHELLO\r\nOK\r\n\r\n+CIPRXGET: 1,1\r\n");
    const ev = log.all();
    assert.deepStrictEqual(ev, ["payload rxget link=1 len=10 rest=0 HELLO\\r\\nOK\\r", "badRead no OK after the data", "line +CIPRXGET: 1,1"]);
  });

  it("checks nothing when no read is in flight (link -1), and expectRead(-1) clears the check", () => {
    const { parser, log } = reader(1, 2);
    parser.expectRead(-1, 0);
    parser.feed("\r\n+CIPRXGET: 2,7,3,0\r\nabc\r\nOK\r\n");
    assert.deepStrictEqual(log.all(), ["payload rxget link=7 len=3 rest=0 abc", "final ok"]);
  });

  it("gives the same read events for every chunking, including the bad ones", () => {
    const stream = "\r\n+CIPRXGET: 2,1,3,9\r\nabc\r\nOK\r\n\r\n+CIPRXGET: 2,1,3,6\r\nabcd\r\nOK\r\n\r\n+CIPRXGET: 2,2,3,6\r\nxyz\r\nOK\r\n";
    const ref = reader(1, 3);
    ref.parser.feed(stream);
    const want = ref.log.all();
    assert.deepStrictEqual(want.filter((e) => e.startsWith("badRead")).length, 2);
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const r = reader(1, 3);
      for (let i = 0; i < stream.length; i += size) r.parser.feed(stream.substr(i, size));
      assert.deepStrictEqual(r.log.all(), want, "chunks of " + size);
    }
  });
});
