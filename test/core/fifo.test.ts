// Tests of the bounded FIFO against an array model: push refuses when full, order kept across the wrap, at/peek/shift/clear.
import * as assert from "assert";
import fc from "fast-check";
import { Fifo } from "../../firmware/core/fifo";

describe("Fifo", () => {
  it("behaves like a bounded array queue for any sequence of operations (property)", () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant("push" as const), v: fc.integer() }),
      fc.record({ op: fc.constant("shift" as const) }),
      fc.record({ op: fc.constant("at" as const), k: fc.integer({ min: -2, max: 20 }) }),
      fc.record({ op: fc.constant("clear" as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 80 }), (cap, ops) => {
        const f = new Fifo<number>(cap);
        const model: number[] = [];
        for (const o of ops) {
          if (o.op === "push") {
            const ok = f.push(o.v);
            assert.strictEqual(ok, model.length < cap);
            if (ok) model.push(o.v);
          } else if (o.op === "shift") {
            assert.strictEqual(f.shift(), model.shift());
          } else if (o.op === "at") {
            assert.strictEqual(f.at(o.k), o.k >= 0 ? model[o.k] : undefined);
          } else {
            f.clear();
            model.length = 0;
          }
          assert.strictEqual(f.n, model.length);
          assert.strictEqual(f.peek(), model[0]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a value when full and stores nothing of it", () => {
    const f = new Fifo<string>(2);
    assert.ok(f.push("a"));
    assert.ok(f.push("b"));
    assert.strictEqual(f.push("c"), false);
    assert.strictEqual(f.n, 2);
    assert.strictEqual(f.cap, 2);
    assert.deepStrictEqual([f.shift(), f.shift(), f.shift()], ["a", "b", undefined]);
  });

  it("keeps order across the wrap point and holds undefined as a value", () => {
    const f = new Fifo<number | undefined>(3);
    f.push(1);
    f.push(2);
    f.shift();
    f.push(3);
    f.push(undefined); // wraps to index 0
    assert.strictEqual(f.n, 3);
    assert.deepStrictEqual([f.at(0), f.at(1), f.at(2), f.at(3)], [2, 3, undefined, undefined]);
    assert.deepStrictEqual([f.shift(), f.shift(), f.shift()], [2, 3, undefined]);
    assert.strictEqual(f.n, 0);
  });

  it("releases what it held when shifted or cleared (no reference kept)", () => {
    const f = new Fifo<object>(4);
    const held = (): unknown[] => (f as unknown as { a: unknown[] }).a.filter((x) => x !== undefined);
    f.push({});
    f.push({});
    f.shift();
    assert.strictEqual(held().length, 1);
    f.clear();
    assert.strictEqual(held().length, 0);
    assert.strictEqual(f.peek(), undefined);
  });
});
