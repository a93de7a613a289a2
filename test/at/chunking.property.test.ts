// Property: for random modem streams the parser's events (whole payloads included) and the engine's results are identical for every chunking of the bytes.
import * as assert from "assert";
import fc from "fast-check";
import { esc, everyCut, feedCuts, makeRig, parserWithLog } from "./helpers";
import { AtCommand } from "../../firmware/at/command";

const RING = 96;

/** Payload bytes: random binary mixed with the sequences most likely to confuse a parser. */
const payloadBytes = fc
  .array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 24 }).map((b) => Buffer.from(b).toString("latin1")),
      fc.constantFrom("OK\r\n", "\r\nOK\r\n", "+IPD5\r\n", "\r\n+IPD3\r\n", "ERROR\r\n", "\r", "\n", "\r\n", "\x00", "\xff", "> ", "+CIPRXGET: 2,1,3,0\r\n", "CONNECT 115200\r\n", "OK", "+IPD", "RECV FROM:1.2.3.4:5\r\n"),
    ),
    { minLength: 0, maxLength: 8 },
  )
  .map((parts) => parts.join(""));

/** Printable line text that is not a prompt (no leading '>' or space) and has no CR/LF. */
const text = fc.string({ minLength: 1, maxLength: 40 }).map((s) => {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0x7f;
    out += c < 32 || c === 127 ? "x" : String.fromCharCode(c);
  }
  return "X" + out;
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex").toUpperCase();

/** One piece of modem output, byte-exact as the module frames it (doc sections 4, 8, 9). */
const token = fc.oneof(
  text.map((t) => "\r\n" + t + "\r\n"),
  fc.constantFrom(
    "\r\nOK\r\n",
    "\r\nERROR\r\n",
    "\r\n+CME ERROR: 13\r\n",
    "\r\n+CME ERROR: SIM busy\r\n",
    "\r\n+IP ERROR: No data\r\n\r\nERROR\r\n",
    "\r\n+IP ERROR: 4\r\n",
    "\r\n+CIPERROR: 4\r\n",
    "\r\nNO CARRIER\r\n",
    "\r\nCLOSED\r\n",
    "\r\n+CIPRXGET: 1,1\r\n",
    "\r\n+IPCLOSE: 1,1\r\n",
    "\r\n+CIPOPEN: 1,0\r\n",
    "\r\n+CIPSEND: 1,5,5\r\n",
    "\r\n+CGEV: ME PDN DEACT 1\r\n",
    "\r\n*ATREADY: 1\r\n",
    "AT+CSQ\r",
    "ATE0\r",
    "\r\n> ",
    "\r\n>",
    "\r\n\r\n",
    "\r\n+IPDzz\r\n",
    "\r\nCONNECT 115200\r\n",
    "\r\nCONNECT FAIL\r\n",
  ),
  payloadBytes.map((d) => "\r\n+RECV FROM:117.131.85.139:5253\r\n+IPD" + d.length + "\r\n" + d),
  payloadBytes.map((d) => "RECV FROM:10.0.0.1:7\r\n+IPD" + d.length + "\r\n" + d),
  payloadBytes.map((d) => "\r\n+IPD" + d.length + "\r\n" + d),
  fc.tuple(fc.integer({ min: 0, max: 9 }), payloadBytes).map(([l, d]) => "\r\n+RECEIVE," + l + "," + d.length + "\r\n" + d),
  fc.tuple(fc.integer({ min: 0, max: 9 }), payloadBytes, fc.integer({ min: 0, max: 1500 })).map(
    ([l, d, r]) => "\r\n+CIPRXGET: 2," + l + "," + d.length + "," + r + "\r\n" + d + "\r\nOK\r\n",
  ),
  // A read whose header lies about its length (fewer or more bytes follow): a bad read, whatever the chunking.
  fc.tuple(fc.integer({ min: 0, max: 9 }), payloadBytes, fc.integer({ min: -5, max: 5 })).map(
    ([l, d, lie]) => "\r\n+CIPRXGET: 2," + l + "," + Math.max(0, d.length + lie) + ",0\r\n" + d + "\r\nOK\r\n",
  ),
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.uint8Array({ maxLength: 20 }), fc.integer({ min: 0, max: 99 })).map(
    ([l, b, r]) => "\r\n+CIPRXGET: 3," + l + "," + b.length + "," + r + "\r\n" + hex(b) + "\r\nOK\r\n",
  ),
  fc.integer({ min: RING + 1, max: RING * 3 }).map((n) => "\r\n+LONG:" + "L".repeat(n) + "\r\n"),
);

