// Tests of options as data: unknown names refused with "did you mean", every rule kind checked by name, defaults filled in.
import * as assert from "assert";
import { resolve } from "../../firmware/core/options";

/** A schema with one option of each rule kind (`name=<default>:<rule>`). */
const SCHEMA = 'apn="":s;healthCheckMs=5000:i0,600000;dataMode="buffer":ebuffer|push|transparent;escapeWithDtr=false:b;bauds=[115200]:B;trace=false:t;parts=[]:p';
const NAMES = ["apn", "healthCheckMs", "dataMode", "escapeWithDtr", "bauds", "trace", "parts"];

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
    assert.deepStrictEqual(Object.keys(o).sort(), NAMES.slice().sort());
    assert.deepStrictEqual(o.bauds, [115200]);
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
    assert.strictEqual(refusal({ speed: 9600 }), 'a76xx: option "speed" is unknown; known: ' + NAMES.join(", "));
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
      [{ bauds: [115200, 12345] }, "it must be a list of rates the A76XX supports (300, 600,"],
      [{ bauds: new Array(17).fill(9600) }, "it must be a list of up to 16 baud rates"],
      [{ trace: "yes" }, 'option trace is "yes"; it must be true, false or a function(line)'],
      [{ parts: {} }, "option parts is [object Object]; it must be a list of parts"],
      [{ trace: () => undefined, dataMode: 3 }, "option dataMode is 3; it must be one of buffer, push, transparent"],
    ];
    for (const [given, want] of cases) {
      const msg = refusal(given);
      assert.ok(msg.indexOf("a76xx: ") === 0 && msg.indexOf(want) >= 0, JSON.stringify(given) + " -> " + msg);
    }
  });

  it("accepts a good value of each rule kind as given", () => {
    const fn = () => undefined;
    const o = resolve(SCHEMA, {
      apn: "",
      healthCheckMs: 0,
      dataMode: "transparent",
      escapeWithDtr: true,
      bauds: [9600, 921600, 3686400],
      trace: fn,
      parts: [],
    });
    assert.strictEqual(o.healthCheckMs, 0);
    assert.strictEqual(o.dataMode, "transparent");
    assert.strictEqual(o.trace, fn);
    assert.strictEqual(resolve(SCHEMA, { trace: true }).trace, true);
    assert.deepStrictEqual(resolve(SCHEMA, { bauds: [] }).bauds, []);
  });

  it("suggests the closest name within two edits, and none beyond", () => {
    const s = 'link=0:i0,1;lines=0:i0,1;rxRingBytes=0:i0,1;txRingBytes=0:i0,1';
    const msg = (g: object): string => {
      try {
        resolve(s, g);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    };
    assert.ok(msg({ links: 1 }).indexOf('did you mean "link"?') > 0);
    assert.ok(msg({ LINK: 1 }).indexOf('did you mean "link"?') > 0, "any case");
    assert.ok(msg({ rxRingByte: 1 }).indexOf('did you mean "rxRingBytes"?') > 0);
    assert.ok(msg({ abcdefg: 1 }).indexOf("known: link, lines, rxRingBytes, txRingBytes") > 0);
  });
});
