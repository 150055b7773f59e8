# tracecall: `make` lists the targets. Knobs come from the environment:
#   ENABLE_RACE=0   run the tests without -race       TIMEOUT=20m  go test -timeout
#   BENCHTIME=1s    go test -benchtime                 FUZZTIME=30s per Fuzz target
#   DATA=./var HTTP=127.0.0.1:8080 SIP=                where `make run` keeps state and listens (SIP
#                                                      empty: 127.0.0.1:5060; port 0: any free port,
#                                                      the daemon writes DATA/addresses.json)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= go
ENABLE_RACE ?= 1
TIMEOUT     ?= 20m
BENCHTIME   ?= 1s
FUZZTIME    ?= 30s
DATA        ?= ./var
HTTP        ?= 127.0.0.1:8080
SIP         ?=
CONFIG      ?= rootfs/etc/tracecall/tracecall.toml

# System packages (Debian names): what the demo needs, and what the tests need
# on top (real SIP peers, the pcap generator, a browser). .ci/run installs all.
APT_PACKAGES := espeak-ng sox
TEST_APT_PACKAGES := sip-tester baresip python3 chromium
# What `go test -race` needs on top: it builds with cgo.
RACE_APT_PACKAGES := gcc libc6-dev

RACE := $(if $(filter 0 false no off,$(ENABLE_RACE)),,-race)

# Lists the Go sources gofmt checks, NUL-separated: everything but testdata,
# hidden folders and build output.
FIND_GO := find . \( -path '*/testdata' -o -path './bin' -o -path './var' -o -path './.*' \) -prune \
	-o -name '*.go' -print0

# apt_check: each package of $(1) is present if its command is on PATH or dpkg
# has it installed. Missing ones are installed when running as root, else named
# with the exact command to run.
define apt_check
	missing=""; \
	for p in $(1); do \
		command -v "$$p" >/dev/null 2>&1 && continue; \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' && continue; \
		missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "deps: installing$$missing"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y$$missing </dev/null; \
		else \
			echo "deps: missing system packages:$$missing" >&2; \
			echo "deps: install them with: sudo apt-get install -y$$missing" >&2; \
			exit 1; \
		fi; \
	fi
endef

.PHONY: help build run test bench lint fmt fuzz rootfs clean deps loadtest-sim loadtest loadtest-import

help: ## list the targets (default)
	@echo "usage: make TARGET   (knobs: ENABLE_RACE TIMEOUT BENCHTIME FUZZTIME DATA HTTP SIP)"
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-8s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## build tracecalld and tracectl into bin/
	$(GO) build -o bin/ ./cmd/...

run: deps build ## run the demo appliance: simulated lines, demo trace data, API on 127.0.0.1:8080
	mkdir -p $(DATA)
	bin/tracecalld -config $(CONFIG) -data $(DATA) -http $(HTTP) $(if $(SIP),-sip $(SIP)) -demo

test: deps lint ## check gofmt, go vet, then go test -race ./... (ENABLE_RACE=0, TIMEOUT)
	@$(call apt_check,$(TEST_APT_PACKAGES))
	@$(if $(RACE),$(call apt_check,$(RACE_APT_PACKAGES)))
	$(GO) test $(RACE) -timeout $(TIMEOUT) ./...

bench: ## run every benchmark (BENCHTIME)
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

lint: ## check gofmt (listing the files that need it) and go vet
	@bad=$$($(FIND_GO) | xargs -0 gofmt -l); \
	if [ -n "$$bad" ]; then \
		echo "gofmt: these files need formatting (make fmt):" >&2; \
		echo "$$bad" | sed 's/^/  /' >&2; \
		exit 1; \
	fi
	$(GO) vet ./...

fmt: ## gofmt every Go file in place
	$(FIND_GO) | xargs -0 gofmt -w

fuzz: ## run each Fuzz target for FUZZTIME (default 30s)
	@targets=$$($(GO) test -run='^$$' -list '^Fuzz' ./... | awk ' \
		/^Fuzz/ { names = names " " $$1; next } \
		/^ok/   { n = split(names, a, " "); for (i = 1; i <= n; i++) print $$2 "," a[i] } \
		        { names = "" }'); \
	if [ -z "$$targets" ]; then echo "fuzz: no Fuzz targets"; exit 0; fi; \
	for t in $$targets; do \
		pkg=$${t%%,*}; name=$${t#*,}; \
		echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

rootfs: build ## stage rootfs/ and the binaries into bin/rootfs
	rm -rf bin/rootfs
	mkdir -p bin/rootfs/usr/bin
	cp -a rootfs/. bin/rootfs/
	install -m 0755 bin/tracecalld bin/tracectl bin/rootfs/usr/bin/

clean: ## remove bin/ (keeps the demo data in ./var)
	rm -rf bin

deps: ## check the system packages (APT_PACKAGES); as root install them, else name the command
	@$(call apt_check,$(APT_PACKAGES))

loadtest-sim: ## hold CALLS simulated callers in the trace IVR (real TTS) and print clock lateness, CPU and memory
	CALLS=$${CALLS:-1000}; TRACECALL_LOAD=$$CALLS $(GO) test -tags loadtest -run '^TestSimLoad$$' -count=1 -v -timeout 10m ./ivr/ | grep -v '^=== '

loadtest-import: ## post a 200 MB upload without newlines and an import of CHAINS chains (default 200000; ~1 GB: check df) to the daemon; its RSS before, peak, after
	CHAINS=$${CHAINS:-200000}; TRACECALL_LOAD_CHAINS=$$CHAINS $(GO) test -tags loadtest -run '^TestImportMemory$$' -count=1 -v -timeout 30m ./cmd/tracecalld/ | grep -v '^=== '

loadtest: ## as root: C SIPp callers (default 200; MODE=inband) in the daemon's IVR over SIP; calls, codes, CPU, RSS, RTP timing
	C=$(or $(C),200) GO=$(GO) scripts/loadtest-sip.sh
