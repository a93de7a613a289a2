// Demo app, written like examples/*.ts: sends a block of bytes to a TCP echo server with write/drain backpressure, checks the echo byte for byte, closes.
import { Modem, Socket } from "../../firmware/app/index";

export interface BulkEchoArgs {
  host: string;
  port: number;
  /** The bytes to send (8-bit string). */
  data: string;
  /** Size of each write() (default 1024). */
  writeBytes?: number;
}

/** `done(ok, summary)` once the socket has closed: ok when every byte came back in order and the close was ours. */
export function main(modem: Modem, args: BulkEchoArgs, done?: (ok: boolean, summary: string) => void): void {
  const piece = args.writeBytes || 1024;
  modem.on("online", () => {
    const s: Socket = modem.connect(args.host, args.port);
    let sent = 0;
    let echoed = "";
    let complete = false;
    let echoOk = false;
    const writeMore = (): void => {
      while (sent < args.data.length) {
        const p = args.data.substr(sent, piece);
        sent += p.length;
        if (!s.write(p)) return; // queued; continue on "drain"
      }
      console.log("all " + sent + " bytes queued");
    };
    s.on("connect", () => {
      console.log("connected to " + args.host + ":" + args.port + " on link " + s.link + "; sending " + args.data.length + " bytes");
      writeMore();
    });
    s.on("drain", writeMore);
    s.on("data", (d: string) => {
      echoed += d;
      if (complete) {
        echoOk = false;
        console.log(d.length + " unexpected bytes after the echo: " + JSON.stringify(d.substr(0, 16)));
        return;
      }
      if (echoed.length < args.data.length) return;
      complete = true;
      echoOk = echoed === args.data;
      console.log("echo complete: " + echoed.length + " bytes, " + (echoOk ? "identical" : "DIFFERENT") + "; closing");
      s.end();
    });
    s.on("error", (e: { kind: string; text: string }) => console.log("socket error: " + e.kind + " " + e.text));
    s.on("close", (why: string) => {
      console.log("closed: " + why);
      if (done) done(echoOk && why === "local", echoed.length + " of " + args.data.length + " bytes echoed, close " + why);
    });
  });
  modem.start();
}
