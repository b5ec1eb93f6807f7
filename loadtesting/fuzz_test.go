package loadtesting

import (
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fuzz tests below run their seeds with every `go test`; to search for
// new inputs, run one at a time, e.g.
//
//	go test -run '^$' -fuzz FuzzResultJSON -fuzztime 20s ./loadtesting

// resultJSONSeed is a stored result as Run writes it.
const resultJSONSeed = `{"schema":1,"id":"01JDXQ3V5ZK8N2B7M4C1R9T6WQ","name":"GET /health/","method":"GET","path":"/health/",
"url":"/health/?page=2","started_at":"2026-01-02T15:04:05.123456789Z","duration_ms":812.5,"clients":10,"in_process":true,"protocol":"in-process",
"config":{"requests":500,"duration_ms":0,"rate":0,"timeout_ms":30000,"path_params":{"id":"7"},"query":{"page":["2"]},
"headers":{"Authorization":["[redacted]"],"Accept":["application/json"]},"body_bytes":0,"body_func":false,"expect_status":[200,204],"tags":["health"]},
"metrics":{"requests":500,"succeeded":498,"failed":2,"error_rate":0.004,"throughput":612.9,"request_rate":615.4,
"latency":{"min_ms":0.41,"mean_ms":8.2,"stddev_ms":3.1,"p50_ms":8.1,"p75_ms":9.9,"p90_ms":17.9,"p95_ms":23.4,"p99_ms":41,"p999_ms":96,"max_ms":97.2},
"status_codes":{"200":498,"503":2},"bytes_in":7968,"bytes_out":0,
"errors":[{"request":17,"status":503,"kind":"status","message":"status 503","body":"busy","at_ms":12.5}]},
"histogram":""}`

// resultCmp compares Results as stored data: times by instant (the zone
// pointer of a decoded offset is new every time) and nil like empty.
var resultCmp = []cmp.Option{
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

// FuzzResultJSON decodes arbitrary bytes as a stored Result. Decoding must
// never panic, nor may anything a reader does next with what it decoded
// (percentiles, summaries, redaction before a save). Reading a percentile
// decodes the histogram, and must allocate no more than a bounded amount
// plus about the document's size, whatever geometry the histogram's header
// claims. A document that decodes must encode again, and decode from that
// to the same Result, and encode again to the same bytes: a stored run
// reads back as it was.
func FuzzResultJSON(f *testing.F) {
	for _, s := range []string{
		resultJSONSeed,
		`{"schema":1}`,
		`{"schema":2,"id":"x"}`,
		`{"schema":1,"started_at":"2026-01-02T15:04:05+05:30","duration_ms":1e300}`,
		`{"schema":1,"duration_ms":-9.3e12,"config":{"timeout_ms":9.2e12}}`,
		`{"schema":1,"metrics":{"status_codes":{"0":1,"-5":2},"errors":[]}}`,
		`{"schema":1,"url":"http://127.0.0.1:8080/health","metrics":{"requests":40,"connections":12}}`,
		`{"schema":1,"config":{"headers":{"a":null},"query":{"q":[]},"path_params":{}}}`,
		`{"schema":1,"histogram":"HISTFAAAAB14nJNpmSzMwMDAxAABzFCaEUoz2X+AsQEVHgIS"}`,
		`{"schema":1,"histogram":"not base64 at all"}`,
		`{"schema":1,"url":"/a?token=s3cr3t%zz&b=1"}`,
		`{"schema":1,"duration_ms":12345678901.234567,"metrics":{"latency":{"p50_ms":0.0000005,"max_ms":9223372036854.775807}}}`,
		`{"schema":1,"started_at":"9999-12-31T23:59:59.999999999-23:59","metrics":{"generator_cpu_ms":-1e-7}}`,
		`{"schema":1,"started_at":"0000-01-01T00:00:00+23:59"}`,
		`null`, `[]`, `"x"`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Result
		if err := json.Unmarshal(data, &r); err != nil {
			return
		}
		// What readers do with a stored run must not panic either.
		for _, p := range []float64{0, 50, 99.9, 100, -1, 1e9} {
			_ = r.Percentile(p)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_ = r.Percentile(99)
		runtime.ReadMemStats(&after)
		limit := uint64(1<<20 + 4*len(data))
		require.LessOrEqual(t, after.TotalAlloc-before.TotalAlloc, limit, "bytes Percentile allocated for a %d-byte result", len(data))
		_ = r.OneLine()
		_ = r.Metrics.StatusSummary()
		_ = r.Redacted()

		enc, err := json.Marshal(r)
		require.NoError(t, err, "a decoded Result does not encode\ninput: %q", data)
		var back Result
		require.NoError(t, json.Unmarshal(enc, &back), "a re-encoded Result does not decode\nencoded: %s", enc)
		if diff := cmp.Diff(r, back, resultCmp...); diff != "" {
			require.FailNow(t, "Result changed through Marshal/Unmarshal", "(-decoded +round-tripped):\n%s\ninput: %q", diff, data)
		}
		enc2, err := json.Marshal(back)
		require.NoError(t, err, "encoding is not stable")
		require.Equal(t, string(enc), string(enc2), "encoding is not stable")
	})
}

// FuzzValidatePlaceholders checks placeholders and Config.validate on
// arbitrary paths and PathParams (names separated by ','; a name starting
// with '-' is left out of PathParams). validate must not panic, and when it
// fails for a missing placeholder its error names the path and every
// missing placeholder, in the words the user typed.
func FuzzValidatePlaceholders(f *testing.F) {
	for _, s := range [][2]string{
		{"/api/v1/tasks/status/{task_id}", ""},
		{"/api/v1/tasks/status/{task_id}", "task_id"},
		{"/a/{x}/b/{y}/{z:[0-9]+}", "x"},
		{"/a/{id:[0-9]{3}}", "id,extra"},
		{"/a/{x}/{x}", ""},
		{"/{a}{b}", "b"},
		{"/{\"q\"}", ""},
		{"/{a", "a"},
		{"/{}", ""},
		{"/{:x}", ""},
		{"no-slash/{id}", ""},
		{"/caf\u00e9/{\u00e9t\u00e9}?q={x}", "x"},
		{"/{a}/%zz", "a"},
	} {
		f.Add(s[0], s[1], "")
		f.Add(s[0], s[1], "http://127.0.0.1:1/base")
	}
	f.Fuzz(func(t *testing.T, path, params, baseURL string) {
		pp := map[string]string{}
		for n := range strings.SplitSeq(params, ",") {
			if n != "" && !strings.HasPrefix(n, "-") {
				pp[n] = "v/" + n // a value that needs escaping
			}
		}
		names := placeholders(path)
		for _, n := range names {
			require.NotEmpty(t, n, "placeholders(%q) gave an empty name", path)
			require.False(t, strings.ContainsAny(n, "{}:"), "placeholders(%q) gave the name %q", path, n)
		}

		cfg := Config{Path: path, PathParams: pp, BaseURL: baseURL}.resolved()
		target, err := cfg.validate(http.NotFoundHandler())

		var missing []string
		for _, n := range names {
			if _, ok := pp[n]; !ok {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			var ce *ConfigError
			require.ErrorAs(t, err, &ce, "path %q with PathParams %v: want a *ConfigError for missing %q", path, pp, missing)
			msg := err.Error()
			assert.Contains(t, msg, fmt.Sprintf("path %q", cfg.Path), "the error must name the path")
			for _, n := range missing {
				assert.Contains(t, msg, fmt.Sprintf("%q", n), "the error must name the missing placeholder")
			}
			return
		}
		if err != nil {
			var ce *ConfigError
			require.ErrorAs(t, err, &ce, "validate returned %T, want *ConfigError", err)
			return
		}
		// A valid config fills every placeholder: none is left in the target.
		for _, n := range names {
			assert.NotContains(t, target.Path, "{"+n+"}", "path %q: placeholder left unfilled", path)
		}
	})
}
