package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/loadtesting"
)

func TestRun_shardUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string // after `run URL`
		want string   // substring of stderr
	}{
		{"index past the count", []string{"--run-id", "r", "--shard", "3/2"}, "--shard 3/2: index must be 0 to 1 (shards count from 0)"},
		{"negative index", []string{"--run-id", "r", "--shard", "-1/2"}, "--shard -1/2: index must be 0 to 1"},
		{"no shards", []string{"--run-id", "r", "--shard", "0/0"}, "--shard 0/0: count must be 1 to 1000"},
		{"too many shards", []string{"--run-id", "r", "--shard", "0/1001"}, "--shard 0/1001: count must be 1 to 1000"},
		{"not numbers", []string{"--run-id", "r", "--shard", "a/b"}, `--shard "a/b": want INDEX/COUNT, e.g. 0/4`},
		{"no slash", []string{"--run-id", "r", "--shard", "2"}, `--shard "2": want INDEX/COUNT`},
		{"shard without run id", []string{"--shard", "0/2"}, "--shard 0/2: needs --run-id, the run the shard is part of"},
		{"empty run id", []string{"--run-id", "", "--shard", "0/2"}, `--run-id "": must be 1 to 64 letters, digits, '-' or '_'`},
		{"malformed run id", []string{"--run-id", "a.b", "--shard", "0/2"}, `--run-id "a.b": must be 1 to 64 letters`},
		{"run id without shard", []string{"--run-id", "r"}, `--run-id "r": needs --shard INDEX/COUNT`},
		{"fewer requests than shards", []string{"--run-id", "r", "--shard", "0/3", "-n", "2"}, "--shard 0/3: --requests 2 is fewer than the shards"},
		{"start in the past", []string{"--start-at", "2020-01-01T00:00:00Z"}, "--start-at 2020-01-01T00:00:00Z: "},
		{"start not a time", []string{"--start-at", "tomorrow"}, `--start-at "tomorrow": want an RFC 3339 time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := loadreport(t, false, append([]string{"run", "http://127.0.0.1:1/x", "--store", "none"}, tt.args...)...)
			require.Equal(t, 2, o.code, "exit status\n%v", o)
			assert.Contains(t, o.stderr, tt.want)
			assert.Contains(t, o.stderr, usageLine("loadreport run"))
			assert.Empty(t, o.stdout)
		})
	}
}

// TestRun_startAt checks --start-at against a fixed clock: a start less
// than a minute ago is fine (no wait), more is a usage error.
func TestRun_startAt(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		at      string
		wantErr string // "" when valid
	}{
		{"in the future", "2026-12-01T12:05:00Z", ""},
		{"now", "2026-12-01T12:00:00Z", ""},
		{"a minute ago", "2026-12-01T11:59:00Z", ""},
		{"with an offset", "2026-12-01T13:00:00+01:00", ""},
		{"61 seconds ago", "2026-12-01T11:58:59Z", "--start-at 2026-12-01T11:58:59Z: 1m1s in the past (more than a minute): give a time to come"},
		{"a day ago", "2026-11-30T12:00:00Z", "--start-at 2026-11-30T12:00:00Z: 24h0m0s in the past"},
		{"no zone", "2026-12-01T12:00:00", `--start-at "2026-12-01T12:00:00": want an RFC 3339 time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			ios := &cli.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut}
			var got *cli.RunOptions
			runF := func(_ context.Context, o *cli.RunOptions) error { got = o; _, err := o.Config(); return err }
			cmd := cli.NewRunCmd(&cli.App{IO: ios, Now: func() time.Time { return now }}, runF)
			code := cli.Execute(t.Context(), cmd, []string{"http://127.0.0.1:1/x", "--start-at", tt.at}, ios)
			require.NotNil(t, got, "runF was not called")
			if tt.wantErr == "" {
				assert.Equal(t, 0, code, "stderr:\n%s", errOut.String())
				return
			}
			assert.Equal(t, 2, code)
			assert.Contains(t, errOut.String(), tt.wantErr)
		})
	}
}

func TestRun_startAtCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // an interrupt while waiting
	var out, errOut bytes.Buffer
	ios := &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	code := cli.Execute(ctx, cli.NewLoadreport(ios), []string{"run", "http://127.0.0.1:1/x", "--store", "none", "--start-at", at}, ios)
	assert.Equal(t, 1, code, "stderr:\n%s", errOut.String())
	assert.Contains(t, errOut.String(), "--start-at "+at+": stopped while waiting: context canceled")
	assert.Empty(t, out.String())
}

// shardedDoc is `results R --json` of a sharded run.
type shardedDoc struct {
	ID       string                `json:"id"`
	RunID    string                `json:"run_id"`
	Expected int                   `json:"shards_expected"`
	Partial  bool                  `json:"partial"`
	Shards   []*loadtesting.Result `json:"shards"`
	Metrics  loadtesting.Metrics   `json:"metrics"`
}

