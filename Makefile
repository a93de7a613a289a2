# a76xx: build, check, test, bench and run targets. Every target installs node_modules first when missing.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
TSNODE := $(NODE_BIN)/ts-node --transpile-only
STAMP := node_modules/.install-stamp
# The directory make was started in (make -C keeps the caller's PWD): APP=./myapp.ts is relative to it.
export A76XX_CALLER_DIR := $(if $(PWD),$(PWD),$(CURDIR))

.PHONY: host-tools test-tools all build typecheck types bundle lib-bundle check-device size test test-only fuzz bench bench-device bench-device-calls valgrind-tool sim demo flash repl ports host clean jerry-host jerry-figures jerry-heap-bisect

all: build

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(STAMP)

# Host programs the simulator's pseudo-terminal needs: socat, installed with apt-get when missing
# (which needs root: CI runs as root). make sim fails without it.
host-tools:
	@command -v socat >/dev/null || { echo "installing socat (pseudo-terminals for the simulator)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat) >/dev/null || \
	  { echo "socat is needed: apt-get install socat" >&2; exit 1; }; }

# The same for make test, where socat is optional: installed when missing if this is root with
# apt-get; otherwise one line says so, and the tests that need it are skipped by name (never a failure).
test-tools:
	@command -v socat >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing socat (pseudo-terminals for the simulator tests)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat) >/dev/null 2>&1 || true; \
	  fi; \
	  command -v socat >/dev/null || echo "socat is not installed and could not be installed here (needs root and apt-get): the tests that need it will be skipped, by name"; }

# Type-check host and device code, bundle the device library, check the bundle, print its size;
# emit the public API's declarations (dist/types) for TypeScript projects that depend on a76xx.
build: $(STAMP) typecheck lib-bundle types

types: $(STAMP)
	@rm -rf dist/types
	$(NODE_BIN)/tsc -p tsconfig.types.json

typecheck: $(STAMP)
	$(NODE_BIN)/tsc -p tsconfig.json
	$(NODE_BIN)/tsc -p tsconfig.device.json
	$(NODE_BIN)/tsc -p hal/espruino/tsconfig.json
	$(NODE_BIN)/tsc -p hal/jerryscript/tsconfig.json

# Without BOARD/APP: the library, dist/a76xx.js. With them: an app bundle for that board (see README):
# make bundle BOARD=esp32 APP=tcp-echo|path/to/app.ts [APN=…] [MODE=…] [MODEM="option=value …"] [ARGS="…"] [SERIAL=…]
# TARGET=jerryscript: dist/a76xx-jerry.js (or dist/<app>-<board>.js with APP=) and its .snapshot when JERRY_SDK is set.
bundle: $(STAMP)
	@if [ "$(TARGET)" = jerryscript ]; then $(TSNODE) tools/jerry/bundle-cli.ts; \
	elif [ -n "$(TARGET)" -a "$(TARGET)" != espruino ]; then echo "TARGET must be espruino (default) or jerryscript" >&2; exit 2; \
	elif [ -n "$(BOARD)$(APP)" ]; then $(TSNODE) tools/flash/cli.ts bundle; else $(TSNODE) tools/bundle/cli.ts; fi

lib-bundle: $(STAMP)
	$(TSNODE) tools/bundle/cli.ts

# The device check on any file: make check-device FILE=some.js (a .ts file is stripped of its types first)
check-device: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make check-device FILE=path/to/file.js (or .ts: its types are stripped first)" >&2; exit 2; }
	$(TSNODE) tools/check-device/cli.ts $(FILE)

# With ESPRUINO=<Espruino's Linux build>: also the heap in use on it (library, apps, a 256 KB echo per mode).
size: $(STAMP) lib-bundle host-tools
	$(TSNODE) tools/bundle/size.ts

# The README's test command: build (type-check, bundle, device check) and every test.
# The last line is mocha's own counts as "N passed, N failed".
test: build test-tools
	$(TSNODE) tools/test/run.ts

# Targeted runs: GREP="pattern" (test titles) and FILES="a.test.ts,b.test.ts" (test files to load).
test-only: $(STAMP)
	$(TSNODE) tools/test/run.ts

# The AT engine fuzz (test/at/fuzz.ts) with many more seeded cases than `make test` runs:
# make fuzz [FUZZ_CASES=20000] [FUZZ_SEED=1] [FUZZ_MIX=firmware|all]; prints cases tried and failures.
fuzz: $(STAMP)
	FUZZ_CASES=$(or $(FUZZ_CASES),20000) FUZZ_SEED=$(or $(FUZZ_SEED),1) FUZZ_MIX=$(or $(FUZZ_MIX),firmware) \
	  $(NODE_BIN)/mocha --no-config --require ts-node/register/transpile-only --extension ts --reporter spec test/at/fuzz.test.ts

bench: $(STAMP) lib-bundle
	$(TSNODE) tools/bench/run.ts

# The receive and send paths on the real Espruino interpreter under callgrind, in instructions per
# stream byte (not part of make test: a benchmark). ESPRUINO=<Espruino's Linux build> is required;
# ONLY=buffer,floor-32 picks series, JOBS=n runs n at once, OUT=dir keeps the callgrind profiles.
# Without ESPRUINO it says it was skipped and why, and does nothing else.
ifeq ($(strip $(ESPRUINO)),)
bench-device:
	@echo "bench-device skipped: ESPRUINO is not set (the path of Espruino's Linux build, e.g. ESPRUINO=/abs/path/to/espruino make bench-device)"
