# a76xx: build, check, test, bench and run targets. Every target installs node_modules first when missing.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
TSNODE := $(NODE_BIN)/ts-node --transpile-only
STAMP := node_modules/.install-stamp

.PHONY: host-tools all build typecheck bundle lib-bundle check-device size test test-only bench sim demo flash repl host clean jerry-host jerry-figures jerry-heap-bisect

all: build

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(STAMP)

# Host programs the tests and the simulator's pseudo-terminal need (Debian packages; CI runs as root).
host-tools:
	@command -v socat >/dev/null || { echo "installing socat (pseudo-terminals for the simulator)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq socat) >/dev/null || \
	  { echo "socat is needed: apt-get install socat" >&2; exit 1; }; }

# Type-check host and device code, bundle the device library, check the bundle, print its size.
build: $(STAMP) typecheck lib-bundle

typecheck: $(STAMP)
	$(NODE_BIN)/tsc -p tsconfig.json
	$(NODE_BIN)/tsc -p tsconfig.device.json
	$(NODE_BIN)/tsc -p hal/espruino/tsconfig.json
	$(NODE_BIN)/tsc -p hal/jerryscript/tsconfig.json

# Without BOARD/APP: the library, dist/a76xx.js. With them: an app bundle for that board (see README).
# TARGET=jerryscript: dist/a76xx-jerry.js (or dist/<app>-<board>.js with APP=) and its .snapshot when JERRY_SDK is set.
bundle: $(STAMP)
	@if [ "$(TARGET)" = jerryscript ]; then $(TSNODE) tools/bundle/jerry-cli.ts; \
	elif [ -n "$(TARGET)" -a "$(TARGET)" != espruino ]; then echo "TARGET must be espruino (default) or jerryscript" >&2; exit 2; \
	elif [ -n "$(BOARD)$(APP)" ]; then $(TSNODE) tools/flash/cli.ts bundle; else $(TSNODE) tools/bundle/cli.ts; fi

lib-bundle: $(STAMP)
	$(TSNODE) tools/bundle/cli.ts

# The device check on any file: make check-device FILE=some.js
check-device: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make check-device FILE=path/to/file.js" >&2; exit 2; }
	$(TSNODE) tools/check-device/cli.ts $(FILE)

size: $(STAMP) lib-bundle
	$(TSNODE) tools/bundle/size.ts

# The README's test command: build (type-check, bundle, device check) and every test.
# The last line is mocha's own counts as "N passed, N failed".
test: build host-tools
	$(TSNODE) tools/test/run.ts

test-only: $(STAMP)
	$(TSNODE) tools/test/run.ts

bench: $(STAMP) lib-bundle
	$(TSNODE) tools/bench/run.ts

# The simulated modem on a pseudo-terminal: make sim PTY=/tmp/a76xx [BAUD=115200] [LOG=file] [FAULTS=…]
sim: $(STAMP) host-tools
	@test -n "$(PTY)" || { echo "usage: make sim PTY=/tmp/a76xx [BAUD=115200] [LOG=file] [FAULTS=...]" >&2; exit 2; }
	$(TSNODE) tools/sim/cli.ts --pty "$(PTY)" $(if $(BAUD),--baud $(BAUD)) $(if $(LOG),--log "$(LOG)") $(if $(FAULTS),--faults "$(FAULTS)") $(if $(PROFILE),--profile "$(PROFILE)")

# The firmware and an example app on Node against a real serial port or the simulator's PTY:
# make host PORT=/tmp/a76xx [APP=echo-check] [BAUD=115200] [APN=…] [MODE=…] [ARGS="host=… port=…"] [PWRKEY=rts] [DTRLINE=dtr]
host: $(STAMP)
	$(TSNODE) tools/host/run.ts

# Upload to a board with the espruino CLI: make flash PORT=/dev/ttyUSB0 BOARD=esp32 [APP=tcp-echo] [APN=…] [ARGS="…"]
flash: $(STAMP)
	$(TSNODE) tools/flash/cli.ts flash

# The board's REPL through the espruino CLI: make repl PORT=/dev/ttyUSB0 [BOARD=esp32]
repl: $(STAMP)
	$(TSNODE) tools/flash/cli.ts repl

# The main job on a fresh machine: real loopback servers + the simulator + the firmware, every exchange verified.
demo: $(STAMP)
	$(TSNODE) tools/demo/run.ts

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
