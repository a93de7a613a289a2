// Tests of the send queue (firmware/net/slot.ts) against a plain-string model: peek across writes, partial confirmations, the byte and slot bounds.
import * as assert from "assert";
import fc from "fast-check";
import { SendQueue } from "../../firmware/net/slot";
import { TX_FULL, TX_OK, TX_WAIT } from "../../firmware/net/consts";

type Op = { op: "push"; data: string } | { op: "peek"; max: number } | { op: "consume"; n: number };

// Writes of the sizes that matter: shorter than, equal to and longer than a peek's `max`.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("push" as const), data: fc.string({ minLength: 1, maxLength: 24 }) }),
  fc.record({ op: fc.constant("peek" as const), max: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ op: fc.constant("consume" as const), n: fc.integer({ min: 0, max: 30 }) }),
);

describe("SendQueue", () => {
  it("peek gives the first `max` queued bytes across writes, whole writes or parts, and consume removes exactly what was confirmed (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 8, max: 64 }), fc.array(opArb, { maxLength: 60 }), (slots, maxBytes, ops) => {
        const q = new SendQueue(slots, maxBytes);
        let model: string[] = []; // the writes still (partly) queued
        let off = 0; // bytes of model[0] already confirmed
        const stream = () => model.join("").substr(off);
        for (const o of ops) {
          if (o.op === "push") {
            const bytes = stream().length;
            const refused = model.length >= slots || bytes >= maxBytes;
            const r = q.push(o.data, "", 0);
            if (refused) {
              assert.strictEqual(r, TX_FULL);
              continue;
            }
            model.push(o.data);
            const full = model.length >= slots || stream().length >= maxBytes;
            assert.strictEqual(r, full ? TX_WAIT : TX_OK);
          } else if (o.op === "peek") {
            assert.strictEqual(q.peek(o.max), stream().substr(0, o.max));
          } else {
            let n = Math.min(o.n, stream().length);
            q.consume(o.n);
            while (n > 0) {
              const left = model[0].length - off;
              if (n < left) {
                off += n;
                n = 0;
              } else {
                n -= left;
                model.shift();
                off = 0;
              }
            }
          }
          assert.strictEqual(q.bytes, stream().length);
          assert.strictEqual(q.count(), model.length);
        }
      }),
    );
  });

  it("a write of exactly the send size comes back whole, and the writes behind it stay queued", () => {
    const q = new SendQueue(4, 4096);
    q.push("a".repeat(1024), "", 0);
    q.push("b".repeat(10), "", 0);
    assert.strictEqual(q.peek(1024), "a".repeat(1024));
    q.consume(1024);
    assert.strictEqual(q.peek(1024), "b".repeat(10));
    // A shorter front write with more behind is joined up to the send size.
    q.push("c".repeat(20), "", 0);
    assert.strictEqual(q.peek(25), "b".repeat(10) + "c".repeat(15));
    assert.strictEqual(q.peek(10), "b".repeat(10));
  });
});
