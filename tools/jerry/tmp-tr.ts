import { runJerry, ROOT } from "./launch";
import { startRig } from "./rig";
import * as path from "path";
async function main() {
  const [file, mode, bytes, ...extra] = process.argv.slice(2);
  const rig = await startRig(921600);
  const args = [`serial=${rig.pty}`, "baud=921600", `mode=${mode}`, "host=127.0.0.1", `port=${rig.port}`, `bytes=${bytes}`].concat(extra);
  const r = await runJerry([file].concat(file.indexOf("echo-check") >= 0 ? [] : [path.join(ROOT, "tools/jerry/echo-driver.js")]), args, 60000);
  console.log(r.code, r.stdout.split("\n").filter((l) => l.indexOf("HEAP") !== 0).join("\n"));
  console.log(r.stderr.substr(-1500));
  await rig.close();
}
main();
