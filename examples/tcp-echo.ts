// Example: a TCP client that sends a numbered line every 2 s to an echo server and prints what comes back.
//
// Usage: make bundle BOARD=esp32 APP=tcp-echo APN=internet ARGS="host=tcpbin.com port=4242"
// (or `main(modem, {host, port})` from your own code). Args: host (name or IPv4), port, count (lines, default 5).
import { Modem, Socket } from "../firmware/app/index";

export function main(modem: Modem, args: { [k: string]: string }): Socket | undefined {
  const host = args.host || "tcpbin.com";
  const port = parseInt(args.port || "4242", 10);
  const count = parseInt(args.count || "5", 10);
  let sock: Socket | undefined;
  modem.on("error", (e) => console.log("modem error:", e.kind, e.code, e.text));
  modem.on("online", (ip) => {
    console.log("online as", ip, "- connecting to", host + ":" + port);
    const s = modem.connect(host, port);
    sock = s;
    let n = 0;
    let timer = 0;
    const send = () => {
      n++;
      s.write("hello " + n + "\n");
      if (n >= count) s.end();
    };
    s.on("connect", () => {
      console.log("connected on link", s.link);
      send();
      timer = setInterval(() => (n < count ? send() : clearInterval(timer)), 2000) as unknown as number;
    });
    s.on("data", (d: string) => console.log("echo:", JSON.stringify(d)));
    s.on("error", (e: { kind: string; code: number; text: string }) => console.log("socket error:", e.kind, e.code, e.text));
    s.on("close", (why: string) => {
      clearInterval(timer);
      console.log("closed:", why);
    });
  });
  modem.start();
  return sock;
}
