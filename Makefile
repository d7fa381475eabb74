# waittrace: trace wait4, waitpid and waitid as strace prints them.
GO        ?= go
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    := $(DESTDIR)$(PREFIX)/bin
MANDIR    := $(DESTDIR)$(PREFIX)/share/man
BASHCOMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(shell $(GO) env GOPATH)/bin/staticcheck)
# The version --version prints: git describe of this checkout.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDVERSION := -X github.com/waittrace/waittrace/cli.buildVersion=$(VERSION)
export CGO_ENABLED := 0

.PHONY: all build test lint demo install clean man completions release bench stress

all: build

build:
	$(GO) build -trimpath -ldflags='$(LDVERSION)' -o waittrace .

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
BENCH_ROUNDS ?= 11
bench: build
	@mkdir -p testdata/bin
	cc -O2 -Wall -o testdata/bin/load testdata/bench/load.c
	cc -O2 -Wall -o testdata/bin/mintrace testdata/bench/mintrace.c
	cc -O2 -Wall -o testdata/bin/mintrace-syscall testdata/bench/mintrace-syscall.c
	$(GO) run ./bench -waittrace ./waittrace -load testdata/bin/load -rounds $(BENCH_ROUNDS)
	$(GO) test -run '^$$' -bench . -benchmem ./decode/ ./ptrace/ ./reaps/

# The man page and completions are generated from the flag definitions.
man: build
	./waittrace --generate-man > waittrace.1

completions: build
	./waittrace --generate-completion=bash > waittrace.bash
	./waittrace --generate-completion=zsh > _waittrace

# Load cases (see README, Reliability): a 1,000-child burst, 10 processes
# attached at once, a 60-second soak; calls traced vs made, tracees left
# stopped, peak RSS, errors. Not part of make test.
stress: build
	@mkdir -p testdata/bin
	cc -O2 -Wall -pthread -o testdata/bin/hard testdata/hard/hard.c
	$(GO) run ./stress -waittrace ./waittrace -fixture testdata/bin/hard

install: build man completions
	install -d $(BINDIR) $(MANDIR)/man1 $(BASHCOMPDIR) $(ZSHCOMPDIR)
	install -m 0755 waittrace $(BINDIR)/waittrace
	install -m 0644 waittrace.1 $(MANDIR)/man1/waittrace.1
	install -m 0644 waittrace.bash $(BASHCOMPDIR)/waittrace
	install -m 0644 _waittrace $(ZSHCOMPDIR)/_waittrace

# Static binaries for linux/amd64 and linux/arm64, with SHA-256 checksums.
release:
	rm -rf dist && mkdir -p dist
	GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags='-s -w $(LDVERSION)' -o dist/waittrace-linux-amd64 .
	GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags='-s -w $(LDVERSION)' -o dist/waittrace-linux-arm64 .
	cd dist && sha256sum waittrace-linux-* > SHA256SUMS

clean:
	rm -rf waittrace testdata/bin dist waittrace.1 waittrace.bash _waittrace