// TestRun_shards runs the shards of a run as separate `run` invocations at
// once, against one server and one file store, and reads the run back.
func TestRun_shards(t *testing.T) {
	h := &recorded{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	store := fileStore(t)
	// runShards runs the given shards of 3 of run id at once, 100 requests in all.
	runShards := func(t *testing.T, id string, shards ...int) {
		t.Helper()
		var wg sync.WaitGroup
		outs := make([]outcome, len(shards))
		for i, shard := range shards {
			wg.Go(func() {
				args := []string{"run", srv.URL + "/health/", "-n", "100", "-c", "3", "--store", store,
					"--run-id", id, "--shard", fmt.Sprintf("%d/3", shard)}
				outs[i] = loadreport(t, false, args...)
			})
		}
		wg.Wait()
		for i, o := range outs {
			require.Equal(t, 0, o.code, "shard %d\n%v", shards[i], o)
			assert.Contains(t, o.stderr, fmt.Sprintf("Saved shard %d/3 of run %s to %s: loadreport results %s\n", shards[i], id, store, id))
		}
	}
	before := len(h.seen())
	runShards(t, "R", 0, 1, 2)
	assert.Equal(t, 100, len(h.seen())-before, "requests the server saw")
	runShards(t, "P", 2, 0)

	tests := []struct {
		name         string
		id           string
		wantShards   []int
		wantRequests int64
		wantText     string
	}{
		{"every shard", "R", []int{0, 1, 2}, 100, "Run R: 3 of 3 shards reported (complete)\n"},
		{"partial", "P", []int{0, 2}, 67, "Run P: 2 of 3 shards reported (partial: the merged result covers only these shards)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := loadreport(t, false, "results", tt.id, "--json", "--store", store)
			require.Equal(t, 0, o.code, "results --json\n%v", o)
			var doc shardedDoc
			require.NoError(t, json.Unmarshal([]byte(o.stdout), &doc))
			assert.Equal(t, tt.id, doc.ID)
			assert.Equal(t, tt.id, doc.RunID)
			assert.Equal(t, 3, doc.Expected)
			assert.Equal(t, len(tt.wantShards) < 3, doc.Partial)
			assert.Equal(t, tt.wantRequests, doc.Metrics.Requests)
			assert.Equal(t, tt.wantRequests, doc.Metrics.StatusCodes[200])
			var got []int
			var sum int64
			for _, s := range doc.Shards {
				got = append(got, s.Shard.Index)
				sum += s.Metrics.Requests
			}
			assert.Equal(t, tt.wantShards, got, "shards")
			assert.Equal(t, tt.wantRequests, sum, "the shards' requests")

			// The merged percentiles are those of the shards' histograms
			// merged here, independently.
			var merged loadtesting.Result
			require.NoError(t, json.Unmarshal([]byte(o.stdout), &merged))
			want, err := loadtesting.Merge(doc.Shards...)
			require.NoError(t, err)
			assert.Equal(t, want.Metrics.Latency, merged.Metrics.Latency)
			for _, p := range []float64{1, 50, 90, 99, 99.9, 99.999} {
				assert.Equal(t, want.Percentile(p), merged.Percentile(p), "p%v", p)
			}
			_, n := merged.Percentiles(50)
			assert.Equal(t, tt.wantRequests, n, "latencies in the merged histogram")

			text := loadreport(t, false, "results", tt.id, "--store", store)
			require.Equal(t, 0, text.code, "results\n%v", text)
			assert.True(t, strings.HasPrefix(text.stdout, tt.wantText), "results begins with %q:\n%s", tt.wantText, text.stdout)
			assert.Contains(t, text.stdout, fmt.Sprintf("Requests      %d\n", tt.wantRequests))
			for _, i := range tt.wantShards {
				assert.Contains(t, text.stdout, fmt.Sprintf("%d/3    %s.%d", i, tt.id, i))
			}
		})
	}

	t.Run("compare reads merged runs", func(t *testing.T) {
		o := loadreport(t, false, "compare", "R", "P", "--store", store)
		require.Contains(t, []int{0, 1}, o.code, "compare\n%v", o)
		assert.Contains(t, o.stdout, "R (base)")
		assert.Regexp(t, `requests\s+100\s+67\n`, o.stdout)
	})

	t.Run("recent lists a sharded run once, merged", func(t *testing.T) {
		o := loadreport(t, false, "recent", "--store", store)
		require.Equal(t, 0, o.code, "recent\n%v", o)
		rows := strings.Split(strings.TrimSuffix(o.stdout, "\n"), "\n")[1:]
		var ids []string
		for _, row := range rows {
			ids = append(ids, strings.Fields(row)[0])
		}
		assert.Equal(t, []string{"P", "R"}, ids)

		js := loadreport(t, false, "recent", "--json", "--store", store)
		require.Equal(t, 0, js.code, "recent --json\n%v", js)
		var runs []*loadtesting.Result
		require.NoError(t, json.Unmarshal([]byte(js.stdout), &runs))
		require.Len(t, runs, 2)
		assert.Equal(t, int64(67), runs[0].Metrics.Requests)
		assert.Equal(t, int64(100), runs[1].Metrics.Requests)
	})

	t.Run("unknown run", func(t *testing.T) {
		o := loadreport(t, false, "results", "nope", "--store", store)
		assert.Equal(t, 1, o.code, "%v", o)
		assert.Contains(t, o.stderr, "result nope: not found")
	})
}
