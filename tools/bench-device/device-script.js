// Device side of `make bench-device`: plays the A76XX module on a fake UART fed by this script, runs one configuration, prints one result line.
//
// Loaded by the Espruino interpreter after dist/a76xx.js and one line `var BENCH = {...};` (the
// host side writes that file). Uses only the library's public surface: A76XX.createModem(hal,
// board, options), A76XX.findBoard and A76XX.createEspruinoHal. The HAL is the library's own
// Espruino HAL (hal/espruino) built on a fake SerialN object whose far end is this script's
// module model: the driver's receive handler is registered with `serial.on("data", h)` exactly as
// on a board, and each chunk is handed to that handler as the interpreter hands a UART's data
// event to it (one call, one string). Only the clock is replaced, by a virtual one (below), and
// the pins are left out (the Linux build drives no GPIO; they are not on the receive path).
//
// BENCH fields: path ("floor" | "buffer" | "push" | "push-ipd" | "send" | "model-buffer" |
// "model-push" | "model-send"), chunk (bytes per UART
// delivery), reads (number of 1,460-byte reads or pushes), payload (bytes per read/push),
// maxReads (the longest run of the series: payloads are cut for that many in every run),
// sendBytes and sendPiece (send path), board (board id), baud (line rate the virtual clock runs
// at), trace (print every command and answer), options (more createModem options, for
// experiments); for the tool's own test, corruptAt (payload offset
// of one byte changed on its way) and extra (buffer path: bytes held beyond what the app expects).
//
// Delivery: the module's output is handed to the receive handler `chunk` bytes at a time, each
// chunk from its own setTimeout(..., 0) (one chunk per idle-loop turn, as a UART delivers), never
// in a loop. Time: the HAL clock is virtual and moves by the wire time of every delivered chunk;
// 0 ms timers are the interpreter's own, longer timers are kept here and fire when virtual time
// reaches them (or, when nothing is happening, time jumps to the next one). Counts of
// instructions are therefore the same on every run.
//
// Scopes: the interpreter resolves a name by walking each enclosing scope's list of names, and a
// built-in (setTimeout) only after all of them. Everything called per chunk (the wire, the clock,
// the floor's counter) therefore lives in small scopes at top level, apart from the module model.
//
// Result: one line `BENCH-RESULT {json}`; `ok` false with a `problem` when the bytes delivered
// to the application differ in count or content from what the module sent, or when the driver
// saw a command time out (the model and the driver disagreed). A run ends when the
// module has sent the whole stream, the wire has been quiet for a few turns and every byte arrived.
var BENCH_CFG = BENCH;
var BENCH_DONE = false;

/**
 * The wire and the clock. `pump` runs once per idle-loop turn and is kept short: the interpreter
 * lexes a function's text at every call, so each of its tokens is paid per chunk by the floor and
 * by every path alike. Virtual timers are checked when the wire is idle, not per chunk.
 */
