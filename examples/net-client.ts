// Example: Espruino's own http and net modules over the modem (the "net" part): an HTTP GET, then a TCP echo, written as for any Espruino network.
//
// Usage: make bundle BOARD=esp32 APP=net-client APN=internet ARGS="url=http://example.com/ host=203.0.113.5 port=7"
// Args: url (default http://example.com/), host and port of a TCP echo server (no echo without host).
// Runs on Espruino only: require("NetworkJS"), require("http") and require("net") are the interpreter's.
// Code written for Espruino's other networks (MQTT, WebSocket…) runs unchanged on top of this.
import { Modem } from "../firmware/app/index";
import { net } from "../firmware/parts/networkjs";

/** The optional parts this app needs (the bundler installs them). */
export const parts = [net];

export function main(modem: Modem, args: { [k: string]: string }): void {
  const url = args.url || "http://example.com/";
  const host = args.host;
  const port = parseInt(args.port || "7", 10);
  // The modem becomes the interpreter's network: require("http"), "net" and "dgram" now use it.
  require("NetworkJS").create((modem as unknown as { netCallbacks: unknown }).netCallbacks);

  const echo = (): void => {
    if (!host) return console.log("done");
    let msg = "hello over require('net')\r\n";
    for (let i = 0; i < 256; i++) msg += String.fromCharCode(i);
    let got = "";
    const c = require("net").connect({ host: host, port: port }, () => c.write(msg));
    c.on("data", (d: string) => {
      got += d;
      if (got.length >= msg.length) {
        console.log("echo:", got === msg ? "intact," : "DIFFERENT,", got.length, "bytes");
        c.end();
      }
    });
    c.on("error", (e: { message: string }) => console.log("net error:", e.message));
    c.on("close", () => console.log("done"));
  };

  modem.on("online", (ip: string) => {
    console.log("online as", ip, "- GET", url);
    const req = require("http").get(url, (res: { statusCode: number; on(ev: string, fn: (d: string) => void): void }) => {
      console.log("HTTP status", res.statusCode);
      let n = 0;
      res.on("data", (d: string) => (n += d.length));
      res.on("close", () => {
        console.log("body:", n, "bytes");
        echo();
      });
    });
    req.on("error", (e: { message: string }) => console.log("http error:", e.message));
  });
  modem.on("error", (e) => console.log("modem error:", e.kind, e.text));
  modem.start();
}
