package loadtesting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ShardedRun is a run split into shards (see Config.Shard) as read back
// from a Store by GetRun: the shards saved so far and their merge.
type ShardedRun struct {
	// Merged is Merge of Shards: the run as a whole, or as much of it as
	// has reported.
	Merged *Result
	// Shards are the shards' own Results, in shard order.
	Shards []*Result
	// Expected is how many shards the run has (Shard.Count).
	Expected int
}

// Partial reports whether fewer than Expected shards have reported.
func (r *ShardedRun) Partial() bool { return len(r.Shards) < r.Expected }

// MarshalJSON writes the merged Result's JSON with three more keys:
// "shards_expected" (Expected), "partial" (Partial) and "shards", every
// shard's own Result, histogram included.
func (r ShardedRun) MarshalJSON() ([]byte, error) {
	merged, err := json.Marshal(r.Merged)
	if err != nil {
		return nil, err
	}
	shards := r.Shards
	if shards == nil {
		shards = []*Result{}
	}
	list, err := json.Marshal(shards)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(bytes.TrimSuffix(merged, []byte("}")))
	fmt.Fprintf(&b, `,"shards_expected":%d,"partial":%t,"shards":`, r.Expected, r.Partial())
	b.Write(list)
	b.WriteByte('}')
	return b.Bytes(), nil
}

// shardLister is a Store that lists the ids it holds with a prefix.
type shardLister interface {
	shardIDs(ctx context.Context, prefix string) ([]string, error)
}

func (s *backendStore) shardIDs(ctx context.Context, prefix string) ([]string, error) {
	return s.backend(ctx).IDs(ctx, prefix)
}

// GetRun reads the shards of run runID saved in st (the Results with ids
// ShardID(runID, i)) and merges them. A run is partial until all its
// shards have reported. The error wraps ErrNotFound when no shard of the
// run is saved (or runID cannot be a run id), and is Merge's when the
// shards do not belong together.
//
// The stores of OpenStore and DefaultStore list the run's ids in one go
// (the file store reads its directory, Redis SCANs its keys). Another
// Store is asked for ShardID(runID, i) for each i until a shard says how
// many there are, up to MaxShards.
func GetRun(ctx context.Context, st Store, runID string) (*ShardedRun, error) {
	if !runIDRE.MatchString(runID) {
		return nil, fmt.Errorf("run %q: %w (not a run id: 1 to 64 letters, digits, '-' or '_')", runID, ErrNotFound)
	}
	var shards []*Result
	var err error
	if l, ok := st.(shardLister); ok {
		shards, err = listedShards(ctx, st, l, runID)
	} else {
		shards, err = probedShards(ctx, st, runID)
	}
	if err != nil {
		return nil, err
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("run %s: %w (no shard of it is saved; results expire after 24h)", runID, ErrNotFound)
	}
	for _, s := range shards {
		if s.RunID != runID || s.Shard == nil {
			return nil, fmt.Errorf("run %s: result %s is not one of its shards", runID, s.ID)
		}
	}
	slices.SortFunc(shards, func(a, b *Result) int { return a.Shard.Index - b.Shard.Index })
	merged, err := Merge(shards...)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", runID, err)
	}
	return &ShardedRun{Merged: merged, Shards: shards, Expected: shards[0].Shard.Count}, nil
}

// listedShards gets the shards whose ids l lists. A shard that expires
// between the listing and the read is left out.
func listedShards(ctx context.Context, st Store, l shardLister, runID string) ([]*Result, error) {
	ids, err := l.shardIDs(ctx, runID+".")
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", runID, err)
	}
	var shards []*Result
	for _, id := range ids {
		n, err := strconv.Atoi(strings.TrimPrefix(id, runID+"."))
		if err != nil || ShardID(runID, n) != id {
			continue // another run's id that starts alike ("R.x")
		}
		r, err := st.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		shards = append(shards, r)
	}
	return shards, nil
}

// probedShards gets ShardID(runID, i) for i from 0 until the count a shard
// records, or MaxShards.
func probedShards(ctx context.Context, st Store, runID string) ([]*Result, error) {
	var shards []*Result
	limit := MaxShards
	for i := 0; i < limit; i++ {
		r, err := st.Get(ctx, ShardID(runID, i))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(shards) == 0 && r.Shard != nil && r.Shard.Count > 0 && r.Shard.Count < limit {
			limit = r.Shard.Count
		}
		shards = append(shards, r)
	}
	return shards, nil
}

// Find returns the run with the given id: the Result saved in st under id,
// or else, when id is the run id of a run split into shards, the merge of
// its shards saved so far (GetRun's Merged, whose ID is the run id; it
// may be partial). It is how the reports, compare and the dashboard read a
// run, so that a merged run reads like any other. The error is Get's,
// wrapping ErrNotFound, when neither exists.
func Find(ctx context.Context, st Store, id string) (*Result, error) {
	r, err := st.Get(ctx, id)
	if !errors.Is(err, ErrNotFound) {
		return r, err
	}
	run, rerr := GetRun(ctx, st, id)
	switch {
	case rerr == nil:
		return run.Merged, nil
	case errors.Is(rerr, ErrNotFound):
		return nil, err
	}
	return nil, rerr
}

// CombineShards returns runs, a list of Results such as Store.Recent gives,
// with the shards of each run split into shards replaced by one Result:
// their merge (GetRun's Merged, all the run's saved shards, not only those
// listed), where the run's first listed shard was. Other Results, and a
// shard whose run cannot be read back, are kept as they are. runs is not
// modified. The list may be shorter than runs.
func CombineShards(ctx context.Context, st Store, runs []*Result) []*Result {
	out := make([]*Result, 0, len(runs))
	seen := map[string]bool{}
	for _, r := range runs {
		if r == nil || r.RunID == "" || r.Shard == nil {
			out = append(out, r)
			continue
		}
		if seen[r.RunID] {
			continue
		}
		seen[r.RunID] = true
		run, err := GetRun(ctx, st, r.RunID)
		if err != nil {
			out = append(out, r)
			continue
		}
		out = append(out, run.Merged)
	}
	return out
}
