// The driver's one bounded queue type: a fixed-capacity FIFO of values in an array allocated once.

export class Fifo<T> {
  /** Values held. */
  n = 0;
  readonly cap: number;
  private a: Array<T | undefined>;
  private h = 0;

  /** `cap`: how many values it holds at most (integer ≥ 1). */
  constructor(cap: number) {
    this.cap = cap;
    this.a = new Array(cap);
  }

  /** Append `v`; false (and nothing stored) when full. */
  push(v: T): boolean {
    if (this.n === this.cap) return false;
    let i = this.h + this.n;
    if (i >= this.cap) i -= this.cap;
    this.a[i] = v;
    this.n++;
    return true;
  }

  /** The oldest value, or undefined when empty. */
  peek(): T | undefined {
    return this.n ? this.a[this.h] : undefined;
  }

  /** The value `k` places after the oldest (0 = the oldest), or undefined. */
  at(k: number): T | undefined {
    if (k < 0 || k >= this.n) return undefined;
    let i = this.h + k;
    if (i >= this.cap) i -= this.cap;
    return this.a[i];
  }

  /** Remove and return the oldest value (undefined when empty). */
  shift(): T | undefined {
    if (!this.n) return undefined;
    const v = this.a[this.h];
    this.a[this.h] = undefined;
    this.h++;
    if (this.h === this.cap) this.h = 0;
    this.n--;
    return v;
  }

  clear(): void {
    while (this.n) this.shift();
    this.h = 0;
  }
}
