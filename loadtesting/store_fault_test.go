package loadtesting

// Storage faults lose nothing: where runs go when Redis fails or stalls, when
// the cache directory cannot be used, and what a test's output shows then.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/testredis"
)

// TestStore_fallbackRunsStayWithTheirRedis saves one run to the default file
// store, one through a Redis store while Redis fails (so to its fallback
// directory), and one to Redis; each store lists only its own: a Redis store
// lists its runs and its fallback runs, never the default file store's, nor
// the fallback runs of another Redis database.
func TestStore_fallbackRunsStayWithTheirRedis(t *testing.T) {
	defDir := isolateCache(t)
	mr := miniredis.RunT(t)
	db0 := "redis://" + mr.Addr() + "/0"
	rs := resultsAt(execResult(t, Config{Requests: 5}), 3)
	local, fellBack, inRedis := rs[0], rs[1], rs[2]

	open := func(url string, warn func(string)) Store {
		t.Helper()
		st, err := openStore(url, warn)
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}
	saveAll(t, open(DefaultStoreURL(), (&warnSink{}).warn), local)
	var sink warnSink
	redisStore := open(db0, sink.warn)
	// Redis is down for one save, then back on the same address. (An
	// injected error reply, miniredis's SetError, answers a pipeline's
	// MULTI too, which leaves go-redis's connection out of step with the
	// replies: not a fault a real Redis makes.)
	mr.Close()
	saveAll(t, redisStore, fellBack)
	require.NoError(t, mr.Restart())
	saveAll(t, redisStore, inRedis)
	if assert.Len(t, sink.all(), 1, "warnings of the saves") {
		assert.Contains(t, sink.all()[0], "saved run "+fellBack.ID+" to "+fallbackDir(t, defDir, db0)+"/api_load_test.")
	}

	tests := []struct {
		name string
		url  string
		want []string // ids, newest first
	}{
		{"redis: its runs and its fallback runs", db0, []string{inRedis.ID, fellBack.ID}},
		{"another database of the same server", "redis://" + mr.Addr() + "/1", nil},
		{"default file store: its own runs only", DefaultStoreURL(), []string{local.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sink warnSink
			got, err := open(tt.url, sink.warn).Recent(t.Context(), 10)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(got))
			assert.Empty(t, sink.all(), "warnings")
		})
	}
}

