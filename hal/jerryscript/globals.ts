// The runtime globals user code expects (console, setTimeout, setInterval and their clear functions) over jhost, for JerryScript, which has none.
// Only missing globals are defined; the firmware itself never uses them (it takes its clock from the HAL).

/// <reference path="./jhost.d.ts" />

/** The arguments of a console call as one line (strings as they are, the rest through String()). */
function line(args: IArguments): string {
  let s = "";
  for (let i = 0; i < args.length; i++) s += (i ? " " : "") + String(args[i]);
  return s;
}

/** Define console.log/error/warn and the timer functions where this runtime lacks them. */
export function installGlobals(): void {
  const g = Function("return this")() as JHostGlobals;
  if (typeof g.console === "undefined") {
    g.console = {
      log: function (): void {
        jhost.print(line(arguments));
      },
      error: function (): void {
        jhost.log(line(arguments));
      },
      warn: function (): void {
        jhost.log(line(arguments));
      },
    };
  }
  if (typeof g.setTimeout === "undefined") {
    g.setTimeout = function (fn: () => void, ms?: number): number {
      const id = jhost.setTimer(fn, ms || 0);
      if (typeof id === "string") throw new Error(id);
      return id;
    };
    g.clearTimeout = function (id: unknown): void {
      if (typeof id === "number") jhost.clearTimer(id);
    };
  }
  if (typeof g.setInterval === "undefined") {
    // An interval is a chain of timers; its id maps to the pending one.
    const pending: { [id: number]: number } = {};
    let next = 1;
    g.setInterval = function (fn: () => void, ms?: number): number {
      const id = next++;
      const arm = (): void => {
        const t = jhost.setTimer(function (): void {
          arm();
          fn();
        }, ms || 0);
        if (typeof t === "string") throw new Error(t);
        pending[id] = t;
      };
      arm();
      return id;
    };
    g.clearInterval = function (id: unknown): void {
      if (typeof id !== "number" || pending[id] === undefined) return;
      jhost.clearTimer(pending[id]);
      delete pending[id];
    };
  }
}
