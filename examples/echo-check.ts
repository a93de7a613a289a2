// Example: sends a block of bytes (all 256 values, CR/LF, "OK\r\n", "+++") to a TCP echo server and checks every byte comes back.
//
// Usage: make host PORT=/tmp/a76xx APP=echo-check ARGS="host=127.0.0.1 port=7000 bytes=65536"
//        make bundle BOARD=esp32 APP=echo-check APN=internet ARGS="host=tcpbin.com port=4242"
// Args: host, port, bytes (default 16384). Prints the result; `done(ok, summary)` when given (host runner).
// Memory stays the same for any size: the pattern repeats a short block, each write is cut from it
// as it is sent, and each received chunk is compared with the pattern at its offset as it arrives;
// neither what was sent nor what came back is kept.
import { Modem } from "../firmware/app/index";

/** The repeating block of the test pattern: line ends, AT-looking text, an escape-looking "+++", then every byte value. */
function patternBlock(): string {
  let block = "OK\r\n+IPD5\r\n+++\r\nCLOSED\r\n";
  for (let i = 0; i < 256; i++) block += String.fromCharCode(i);
  return block;
}

const BLOCK = patternBlock();

/** `len` bytes of the endless repetition of BLOCK, starting at byte `offset` of it. */
export function patternAt(offset: number, len: number): string {
  let out = "";
  let at = offset % BLOCK.length;
  while (out.length < len) {
    const piece = BLOCK.substr(at, len - out.length);
    out += piece;
    at = 0;
  }
  return out;
}

export function main(modem: Modem, args: { [k: string]: string }, done?: (ok: boolean, summary: string) => void): void {
  const host = args.host || "tcpbin.com";
  const port = parseInt(args.port || "4242", 10);
  const total = parseInt(args.bytes || "16384", 10);
  let received = 0;
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
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const n = total - sent < 1024 ? total - sent : 1024;
        const piece = patternAt(sent, n);
        sent += n;
        if (!s.write(piece)) return;
      }
    };
    s.on("connect", pump);
    s.on("drain", pump);
    s.on("data", (d: string) => {
      if (finished) return;
      if (received + d.length > total) {
        finish(false, (received + d.length) + " bytes came back, more than the " + total + " sent");
        s.end();
        return;
      }
      if (d !== patternAt(received, d.length)) {
        let i = 0;
        const want = patternAt(received, d.length);
        while (d.charCodeAt(i) === want.charCodeAt(i)) i++;
        finish(false, "echo differs from what was sent at byte " + (received + i));
        s.end();
        return;
      }
      received += d.length;
      if (received < total) return;
      finish(true, total + " bytes sent and echoed byte for byte");
      s.end();
    });
    s.on("error", (e: { kind: string; text: string }) => finish(false, "socket error " + e.kind + ": " + e.text));
    s.on("close", (why: string) => finish(false, "closed (" + why + ") after " + received + " of " + total + " bytes"));
  });
  modem.start();
}