// TestRun_unusableCacheDir runs load tests whose store cannot be used as it
// should: a cache directory that cannot be created (a path under a regular
// file, which stops root too), a store directory that turned into a file, one
// that is read-only. Run always returns its Result; what could not be done
// is said in warnings that name the directory and the reason, one per
// problem; and the run is kept whenever any directory can take it.
func TestRun_unusableCacheDir(t *testing.T) {
	uid := os.Getuid()
	tests := []struct {
		name        string
		cacheOK     bool                                 // the user's cache directory can be created
		tempOK      bool                                 // a directory under os.TempDir() can be
		env         string                               // $APILOAD_STORE; {down} is filled in
		store       func(t *testing.T, dir string) Store // nil: leave Config.Store nil
		nonRoot     bool                                 // root writes anywhere: skip as root
		wantWarns   [][]string                           // substrings of each warning, in order
		wantSavedTo string                               // the "saved to" URL; "" means not saved
	}{
		{"cache directory cannot be created", false, true, "", nil, false,
			[][]string{{"cache directory {cache}/apiload cannot be created: mkdir {file}: not a directory; using {tmp}/apiload-cache-{uid}/apiload instead"}},
			"file://{tmp}/apiload-cache-{uid}/apiload"},
		{"neither cache nor temporary directory can be created", false, false, "", nil, false,
			[][]string{{"run {id} not saved: ", "cache directory {cache}/apiload cannot be created: mkdir {file}: not a directory",
				"temporary directory {tmp}/apiload-cache-{uid}/apiload cannot be created: mkdir {file}: not a directory"}},
			""},
		{"redis down, cache directory cannot be created", false, true, "{down}", nil, false,
			[][]string{
				{"cache directory {cache}/apiload/fallback/redis-", "cannot be created: mkdir {file}: not a directory; using {tmp}/apiload-cache-{uid}/apiload/fallback/redis-"},
				{"store {down} failed (", "connection refused", "saved run {id} to {tmp}/apiload-cache-{uid}/apiload/fallback/redis-"},
			},
			"{down} (fallback file://{tmp}/apiload-cache-{uid}/apiload/fallback/redis-{downdir})"},
		{"redis down, no directory at all", false, false, "{down}", nil, false,
			[][]string{
				{"no fallback for {down}: cache directory {cache}/apiload/fallback/", "temporary directory {tmp}/apiload-cache-{uid}/apiload/fallback/", "runs that Redis cannot take are lost"},
				{"run {id} not saved: ", "connection refused"},
			},
			""},
		{"store directory turned into a file", true, true, "", func(t *testing.T, dir string) Store {
			st, err := OpenStore("file://" + dir)
			require.NoError(t, err)
			require.NoError(t, os.Remove(dir))
			require.NoError(t, os.WriteFile(dir, nil, 0o600))
			return st
		}, false, [][]string{{"run {id} not saved: save result {id} to file://{dir}: put {dir}/api_load_test.", "open {dir}/.tmp-", "not a directory"}}, ""},
		{"store directory read-only", true, true, "", func(t *testing.T, dir string) Store {
			st, err := OpenStore("file://" + dir)
			require.NoError(t, err)
			require.NoError(t, os.Chmod(dir, 0o500))
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			return st
		}, true, [][]string{{"run {id} not saved: save result {id} to file://{dir}: put {dir}/api_load_test.", "open {dir}/.tmp-", "permission denied"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.nonRoot && os.Geteuid() == 0 {
				t.Skip("root writes to a read-only directory; the rows with a directory under a regular file cover root")
			}
			isolateCache(t)
			dir := t.TempDir()
			down := downRedisURL(t)
			aFile := filepath.Join(t.TempDir(), "a-file")
			require.NoError(t, os.WriteFile(aFile, nil, 0o600))
			cache, tmp := t.TempDir(), t.TempDir() // made before TMPDIR may point nowhere
			if !tt.cacheOK {
				cache = filepath.Join(aFile, "cache")
			}
			if !tt.tempOK {
				tmp = filepath.Join(aFile, "tmp")
			}
			t.Setenv("XDG_CACHE_HOME", cache)
			t.Setenv("TMPDIR", tmp)
			var id string
			fill := func(s string) string {
				return strings.NewReplacer("{file}", aFile, "{cache}", cache, "{tmp}", tmp, "{uid}", strconv.Itoa(uid), "{down}", down,
					"{downdir}", strings.TrimPrefix(filepath.Base(fallbackDir(t, "", down)), "redis-"), "{dir}", dir, "{id}", id).Replace(s)
			}
			t.Setenv(StoreEnv, fill(tt.env))
			cfg := Config{Path: "/health", Requests: 20, Clients: 2}
			if tt.store != nil {
				cfg.Store = tt.store(t, dir)
				defer cfg.Store.Close()
			}

			ft := &logTB{TB: t}
			res := Run(ft, mixedHandler(), cfg)
			require.NotNil(t, res, "Run returned no Result")
			id = res.ID
			assert.Empty(t, ft.fatals, "Run stopped the test")
			assert.Equal(t, int64(20), res.Metrics.Requests, "requests in the Result")

			warns := ft.lines("loadtesting: warning: ")
			if assert.Len(t, warns, len(tt.wantWarns), "warnings: %q", warns) {
				for i, want := range tt.wantWarns {
					for _, w := range want {
						assert.Contains(t, warns[i], fill(w), "warning %d", i)
					}
				}
			}
			saved := ft.lines("saved to ")
			if tt.wantSavedTo == "" {
				assert.Empty(t, saved, `"saved to" lines`)
				return
			}
			assert.Equal(t, []string{"saved to " + fill(tt.wantSavedTo) + ": loadreport results " + id}, saved)

			// What Run saved, a store opened the same way reads back.
			var sink warnSink
			st, err := openStore(DefaultStoreURL(), sink.warn)
			require.NoError(t, err)
			defer st.Close()
			got, err := st.Get(t.Context(), id)
			require.NoError(t, err)
			assert.Equal(t, id, got.ID)
		})
	}
}

// TestRunIntegration_redisStalls saves the run of a load test to a real
// redis-server that is paused (CLIENT PAUSE 10000: it accepts connections but
// answers nothing for 10s), through a store URL with ?timeout=300ms: the save
// gives up after the timeout, the run lands in the server's fallback
// directory, and the test log shows exactly one warning saying why. The test
// bounds no time window; a save that hung would be stopped by -timeout.
func TestRunIntegration_redisStalls(t *testing.T) {
	defDir := isolateCache(t)
	srv := testredis.Start(t)
	require.NoError(t, srv.Client(t).Do(t.Context(), "CLIENT", "PAUSE", "10000").Err())
	var storeSink warnSink
	st, err := openStore(srv.URL(0)+"?timeout=300ms", storeSink.warn)
	require.NoError(t, err)
	defer st.Close()

	ft := &logTB{TB: t}
	res := Run(ft, mixedHandler(), Config{Path: "/tasks", Requests: 50, Store: st})
	require.Empty(t, ft.fatals, "Run stopped the test")

	files, err := filepath.Glob(filepath.Join(fallbackDir(t, defDir, srv.URL(0)), "api_load_test.*."+res.ID+".json"))
	require.NoError(t, err)
	assert.Len(t, files, 1, "the run in the fallback directory")
	warns := append(ft.lines("loadtesting: warning"), storeSink.all()...)
	if assert.Len(t, warns, 1, "warnings: %q", warns) {
		for _, want := range []string{"store " + srv.URL(0) + " failed (", "no reply within 300ms", "saved run " + res.ID + " to "} {
			assert.Contains(t, warns[0], want)
		}
	}
}

// helperRunEnv, when set, makes TestRun_helperProcess run a load test; it
// holds the store URL to save to.
const helperRunEnv = "APILOAD_LOADTESTING_TEST_HELPER"

// TestRun_redisUnreachableOutput runs a load test, in a process of its own,
// whose store is a Redis that is not running (a closed loopback port), and
// reads everything that process wrote, stdout and stderr: exactly one
// warning, saying where the run went, and not a line from go-redis's logger
// (which would otherwise print each failed dial).
func TestRun_redisUnreachableOutput(t *testing.T) {
	cache := t.TempDir()
	down := downRedisURL(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRun_helperProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), helperRunEnv+"="+down, "HOME="+cache, "XDG_CACHE_HOME="+cache, "TMPDIR="+cache, StoreEnv+"=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "helper process:\n%s", out)

	var warns, fromRedis []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "warning") {
			warns = append(warns, line)
		}
		if strings.Contains(line, "pool.go") || strings.Contains(line, "connection pool") || strings.HasPrefix(strings.TrimSpace(line), "redis: ") {
			fromRedis = append(fromRedis, line)
		}
	}
	if assert.Len(t, warns, 1, "warning lines in:\n%s", out) {
		for _, want := range []string{"loadtesting: warning: store " + down + " failed (", "connection refused", "saved run "} {
			assert.Contains(t, warns[0], want)
		}
	}
	assert.Empty(t, fromRedis, "go-redis log lines in:\n%s", out)
	assert.Contains(t, string(out), "--- PASS: TestRun_helperProcess", "the helper's load test ran")
}

// TestRun_helperProcess is not a test: TestRun_redisUnreachableOutput runs it
// in a child process.
func TestRun_helperProcess(t *testing.T) {
	url := os.Getenv(helperRunEnv)
	if url == "" {
		t.Skip("runs only as a child of TestRun_redisUnreachableOutput")
	}
	st, err := OpenStore(url)
	require.NoError(t, err)
	defer st.Close()
	res := Run(t, mixedHandler(), Config{Path: "/health", Requests: 20, Store: st})
	assert.Equal(t, int64(20), res.Metrics.Requests)
}
