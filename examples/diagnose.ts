// Example: the bring-up diagnosis (power, SIM, signal, registration, APN, NETOPEN, IP, DNS, TCP round trip), printed step by step.
//
// Usage: make host PORT=/dev/ttyUSB0 APP=diagnose APN=internet ARGS="host=example.com port=80"
//        make flash PORT=/dev/ttyUSB0 BOARD=t-a7670 APP=diagnose APN=internet
// Args: host, port (TCP round trip; skipped without them), send (bytes to send after connecting),
// dns (name for the DNS step; default the host, else example.com — against `make sim` use dns=localhost).
import { Modem } from "../firmware/app/index";
import { tools, ToolsModem } from "../firmware/parts/tools";

/** The optional parts this app needs (the bundler and the host runner install them). */
export const parts = [tools];

export function main(modem: Modem, args: { [k: string]: string }, done?: (ok: boolean, summary: string) => void): void {
  const opts: { host?: string; port?: number; send?: string; dnsName?: string } = {};
  if (args.host) opts.host = args.host;
  if (args.port) opts.port = parseInt(args.port, 10);
  if (args.send) opts.send = args.send;
  if (args.dns) opts.dnsName = args.dns;
  (modem as ToolsModem).diagnose(opts, (r) => {
    if (done) done(r.failed === 0, r.passed + " passed, " + r.failed + " failed, " + r.skipped + " skipped");
  });
}
