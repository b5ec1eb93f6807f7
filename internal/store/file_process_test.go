package store

// Several processes saving to one file store at once: this test binary, run
// again as TestFile_helperProcess, is each of them.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperEnv, when set, makes TestFile_helperProcess save records into a
// directory as one of several writer processes; it holds a writerSpec as JSON.
const helperEnv = "APILOAD_STORE_TEST_HELPER"

// writerSpec tells one writer process what to save.
type writerSpec struct {
	Dir        string
	Process    int  // this writer's number, 0 to Processes-1
	Processes  int  // how many writers there are
	Goroutines int  // each saving Each records at once
	Each       int  // records per goroutine
	MaxRecent  int  // File.MaxRecent; 0 is the default
	SameStart  bool // every record starts at t0 (else each at its own second)
}

// ids returns the ids of every record the writers of s save, newest first (the
// order of Recent).
func (s writerSpec) ids() []string {
	var out []string
	for p := range s.Processes {
		for g := range s.Goroutines {
			for i := range s.Each {
				out = append(out, s.id(p, g, i))
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { // newest first, then by id descending
		if c := s.start(b).Compare(s.start(a)); c != 0 {
			return c
		}
		return strings.Compare(b, a)
	})
	return out
}

func (s writerSpec) id(p, g, i int) string { return fmt.Sprintf("p%02d-g%02d-%03d", p, g, i) }

// start returns when record id started: t0, or a second of its own, with the
// writers' records interleaved in time.
func (s writerSpec) start(id string) time.Time {
	if s.SameStart {
		return t0
	}
	var p, g, i int
	fmt.Sscanf(id, "p%02d-g%02d-%03d", &p, &g, &i)
	return at((i*s.Goroutines+g)*s.Processes + p)
}

// TestFile_processes saves from eight processes at once, each from several
// goroutines, into one directory, and then counts every record: none is lost,
// each reads back whole, and no temporary file is left behind. With trimming
// on, exactly the newest MaxRecent remain.
func TestFile_processes(t *testing.T) {
	tests := []struct {
		name string
		spec writerSpec
	}{
		{"each at its own time", writerSpec{Processes: 8, Goroutines: 4, Each: 6}},
		{"all at the same time", writerSpec{Processes: 8, Goroutines: 4, Each: 6, SameStart: true}},
		{"trimmed to the newest", writerSpec{Processes: 8, Goroutines: 4, Each: 6, MaxRecent: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.Dir = t.TempDir()
			cmds := make([]*exec.Cmd, spec.Processes)
			outs := make([]strings.Builder, spec.Processes)
			for p := range cmds {
				s := spec
				s.Process = p
				js, err := json.Marshal(s)
				require.NoError(t, err)
				cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFile_helperProcess$", "-test.count=1")
				cmd.Env = append(os.Environ(), helperEnv+"="+string(js))
				cmd.Stdout, cmd.Stderr = &outs[p], &outs[p]
				require.NoError(t, cmd.Start())
				cmds[p] = cmd
			}
			for p, cmd := range cmds {
				assert.NoError(t, cmd.Wait(), "writer process %d:\n%s", p, outs[p].String())
			}

			want := spec.ids()
			if spec.MaxRecent > 0 {
				want = want[:spec.MaxRecent]
			}
			f, err := NewFile(spec.Dir)
			require.NoError(t, err)
			var got []string
			require.NoError(t, f.Recent(t.Context(), func(r Record) bool {
				assert.Equal(t, `{"id":"`+r.ID+`"}`, string(r.Data), "record %s", r.ID)
				got = append(got, r.ID)
				return true
			}))
			assert.Len(t, got, len(want), "records Recent lists")
			assert.Equal(t, want, got, "records Recent lists, newest first")
			for _, id := range want {
				r, err := f.Get(t.Context(), id)
				if assert.NoError(t, err, "Get(%s)", id) {
					assert.Equal(t, `{"id":"`+id+`"}`, string(r.Data), "Get(%s)", id)
				}
			}
			ents, err := os.ReadDir(spec.Dir)
			require.NoError(t, err)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			assert.Len(t, names, len(want), "directory entries (a temporary file left behind?): %v", names)
		})
	}
}

// TestFile_helperProcess is not a test: TestFile_processes runs it in child
// processes, each one writer.
func TestFile_helperProcess(t *testing.T) {
	js := os.Getenv(helperEnv)
	if js == "" {
		t.Skip("runs only as a child of TestFile_processes")
	}
	var s writerSpec
	require.NoError(t, json.Unmarshal([]byte(js), &s), "%s=%s", helperEnv, js)
	f, err := NewFile(s.Dir)
	require.NoError(t, err)
	f.MaxRecent = s.MaxRecent
	var wg sync.WaitGroup
	errs := make(chan error, s.Goroutines*s.Each)
	for g := range s.Goroutines {
		wg.Go(func() {
			for i := range s.Each {
				id := s.id(s.Process, g, i)
				errs <- f.Put(t.Context(), rec(id, s.start(id)))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}
