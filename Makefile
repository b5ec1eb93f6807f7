# Targets used by developers and by CI (.ci/run runs `make test`).
#
#   make test    all tests, -race, with a throwaway redis-server for the Redis
#                integration tests unless APILOAD_TEST_REDIS_URL is set
#                (see scripts/with-redis.sh); PKGS=./internal/store/ narrows it.
#                Then the engine and loadtesting once more without -race: the
#                HTTP/1.1 client's raw socket calls are built only then.
#   make lint    go vet, and gofmt must have nothing to say
#   make bench   benchmarks, no tests

GO ?= go
PKGS ?= ./...
TESTFLAGS ?= -race -count=1 -timeout 5m

.PHONY: test lint bench

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
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
