// Runs async jobs with at most N at a time (independent interpreters in parallel), each started on demand or all at once.

export class Pool {
  private running = 0;
  private queue: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new Error("pool size must be at least 1");
  }

  /** Run `fn` when a slot is free; resolves or rejects with it. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const go = () => {
        this.running++;
        fn().then(resolve, reject).finally(() => {
          this.running--;
          const next = this.queue.shift();
          if (next) next();
        });
      };
      if (this.running < this.size) go();
      else this.queue.push(go);
    });
  }
}

/** Parallel interpreters: DEVICE_JOBS, else 6 (the Linux build sleeps most of the time; on 2 cores 6 keep both busy). */
export function defaultPoolSize(): number {
  const n = parseInt(process.env.DEVICE_JOBS || "", 10);
  return n >= 1 ? n : 6;
}
