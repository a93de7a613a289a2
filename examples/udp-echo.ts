// Example: a UDP socket that sends a datagram to an echo service every 2 s and prints each reply with its sender.
//
// Usage: make bundle BOARD=esp32 APP=udp-echo APN=internet MODE=push ARGS="host=1.2.3.4 port=7"
// The push data mode (MODE=push, the modem option dataMode) shows the sender of each datagram; buffer mode cannot tell it.
// Args: host, port, localPort (default 5000), count (default 5).
import { Modem, RemoteInfo } from "../firmware/app/index";

export function main(modem: Modem, args: { [k: string]: string }): void {
  const host = args.host || "127.0.0.1";
  const port = parseInt(args.port || "7", 10);
  const localPort = parseInt(args.localPort || "5000", 10);
  const count = parseInt(args.count || "5", 10);
  modem.on("online", () => {
    const u = modem.udp(localPort);
    let n = 0;
    let timer = 0;
    u.on("listening", () => {
      console.log("UDP bound to", localPort);
      const send = () => {
        n++;
        u.send("ping " + n, host, port);
        if (n >= count) {
          clearInterval(timer);
          setTimeout(() => u.close(), 3000);
        }
      };
      send();
      timer = setInterval(send, 2000) as unknown as number;
    });
    u.on("message", (d: string, from: RemoteInfo) => console.log("reply from", from.address + ":" + from.port, JSON.stringify(d)));
    u.on("error", (e: { kind: string; text: string }) => console.log("udp error:", e.kind, e.text));
    u.on("close", (why: string) => console.log("udp closed:", why));
  });
  modem.start();
}