var BENCH_WIRE = (function (CH, baud) {
  // The interpreter's own setTimeout, found in this scope: a name not found in its scopes is looked
  // up through every global first (a library loaded as boot code has hundreds), and a board's
  // UART delivery looks up nothing.
  var later = setTimeout;
  var out = ""; // module output not yet delivered, from opos
  var opos = 0;
  var handler; // the driver's receive handler (or the floor's counter)
  var msPerByte = 10000 / baud;
  var msPerChunk = CH * msPerByte;
  var vnow = 0;
  var hostEnd = 0; // when the bytes the host wrote so far have crossed the wire
  var vNext = Infinity;
  var vt = []; // armed virtual timers {at, fn}
  var turn; // the module's turn when the wire has nothing to deliver
  var idleTurns = 0;

  function pump() {
    if (opos < out.length) {
      var s = out.substr(opos, CH);
      opos += CH;
      vnow += msPerChunk;
      handler(s);
      later(pump, 0);
    } else idle();
  }

  function idle() {
    later(pump, 0);
    out = "";
    opos = 0;
    idleTurns++;
    if (vnow >= vNext) fire(vnow);
    turn();
  }

  /** Run every virtual timer due at `t` (time moves there when later), earliest first. */
  function fire(t) {
    if (t > vnow) vnow = t;
    for (;;) {
      var best = -1;
      for (var i = 0; i < vt.length; i++) {
        if (vt[i].at <= vnow && (best < 0 || vt[i].at < vt[best].at)) best = i;
      }
      if (best < 0) break;
      var h = vt[best];
      vt.splice(best, 1);
      h.fn();
    }
    vRecompute();
  }

  function vRecompute() {
    var n = Infinity;
    for (var i = 0; i < vt.length; i++) if (vt[i].at < n) n = vt[i].at;
    vNext = n;
  }

  var clock = {
    now: function () {
      return vnow;
    },
    setTimeout: function (fn, ms) {
      if (!(ms > 0)) return setTimeout(fn, 0);
      var h = { at: vnow + ms, fn: fn };
      vt.push(h);
      if (h.at < vNext) vNext = h.at;
      return h;
    },
    clearTimeout: function (h) {
      if (typeof h !== "object") return clearTimeout(h);
      var i = vt.indexOf(h);
      if (i < 0) return;
      vt.splice(i, 1);
      vRecompute();
    },
  };

  return {
    clock: clock,
    /** Queue module output for delivery. */
    emit: function (s) {
      if (opos >= out.length) {
        out = s;
        opos = 0;
      } else {
        if (opos > 0) out = out.substr(opos);
        opos = 0;
        out += s;
      }
    },
    setHandler: function (h) {
      handler = h;
    },
    setBaud: function (b) {
      msPerByte = 10000 / b;
      msPerChunk = CH * msPerByte;
    },
    /**
     * The host wrote `n` bytes: the module has them once they have crossed the wire, and answers
     * only then. With nothing of the module's on the way, time moves to that moment (the driver
     * checks that no answer comes before its request has left the wire); full duplex otherwise.
     */
    hostBytes: function (n) {
      hostEnd = (hostEnd > vnow ? hostEnd : vnow) + n * msPerByte;
      if (opos >= out.length && hostEnd > vnow) vnow = hostEnd;
    },
    /** Start delivering; `onTurn` runs at every idle-loop turn the wire has nothing to deliver. */
    start: function (onTurn) {
      turn = onTurn;
      setTimeout(pump, 0);
    },
    /** Stop after the current turn. */
    stop: function () {
      turn = function () {};
      pump = function () {};
    },
    idleTurns: function () {
      return idleTurns;
    },
    now: function () {
      return vnow;
    },
    timers: function () {
      return vt.length;
    },
    nextTimer: function () {
      return vNext;
    },
    fire: fire,
  };
})(BENCH.chunk, BENCH.baud);

/** The floor's receive handler: counts bytes and nothing else. */
var BENCH_COUNTER = (function () {
  var n = 0;
  return {
    handler: function (s) {
      n += s.length;
    },
    count: function () {
      return n;
    },
  };
})();

/**
 * The application's side of the check: the payload pattern (all 256 byte values and the text a
 * parser could take for its own) and an incremental comparison of every `data` event with it.
 */