/** A stream, optionally ending in transparent data mode after a CONNECT. */
const stream = fc.tuple(fc.array(token, { minLength: 1, maxLength: 25 }), fc.option(payloadBytes, { nil: undefined })).map(([tokens, tail]) => {
  return { body: tokens.join(""), tail };
});

function eventsFor(body: string, tail: string | undefined, cuts: number[]): string[] {
  const { parser, log } = parserWithLog(RING, true);
  // The connect tokens inside the body stay in line mode; only the final CONNECT enters data mode.
  const full = tail === undefined ? body : body + "\r\nCONNECT 9600\r\n" + tail;
  log.onConnect = (t) => {
    if (t === "9600") parser.dm = true;
  };
  feedCuts(parser, full, cuts);
  return log.all();
}

/** Positions just inside every CR LF pair. */
function crlfSplits(s: string): number[] {
  const out: number[] = [];
  let i = s.indexOf("\r\n");
  while (i >= 0) {
    out.push(i + 1);
    i = s.indexOf("\r\n", i + 1);
  }
  return out;
}

const HEADS = ["+IPD", "+RECEIVE,", "+CIPRXGET: 2,", "+CIPRXGET: 3,", "RECV FROM:"];

/** Positions inside every length header, at each offset of it. */
function headerSplits(s: string, offset: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < HEADS.length; h++) {
    let i = s.indexOf(HEADS[h]);
    while (i >= 0) {
      const end = s.indexOf("\r", i);
      const len = (end < 0 ? s.length : end) - i;
      out.push(i + (offset % Math.max(1, len)) + 1);
      i = s.indexOf(HEADS[h], i + 1);
    }
  }
  return out.sort((a, b) => a - b);
}

/** Positions at both ends of every payload: on its header's CR, LF, its first byte, and ±1 around its announced end. */
function payloadEdges(s: string): number[] {
  const out: number[] = [];
  for (let h = 0; h < 3; h++) {
    let i = s.indexOf(HEADS[h]);
    while (i >= 0) {
      const cr = s.indexOf("\r", i);
      if (cr >= 0) {
        const m = /(\d+)(?:,\d+)?$/.exec(s.substring(i, cr));
        const n = m ? Number(h === 2 ? s.substring(i, cr).split(",")[2] : m[1]) : 0;
        const start = cr + 2;
        for (const p of [cr, cr + 1, start, start + 1, start + n - 1, start + n, start + n + 1]) if (p > 0 && p < s.length) out.push(p);
      }
      i = s.indexOf(HEADS[h], i + 1);
    }
  }
  return out.sort((a, b) => a - b).filter((p, k, a) => k === 0 || a[k - 1] !== p);
}

describe("AT parser chunking property", () => {
  it("gives the same event stream for one chunk, 1-byte chunks, random chunks and splits inside CR LF, length headers and at payload edges", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 50 }), fc.nat(20), ({ body, tail }, sizes, off) => {
        const full = tail === undefined ? body : body + "\r\nCONNECT 9600\r\n" + tail;
        const reference = eventsFor(body, tail, []);
        assert.deepStrictEqual(eventsFor(body, tail, everyCut(full)), reference, "1-byte chunks");
        const random: number[] = [];
        let at = 0;
        for (let k = 0; at < full.length; k++) {
          at += sizes[k % sizes.length];
          random.push(at);
        }
        assert.deepStrictEqual(eventsFor(body, tail, random), reference, "random chunks");
        assert.deepStrictEqual(eventsFor(body, tail, crlfSplits(full)), reference, "splits inside CR LF");
        assert.deepStrictEqual(eventsFor(body, tail, headerSplits(full, off)), reference, "splits inside length headers");
        assert.deepStrictEqual(eventsFor(body, tail, payloadEdges(full)), reference, "splits at payload edges");
      }),
      { numRuns: 1000 },
    );
  });

  it("delivers every announced payload byte-exact and whole whatever the chunking", () => {
    fc.assert(
      fc.property(fc.array(payloadBytes, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 7 }), (datas, size) => {
        let s = "";
        for (let i = 0; i < datas.length; i++) s += "\r\n+CIPRXGET: 2,1," + datas[i].length + ",0\r\n" + datas[i] + "\r\nOK\r\n";
        const { parser, log } = parserWithLog(RING, false);
        const cuts: number[] = [];
        for (let i = size; i < s.length; i += size) cuts.push(i);
        feedCuts(parser, s, cuts);
        assert.deepStrictEqual(
          log.payloads.map((p) => p.data),
          datas,
        );
        assert.strictEqual(log.all().filter((e) => e === "final ok").length, datas.length);
        assert.strictEqual(log.all().filter((e) => e.startsWith("badRead")).length, 0);
      }),
      { numRuns: 200 },
    );
  });
});

