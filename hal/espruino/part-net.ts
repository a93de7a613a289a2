// Entry of the device bundle dist/a76xx-net.js: the optional "net" part and connect(), which puts Espruino's net, http and dgram on the modem.
//
//   var gprs = require("a76xx").connect(Serial2, {board: "t-a7670", apn: "internet"}, function (err) {
//     if (err) return print(err.text);
//     require("http").get("http://example.com/", function (res) { … });
//   });
// The returned object is the modem (events online/offline/state/error, status()…) plus
// getIP(cb) and disconnect(cb), as Espruino's other network drivers have them. NetworkJS keeps a
// single JavaScript network: on a board that re-creates its native network at boot (ESP32), call
// connect() from E.on("init").
import { net, NetCallbacks } from "../../firmware/parts/networkjs";
import type { Modem } from "../../firmware/app/modem";

declare var A76XX_NET: unknown;

/** The modem, started, with Espruino's network on it; see the file header. */
function connect(serial: Serial | undefined, options: { [name: string]: unknown }, callback: (err: unknown) => void): Modem {
  const o: { [name: string]: unknown } = {};
  for (const k in options || {}) if (k !== "board") o[k] = options[k];
  if (serial) o.serial = serial;
  o.parts = ((o.parts as unknown[]) || []).concat([net]);
  const m = require("a76xx").setup((options && options.board) || "esp32", o) as Modem & { [k: string]: unknown };
  require("NetworkJS").create((m as unknown as { netCallbacks: NetCallbacks }).netCallbacks);
  let told = false;
  const tell = function (e: unknown): void {
    if (told) return;
    told = true;
    if (callback) callback(e);
  };
  m.once("online", function () {
    tell(null);
  });
  m.once("error", tell);
  m.getIP = function (cb: (err: unknown, ip?: string) => void): void {
    const st = m.status();
    cb(st.online ? null : { kind: "offline", code: -1, text: "the modem is not online" }, st.ip);
  };
  m.disconnect = function (cb?: () => void): void {
    const done = function (s: string): void {
      if (s !== "off") return;
      m.off("state", done);
      if (cb) cb();
    };
    m.on("state", done);
    m.stop();
  };
  m.start();
  return m;
}

A76XX_NET = { name: net.name, schema: net.schema, install: net.install, connect: connect };
