# kaohe — developer targets. `make check test` is what CI runs (see .ci/run).
GO ?= go
PKGS := ./...
# The patched copy of codeberg.org/go-pdf/fpdf is a module of its own (go.mod's replace),
# so ./... does not reach it: check and test run it from its directory.
FPDF := third_party/fpdf
FUZZTIME ?= 30s

.PHONY: all build test check fuzz fuzz-short bench demo clean

all: build test

build:
	$(GO) vet $(PKGS)
	$(GO) build -o bin/kaohe ./cmd/kaohe

test:
	$(GO) test -race -shuffle=on -timeout 20m $(PKGS)
	cd $(FPDF) && $(GO) test -race -shuffle=on ./...

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	cd $(FPDF) && $(GO) vet ./...
	@cp go.mod /tmp/kaohe.go.mod.bak; cp go.sum /tmp/kaohe.go.sum.bak; \
	$(GO) mod tidy; \
	if ! cmp -s go.mod /tmp/kaohe.go.mod.bak || ! cmp -s go.sum /tmp/kaohe.go.sum.bak; then \
		echo "go mod tidy changes go.mod/go.sum: run it and commit"; \
		cp /tmp/kaohe.go.mod.bak go.mod; cp /tmp/kaohe.go.sum.bak go.sum; exit 1; fi
	@if command -v staticcheck >/dev/null; then echo staticcheck $(PKGS); staticcheck $(PKGS); \
	else echo "staticcheck not installed: skipped (CI installs it, see .ci/run)"; fi

# Every fuzz target, FUZZTIME each (make fuzz FUZZTIME=10m for a long run). Go 1.26's
# fuzz coordinator can fail a run with a bare "context deadline exceeded" as the time
# runs out (golang/go#75804, fixed in Go 1.27): such a run, with no failing input
# written, is run again, up to three times in all; anything else fails at once.
fuzz:
	@for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$t\(" --include='*_test.go' . | head -1 | xargs dirname); \
		for try in 1 2 3; do \
			echo "== $$pkg $$t"; \
			out=$$($(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) $$pkg 2>&1); rc=$$?; echo "$$out"; \
			[ $$rc -eq 0 ] && break; \
			if [ $$try -lt 3 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input written'; then \
				echo "== $$t: bare 'context deadline exceeded' (golang/go#75804): running it again"; \
			else exit 1; fi; \
		done; done

fuzz-short:
	$(MAKE) fuzz FUZZTIME=5s

# The national-size pipeline run (2,844 counties × 172 villages, docs/performance.md),
# then every package's Go benchmarks.
bench:
	$(GO) run ./cmd/kaohe bench
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

demo:
	$(GO) run ./cmd/kaohe demo --out demo-out

clean:
	rm -rf bin demo-out
