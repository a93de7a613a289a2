// Public entry of the A76XX simulator (host only, never shipped): the simulated module, its faults, the pump and the test peers.
//
// The behaviour reproduced is docs/protocol.md, every section, byte for byte; links
// are real TCP/UDP sockets on this machine; every modem timing runs on the Clock given (a
// VirtualClock in tests: deterministic; a SystemClock behind the pseudo-terminal of cli.ts).
//
//   const hal = createTestHal();
//   const sim = new A76xxSim({ clock: hal.clock, startPoweredOn: true });
//   sim.attach(hal.wire.modem, { pwrkey: hal.pwrkey, dtr: hal.dtr }, { toHost: hal.wire.toHost });
//   … await pumpUntil(hal.clock, () => got.includes("OK\r\n"), { maxVirtualMs: 5000, maxRealMs: 2000 });
//   sim.close();   // afterEach: destroys every socket and server it opened, cancels its timers
//
// Options (SimOptions): clock, profile ("clean" | "field-quirks"), bootMs (3000), commandLatencyMs
// (2), pwrkeyPressMs (50: shortest press that powers on), pwrkeyOffMs (2500: press that powers off;
// field-quirks: any press ≥ pwrkeyPressMs turns a running module off), startPoweredOn (false),
// echo (true), rxBufferBytes (16384 per link), dns ({name: ip}; localhost built in), portMap
// ({modulePort: hostPort}, 0 = any free port; for SERVERSTART and UDP local ports), hostPorts ("free":
// a port portMap does not name is bound on any free host port, the default; "same": on its own number), bindAddress
// ("127.0.0.1"), ipAddress ("10.148.0.17"), csq ([23, 99]), netopenMs (100), guardMs (1000), seed,
// eventGapMs (20: quiet time between the CLOSED that ends data mode and the URC that follows it).
//
// State: powered, booted, hung, netOpen, netTransparent, dataMode, echo, cmee, rxMode…;
// link(i) → LinkInfo {state, proto, remoteIp/Port, localPort, hostLocalPort, serverIndex,
// transparent, bufferMode, bytesIn, bytesOut, bytesAcked, buffered, parked, paused};
// serverPort(i) → the real listening port; baud().
// Control: attach(end, pins?, {toHost?}), powerOn(), powerDown(), reboot(), close().
// Pins (attach): pwrkey (press ≥ pwrkeyPressMs on release powers on; boot takes bootMs),
// reset (held = off, released = reboot), powerEnable (falling = power cut; PWRKEY is ignored while
// it is low), dtr (with AT&D1/2, active → inactive in data mode = command mode + OK).
//
// Faults (sim.fault, see faults.ts): dropNetwork, pdnLoss, remoteClose, reboot, powerCut,
// hangNextCommand, hang, garbage, simNotReady, registration, netopenFails, dnsFails, sendTimeout,
// sendBufferFull, urc, uart("slow" | "bursty" | n); and for a host's robustness: at(point, action,
// prefix?) (a reboot, freeze, power cut or test function right after a command's "echo", its CIPSEND
// "prompt", or its final result "ok"), losePrompt(n), slowNext(ms, n) / slowMatching(prefix, ms) /
// slowOff() (late answers, still one command at a time, in order), lieRxLength(delta) (a +CIPRXGET: 2
// header announcing the wrong length), pushFrom(bytes, ip, port) (a push from a sender no link has),
// corruptDns(how) (a control byte or flipped bit in the next CDNSGIP address). The peer that stops
// reading is TcpPeer.stopReading, and a client that talks before it can be refused is
// TcpClient.connectAndSend (peers.ts).
//
// Choices where the doc leaves the order or answer open (clean profile):
//  - OK first, then the async +CIPOPEN/+CIPCLOSE/+CIPSEND/+NETOPEN (field-quirks: UDP CIPOPEN and
//    CIPCLOSE put the URC before OK).
//  - Sync TCP/IP failures: `+IP ERROR: <info>` then ERROR (NETOPEN when open: Network is already
//    opened; NETCLOSE when closed: Network is already closed; CIPCLOSE/CIPSEND/CIPACK on a closed
//    link: Connection is not created); field-quirks give section 9's forms (+NETCLOSE: 2 ERROR,
//    +CIPCLOSE: <l>,4 ERROR, NETOPEN alternately +IP ERROR and a bare ERROR).
//  - Syntax/range errors and TCP/IP commands without a ready SIM: bare ERROR.
//  - The CIPSEND prompt is `<CR><LF>> `; payload bytes are echoed when echo is on; <ESC> answers OK.
//  - AT+CIPHEAD and AT+CIPSRIP default to 1; AT&D defaults to 0; AT+CMEE to 0.
//  - A peer's close with data still buffered: +IPCLOSE, the data stays readable until the slot is reused.
//    Field-quirks: reading it works for what it holds; an over-read, or any read or query of a link
//    that is not open (a peer-closed one once emptied, one the host closed, one the network took)
//    freezes the module.
//  - Transparent data mode ends with CLOSED (peer close, network drop, PDN loss) and the module is in
//    command mode at once; a drop's +CIPEVENT (a PDN loss's +CGEV) follows eventGapMs later. A reboot
//    ends it silently: the banner after bootMs, echo as at power-up. Data mode lives in the module:
//    a host that closes and re-opens its UART (or the PTY) finds it unchanged.
//  - One command at a time: a line that arrives while another runs is echoed at once and waits.
//  - Connection refused: +CIPOPEN: <l>,1; connect timeout (CIPTIMEOUT): +CIPOPEN: <l>,10; unknown name: ,11.
export { A76xxSim } from "./modem";
export type { SimOptions, SimPins, AttachOptions, LinkInfo, SimState, ResolvedOptions, CommandPoint, PointAction, DnsCorruption } from "./modem";
export { Faults } from "./faults";
export type { Profile } from "./boot";
export { pumpUntil, pumpFor } from "./pump";
export type { PumpOptions } from "./pump";
export { TcpPeer, UdpPeer, TcpClient, freePort } from "./peers";
export { IP_ERROR_TEXT, ERR_TEXT } from "./errors";
