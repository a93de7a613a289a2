// Tests of options as data: unknown names refused with "did you mean", every rule kind checked by name, defaults filled in.
import * as assert from "assert";
import { nearest, resolve, Schema } from "../../firmware/core/options";

const SCHEMA: Schema = {
  apn: ["", "s"],
  healthCheckMs: [5000, "i0,600000"],
  dataMode: ["buffer", "ebuffer|push|transparent"],
  escapeWithDtr: [false, "b"],
  bauds: [[115200], "B"],
  onLine: [undefined, "f"],
  auth: [undefined, "o"],
  trace: [false, "t"],
  parts: [[], "p"],
};

/** The message resolve() throws for `given`. */
function refusal(given: unknown): string {
  try {
    resolve(SCHEMA, given);
  } catch (e) {
    assert.ok(e instanceof Error, "an Error");
    return (e as Error).message;
  }
  return assert.fail("accepted " + JSON.stringify(given));
}

describe("options", () => {
  it("fills every schema key with its default when nothing is given, in a new object", () => {
    const o = resolve(SCHEMA, undefined);
    assert.deepStrictEqual(Object.keys(o).sort(), Object.keys(SCHEMA).sort());
    assert.strictEqual(o.healthCheckMs, 5000);
    assert.strictEqual(o.dataMode, "buffer");
    assert.deepStrictEqual(resolve(SCHEMA, {}), o);
    const given = { apn: "internet" };
    const r = resolve(SCHEMA, given);
    assert.notStrictEqual(r, given);
    assert.strictEqual(r.apn, "internet");
    assert.strictEqual(r.healthCheckMs, 5000);
    assert.strictEqual(resolve(SCHEMA, { healthCheckMs: undefined }).healthCheckMs, 5000, "undefined means the default");
  });

  it("refuses an unknown option, naming it, with a did-you-mean for a near miss (any case)", () => {
    assert.strictEqual(refusal({ heathCheckMs: 1 }), 'a76xx: option "heathCheckMs" is unknown (did you mean "healthCheckMs"?)');
    assert.strictEqual(refusal({ APN: "x" }), 'a76xx: option "APN" is unknown (did you mean "apn"?)');
    assert.strictEqual(refusal({ datamode: "push" }), 'a76xx: option "datamode" is unknown (did you mean "dataMode"?)');
  });

  it("lists the known options when the unknown name is nothing like them", () => {
    assert.strictEqual(refusal({ speed: 9600 }), 'a76xx: option "speed" is unknown; known options: ' + Object.keys(SCHEMA).join(", "));
    assert.ok(/option "constructor" is unknown/.test(refusal({ constructor: 1 })), "an inherited name is not an option");
  });

  it("refuses options that are not an object", () => {
    assert.strictEqual(refusal(5), "a76xx: options must be an object, got 5");
    assert.strictEqual(refusal("apn=x"), 'a76xx: options must be an object, got "apn=x"');
    assert.strictEqual(refusal(null), "a76xx: options must be an object, got null");
  });

  it("checks each rule kind, saying what the value is and what is allowed", () => {
    const cases: Array<[object, string]> = [
      [{ healthCheckMs: 1.5 }, "option healthCheckMs is 1.5; it must be an integer in 0..600000"],
      [{ healthCheckMs: -1 }, "option healthCheckMs is -1; it must be an integer in 0..600000"],
      [{ healthCheckMs: 600001 }, "option healthCheckMs is 600001; it must be an integer in 0..600000"],
      [{ healthCheckMs: "5000" }, 'option healthCheckMs is "5000"; it must be an integer in 0..600000'],
      [{ dataMode: "raw" }, 'option dataMode is "raw"; it must be one of buffer, push, transparent'],
      [{ escapeWithDtr: 1 }, "option escapeWithDtr is 1; it must be true or false"],
      [{ apn: 42 }, "option apn is 42; it must be a string"],
      [{ bauds: 115200 }, "option bauds is 115200; it must be a list of up to 16 baud rates"],
      [{ bauds: [115200, 12345] }, "it must be a list of baud rates the A76XX supports (300, 600,"],
      [{ bauds: new Array(17).fill(9600) }, "it must be a list of up to 16 baud rates"],
      [{ onLine: true }, "option onLine is true; it must be a function"],
      [{ auth: null }, "option auth is null; it must be an object"],
      [{ auth: "user:pass" }, 'option auth is "user:pass"; it must be an object'],
      [{ trace: "yes" }, 'option trace is "yes"; it must be true, false or a function(line)'],
      [{ parts: {} }, "option parts is [object Object]; it must be a list of parts"],
      [{ trace: () => undefined, onLine: 3 }, "option onLine is 3; it must be a function"],
    ];
    for (const [given, want] of cases) {
      const msg = refusal(given);
      assert.ok(msg.indexOf("a76xx: ") === 0 && msg.indexOf(want) >= 0, JSON.stringify(given) + " -> " + msg);
    }
  });

  it("accepts a good value of each rule kind as given", () => {
    const fn = () => undefined;
    const auth = { user: "u", password: "p" };
    const o = resolve(SCHEMA, {
      apn: "",
      healthCheckMs: 0,
      dataMode: "transparent",
      escapeWithDtr: true,
      bauds: [9600, 921600, 3686400],
      onLine: fn,
      auth,
      trace: fn,
      parts: [],
    });
    assert.strictEqual(o.healthCheckMs, 0);
    assert.strictEqual(o.dataMode, "transparent");
    assert.strictEqual(o.onLine, fn);
    assert.strictEqual(o.auth, auth);
    assert.strictEqual(o.trace, fn);
    assert.strictEqual(resolve(SCHEMA, { trace: true }).trace, true);
    assert.deepStrictEqual(resolve(SCHEMA, { bauds: [] }).bauds, []);
  });

  it("nearest() gives the closest name within two edits, else nothing", () => {
    assert.strictEqual(nearest("links", ["link", "lines", "apn"]), "link");
    assert.strictEqual(nearest("LINKS", ["links"]), "links");
    assert.strictEqual(nearest("abc", ["xyz"]), "");
    assert.strictEqual(nearest("rxRingByte", ["rxRingBytes", "txRingBytes"]), "rxRingBytes");
  });
});
