// Package bench holds apiload's benchmarks: the harness's in-process cost
// against a raw ServeHTTP loop, and its memory as the request count grows.
// Run them with `make bench` or `go test -run '^$' -bench . ./bench/`.
package bench
