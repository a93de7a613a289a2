// Tests that every shipped board definition is valid, provisions its links, and that validation catches bad sizes and checkBoard throws.
import * as assert from "assert";
import { allBoards, findBoard } from "../../boards/index";
const boards = allBoards();
import { checkBoard, validateBoard, BoardDef } from "../../firmware/core/board";

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

  it("provisions links per board: linux 10, esp32 and LilyGO 4, pico 2", () => {
    assert.deepStrictEqual(
      boards.map((b) => [b.id, b.links]),
      [
        ["esp32", 4],
        ["t-a7670", 4],
        ["pico", 2],
        ["linux", 10],
      ],
    );
  });

  it("checkBoard throws one Error naming every problem, and passes a good board", () => {
    checkBoard(findBoard("pico")!);
    const bad: BoardDef = Object.assign({}, findBoard("pico")!, { links: 0, socketRxRingBytes: 10 });
    assert.throws(
      () => checkBoard(bad),
      (e: Error) => e instanceof Error && /board pico is not usable/.test(e.message) && /links must be an integer in 1\.\.10, got 0/.test(e.message) && /socketRxRingBytes/.test(e.message),
    );
    assert.throws(() => checkBoard(undefined as unknown as BoardDef), /it is not a board definition/);
    assert.deepStrictEqual(validateBoard(Object.assign({}, findBoard("pico")!, { links: 11 })), ["links must be an integer in 1..10, got 11"]);
    assert.deepStrictEqual(validateBoard(Object.assign({}, findBoard("pico")!, { pwrkey: { pin: "B3", activeHigh: true, onPressMs: 10, offPressMs: 3000 } })), [
      "pwrkey.onPressMs must be an integer in 50..5000, got 10",
    ]);
  });

  it("rejects sizes and timings out of range with a readable reason", () => {
    const bad: BoardDef = Object.assign({}, findBoard("esp32")!, { atRxRingBytes: 100, uart: { port: 9, baud: 12345 } });
    const errors = validateBoard(bad);
    assert.strictEqual(errors.length, 3, errors.join("; "));
    assert.ok(errors.some((e) => e.indexOf("atRxRingBytes") === 0));
    assert.ok(errors.some((e) => e.indexOf("uart.baud 12345") === 0));
  });
});
