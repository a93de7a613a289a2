// Tests that the project's docs are self-contained: nothing points outside the repository, every relative link resolves, and the docs cover what the code cites.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DEVICE_CONSTRUCTS } from "../tools/check-device/check";

const ROOT = path.resolve(__dirname, "..");

/** Files git tracks, plus new files not ignored (so a file is caught before it is committed); a walk when there is no git. */
function projectFiles(): string[] {
  try {
    const out = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.split("\0").filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  } catch (e) {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of fs.readdirSync(path.join(ROOT, dir))) {
        if (name === ".git" || name === "node_modules" || name === "dist") continue;
        const rel = dir ? dir + "/" + name : name;
        if (fs.statSync(path.join(ROOT, rel)).isDirectory()) walk(rel);
        else files.push(rel);
      }
    };
    walk("");
    return files;
  }
}

// Spelled in pieces so that this file does not contain them.
const OUTSIDE = [".." + "/shared", "shared" + "/docs"];

describe("docs are self-contained", () => {
  it("no file of the project mentions the folder outside the repository (only .ci/run may point interpreters there)", () => {
    const offenders: string[] = [];
    for (const f of projectFiles()) {
      if (f === ".ci/run") continue;
      const buf = fs.readFileSync(path.join(ROOT, f));
      if (buf.subarray(0, 8000).indexOf(0) >= 0) continue; // binary
      const text = buf.toString("utf8");
      text.split("\n").forEach((line, i) => {
        if (OUTSIDE.some((o) => line.indexOf(o) >= 0)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepStrictEqual(offenders, []);
  });

  it("every relative link in the project's markdown files points to a file that exists", () => {
    const broken: string[] = [];
    for (const f of projectFiles().filter((x) => x.endsWith(".md"))) {
      const text = fs.readFileSync(path.join(ROOT, f), "utf8");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split("#")[0];
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const resolved = path.resolve(path.dirname(path.join(ROOT, f)), target);
        if (!resolved.startsWith(ROOT + path.sep) || !fs.existsSync(resolved)) broken.push(`${f}: ${m[1]}`);
      }
    }
    assert.deepStrictEqual(broken, []);
  });

  it("docs/espruino.md has an entry for every construct the device check reports", () => {
    const text = fs.readFileSync(path.join(ROOT, "docs/espruino.md"), "utf8");
    const headings = Array.from(text.matchAll(/^### `([^`]+)`$/gm)).map((m) => m[1]);
    assert.deepStrictEqual(headings, DEVICE_CONSTRUCTS.slice());
  });

  it("docs/protocol.md has the nine sections the code cites by number, in order", () => {
    const text = fs.readFileSync(path.join(ROOT, "docs/protocol.md"), "utf8");
    const numbers = Array.from(text.matchAll(/^## (\d+)\. /gm)).map((m) => Number(m[1]));
    assert.deepStrictEqual(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
