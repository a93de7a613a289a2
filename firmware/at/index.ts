// Public API of the AT layer: bytes in, events out (parser), commands and scripts as data (engine, runner).
//
// How a consumer uses it (the modem lifecycle and the socket table):
//
//   const sched = new Scheduler(hal.clock, defaultSchedulerOptions);
//   const opts = Object.assign({}, defaultAtEngineOptions, { ringBytes: board.atRxRingBytes });
//   const at = new AtEngine(hal.uart, hal.codec, sched, opts, {
//     payloadStart(kind, link, length, rest, remote) { … pick the socket ring … },
//     payloadData(kind, link, bytes) { … ring.write(bytes) … },   // pieces, 8-bit strings
//     payloadEnd(kind, link) { … },
//     data(bytes) { … transparent socket … },
//     timeout(consecutive, request) { … },
//     stall(consecutive) { … power-cycle the module, then at.reset() … },
//   });
//   at.start();                                   // takes hal.uart's receive side
//   at.onUrc("+IPCLOSE:", (line) => …);           // by prefix; longest prefix wins
//   at.onUrc("+CIPRXGET: 1,", (line) => …);       // buffer-mode "data waiting"
//   at.setDefaultUrc((line) => …);                // anything unknown (RDY, +CGEV: …) — optional
//   at.submit(cipOpen(1, "TCP", host, 80, 0, false), (res) => { if (res.error) … });
//   at.submit(cipSend(1, bytes, "", 0), (res) => …);     // waits for '>' then writes the bytes
//   runner.run({ name: "bring-up", steps: [...] }, onStep, (err, failedStep) => …);
//
// Commands: one in flight, `queueSize` behind it; `submit` returns false when full. Each result
// carries `error` (null or an AtError {kind, code, text} mapped through the doc's tables), the
// collected `lines`, the `async` completion line and the `connect` text. Async completions
// (`+CIPOPEN: 1,0` …) are matched to their command before or after its OK; anything else that
// arrives meanwhile (URCs, payloads) is dispatched as what it is. A `connect` command switches the
// engine into data mode, where every byte goes to listener.data (a peer's CLOSED too: the socket
// layer decides). To leave it: after the guard silence call `setDataMode(false)` and submit
// `{request: "+++", raw: true, …}` (its OK completes it), or `setDataMode(false)` after CLOSED.
// Timeouts resynchronise with a probe before the next command; repeated ones call `stall`.
// Callbacks and handlers run in stream order, must not throw (throws are caught and counted) and
// may call submit/setDataMode/onUrc freely: nothing they do re-enters the parser.
export type { AtErrorKind, AtError } from "./errors";
export { IP_ERROR_TEXTS, ASYNC_ERROR_TEXTS, ipErrorText, ipErrorCode, asyncErrorText, asyncErrorCode, cmeErrorText, cmeErrorCode, modemError, engineError, parseUint } from "./errors";
export type { AtParserSink, AtParserOptions, AtParserStats, PayloadKind, FinalKind } from "./parser";
export { AtParser, checkIntOption } from "./parser";
export type { UrcHandler } from "./urc";
export { UrcTable } from "./urc";
export type { AtCommand, AtResult, AtDone } from "./command";
export { AT_TIMEOUTS, isSafeQuoted, at, netOpen, netClose, cipOpen, cipSend, cipClose, cipRxGet, serverStop } from "./command";
export type { AtEngineOptions, AtEngineListener, AtEngineStats } from "./engine";
export { AtEngine, defaultAtEngineOptions } from "./engine";
export type { AtScript, AtScriptStep, AtStepHook, AtScriptDone } from "./script";
export { AtScriptRunner } from "./script";