describe("AT engine chunking property", () => {
  /** The module's answer to one buffer-access read, with pushes and URCs around it. */
  const scenario = fc.record({
    before: fc.array(fc.oneof(payloadBytes.map((d) => "\r\n+IPD" + d.length + "\r\n" + d), fc.constantFrom("\r\n+CIPRXGET: 1,1\r\n", "\r\n+IPCLOSE: 2,1\r\n")), { maxLength: 4 }),
    data: payloadBytes,
    lie: fc.constantFrom(0, 0, 0, -2, 3),
    after: fc.array(payloadBytes.map((d) => "\r\n+RECEIVE,3," + d.length + "\r\n" + d), { maxLength: 3 }),
  });

  it("gives the same results, URCs and payloads for 1-byte, random and 64-byte chunks of the module's output", () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }), (sc, sizes) => {
        const announced = Math.max(0, sc.data.length + sc.lie);
        const answer = sc.before.join("") + "\r\n+CIPRXGET: 2,1," + announced + ",0\r\n" + sc.data + "\r\nOK\r\n" + sc.after.join("");
        const outcome = (chunk: number | ((w: number) => number)) => {
          const r = makeRig({ toHostChunk: chunk });
          r.modem.on("AT+CIPRXGET=2,1,1500", answer);
          r.modem.on("AT+CMEE?", "\r\n+CMEE: 1\r\n\r\nOK\r\n");
          r.modem.on("AT+CSQ", "\r\n+CSQ: 9,99\r\n\r\nOK\r\n");
          const cmd: AtCommand = { request: "AT+CIPRXGET=2,1,1500", timeout: 2000, readLink: 1, readMax: 1500 };
          const a = r.submit(cmd);
          const b = r.submit({ request: "AT+CSQ", timeout: 1000, match: "+CSQ:" });
          r.run(5000);
          return JSON.stringify([a.result, b.result, r.log.all()]);
        };
        let k = 0;
        const ref = outcome(64);
        // A lying read is a bad read and its data are never delivered. Undetectable by anyone: a
        // length short by bytes that are only line ends, or exactly "OK". In that last case the
        // module's own OK is an extra final that answers whatever has left the wire when it
        // arrives, which depends on the chunking's timing: the results may differ there.
        const parsed = JSON.parse(ref);
        const left = sc.data.substr(announced);
        const detectable = announced > sc.data.length || (announced < sc.data.length && left.replace(/[\r\n]/g, "") !== "" && left !== "OK");
        if (left !== "OK") {
          assert.strictEqual(outcome(1), ref, "1-byte chunks");
          assert.strictEqual(
            outcome(() => sizes[k++ % sizes.length]),
            ref,
            "random chunks",
          );
        }
        if (announced === sc.data.length) {
          assert.strictEqual(parsed[0].error, null);
          assert.ok(parsed[2].indexOf("payload rxget link=1 len=" + announced + " rest=0 " + esc(sc.data)) >= 0);
        } else if (detectable) {
          assert.strictEqual(parsed[0].error.kind, "badRead");
          assert.ok(!parsed[2].some((e: string) => e.startsWith("payload rxget")));
        }
        if (left !== "OK") assert.deepStrictEqual(parsed[1].lines, ["+CSQ: 9,99"]);
      }),
      { numRuns: 150 },
    );
  });
});
