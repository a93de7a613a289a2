// Power and boot model: what a PWRKEY press does, and the boot banner's lines and timing for each profile.

export type Profile = "clean" | "field-quirks";

/** One step of the boot sequence, `at` ms after power-on (or reset). */
export interface BootStep {
  at: number;
  /** Line printed (as <CR><LF>text<CR><LF>), if any. */
  text?: string;
  /** From this step the module accepts commands. */
  ready?: boolean;
  /** From this step AT+CPIN? answers READY (field quirks: "SIM busy" before). */
  simReady?: boolean;
  /** From this step the module is registered (field quirks: searching and +CSQ: 99,99 before). */
  registered?: boolean;
}

/**
 * clean: at `bootMs` the module is ready, the SIM too, and `RDY`, `+CPIN: READY`, `SMS DONE`,
 * `PB DONE` are printed at once.
 * field-quirks (section 9): ready at `bootMs` but silent; `*ATREADY: 1` 300 ms later, the SIM busy
 * until `+CPIN: READY` (+1500), searching with no signal until +2000, `SMS DONE` (+2500),
 * `PB DONE` (+2600), `*ATREADY: 1` again (+2700), `+CGEV: EPS PDN ACT 1` (+3000) — so these lines
 * land after the host's first commands, between an echo and its answer, after an OK.
 */
export function bootSteps(profile: Profile, bootMs: number): BootStep[] {
  if (profile === "field-quirks") {
    return [
      { at: bootMs, ready: true },
      { at: bootMs + 300, text: "*ATREADY: 1" },
      { at: bootMs + 1500, text: "+CPIN: READY", simReady: true },
      { at: bootMs + 2000, registered: true },
      { at: bootMs + 2500, text: "SMS DONE" },
      { at: bootMs + 2600, text: "PB DONE" },
      { at: bootMs + 2700, text: "*ATREADY: 1" },
      { at: bootMs + 3000, text: "+CGEV: EPS PDN ACT 1" },
    ];
  }
  return [
    { at: bootMs, ready: true, simReady: true, registered: true, text: "RDY" },
    { at: bootMs, text: "+CPIN: READY" },
    { at: bootMs, text: "SMS DONE" },
    { at: bootMs, text: "PB DONE" },
  ];
}

export interface PwrkeyRules {
  /** Shortest press that powers the module on. */
  onMs: number;
  /** Press that powers a running module off. */
  offMs: number;
  /** Field quirk: any press of at least `onMs` turns a running module off. */
  pulseTurnsOff: boolean;
}

/** What a released PWRKEY press of `heldMs` does to a module that is `powered` (on or booting). */
export function pwrkeyAction(powered: boolean, heldMs: number, rules: PwrkeyRules): "on" | "off" | "none" {
  if (!powered) return heldMs >= rules.onMs ? "on" : "none";
  if (heldMs >= rules.offMs) return "off";
  if (rules.pulseTurnsOff && heldMs >= rules.onMs) return "off";
  return "none";
}
