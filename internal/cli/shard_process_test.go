package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/internal/testredis"
)

// helperArgsEnv carries, as JSON, the arguments of a loadreport run by
// TestLoadreport_helperProcess.
const helperArgsEnv = "APILOAD_CLI_HELPER_ARGS"

// TestShardProcesses runs the shards of one run as separate loadreport
// processes at once, against a real HTTP server on loopback, saving to a
// real redis-server and to a file store they share, and reads the run back
// with `results R`.
func TestShardProcesses(t *testing.T) {
	srv := httptest.NewServer(okHandler)
	t.Cleanup(srv.Close)
	// The default file store (the fallback of a Redis store) in a temporary
	// directory; the child processes inherit it.
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(cache, "cache"))
	t.Setenv("HOME", cache)

	stores := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"redis", func(t *testing.T) string { return testredis.SharedURL(t, redisDB) }},
		{"file", fileStore},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			store := st.url(t)
			// shards runs `run` for each of shards (of 3) of run id at once, 300
			// requests in all, each in its own process.
			shards := func(t *testing.T, id string, shards ...int) {
				t.Helper()
				cmds := make([]*exec.Cmd, len(shards))
				outs := make([]strings.Builder, len(shards))
				for i, shard := range shards {
					args, err := json.Marshal([]string{"run", srv.URL + "/health/", "-n", "300", "-c", "4", "--store", store,
						"--run-id", id, "--shard", fmt.Sprintf("%d/3", shard)})
					require.NoError(t, err)
					cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestLoadreport_helperProcess$", "-test.count=1")
					cmd.Env = append(os.Environ(), helperArgsEnv+"="+string(args))
					cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
					require.NoError(t, cmd.Start())
					cmds[i] = cmd
				}
				for i, cmd := range cmds {
					require.NoError(t, cmd.Wait(), "shard %d:\n%s", shards[i], outs[i].String())
					assert.Contains(t, outs[i].String(), fmt.Sprintf("Saved shard %d/3 of run %s to ", shards[i], id))
				}
			}
			shards(t, "R", 0, 1, 2)
			shards(t, "P", 0, 2)
			if st.name == "redis" { // each shard under its own key, with the usual TTL
				client := testredis.Client(t, store)
				for i := range 3 {
					key := fmt.Sprintf("api_load_test:results:R.%d", i)
					ttl, err := client.TTL(t.Context(), key).Result()
					require.NoError(t, err, key)
					assert.True(t, ttl > 23*time.Hour && ttl <= 24*time.Hour, "TTL of %s = %v, want about 24h", key, ttl)
				}
			}

			tests := []struct {
				id          string
				shards      int
				requests    int64
				wantPartial bool
				wantText    string
			}{
				{"R", 3, 300, false, "Run R: 3 of 3 shards reported (complete)\n"},
				{"P", 2, 200, true, "Run P: 2 of 3 shards reported (partial"},
			}
			for _, tt := range tests {
				o := loadreport(t, false, "results", tt.id, "--json", "--store", store)
				require.Equal(t, 0, o.code, "results %s --json\n%v", tt.id, o)
				var doc shardedDoc
				require.NoError(t, json.Unmarshal([]byte(o.stdout), &doc))
				assert.Equal(t, tt.requests, doc.Metrics.Requests, "run %s: requests", tt.id)
				assert.Equal(t, tt.wantPartial, doc.Partial, "run %s: partial", tt.id)
				assert.Equal(t, 3, doc.Expected, "run %s: shards_expected", tt.id)
				require.Len(t, doc.Shards, tt.shards, "run %s: shards", tt.id)

				// The p99 of the shards' histograms merged here, without
				// loadtesting.Merge.
				var sum int64
				merged := hdrhistogram.New(1, int64(time.Hour), 3)
				for _, s := range doc.Shards {
					sum += s.Metrics.Requests
					h, err := hdrhistogram.Decode([]byte(s.Histogram))
					require.NoError(t, err, "shard %s histogram", s.ID)
					assert.Zero(t, merged.Merge(h), "latencies dropped merging shard %s", s.ID)
				}
				assert.Equal(t, tt.requests, sum, "run %s: the shards' requests", tt.id)
				assert.Equal(t, tt.requests, merged.TotalCount(), "run %s: latencies", tt.id)
				assert.Equal(t, time.Duration(merged.ValueAtPercentile(99)), doc.Metrics.Latency.P99, "run %s: p99", tt.id)
				assert.Equal(t, time.Duration(merged.Max()), doc.Metrics.Latency.Max, "run %s: max", tt.id)

				text := loadreport(t, false, "results", tt.id, "--store", store)
				require.Equal(t, 0, text.code, "results %s\n%v", tt.id, text)
				assert.True(t, strings.HasPrefix(text.stdout, tt.wantText), "results %s begins with %q:\n%s", tt.id, tt.wantText, text.stdout)
			}
		})
	}
}

// TestLoadreport_helperProcess is not a test: TestShardProcesses runs it in
// child processes, each one loadreport with the arguments in
// $APILOAD_CLI_HELPER_ARGS, exiting with its status.
func TestLoadreport_helperProcess(t *testing.T) {
	js := os.Getenv(helperArgsEnv)
	if js == "" {
		t.Skip("runs only as a child of TestShardProcesses")
	}
	var args []string
	require.NoError(t, json.Unmarshal([]byte(js), &args), "%s=%s", helperArgsEnv, js)
	ios := &cli.IOStreams{In: strings.NewReader(""), Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(cli.Execute(t.Context(), cli.NewLoadreport(ios), args, ios))
}
