# citytwin — two commands on a fresh Debian/Ubuntu machine:
#   make run    install what is missing, build, open the demo city
#   make test   install what is missing, build, run every test (unit, integration, render)
# Other targets: make check (citytwin check on the demo), make screenshot (the README picture),
# make lint (rustfmt + clippy), make conformance (the ETSI NGSI-LD suite against `citytwin
# broker`, minutes; SHARED=path to the folder holding conformance/), make bench-load (timed load of the demo), make bench-live
# (10,000 sensor updates per second through the local broker to a headless viewer), make
# bench-buildings (10,000 and 100,000 buildings, tiles against one mesh per building;
# COUNT=N for one size), make fuzz (every fuzz target SECONDS seconds).

SHELL := /bin/bash
.DEFAULT_GOAL := run

# One build directory outside the clone, so every clone, CI run and session reuses it.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/citytwin-target
CARGO ?= cargo
BIN := $(CARGO_TARGET_DIR)/debug/citytwin

# Debian packages: cmake, g++, sqlite3 and libsqlite3-dev build the bundled PROJ; the X11,
# xkbcommon and Vulkan loader libraries open the window; Mesa's lavapipe renders on machines
# without a GPU; Xvfb runs the render tests and screenshots headless; the live tests start
# their own Mosquitto (MQTT broker) on a free port.
PACKAGES := cmake g++ make pkg-config libsqlite3-dev sqlite3 \
	libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 \
	libvulkan1 mesa-vulkan-drivers xvfb xauth mosquitto
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Software rendering settings for headless runs (tests, screenshots).
HEADLESS := WGPU_FORCE_FALLBACK_ADAPTER=1 xvfb-run -a -s "-screen 0 1920x1200x24"

.PHONY: run test deps toolchain build check screenshot lint fmt bench-load bench-live bench-buildings clean-cache conformance fuzz

toolchain:
	@command -v $(CARGO) >/dev/null || { echo "citytwin needs Rust 1.95 or newer: install it with rustup (https://rustup.rs), then run make again." >&2; exit 1; }

deps: toolchain
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(CARGO) build

run: build
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  echo "No display: citytwin needs a desktop session to open its window." >&2; \
	  echo "Headless, try: make screenshot (writes docs/screenshot.png)." >&2; exit 1; \
	fi
	$(BIN) $(ARGS)

test: deps
	$(CARGO) build
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  $(CARGO) nextest run --no-fail-fast; \
	else \
	  $(CARGO) test --no-fail-fast --all-targets; \
	fi
	$(CARGO) test --doc

check: build
	$(BIN) check $(ARGS)

# The README picture: the Empire State Building selected in the inspector.
screenshot: build
	$(HEADLESS) $(BIN) --screenshot docs/screenshot.png --size 1600x1000 \
	  --select urn:ngsi-ld:Building:way-34633854 $(ARGS)

# Fuzzing (tests/it/fuzz/): every target SECONDS seconds (default 60), two at a time;
# `make test` runs each for 3 s. A finding is written under the build folder's
# tmp/fuzz-findings/ and fails its test; keep it in tests/fuzz/TARGET/ once mended.
# CPU_SECONDS=M ends each target once it has had M seconds of CPU (on a shared machine).
SECONDS ?= 60
CPU_SECONDS ?=
fuzz: deps
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  FUZZ_SECONDS=$(SECONDS) FUZZ_CPU_SECONDS=$(CPU_SECONDS) $(CARGO) nextest run --no-fail-fast --test-threads 2 --success-output final -E 'test(/^fuzz::/)'; \
	else \
	  FUZZ_SECONDS=$(SECONDS) FUZZ_CPU_SECONDS=$(CPU_SECONDS) $(CARGO) test --test it fuzz:: -- --test-threads 2 --nocapture; \
	fi

lint: deps
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt

bench-load: build
	$(BIN) check --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({k: r[k] for k in ("entities","buildings","triangles","tiles","seconds")}))'

bench-live: build
	$(BIN) bench live --json

COUNT ?= 10000 100000
bench-buildings: build
	@for n in $(COUNT); do WGPU_FORCE_FALLBACK_ADAPTER=$${WGPU_FORCE_FALLBACK_ADAPTER-1} $(BIN) bench buildings --count $$n --json; done

# The ETSI NGSI-LD conformance suite (../shared/conformance) against an empty local broker;
# fails when a test in tests/conformance/expected-pass.txt no longer passes. Not in `make test`.
SHARED ?= ../shared
conformance: build
	tests/conformance/run.sh $(BIN) $(SHARED)

clean-cache:
	rm -rf $(HOME)/.cache/citytwin
