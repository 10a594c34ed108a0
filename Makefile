# PIC — the user's entry point. `make run` and `make test` are the quick start;
# everything they need is installed from Debian's archive on the way.

PIC_DIR     ?= $(CURDIR)/var
CELL_NAME   ?= mycell
DOMAIN      ?= cell
VPN_ADDRESS ?= 10.0.0.1/24
IP_RANGE    ?= 172.20.0.0/24
PROFILE     ?= dev

BUILD      := build
BUILD_ASAN := build-asan
BUILD_FUZZ := build-fuzz
BUILD_COV  := build-coverage
PY         := /usr/bin/python3
FUZZ_SECONDS ?= 15

BUILD_PKGS := gcc meson ninja-build pkg-config python3 libmicrohttpd-dev libjansson-dev \
              libsqlite3-dev libsodium-dev libsystemd-dev libcurl4-openssl-dev libqrencode-dev
# The daemons picd supervises.
RUN_PKGS   := $(BUILD_PKGS) caddy unbound dnsmasq-base chrony wireguard-tools wireguard-go nftables
TEST_PKGS  := $(RUN_PKGS) libcmocka-dev python3-pytest python3-jsonschema python3-yaml \
              sqlite3 curl clang-14 libclang-rt-14-dev chromium dnsutils busybox zbar-tools iputils-ping
BENCH_PKGS := $(RUN_PKGS) sqlite3 curl wrk dnsperf dnsutils
COV_PKGS   := $(TEST_PKGS) gcovr

PICD := $(BUILD)/src/picd
PIC  := $(BUILD)/src/cli/pic

.PHONY: all run build check-deps deps-test setup start stop status logs clean test unit e2e fuzz webui webui-test \
        test-coverage bench help

all: build

help:
	@echo "make run            install what is missing, build, create a dev cell in ./var, run picd"
	@echo "make test           install what the tests need and run every test"
	@echo "make bench          memory and speed figures, against baselines measured in the same run"
	@echo "make check-deps     install the build dependencies that are missing"
	@echo "make setup          create the cell (CELL_NAME, DOMAIN, VPN_ADDRESS, IP_RANGE, PROFILE, PIC_DIR)"
	@echo "make start|stop     picd in the background (pid and log under PIC_DIR)"
	@echo "make status|logs    the running cell, and picd's log"
	@echo "make test-coverage  the tests with a coverage report in build-coverage/"
	@echo "make clean          remove build directories (the cell in PIC_DIR is kept)"

check-deps:
	@tools/ensure-packages $(RUN_PKGS)
	@command -v node >/dev/null && command -v npm >/dev/null || tools/ensure-packages nodejs npm

deps-test: check-deps
	@tools/ensure-packages $(TEST_PKGS)

# The web UI is rebuilt when its sources, its lock file or the API contract
# changed since the last build.
WEBUI_SRC := $(shell find webui/src webui/index.html webui/package.json webui/package-lock.json \
               webui/vite.config.ts webui/tailwind.config.js webui/postcss.config.js webui/tsconfig.json \
               api/openapi.yaml -type f 2>/dev/null)

webui/node_modules/.package-lock.json: webui/package-lock.json
	cd webui && npm ci --no-audit --no-fund
	@touch $@

webui/dist/index.html: webui/node_modules/.package-lock.json $(WEBUI_SRC)
	cd webui && npm run build

webui: check-deps webui/dist/index.html

webui-test: webui/node_modules/.package-lock.json
	cd webui && npm test

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dtests=false

build: check-deps $(BUILD)/build.ninja webui/dist/index.html
	ninja -C $(BUILD)

# A dev cell is created once; an existing one is never touched.
setup: build
	@if [ -f "$(PIC_DIR)/cell.db" ]; then \
		echo "A cell already exists in $(PIC_DIR); leaving it as it is."; \
	else \
		$(PIC) init --dir "$(PIC_DIR)" --name "$(CELL_NAME)" --domain "$(DOMAIN)" \
			--vpn-address "$(VPN_ADDRESS)" --ip-range "$(IP_RANGE)" --profile "$(PROFILE)"; \
	fi

