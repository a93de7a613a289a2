// What the host runner prints about the modem while an app runs: each state change, and the firmware's progress lines during long waits.
//
// Registration alone may take minutes (registrationTimeoutMs, 180 s by default); without the
// progress lines ("registering: LTE searching, packet searching, 20 s of 180 s, signal -97 dBm")
// the run looks hung. An app that listens to "progress" itself (the diagnosis does) prints them
// its own way, so the runner then stays quiet rather than print each line twice.
import type { Modem } from "../../firmware/app/index";

export function reportModem(modem: Modem, print: (line: string) => void): void {
  const onProgress = (text: string): void => {
    if (modem.listenerCount("progress") === 1) print(`a76xx-host: ${text}`);
  };
  modem.on("progress", onProgress);
  modem.on("state", (s: string) => print(`a76xx-host: modem ${s}`));
}
