// Tests that every shipped board definition is valid and that validation catches bad sizes.
import * as assert from "assert";
import { boards, findBoard } from "../../boards/index";
import { validateBoard, BoardDef } from "../../firmware/core/board";

describe("boards", () => {
  it("every shipped board passes validation and has a unique id", () => {
    const ids: string[] = [];
    for (const b of boards) {
      assert.deepStrictEqual(validateBoard(b), [], b.id);
      assert.ok(ids.indexOf(b.id) < 0, "duplicate id " + b.id);
      ids.push(b.id);
    }
    assert.deepStrictEqual(ids.sort(), ["esp32", "linux", "pico", "t-a7670"]);
  });

  it("the Linux board has a device path and no pins; microcontroller boards have PWRKEY", () => {
    const linux = findBoard("linux")!;
    assert.ok(linux.uart.path);
    assert.strictEqual(linux.pwrkey, undefined);
    for (const id of ["esp32", "t-a7670", "pico"]) assert.ok(findBoard(id)!.pwrkey, id);
    assert.ok(findBoard("t-a7670")!.powerEnable, "LilyGO needs its power-enable pin");
  });

  it("rejects sizes and timings out of range with a readable reason", () => {
    const bad: BoardDef = Object.assign({}, findBoard("esp32")!, { atRxRingBytes: 100, uart: { port: 9, baud: 12345 } });
    const errors = validateBoard(bad);
    assert.strictEqual(errors.length, 3, errors.join("; "));
    assert.ok(errors.some((e) => e.indexOf("atRxRingBytes") === 0));
    assert.ok(errors.some((e) => e.indexOf("uart.baud 12345") === 0));
  });
});
