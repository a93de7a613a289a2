# a76xx: build, check, test, bench and run targets. Every target installs node_modules first when missing.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
TSNODE := $(NODE_BIN)/ts-node --transpile-only
STAMP := node_modules/.install-stamp

.PHONY: host-tools all build typecheck bundle lib-bundle check-device size test test-only bench bench-device need-espruino valgrind-tool sim demo flash repl host clean

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

# Without BOARD/APP: the library, dist/a76xx.js. With them: an app bundle for that board (see README).
bundle: $(STAMP)
	@if [ -n "$(BOARD)$(APP)" ]; then $(TSNODE) tools/flash/cli.ts bundle; else $(TSNODE) tools/bundle/cli.ts; fi

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

# The receive and send paths on the real Espruino interpreter under callgrind, in instructions per
# stream byte (not part of make test: a benchmark). ESPRUINO=<Espruino's Linux build> is required;
# ONLY=buffer,floor-32 picks series, JOBS=n runs n at once, OUT=dir keeps the callgrind profiles.
bench-device: need-espruino $(STAMP) lib-bundle valgrind-tool
	$(TSNODE) tools/bench-device/run.ts

need-espruino:
	@test -n "$(ESPRUINO)" || { echo "make bench-device needs ESPRUINO=<path of Espruino's Linux build>, e.g. ESPRUINO=../shared/interpreters/espruino" >&2; exit 2; }

valgrind-tool:
	@command -v valgrind >/dev/null || { echo "installing valgrind (callgrind counts the interpreter's instructions)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind) >/dev/null || \
	  { echo "valgrind is needed: apt-get install valgrind" >&2; exit 1; }; }

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

clean:
	rm -rf dist
