// Example: an HTTP/1.1 GET over a TCP socket; prints the status line and the body size, and closes when the body is complete.
//
// Usage: make bundle BOARD=esp32 APP=http-get APN=internet ARGS="host=example.com path=/"
// Args: host, port (default 80), path (default /). Plain HTTP (no TLS).
// Why the client closes (Content-Length) instead of waiting for the server to: in buffer-access mode
// the driver does not read a link the module has closed (some A76XX firmware freezes on it, see the
// socket options' readAfterRemoteClose), so data a server sends just before closing can be lost.
import { Modem } from "../firmware/app/index";

export function main(modem: Modem, args: { [k: string]: string }): void {
  const host = args.host || "example.com";
  const port = parseInt(args.port || "80", 10);
  const path = args.path || "/";
  modem.on("online", () => {
    const s = modem.connect(host, port);
    let head = "";
    let bodyBytes = 0;
    let length = -1;
    let inBody = false;
    const check = () => {
      if (length >= 0 && bodyBytes >= length) s.end();
    };
    s.on("connect", () => s.write("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: a76xx\r\n\r\n"));
    s.on("data", (d: string) => {
      if (inBody) {
        bodyBytes += d.length;
        check();
        return;
      }
      head += d;
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      inBody = true;
      bodyBytes = head.length - end - 4;
      console.log(head.substr(0, head.indexOf("\r\n")));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head.substr(0, end + 2));
      if (m) length = parseInt(m[1], 10);
      head = "";
      check();
    });
    s.on("error", (e: { kind: string; code: number; text: string }) => console.log("error:", e.kind, e.code, e.text));
    s.on("close", (why: string) => console.log("done (" + why + "):", bodyBytes, "body bytes"));
  });
  modem.start();
}
