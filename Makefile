# kaohe — developer targets. `make check test` is what CI runs (see .ci/run).
GO ?= go
PKGS := ./...
FUZZTIME ?= 30s

.PHONY: all build test check fuzz fuzz-short bench demo clean

all: build test

build:
	$(GO) vet $(PKGS)
	$(GO) build -o bin/kaohe ./cmd/kaohe

test:
	$(GO) test -race -shuffle=on -timeout 20m $(PKGS)

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@cp go.mod /tmp/kaohe.go.mod.bak; cp go.sum /tmp/kaohe.go.sum.bak; \
	$(GO) mod tidy; \
	if ! cmp -s go.mod /tmp/kaohe.go.mod.bak || ! cmp -s go.sum /tmp/kaohe.go.sum.bak; then \
		echo "go mod tidy changes go.mod/go.sum: run it and commit"; \
		cp /tmp/kaohe.go.mod.bak go.mod; cp /tmp/kaohe.go.sum.bak go.sum; exit 1; fi
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS); fi

# Every fuzz target, FUZZTIME each (make fuzz FUZZTIME=10m for a long run).
fuzz:
	@for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$t\(" --include='*_test.go' . | head -1 | xargs dirname); \
		echo "== $$pkg $$t"; $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; done

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
