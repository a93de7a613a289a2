// Example: a TCP echo server on the modem (reachable only where the operator gives the SIM a public or VPN address).
//
// Usage: make bundle BOARD=esp32 APP=server APN=internet ARGS="port=8080 allow=203.0.113.5"
// Args: port (default 8080), allow (comma-separated client IPs; empty = everyone).
import { Modem, Socket } from "../firmware/app/index";
import { server as serverPart, Server } from "../firmware/parts/server";

/** The optional parts this app needs (the bundler and the host runner install them). */
export const parts = [serverPart];

export function main(modem: Modem, args: { [k: string]: string }): void {
  const port = parseInt(args.port || "8080", 10);
  const allow = args.allow ? args.allow.split(",") : undefined;
  let server: Server | undefined;
  modem.on("online", (ip) => {
    server = modem.listen(
      port,
      (c: Socket) => {
        console.log("client", c.remoteAddress + ":" + c.remotePort, "on link", c.link);
        c.write("hello from the modem\r\n");
        c.on("data", (d: string) => c.write(d));
        c.on("close", (why: string) => console.log("client gone:", why));
      },
      { allow: allow },
    );
    server.on("listening", () => console.log("listening on", ip + ":" + port));
    server.on("rejected", (addr: string) => console.log("refused", addr));
    server.on("error", (e: { kind: string; text: string }) => console.log("server error:", e.kind, e.text));
  });
  modem.on("offline", (why) => console.log("offline:", why, "- listening again when back online"));
  modem.start();
}