run: setup
	@echo "picd in the foreground; Ctrl-C stops it. The CLI: $(PIC) --dir $(PIC_DIR) status"
	exec $(PICD) --dir "$(PIC_DIR)"

start: setup
	@if [ -f "$(PIC_DIR)/run/picd.pid" ] && kill -0 $$(cat "$(PIC_DIR)/run/picd.pid") 2>/dev/null; then \
		echo "picd is already running (pid $$(cat $(PIC_DIR)/run/picd.pid))"; \
	else \
		mkdir -p "$(PIC_DIR)/log"; \
		setsid $(PICD) --dir "$(PIC_DIR)" >>"$(PIC_DIR)/log/picd.log" 2>&1 < /dev/null & \
		for i in $$(seq 50); do [ -S "$(PIC_DIR)/run/control.sock" ] && break; sleep 0.1; done; \
		if [ -S "$(PIC_DIR)/run/control.sock" ]; then echo "picd started (log: $(PIC_DIR)/log/picd.log)"; \
		else echo "picd did not start; see $(PIC_DIR)/log/picd.log"; tail -n 5 "$(PIC_DIR)/log/picd.log"; exit 1; fi; \
	fi

stop:
	@if [ -f "$(PIC_DIR)/run/picd.pid" ] && kill -0 $$(cat "$(PIC_DIR)/run/picd.pid") 2>/dev/null; then \
		pid=$$(cat "$(PIC_DIR)/run/picd.pid"); kill -TERM $$pid; \
		for i in $$(seq 100); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
		if kill -0 $$pid 2>/dev/null; then echo "picd ($$pid) did not stop within 10 s"; exit 1; fi; \
		echo "picd stopped"; \
	else \
		echo "picd is not running"; \
	fi

status: build
	@$(PIC) --dir "$(PIC_DIR)" status

logs:
	@tail -n 100 -F "$(PIC_DIR)/log/picd.log"

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD_COV)
	@echo "Build directories removed; the cell in $(PIC_DIR) is kept."

# --- tests -------------------------------------------------------------------

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false -Dtests=true

$(BUILD_FUZZ)/build.ninja:
	CC=clang-14 meson setup $(BUILD_FUZZ) -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false

unit: deps-test $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)
	meson test -C $(BUILD_ASAN) --print-errorlogs

e2e: deps-test $(BUILD_ASAN)/build.ninja webui/dist/index.html
	ninja -C $(BUILD_ASAN)
	PIC_BUILD=$(CURDIR)/$(BUILD_ASAN) $(PY) -m pytest -q tests/e2e

fuzz: deps-test $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)
	tests/fuzz/run-fuzz $(BUILD_FUZZ) $(FUZZ_SECONDS)

# e2e last, so that its pytest summary closes the output.
test: unit fuzz webui-test e2e

test-coverage:
	@tools/ensure-packages $(COV_PKGS)
	[ -f $(BUILD_COV)/build.ninja ] || meson setup $(BUILD_COV) -Db_coverage=true -Dtests=true
	ninja -C $(BUILD_COV)
	meson test -C $(BUILD_COV) --print-errorlogs
	PIC_BUILD=$(CURDIR)/$(BUILD_COV) $(PY) -m pytest -q tests/e2e
	ninja -C $(BUILD_COV) coverage-text coverage-html
	@tail -n 30 $(BUILD_COV)/meson-logs/coverage.txt
	@echo "HTML report: $(BUILD_COV)/meson-logs/coveragereport/index.html"

# --- benchmarks --------------------------------------------------------------

bench:
	@tools/ensure-packages $(BENCH_PKGS)
	[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) -Dtests=false
	meson configure $(BUILD) -Dbuildtype=release
	ninja -C $(BUILD)
	bash bench/run $(BUILD)
