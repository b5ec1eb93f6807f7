// Package bench holds apiload's benchmarks and comparison tools:
//
//   - BenchmarkInProcess and BenchmarkInProcessRatio: the in-process harness
//     against a raw RunParallel ServeHTTP loop and against vegeta's library
//     attacker over an in-process RoundTripper, side by side.
//   - BenchmarkMemory and BenchmarkMemory10M: heap and peak RSS as the
//     request count grows to 10 million.
//   - BenchmarkOpenModel: achieved rate and send lag of the open model at
//     20 k req/s, constant and ramping.
//   - BenchmarkSoak: 60 s of in-process load at full speed, and the RSS at
//     its start and end (goal: the end within 10% of the start). It runs
//     only when selected: go test -run '^$' -bench Soak -benchtime 1x ./bench/
//   - target/ and loadgen/: a loopback server and apiload's generator, which
//     compare.sh runs side by side with wrk, hey and vegeta.
//
// Run the benchmarks with `make bench` or `go test -run '^$' -bench . ./bench/`,
// the comparison with `bash bench/compare.sh`; docs/PERFORMANCE.md has the
// latest numbers.
package bench
