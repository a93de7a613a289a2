// Mocha global fixture: the well-known ports are held by another process for the whole test run (see ports.ts).
import { holdPorts, HOLDER_ENV, PortHolder } from "./ports";

let holder: PortHolder | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  holder = await holdPorts();
  process.env[HOLDER_ENV] = String(holder.pid);
  const taken = holder.alreadyTaken.tcp.length + holder.alreadyTaken.udp.length;
  console.log(
    `ports: ${holder.held.tcp.length} TCP and ${holder.held.udp.length} UDP well-known ports held by process ${holder.pid} for this run` +
      (taken ? ` (${taken} already taken by another program)` : ""),
  );
}

export async function mochaGlobalTeardown(): Promise<void> {
  delete process.env[HOLDER_ENV];
  if (holder) await holder.stop();
  holder = undefined;
}
