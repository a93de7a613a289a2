// Options with defaults: a copy of `base` with every field `given` sets (no spread on the device).

/** A new object: `base`'s fields, replaced by those of `given` that are not undefined. */
export function overlay<T>(base: T, given: Partial<T> | undefined): T {
  const out = {} as T;
  const keys = Object.keys(base as unknown as object) as Array<keyof T>;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = given ? given[k] : undefined;
    out[k] = v !== undefined ? (v as T[keyof T]) : base[k];
  }
  return out;
}