else
bench-device: $(STAMP) lib-bundle valgrind-tool
	$(TSNODE) tools/bench-device/run.ts
endif

# How often each firmware function runs per UART chunk and per read on the real interpreter (a
# counting build of the library; no valgrind, about a minute): ONLY=buffer-32,push-32 TOP=40.
bench-device-calls: $(STAMP)
	$(TSNODE) tools/bench-device/calls.ts

valgrind-tool:
	@command -v valgrind >/dev/null || { echo "installing valgrind (callgrind counts the interpreter's instructions)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind) >/dev/null || \
	  { echo "valgrind is needed: apt-get install valgrind" >&2; exit 1; }; }

# The simulated modem on a pseudo-terminal: make sim PTY=/tmp/a76xx [BAUD=115200] [LOG=file] [FAULTS=…] [CONSOLE=1]
# Runs in the background of a shell (make sim … &): it reads typed faults only in the foreground, or with CONSOLE=1.
sim: $(STAMP) host-tools
	@test -n "$(PTY)" || { echo "usage: make sim PTY=/tmp/a76xx [BAUD=115200] [LOG=file] [FAULTS=...]" >&2; exit 2; }
	$(TSNODE) tools/sim/cli.ts --pty "$(PTY)" $(if $(BAUD),--baud $(BAUD)) $(if $(LOG),--log "$(LOG)") $(if $(FAULTS),--faults "$(FAULTS)") $(if $(PROFILE),--profile "$(PROFILE)") $(if $(CONSOLE),--console)

# The firmware and an example app on Node against a real serial port or the simulator's PTY:
# make host PORT=/tmp/a76xx [APP=echo-check|path/to/app.ts] [BAUD=115200] [APN=…] [MODE=…] [MODEM="option=value …"] [ARGS="host=… port=…"] [PWRKEY=rts] [DTRLINE=dtr] [TRACE=1]
host: $(STAMP)
	$(TSNODE) tools/host/run.ts

# Upload to a board with the espruino CLI: make flash PORT=/dev/ttyUSB0 BOARD=esp32 [APP=tcp-echo|path/to/app.ts] [APN=…] [MODE=…] [MODEM="…"] [ARGS="…"]
flash: $(STAMP)
	$(TSNODE) tools/flash/cli.ts flash

# The board's REPL through the espruino CLI: make repl PORT=/dev/ttyUSB0 [BOARD=esp32]
repl: $(STAMP)
	$(TSNODE) tools/flash/cli.ts repl

# Serial ports the espruino CLI can see (its --list, with --no-ble so it needs no D-Bus).
ports: $(STAMP)
	@$(TSNODE) tools/flash/cli.ts ports

# The main job on a fresh machine: real loopback servers + the simulator + the firmware, every exchange verified.
# With ESPRUINO=<Espruino's Linux build>: the same exchanges with the firmware on that interpreter.
demo: $(STAMP) host-tools
	$(TSNODE) tools/demo/run.ts $(if $(ESPRUINO),--espruino "$(ESPRUINO)")

# The JerryScript host (hal/jerryscript/*.c) against a JerryScript 3.0 SDK: make jerry-host JERRY_SDK=/path/to/sdk
# (the SDK is include/ + lib/libjerry-{core,ext,port}.a + bin/jerry-snapshot; README "JerryScript").
JERRY_HOST := build/jerry/jhost
JHOST_SOURCES := $(wildcard hal/jerryscript/*.c) hal/jerryscript/jhost.h
jerry-host: $(JERRY_HOST)

$(JERRY_HOST): $(JHOST_SOURCES) $(if $(JERRY_SDK),$(wildcard $(JERRY_SDK)/lib/*.a))
	@test -n "$(JERRY_SDK)" || { echo "make jerry-host needs JERRY_SDK=<JerryScript 3.0 SDK: include/ and lib/ (see README, JerryScript)>" >&2; exit 2; }
	@test -f "$(JERRY_SDK)/include/jerryscript.h" -a -f "$(JERRY_SDK)/lib/libjerry-core.a" || { echo "JERRY_SDK=$(JERRY_SDK) has no include/jerryscript.h or lib/libjerry-core.a" >&2; exit 2; }
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -o $@ $(filter %.c,$(JHOST_SOURCES)) -I "$(JERRY_SDK)/include" -L "$(JERRY_SDK)/lib" -ljerry-ext -ljerry-core -ljerry-port -lm

# Heap and CPU figures of the library on the JerryScript host (needs JERRY_SDK; valgrind for the CPU part).
jerry-figures: $(STAMP) host-tools
	$(TSNODE) tools/jerry/figures.ts

# The smallest engine heap that completes a 64 KB echo: builds JerryScript from JERRY_SRC once per size tried (in $$TMPDIR).
jerry-heap-bisect: $(STAMP) host-tools
	$(TSNODE) tools/jerry/heap-bisect.ts

clean:
	rm -rf dist build
