# waittrace: trace wait4, waitpid and waitid as strace prints them.
GO        ?= go
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    := $(DESTDIR)$(PREFIX)/bin
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(shell $(GO) env GOPATH)/bin/staticcheck)
export CGO_ENABLED := 0

.PHONY: all build test lint demo install clean bench

all: build

build:
	$(GO) build -trimpath -o waittrace .

# Unit tests, decoder fuzz seeds, and the integration tests that run the
# fixtures in testdata/ under strace and waittrace (as root, also as uid 65534).
test:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l . | grep -v '^testdata/'); if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	$(STATICCHECK) ./...
	GOARCH=arm64 $(STATICCHECK) ./...

# Build, then trace the bundled example supervisor (testdata/demo.c).
demo: build
	@mkdir -p testdata/bin
	cc -O0 -Wall -o testdata/bin/demo testdata/demo.c
	./waittrace -f testdata/bin/demo

# Benchmarks against strace on testdata/bench/load.c: ratios from
# alternating rounds in one run (see README, Performance).
bench: build
	@mkdir -p testdata/bin
	cc -O2 -Wall -o testdata/bin/load testdata/bench/load.c
	$(GO) run ./bench -waittrace ./waittrace -load testdata/bin/load
	$(GO) test -run '^$$' -bench . -benchmem ./decode/ ./ptrace/

install: build
	install -d $(BINDIR)
	install -m 0755 waittrace $(BINDIR)/waittrace

clean:
	rm -rf waittrace testdata/bin
