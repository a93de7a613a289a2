// Replays the recorded exchanges in test/at/transcripts/*.txt through the parser and the engine (format: README.md there).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { AtCommand, AtResult } from "../../firmware/at/command";
import { feedCuts, makeRig, parserWithLog } from "./helpers";

const DIR = path.join(__dirname, "transcripts");

interface Directive {
  op: string;
  arg: string;
  line: number;
}

/** Undo the transcript escapes: \r \n \\ \xHH. */
function unescape(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === "r") out += "\r";
    else if (n === "n") out += "\n";
    else if (n === "\\") out += "\\";
    else if (n === "x") {
      out += String.fromCharCode(parseInt(s.substr(i + 1, 2), 16));
      i += 2;
    } else throw new Error("bad escape \\" + n);
  }
  return out;
}

function load(file: string): Directive[] {
  const lines = fs.readFileSync(path.join(DIR, file), "latin1").split("\n");
  const out: Directive[] = [];
  lines.forEach((text, i) => {
    if (text === "" || text[0] === "#") return;
    if (text[1] !== " " || "@><~!=%".indexOf(text[0]) < 0) throw new Error(file + ":" + (i + 1) + ": bad directive");
    out.push({ op: text[0], arg: text.substr(2), line: i + 1 });
  });
  return out;
}

const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".txt")).sort();

describe("AT transcripts", () => {
  it("has recorded transcripts to replay", () => {
    assert.ok(files.length >= 7, "found " + files.length);
  });

  for (const file of files) {
    const ds = load(file);

    it(file + ": the parser's events match, for whole, 1-byte and 5-byte chunks", () => {
      let modemBytes = "";
      for (const d of ds) if (d.op === "<") modemBytes += unescape(d.arg);
      const expected = ds.filter((d) => d.op === "=").map((d) => d.arg);
      const cutsets: number[][] = [[], [], []];
      for (let i = 1; i < modemBytes.length; i++) {
        cutsets[1].push(i);
        if (i % 5 === 0) cutsets[2].push(i);
      }
      for (const cuts of cutsets) {
        const { parser, log } = parserWithLog(256, true);
        feedCuts(parser, modemBytes, cuts);
        assert.deepStrictEqual(log.all(), expected);
      }
    });

    it(file + ": the engine writes the recorded bytes and completes commands as recorded", () => {
      const r = makeRig({ toHostChunk: 7 });
      let last: { result: AtResult | undefined } | undefined;
      let written = 0;
      for (const d of ds) {
        const where = file + ":" + d.line;
        if (d.op === "@") {
          const cmd = JSON.parse(d.arg) as AtCommand;
          const box = r.submit(cmd);
          assert.ok(box.accepted, where);
          last = box;
        } else if (d.op === ">") {
          const want = unescape(d.arg);
          r.hal.clock.runUntil(() => r.hal.wire.hostWritten().length >= written + want.length, 10000);
          assert.strictEqual(JSON.stringify(r.hal.wire.hostWritten().substr(written)), JSON.stringify(want), where);
          written += want.length;
          // The modem answers once the bytes have reached it (an answer before that is a stray).
          r.hal.clock.runUntil(() => r.hal.wire.toModem.waiting() === 0, 10000);
        } else if (d.op === "<") {
          const bytes = unescape(d.arg);
          r.modem.send(bytes);
          r.run(Math.ceil(bytes.length * 0.1) + 2);
        } else if (d.op === "~") {
          r.run(Number(d.arg));
        } else if (d.op === "!") {
          const box = last;
          assert.ok(box, where + ": no command before !");
          r.hal.clock.runUntil(() => box.result !== undefined, 10000);
          const want = JSON.parse(d.arg) as Partial<AtResult>;
          const got = box.result as AtResult;
          for (const k of Object.keys(want) as Array<keyof AtResult>) assert.deepStrictEqual(got[k], want[k], where + " field " + k);
        }
      }
      r.run(100);
      assert.strictEqual(r.hal.wire.hostWritten().length, written, file + ": the host wrote nothing unrecorded");
      assert.deepStrictEqual(r.log.all(), ds.filter((d) => d.op === "%").map((d) => d.arg));
    });
  }
});