var BENCH_APP = (function () {
  var pat = "\r\nOK\r\n+IPD16\r\n";
  var i;
  for (i = 0; i < 256; i++) pat += String.fromCharCode(i);
  pat += "\r\n+CIPRXGET: 1,0\r\n+RECEIVE,0,5\r\nERROR\r\n> \r\n+CIPSEND: 0,1,1\r\nOK";
  for (i = 255; i >= 0; i -= 3) pat += String.fromCharCode(i);
  pat += "\r\n+IPD\r\nCLOSED\r\n";
  var L = pat.length;
  // Enough periods that any piece of up to PMAX bytes starts inside the first one.
  var X = pat;
  while (X.length < L + 2048) X += pat;
  var PMAX = X.length - L;
  var got = 0;
  var expect = 0;
  var problem; // told what differs

  /** `n` bytes of the stream from offset `off` (with one byte changed at BENCH.corruptAt: the test of the check). */
  function piece(off, n) {
    var p = X.substr(off % L, n);
    var c = BENCH.corruptAt - off;
    if (c >= 0 && c < n) p = p.substr(0, c) + String.fromCharCode(p.charCodeAt(c) ^ 1) + p.substr(c + 1);
    return p;
  }

  /** "" when `d` is the stream from offset `off`, else which bytes differ. */
  function compare(d, off) {
    var n = d.length;
    for (var i = 0; i < n; i += PMAX) {
      var k = n - i < PMAX ? n - i : PMAX;
      if (d.substr(i, k) !== X.substr((off + i) % L, k)) return "bytes differ between offsets " + (off + i) + " and " + (off + i + k);
    }
    return "";
  }

  function over() {
    if (got > expect) problem("more bytes delivered than sent: " + got + " of " + expect);
  }

  function slow(d) {
    if (typeof d !== "string") return problem("data event with a " + typeof d + ", not a string");
    var bad = compare(d, got);
    if (bad) return problem("delivered " + bad);
    got += d.length;
    over();
  }

  return {
    piece: piece,
    compare: compare,
    /** Expect `n` bytes; `onProblem(text)` is told when a delivery differs from the stream. */
    start: function (n, onProblem) {
      expect = n;
      problem = onProblem;
    },
    got: function () {
      return got;
    },
    /** The socket's data handler: counts and checks, accumulates nothing. */
    onData: function (d) {
      if (d.length <= PMAX && d === X.substr(got % L, d.length)) {
        got += d.length;
        if (got > expect) over();
      } else slow(d);
    },
  };
})();

