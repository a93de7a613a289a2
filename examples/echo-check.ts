// Example: sends a block of bytes (all 256 values, CR/LF, "OK\r\n", "+++") to a TCP echo server and checks every byte comes back.
//
// Usage: make host PORT=/tmp/a76xx APP=echo-check ARGS="host=127.0.0.1 port=7000 bytes=65536"
//        make bundle BOARD=esp32 APP=echo-check APN=internet ARGS="host=tcpbin.com port=4242"
// Args: host, port, bytes (default 16384). Prints the result; `done(ok, summary)` when given (host runner).
import { Modem } from "../firmware/app/index";

/** Deterministic test pattern: every byte value, line ends, AT-looking text and an escape-looking "+++". */
function pattern(n: number): string {
  let block = "OK\r\n+IPD5\r\n+++\r\nCLOSED\r\n";
  for (let i = 0; i < 256; i++) block += String.fromCharCode(i);
  let out = "";
  while (out.length < n) out += block;
  return out.substr(0, n);
}

export function main(modem: Modem, args: { [k: string]: string }, done?: (ok: boolean, summary: string) => void): void {
  const host = args.host || "tcpbin.com";
  const port = parseInt(args.port || "4242", 10);
  const data = pattern(parseInt(args.bytes || "16384", 10));
  let got = "";
  let finished = false;
  const finish = (ok: boolean, summary: string) => {
    if (finished) return;
    finished = true;
    console.log((ok ? "echo-check passed: " : "echo-check FAILED: ") + summary);
    if (done) done(ok, summary);
  };
  modem.on("error", (e) => finish(false, "modem error " + e.kind + ": " + e.text));
  modem.once("online", (ip) => {
    console.log("online as " + ip + ", connecting to " + host + ":" + port);
    const s = modem.connect(host, port);
    let off = 0;
    const pump = () => {
      while (off < data.length) {
        const piece = data.substr(off, 1024);
        off += piece.length;
        if (!s.write(piece)) return;
      }
    };
    s.on("connect", pump);
    s.on("drain", pump);
    s.on("data", (d: string) => {
      got += d;
      if (got.length < data.length) return;
      if (got === data) finish(true, data.length + " bytes sent and echoed byte for byte");
      else finish(false, "echo differs from what was sent");
      s.end();
    });
    s.on("error", (e: { kind: string; text: string }) => finish(false, "socket error " + e.kind + ": " + e.text));
    s.on("close", (why: string) => finish(false, "closed (" + why + ") after " + got.length + " of " + data.length + " bytes"));
  });
  modem.start();
}
