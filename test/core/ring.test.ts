// Tests of the fixed-capacity byte ring against a plain-string reference model.
import * as assert from "assert";
import fc from "fast-check";
import { ByteRing } from "../../firmware/core/ring";
import { nodeCodec } from "../../hal/host/codec";

type Op =
  | { op: "write"; data: string }
  | { op: "read"; n: number }
  | { op: "skip"; n: number }
  | { op: "peek"; n: number; offset: number }
  | { op: "indexOf"; pattern: string; from: number };

const byteString = (maxLength: number) =>
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength }).map((a) => String.fromCharCode(...a));
// Patterns from a small alphabet so that matches, near-matches and wrap-spanning matches are common.
const smallAlpha = (min: number, max: number) =>
  fc.array(fc.constantFrom(13, 10, 65, 0, 255), { minLength: min, maxLength: max }).map((a) => String.fromCharCode(...a));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("write" as const), data: fc.oneof(byteString(40), smallAlpha(0, 40)) }),
  fc.record({ op: fc.constant("read" as const), n: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant("skip" as const), n: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant("peek" as const), n: fc.integer({ min: 0, max: 50 }), offset: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant("indexOf" as const), pattern: smallAlpha(1, 3), from: fc.integer({ min: 0, max: 40 }) }),
);

describe("ByteRing", () => {
  it("behaves like a bounded string queue for any sequence of operations (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(opArb, { maxLength: 60 }), (cap, ops) => {
        const ring = new ByteRing(cap, nodeCodec);
        let model = "";
        for (const o of ops) {
          switch (o.op) {
            case "write": {
              const accepted = ring.write(o.data);
              const expect = Math.min(o.data.length, cap - model.length);
              assert.strictEqual(accepted, expect);
              model += o.data.substr(0, accepted);
              break;
            }
            case "read":
              assert.strictEqual(ring.read(o.n), model.substr(0, o.n));
              model = model.substr(Math.min(o.n, model.length));
              break;
            case "skip":
              assert.strictEqual(ring.skip(o.n), Math.min(o.n, model.length));
              model = model.substr(Math.min(o.n, model.length));
              break;
            case "peek":
              assert.strictEqual(ring.peek(o.n, o.offset), model.substr(o.offset, o.n));
              break;
            case "indexOf":
              assert.strictEqual(ring.indexOf(o.pattern, o.from), model.indexOf(o.pattern, o.from));
              break;
          }
          assert.strictEqual(ring.length, model.length);
          assert.strictEqual(ring.free(), cap - model.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("accepts only what fits and reports the count, keeping earlier bytes intact", () => {
    const ring = new ByteRing(8, nodeCodec);
    assert.strictEqual(ring.write("abcdef"), 6);
    assert.strictEqual(ring.write("ghijkl"), 2);
    assert.strictEqual(ring.free(), 0);
    assert.strictEqual(ring.write("x"), 0);
    assert.strictEqual(ring.read(8), "abcdefgh");
  });

  it("finds a CR LF that spans the wrap point", () => {
    const ring = new ByteRing(8, nodeCodec);
    ring.write("123456");
    ring.skip(6);
    ring.write("OK\r\nAB\r\n"); // "OK" at 6..7, wraps; second CRLF lands at the end
    assert.strictEqual(ring.indexOf("\r\n", 0), 2);
    assert.strictEqual(ring.indexOf("\r\n", 3), 6);
    ring.clear();
    ring.write("1234567");
    ring.skip(7);
    ring.write("x\r\nyy"); // '\r' at physical 0? no: 'x' at 7, '\r' at 0, '\n' at 1
    assert.strictEqual(ring.indexOf("\r\n", 0), 1);
  });

  it("keeps all 256 byte values and writes from a Uint8Array", () => {
    const ring = new ByteRing(300, nodeCodec);
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    assert.strictEqual(ring.write(all), 256);
    const s = ring.read(256);
    for (let i = 0; i < 256; i++) assert.strictEqual(s.charCodeAt(i), i);
  });

  it("allocates its storage once: capacity never changes with traffic", () => {
    const ring = new ByteRing(16, nodeCodec);
    const storage = (ring as unknown as { buf: Uint8Array }).buf;
    for (let i = 0; i < 1000; i++) {
      ring.write("0123456789abcdefXYZ");
      ring.read(7 + (i % 9));
    }
    assert.strictEqual((ring as unknown as { buf: Uint8Array }).buf, storage);
    assert.strictEqual(storage.length, 16);
  });

  it("rejects a capacity that is not a positive integer", () => {
    assert.throws(() => new ByteRing(0, nodeCodec), RangeError);
    assert.throws(() => new ByteRing(2.5, nodeCodec), RangeError);
  });
});