(function () {
  var C = BENCH_CFG;
  var CH = C.chunk;
  /** Quiet idle-loop turns (no output, no host write) before virtual time jumps to the next timer. */
  var QUIET_TURNS = 8;
  /** Quiet turns with no timer armed at all after which the run is stuck. */
  var STUCK_TURNS = 2000;
  /** Virtual time limit of a run, ms. */
  var VIRTUAL_LIMIT_MS = 600000;

  var A = BENCH_APP;

  // ---- counters ----
  var emitted = 0; // bytes the module side emitted (the stream)
  var written = 0; // bytes the driver wrote to the module
  var expect = 0; // payload bytes the application must get
  var jumps = 0; // virtual time jumps
  var unknown = []; // commands answered with a bare OK without being understood
  var violations = []; // requests a real module would not accept
  var modem; // the driver (undefined on the floor)

  function finish(ok, problem) {
    if (BENCH_DONE) return;
    BENCH_DONE = true;
    W.stop();
    var r = {
      ok: ok, path: C.path, chunk: CH, reads: C.reads, payload: C.payload,
      delivered: C.path === "send" || C.path === "model-send" ? sendGot : C.path === "floor" ? payOff : A.got(), expected: expect, streamBytes: emitted, hostBytes: written,
      virtualMs: Math.round(W.now()), jumps: jumps, idleTurns: W.idleTurns(), unknown: unknown, violations: violations,
    };
    if (modem) {
      // The driver's own view: a command that timed out means the model and the driver disagreed
      // somewhere, and the counts would include the recovery.
      var c = modem.status().counters;
      r.timeouts = c.timeouts;
      if (ok && c.timeouts) {
        r.ok = false;
        problem = "the driver saw " + c.timeouts + " command(s) time out";
      }
    }
    if (problem) r.problem = problem;
    print("BENCH-RESULT " + JSON.stringify(r));
    // The call counters of a counting build of the library (tools/bench-device/calls.ts).
    if (typeof __C !== "undefined") {
      var calls = [];
      for (var i = 0; i < __C.length; i++) calls.push(__C[i]);
      print("BENCH-CALLS " + JSON.stringify(calls));
    }
    quit();
  }

  function fail(problem) {
    finish(false, problem);
  }

  // ---- the wire ----
  var W = BENCH_WIRE;
  var activity = 0;
  var quiet = 0;
  var feed; // the configuration's source of unsolicited output, asked when the wire is idle

  function emit(s) {
    W.emit(s);
    activity = 1;
    emitted += s.length;
    if (C.trace) print("<< " + JSON.stringify(s.length > 80 ? s.substr(0, 60) + "...(" + s.length + ")" : s));
  }

  /** An idle-loop turn with nothing on the wire: the configuration may send; time jumps when all is quiet. */
  function turn() {
    if (feed) feed();
    if (activity) {
      activity = 0;
      quiet = 0;
    } else if (++quiet >= QUIET_TURNS) quietTurn();
  }

  /** Bytes that arrived where they were going: the application, the module (send) or the floor's counter. */
  function arrived() {
    if (C.path === "send" || C.path === "model-send") return sendGot;
    if (C.path === "floor") return BENCH_COUNTER.count();
    return A.got();
  }

  function quietTurn() {
    // Done once the module has sent everything and all of it arrived (nothing more came in the quiet turns).
    if (streamDone) {
      var want = C.path === "floor" ? emitted : expect;
      if (arrived() === want) return finish(true);
      if (arrived() > want) return fail("more bytes arrived than were sent: " + arrived() + " of " + want);
    }
    if (W.timers()) {
      quiet = 0;
      jumps++;
      if (C.trace) print("-- virtual time jumps from " + W.now() + " to " + W.nextTimer() + " ms");
      if (W.nextTimer() > VIRTUAL_LIMIT_MS) return fail("virtual time limit reached: " + Math.round(W.nextTimer()) + " ms");
      W.fire(W.nextTimer());
    } else if (quiet > STUCK_TURNS) {
      fail("stuck: nothing to send, no timer armed, " + arrived() + " of " + expect + " bytes arrived");
    }
  }

  // ---- the module ----
  var netOpen = 0;
  var links = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // 1 = open
  var held = 0; // buffer access: bytes the module holds for the link
  var payOff = 0; // payload bytes handed out so far (offset into the pattern)
  var framesLeft = 0; // floor and push: frames still to send
  var streamDone = false; // the module has sent (or, sending, received) the whole stream
  var streamLink = -1;
  var lastOpened = -1;
  var line = "";
  var sendLink = -1;
  var sendLeft = 0; // bytes of the current AT+CIPSEND still to take
  var sendLen = 0;
  var sendGot = 0; // send path: payload bytes received and checked

  function ok() {
    emit("\r\nOK\r\n");
  }

  function info(s) {
    emit("\r\n" + s + "\r\n\r\nOK\r\n");
  }

  // The payload of every full-size read or push, cut once at start for the longest run the host
  // asks for (`C.maxReads`): the same work in the short and the long run, so it cancels out.
  var pre = [];
  for (var k = 0; k < C.maxReads; k++) pre.push(A.piece(k * C.payload, C.payload));

  function payloadPiece(n) {
    var k = payOff / n;
    var p = n === C.payload && k < pre.length && k === Math.floor(k) ? pre[k] : A.piece(payOff, n);
    payOff += n;
    return p;
  }

  /** The answer to AT+CIPRXGET=2,<l>,<n>: header, n payload bytes, OK (emitted in three parts: no copy of the payload). */
  function sendRead(l, n) {
    held -= n;
    if (held === 0) streamDone = true;
    emit("\r\n+CIPRXGET: 2," + l + "," + n + "," + held + "\r\n");
    emit(payloadPiece(n));
    emit("\r\nOK\r\n");
  }

  function sendPush(l, n) {
    emit(C.path === "push-ipd" ? "\r\n+RECV FROM:1.2.3.4:5000\r\n+IPD" + n + "\r\n" : "\r\n+RECEIVE," + l + "," + n + "\r\n");
    emit(payloadPiece(n));
  }

  function fields(s) {
    return s.split(",");
  }

  function cipRxGet(args) {
    var f = fields(args);
    var mode = parseInt(f[0], 10);
    if (mode === 0 || mode === 1) return ok();
    var l = parseInt(f[1], 10);
    if (!(l >= 0 && l < 10) || !links[l]) return emit("\r\n+IP ERROR: Connection is not created\r\n\r\nERROR\r\n");
    if (mode === 4) return info("+CIPRXGET: 4," + l + "," + (l === streamLink ? held : 0));
    if (mode !== 2) {
      violations.push("AT+CIPRXGET=" + args);
      return emit("\r\nERROR\r\n");
    }
    var have = l === streamLink ? held : 0;
    if (have === 0) return emit("\r\n+IP ERROR: No data\r\n\r\nERROR\r\n");
    var n = f.length > 2 ? parseInt(f[2], 10) : 1500;
    if (n > have) {
      // A real A76XX may freeze here (protocol doc, section 9): the driver must never do it.
      violations.push("read of " + n + " with " + have + " held");
      n = have;
    }
    if (n > 1500) n = 1500;
    // Kept for repeatRead only when answered as asked (a clamped read is a violation each time).
    lastRead = n === (f.length > 2 ? parseInt(f[2], 10) : 1500) ? "AT+CIPRXGET=" + args + "\r" : "";
    lastL = l;
    lastN = n;
    sendRead(l, n);
  }

  // The module's cost is not the driver's: a read request identical to the last one answered (the
  // driver asks for the same read again and again) is answered without parsing it again, after
  // the same checks (link open, enough held). Anything else takes the full path.
  var lastRead = "";
  var lastL = -1;
  var lastN = 0;

  function repeatRead(d) {
    if (d !== lastRead || sendLeft > 0 || line !== "" || lastL !== streamLink || !links[lastL] || held < lastN) return false;
    if (C.trace) print(">> " + JSON.stringify(d.substr(0, d.length - 1)));
    sendRead(lastL, lastN);
    return true;
  }

  function cipOpenQuery() {
    var s = "";
    for (var i = 0; i < 10; i++) s += "\r\n+CIPOPEN: " + i + (links[i] ? ',"TCP","1.2.3.4",5000,-1' : "") + "\r\n";
    emit(s + "\r\nOK\r\n");
  }

  function cipCloseQuery() {
    info("+CIPCLOSE: " + links.join(","));
  }

  function command(cmd) {
    if (C.trace) print(">> " + JSON.stringify(cmd));
    var u = cmd.toUpperCase();
    if (u.substr(0, 2) !== "AT") {
      violations.push("not a command: " + cmd);
      return emit("\r\nERROR\r\n");
    }
    if (u.substr(0, 12) === "AT+CIPRXGET=") return cipRxGet(cmd.substr(12));
    if (u.substr(0, 11) === "AT+CIPSEND=") {
      var sf = fields(cmd.substr(11));
      sendLink = parseInt(sf[0], 10);
      sendLeft = parseInt(sf[1], 10);
      sendLen = sendLeft;
      if (!links[sendLink] || !(sendLeft > 0 && sendLeft <= 1500)) {
        violations.push(cmd);
        sendLeft = 0;
        return emit("\r\nERROR\r\n");
      }
      return emit("\r\n> ");
    }
    if (u === "AT+CPIN?") return info("+CPIN: READY");
    if (u === "AT+CSQ") return info("+CSQ: 20,99");
    if (u === "AT+CREG?") return info("+CREG: 0,1");
    if (u === "AT+CGREG?") return info("+CGREG: 0,1");
    if (u === "AT+CEREG?") return info("+CEREG: 0,1");
    // The engine's resynchronisation probes (only after a timeout: the run then fails, see finish).
    if (u === "AT+CMEE?") return info("+CMEE: 1");
    if (u === "AT+CIPHEAD?") return info("+CIPHEAD: 1");
    if (u === "AT+CIPSRIP?") return info("+CIPSRIP: 1");
    if (u === "AT+CIPMODE?") return info("+CIPMODE: 0");
    if (u === "AT+NETOPEN?") return info("+NETOPEN: " + netOpen);
    if (u === "AT+NETOPEN") {
      netOpen = 1;
      return emit("\r\nOK\r\n\r\n+NETOPEN: 0\r\n");
    }
    if (u === "AT+NETCLOSE") {
      netOpen = 0;
      return emit("\r\nOK\r\n\r\n+NETCLOSE: 0\r\n");
    }
    if (u === "AT+IPADDR") return info("+IPADDR: 10.64.0.2");
    if (u === "AT+CIPOPEN?") return cipOpenQuery();
    if (u === "AT+CIPCLOSE?") return cipCloseQuery();
    if (u.substr(0, 11) === "AT+CIPOPEN=") {
      var l = parseInt(cmd.substr(11), 10);
      if (!(l >= 0 && l < 10) || links[l]) {
        violations.push(cmd);
        return emit("\r\nERROR\r\n");
      }
      links[l] = 1;
      lastOpened = l;
      return emit("\r\nOK\r\n\r\n+CIPOPEN: " + l + ",0\r\n");
    }
    if (u.substr(0, 12) === "AT+CIPCLOSE=") {
      var c = parseInt(cmd.substr(12), 10);
      links[c] = 0;
      return emit("\r\nOK\r\n\r\n+CIPCLOSE: " + c + ",0\r\n");
    }
    var known = ["AT", "ATE0", "AT+CMEE=1", "AT+CIPMODE=0", "AT+CIPRXGET=1", "AT+CIPRXGET=0", "AT+CIPHEAD=1", "AT+CIPSRIP=1"];
    if (known.indexOf(u) < 0 && u.substr(0, 11) !== "AT+CGDCONT=") unknown.push(cmd);
    ok();
  }

  /** Send path: take payload bytes of the current AT+CIPSEND; returns what is left of `d`. */
  function takePayload(d) {
    var n = d.length < sendLeft ? d.length : sendLeft;
    var bad = A.compare(d.substr(0, n), sendGot);
    if (bad) {
      fail("sent " + bad);
      return "";
    }
    sendGot += n;
    sendLeft -= n;
    if (sendGot >= expect) streamDone = true;
    if (sendLeft === 0) emit("\r\nOK\r\n\r\n+CIPSEND: " + sendLink + "," + sendLen + "," + sendLen + "\r\n");
    return d.substr(n);
  }

  /** Everything the driver writes to the UART. */
  function hostWrite(d) {
    written += d.length;
    W.hostBytes(d.length);
    activity = 1;
    if (repeatRead(d)) return;
    while (d.length) {
      if (sendLeft > 0) {
        d = takePayload(d);
        continue;
      }
      var i = d.indexOf("\r");
      if (i < 0) {
        line += d;
        return;
      }
      var cmd = line + d.substr(0, i);
      line = "";
      d = d.substr(i + 1);
      if (cmd.charAt(0) === "\n") cmd = cmd.substr(1);
      if (cmd.length) command(cmd);
    }
  }

  /**
   * The far end of the UART as a SerialN object: what hal/espruino calls on a board's port
   * (setup, write, on("data"), removeAllListeners("data")), nothing more.
   */
  var serial = {
    setup: function (baud) {
      W.setBaud(baud);
    },
    write: function (d) {
      hostWrite(d);
    },
    on: function (ev, h) {
      if (ev === "data") W.setHandler(h);
    },
    removeAllListeners: function (ev) {
      if (ev === "data") W.setHandler(function () {});
    },
  };

  // ---- the application ----
  function startStream(l) {
    streamLink = l;
    if (C.path === "buffer") {
      // BENCH.extra: bytes the module holds beyond what the application expects (the test of the count check).
      held = expect + (C.extra || 0);
      emit("\r\n+CIPRXGET: 1," + l + "\r\n");
    } else if (C.path === "push" || C.path === "push-ipd") {
      framesLeft = C.reads;
      feed = function () {
        // No flow control in push mode: the next push goes once the previous one reached the app.
        if (framesLeft > 0 && A.got() === payOff) {
          framesLeft--;
          sendPush(l, C.payload);
          if (framesLeft === 0) streamDone = true;
        }
      };
    }
  }

  function sendStream(s) {
    var piece = C.sendPiece;
    var queued = 0;
    function more() {
      while (queued < expect) {
        var n = expect - queued < piece ? expect - queued : piece;
        var p = A.piece(queued, n);
        queued += n;
        if (!s.write(p)) return;
      }
    }
    s.on("drain", more);
    more();
  }

  function runFloor() {
    expect = C.reads * C.payload;
    held = expect;
    framesLeft = C.reads;
    W.setHandler(BENCH_COUNTER.handler);
    feed = function () {
      if (framesLeft > 0) {
        framesLeft--;
        sendRead(0, C.payload);
      }
    };
  }

  /**
   * The benchmark's own share without the driver: the floor's stream and counter, plus what the
   * module model and the application's check do per read in the buffer or push path. A stand-in
   * for the driver asks for each read with the request the driver writes (the model parses it and
   * answers it as it does for the driver) or lets the model push, and hands each payload, whole,
   * to the application's check as the driver's data event does. Path minus model = the driver.
   */
  function runModel() {
    if (C.path === "model-send") return runModelSend();
    var push = C.path === "model-push";
    expect = C.reads * C.payload;
    A.start(expect, fail);
    links[0] = 1;
    streamLink = 0;
    if (!push) held = expect;
    framesLeft = C.reads;
    var request = "AT+CIPRXGET=2,0," + C.payload + "\r";
    var pending = -1; // index of the payload the application gets at the next idle turn
    W.setHandler(BENCH_COUNTER.handler);
    feed = function () {
      if (pending >= 0) {
        A.onData(pre[pending]);
        pending = -1;
      }
      if (framesLeft > 0) {
        framesLeft--;
        pending = payOff / C.payload;
        if (push) sendPush(0, C.payload);
        else hostWrite(request);
        if (framesLeft === 0) streamDone = true;
      }
    };
  }

  /**
   * The send path's share of the benchmark without the driver: the application's pieces, the
   * module model taking each AT+CIPSEND and its payload (checking every byte) and answering.
   */
  function runModelSend() {
    expect = C.sendBytes;
    links[0] = 1;
    var queued = 0;
    W.setHandler(BENCH_COUNTER.handler);
    feed = function () {
      if (queued < expect && sendLeft === 0) {
        var n = expect - queued < C.sendPiece ? expect - queued : C.sendPiece;
        var p = A.piece(queued, n);
        queued += n;
        hostWrite("AT+CIPSEND=0," + n + "\r");
        hostWrite(p);
      }
    };
  }

  function runModem() {
    var board = A76XX.findBoard(C.board);
    if (!board) return fail("no board " + C.board);
    // The HAL checks the board's pins at setup; the Linux build has none of a board's pin names,
    // and no pin is on the receive path: the HAL gets a copy of the board without them.
    var pinless = A76XX.findBoard(C.board);
    delete pinless.pwrkey;
    delete pinless.dtr;
    delete pinless.reset;
    delete pinless.powerEnable;
    delete pinless.status;
    delete pinless.ri;
    delete pinless.uart.rx;
    delete pinless.uart.tx;
    delete pinless.uart.cts;
    var hal = A76XX.createEspruinoHal(pinless, serial);
    hal.clock = W.clock;
    hal.log = function (l) {
      print(l);
    };
    var opts = { dataMode: C.path === "send" ? "buffer" : C.path === "buffer" ? "buffer" : "push", healthCheckMs: 0, readChunkBytes: C.payload };
    if (C.trace) opts.trace = true;
    // More createModem options for an experiment (MODEM_OPTIONS of run.ts).
    for (var name in C.options || {}) opts[name] = C.options[name];
    expect = C.path === "send" ? C.sendBytes : C.reads * C.payload;
    A.start(expect, fail);
    modem = A76XX.createModem(hal, board, opts);
    modem.on("error", function (e) {
      fail("modem error: " + JSON.stringify(e));
    });
    modem.on("online", function () {
      var s = modem.connect("1.2.3.4", 5000);
      s.on("error", function (e) {
        fail("socket error: " + JSON.stringify(e));
      });
      s.on("close", function (why) {
        fail("socket closed: " + why);
      });
      s.on("connect", function () {
        if (C.path === "send") sendStream(s);
        else {
          s.on("data", A.onData);
          startStream(lastOpened);
        }
      });
    });
    modem.start();
  }

  if (C.path === "floor") runFloor();
  else if (C.path === "model-buffer" || C.path === "model-push" || C.path === "model-send") runModel();
  else runModem();
  W.start(turn);
})();
