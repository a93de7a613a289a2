// The package shape a TypeScript project depends on: package.json's exports and the declarations tsc emits for the public API.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** A user's app, typed against the package: the public API resolves, and misuse is a type error (not `any`). */
const CONSUMER = `
import { createModem, Modem, Socket, Part, BoardDef, Hal, SocketError, Status } from "a76xx";
import { allParts, server } from "a76xx/parts";
import { findBoard } from "a76xx/boards";
import type { ByteCodec } from "a76xx/hal";

declare const console: { log(...a: unknown[]): void };

export function main(hal: Hal): Status {
  const board = findBoard("esp32") as BoardDef;
  const parts: Part[] = [server].concat(allParts);
  const m: Modem = createModem(hal, board, { apn: "internet", parts: parts });
  const s: Socket = m.connect("example.com", 80);
  s.on("error", (e: SocketError) => console.log(e.kind, e.text));
  const ok: boolean = s.write("GET / HTTP/1.0\\r\\n\\r\\n");
  // @ts-expect-error write answers whether the bytes were queued, a boolean
  const n: number = s.write("x");
  // @ts-expect-error connect takes a port number
  m.connect("example.com", "80");
  // @ts-expect-error a ByteCodec has no such member
  const nope = ({} as ByteCodec).decodeUtf8;
  return ok ? m.status() : m.status();
}
`;

function compile(dir: string, moduleResolution: string, module: string): string {
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "ES2015", lib: ["ES2015"], module, moduleResolution, types: [], skipLibCheck: false }, files: ["app.ts"] }),
  );
  try {
    return execFileSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    throw new Error("tsc failed (" + moduleResolution + "):\n" + (x.stdout || "") + (x.stderr || ""));
  }
}

describe("package shape for TypeScript projects", function () {
  this.timeout(120000);

  it("package.json names the library bundle and its declarations, and every export target exists after the build", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.strictEqual(pkg.main, "dist/a76xx.js");
    assert.strictEqual(pkg.types, "dist/types/firmware/app/index.d.ts");
    for (const [sub, entry] of Object.entries(pkg.exports as { [k: string]: string | { [c: string]: string } })) {
      const targets = typeof entry === "string" ? [entry] : Object.values(entry);
      for (const t of targets) assert.ok(fs.existsSync(path.join(ROOT, t)), `exports["${sub}"] → ${t} exists (run make build first)`);
    }
  });

  for (const [resolution, mod] of [["bundler", "esnext"], ["node10", "commonjs"], ["node16", "node16"]]) {
    it(`an app outside the repository type-checks against "a76xx", "a76xx/parts", "a76xx/boards" and "a76xx/hal" (moduleResolution ${resolution})`, () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "a76xx-types-"));
      try {
        fs.mkdirSync(path.join(dir, "node_modules"));
        fs.symlinkSync(ROOT, path.join(dir, "node_modules", "a76xx"), "dir");
        fs.writeFileSync(path.join(dir, "app.ts"), CONSUMER);
        // Each @ts-expect-error line must be an error: were the declarations `any`, tsc would
        // report the directive as unused and this compile would fail.
        compile(dir, resolution, mod);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
