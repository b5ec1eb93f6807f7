# Targets used by developers and by CI (.ci/run runs `make test`).
#
#   make test    all tests, -race, with a throwaway redis-server for the Redis
#                integration tests unless APILOAD_TEST_REDIS_URL is set
#                (see scripts/with-redis.sh); PKGS=./internal/store/ narrows it.
#                Then the engine and loadtesting once more without -race: the
#                HTTP/1.1 client's raw socket calls are built only then.
#   make lint    go vet, and gofmt must have nothing to say
#   make bench   benchmarks, no tests (BenchmarkSoak, 60 s, runs only when
#                selected: make bench BENCH=Soak PKGS=./bench/). The open
#                model's CPU per request next to the closed model's, with
#                the achieved rate's error and the send lag, in one run:
#                make bench BENCH=OpenModel PKGS=./bench/
#   make fuzz    every fuzz target, one after another, each for FUZZTIME
#                (default 30s; e.g. make fuzz FUZZTIME=2m). The targets are
#                found with `go test -list '^Fuzz'`, so a new one is included
#                without editing this file; PKGS narrows them, FUZZFLAGS adds
#                flags (e.g. FUZZFLAGS=-parallel=2). A failing input is saved
#                under the package's testdata/fuzz/<Target>/: commit it as a
#                seed with the fix. Plain `go test` (make test) runs the seeds.

GO ?= go
PKGS ?= ./...
TESTFLAGS ?= -race -count=1 -timeout 5m
BENCH ?= .
FUZZTIME ?= 30s
FUZZFLAGS ?=

IMAGE ?= apiload/loadreport:dev

.PHONY: test lint bench fuzz image

test:
	bash scripts/with-redis.sh sh -c '\
		$(GO) tool gotestsum --format testname -- $(TESTFLAGS) $(PKGS) && \
		$(GO) tool gotestsum --format testname -- -count=1 -timeout 5m ./internal/engine/ ./loadtesting/'

lint:
	$(GO) vet $(PKGS)
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; \
	fi

bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(PKGS)

# go test takes one -fuzz target per package per run, so list them as
# package:Target pairs and run each in turn; report every failure at the end.
fuzz:
	@list="$$($(GO) test -list '^Fuzz' $(PKGS))" || { echo "$$list"; exit 1; }; \
	targets="$$(echo "$$list" | awk '/^Fuzz/ { names[n++] = $$1; next } /^ok/ { for (i = 0; i < n; i++) print $$2 ":" names[i]; n = 0 }')"; \
	if [ -z "$$targets" ]; then echo "make fuzz: no fuzz targets in $(PKGS)"; exit 1; fi; \
	failed=""; \
	for t in $$targets; do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) $$pkg || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: failed:$$failed"; exit 1; fi

# The loadreport image of the Dockerfile, for the Kubernetes Job in
# deploy/kubernetes (not run in CI).
image:
	docker build -t $(IMAGE) .
