// Tests of the fixed-capacity byte ring against a plain-string reference model (write, read, skip, peek; the new ring has no indexOf: the parser no longer searches it).
import * as assert from "assert";
import fc from "fast-check";
import { ByteRing } from "../../firmware/core/ring";
import { nodeCodec } from "../../hal/host/codec";

type Op =
  | { op: "write"; data: string }
  | { op: "read"; n: number }
  | { op: "skip"; n: number }
  | { op: "peek"; n: number; offset: number };

const byteString = (maxLength: number) =>
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength }).map((a) => String.fromCharCode(...a));
// Bytes from a small alphabet (CR, LF, "A", 0, 255), the bytes the receive path cares about.
const smallAlpha = (min: number, max: number) =>
  fc.array(fc.constantFrom(13, 10, 65, 0, 255), { minLength: min, maxLength: max }).map((a) => String.fromCharCode(...a));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("write" as const), data: fc.oneof(byteString(40), smallAlpha(0, 40)) }),
  fc.record({ op: fc.constant("read" as const), n: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant("skip" as const), n: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant("peek" as const), n: fc.integer({ min: 0, max: 50 }), offset: fc.integer({ min: 0, max: 50 }) }),
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

  it("peeks and reads across the wrap point, at any offset", () => {
    const ring = new ByteRing(8, nodeCodec);
    ring.write("123456");
    ring.skip(6);
    ring.write("OK\r\nAB\r\n"); // starts at index 6, wraps after "OK"
    assert.strictEqual(ring.peek(8, 0), "OK\r\nAB\r\n");
    assert.strictEqual(ring.peek(3, 1), "K\r\n");
    assert.strictEqual(ring.peek(100, 6), "\r\n");
    assert.strictEqual(ring.peek(1, 8), "", "nothing past the end");
    assert.strictEqual(ring.peek(2, -3), "OK", "a negative offset is 0");
    assert.strictEqual(ring.read(3), "OK\r");
    assert.strictEqual(ring.length, 5);
    assert.strictEqual(ring.read(10), "\nAB\r\n");
    assert.strictEqual(ring.length, 0);
  });

  it("skip removes at most what it holds and reports the count", () => {
    const ring = new ByteRing(4, nodeCodec);
    ring.write("abc");
    assert.strictEqual(ring.skip(0), 0);
    assert.strictEqual(ring.skip(-1), 0);
    assert.strictEqual(ring.skip(10), 3);
    assert.strictEqual(ring.free(), 4);
    ring.write("wxyz");
    ring.clear();
    assert.strictEqual(ring.length, 0);
    assert.strictEqual(ring.write("12345"), 4);
    assert.strictEqual(ring.read(4), "1234");
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
