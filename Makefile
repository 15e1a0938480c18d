# shoal — see README.md. Every target runs on loopback only.
GO        ?= go
BIN       := bin/shoal
PKGS      := ./...
FUZZTIME  ?= 10s
# Debian packages the interop tests, benchmarks and demo use.
DEBS      := aria2 transmission-cli transmission-daemon opentracker mktorrent redis-server nginx tmux iproute2 util-linux curl
TOOLS     := aria2c transmission-daemon transmission-remote transmission-show opentracker mktorrent redis-server nginx tmux unshare ip curl

.PHONY: all build test test-short vet fuzz bench interop demo deps clean fmt testnet

all: build

build:
	$(GO) build -o $(BIN) ./cmd/shoal

# deps installs the real third-party programs the tests run, when missing.
deps:
	@missing=""; for t in $(TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages (missing:$$missing)"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEBS) >/dev/null; \
	fi

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	$(GO) vet $(PKGS)

# test: unit tests, in-process swarms and interop with real clients, all under -race.
# One package at a time (-p 1): several suites are timing-heavy (DHT lab, swarms,
# real clients) and would otherwise compete for the 2 cores CI has.
test: deps vet
	$(GO) test -race -p 1 -timeout 18m -count=1 $(PKGS)

test-short:
	$(GO) test -race -short -count=1 $(PKGS)

interop: deps
	$(GO) test -race -count=1 -timeout 15m -run 'Interop' -v ./testnet/...

# fuzz runs every fuzz target briefly (FUZZTIME each).
fuzz:
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for f in $$(grep -h -o '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | sed 's/func //' | sort -u); do \
			echo "== $$dir $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$dir || exit 1; \
		done; \
	done

# bench: micro-benchmarks, then the 1 GiB loopback transfer against aria2c.
bench: deps build
	$(GO) test -run='^$$' -bench=. -benchmem $$($(GO) list ./... | grep -v /testnet)
	SHOAL_DHT_BENCH=1 $(GO) test -run='^$$' -bench=Network -benchtime=1x -timeout 25m ./dht/
	SHOAL_BIN=$(CURDIR)/$(BIN) $(GO) test -run='^$$' -bench=Transfer -benchtime=1x -timeout 30m -v ./testnet/bench/
	SHOAL_BIN=$(CURDIR)/$(BIN) SHOAL_TRACKER_LOAD=1 $(GO) test -run='^$$' -bench=TrackerLoad -benchtime=1x -timeout 15m -v ./tracker/loadtest/
	SHOAL_BIN=$(CURDIR)/$(BIN) $(GO) test -run='^$$' -bench='LongTail|FlashCrowd|DaemonScale' -benchtime=1x -timeout 30m -v ./daemon/

demo: build
	./$(BIN) demo

# testnet runs the standard scenario set on loopback and writes text + JSON
# reports and PNG plots to $(TESTNET_OUT) (multi-as runs with proximity on
# and off; dht-restart finds peers by DHT across cold and warm mass restarts).
TESTNET_OUT ?= testnet-out
testnet: build
	@mkdir -p $(TESTNET_OUT); rc=0; \
	for s in flash-crowd long-tail churn dht-restart; do \
		./$(BIN) testnet run --quiet --out $(TESTNET_OUT) testnet/scenarios/$$s.yaml || rc=1; \
	done; \
	./$(BIN) testnet run --quiet --proximity both --out $(TESTNET_OUT) testnet/scenarios/multi-as.yaml || rc=1; \
	exit $$rc

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
