// Device test jobs: each test's interpreter run is registered at load time and started by the suite's before hook, all at once through a pool, so independent interpreters run in parallel while mocha reports test by test.
import { Pool } from "../../tools/device/pool";

interface Job {
  test: Mocha.Test;
  /** Rough wall seconds, to start the longest first. */
  estimateS: number;
  fn: () => Promise<unknown>;
  promise?: Promise<unknown>;
}

export class Jobs {
  private jobs: Job[] = [];
  private pool: Pool;

  constructor(size: number) {
    this.pool = new Pool(size);
  }

  /**
   * A test whose work runs as a job: `work` is started by start() (or when the test runs, if it was
   * not), `check` asserts on its result. Returns the mocha test.
   */
  it<T>(title: string, estimateS: number, work: () => Promise<T>, check: (r: T) => void): Mocha.Test {
    let job: Job | undefined;
    const test = it(title, async () => {
      check((await this.result(job as Job)) as T);
    });
    job = { test, estimateS, fn: work };
    this.jobs.push(job);
    return test;
  }

  /** Start every job whose test will run (its full title matches `grep`), longest first. */
  start(grep: RegExp | undefined): void {
    const chosen = this.jobs.filter((j) => !grep || grep.test(j.test.fullTitle()));
    chosen.sort((a, b) => b.estimateS - a.estimateS);
    for (const j of chosen) this.launch(j);
  }

  private launch(j: Job): Promise<unknown> {
    if (!j.promise) {
      j.promise = this.pool.run(j.fn);
      j.promise.catch(() => undefined); // reported by its test
    }
    return j.promise;
  }

  private result(j: Job): Promise<unknown> {
    return this.launch(j);
  }
}
