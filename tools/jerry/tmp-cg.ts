import { runJerry, JHOST, ROOT } from "./launch";
import { pattern, startRig } from "./rig";
import * as path from "path";
async function main() {
  const [file, mode, bytes, out, ...extra] = process.argv.slice(2);
  const rig = await startRig(921600, pattern(Number(bytes)));
  const args = [`serial=${rig.pty}`, "baud=921600", `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, `bytes=${bytes}`, "recv=1"].concat(extra);
  const wrapper = out ? ["valgrind", "--tool=callgrind", `--callgrind-out-file=${out}`] : undefined;
  const r = await runJerry([file, path.join(ROOT, "tools/jerry/echo-driver.js")], args, 900000, JHOST, wrapper);
  console.log(r.stdout.split("\n").filter((l) => l.indexOf("HEAP") !== 0).join("\n"));
  console.log(r.stderr.substr(-600));
  await rig.close();
}
main();
