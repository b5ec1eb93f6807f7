package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
)

// Fallback is a Backend that saves to Primary (typically Redis) and, when that
// fails, to Secondary (typically a file store), so that a run is never lost.
//
//   - Put tries Primary first, every time: when Redis comes back, saves go to
//     Redis again. When Primary fails, Put saves to Secondary instead and calls
//     Warn once with a message that says where the record went and why.
//   - Get tries Primary, then Secondary.
//   - Recent merges both, newest first, without duplicate ids. When one side
//     cannot be read, it reads the other alone and calls Warn once.
//
// Other than ErrNotFound and a cancelled ctx, errors come back only when both
// sides fail. A *Fallback is safe for concurrent use when Warn is. Close
// closes both sides.
type Fallback struct {
	// Primary is tried first. Required.
	Primary Backend
	// Secondary takes what Primary could not. Required.
	Secondary Backend
	// Warn receives one line per degraded call. Default: print it to stderr
	// with an "apiload: warning: " prefix.
	Warn func(msg string)
}

func (f *Fallback) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if f.Warn == nil {
		fmt.Fprintln(os.Stderr, "apiload: warning: "+msg)
		return
	}
	f.Warn(msg)
}

// Put saves rec to Primary or, when that fails, to Secondary with one warning.
// A cancelled ctx is returned as is, without trying Secondary.
func (f *Fallback) Put(ctx context.Context, rec Record) error {
	perr := f.Primary.Put(ctx, rec)
	if perr == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("store %s: %w", f.Primary, perr)
	}
	if serr := f.Secondary.Put(ctx, rec); serr != nil {
		return fmt.Errorf("store %s: %w; fallback store %s: %w", f.Primary, perr, f.Secondary, serr)
	}
	f.warn("store %s failed (%v); saved run %s to %s instead", f.Primary, perr, rec.ID, f.Secondary.Key(rec.ID))
	return nil
}

// Get returns id's record from Primary or else from Secondary. When Primary
// fails (not merely lacks id) and Secondary has the record, it warns; when
// neither has it, the error wraps ErrNotFound only if Primary answered.
func (f *Fallback) Get(ctx context.Context, id string) (Record, error) {
	rec, perr := f.Primary.Get(ctx, id)
	if perr == nil {
		return rec, nil
	}
	if ctx.Err() != nil {
		return Record{}, fmt.Errorf("store %s: %w", f.Primary, perr)
	}
	rec, serr := f.Secondary.Get(ctx, id)
	switch {
	case serr == nil:
		if !errors.Is(perr, ErrNotFound) {
			f.warn("store %s failed (%v); read run %s from %s", f.Primary, perr, id, f.Secondary.Key(id))
		}
		return rec, nil
	case errors.Is(perr, ErrNotFound) && errors.Is(serr, ErrNotFound):
		return Record{}, fmt.Errorf("%w (nor in %s)", perr, f.Secondary.Key(id))
	case errors.Is(serr, ErrNotFound):
		// Primary could not say: do not claim it is absent.
		return Record{}, fmt.Errorf("store %s: %w (and not in %s)", f.Primary, perr, f.Secondary.Key(id))
	default:
		return Record{}, fmt.Errorf("store %s: %w; fallback store %s: %w", f.Primary, perr, f.Secondary, serr)
	}
}

// pull turns b.Recent into a pull iterator; *err is set when it stops.
func pull(ctx context.Context, b Backend, err *error) (func() (Record, bool), func()) {
	return iter.Pull(func(yield func(Record) bool) { *err = b.Recent(ctx, yield) })
}

// newer reports whether a comes before b in Recent's order.
func newer(a, b Record) bool {
	if !a.StartedAt.Equal(b.StartedAt) {
		return a.StartedAt.After(b.StartedAt)
	}
	return a.ID > b.ID
}

// Recent calls fn with the live records of both sides, newest first, each id
// once. Both sides are read lazily, in step. When one side fails it warns and
// goes on with the other; it returns an error only when both fail.
func (f *Fallback) Recent(ctx context.Context, fn func(Record) bool) error {
	var perr, serr error
	pnext, pstop := pull(ctx, f.Primary, &perr)
	defer pstop()
	snext, sstop := pull(ctx, f.Secondary, &serr)
	defer sstop()

	p, pok := pnext()
	s, sok := snext()
	warned := false
	check := func() {
		if warned {
			return
		}
		switch {
		case perr != nil && serr != nil:
		case perr != nil:
			warned = true
			f.warn("store %s failed (%v); listing runs from %s only", f.Primary, perr, f.Secondary)
		case serr != nil:
			warned = true
			f.warn("fallback store %s failed (%v); listing runs from %s only", f.Secondary, serr, f.Primary)
		}
	}
	check()
	seen := make(map[string]bool)
	for pok || sok {
		var rec Record
		if pok && (!sok || newer(p, s)) {
			rec = p
			p, pok = pnext()
		} else {
			rec = s
			s, sok = snext()
		}
		check()
		if seen[rec.ID] {
			continue
		}
		seen[rec.ID] = true
		if !fn(rec) {
			return nil
		}
	}
	if perr != nil && serr != nil {
		return fmt.Errorf("store %s: %w; fallback store %s: %w", f.Primary, perr, f.Secondary, serr)
	}
	return nil
}

// IDs returns the ids that start with prefix on either side, each once.
// When one side fails it warns and answers from the other; it is an error
// only when both fail.
func (f *Fallback) IDs(ctx context.Context, prefix string) ([]string, error) {
	pids, perr := f.Primary.IDs(ctx, prefix)
	sids, serr := f.Secondary.IDs(ctx, prefix)
	switch {
	case perr != nil && serr != nil:
		return nil, fmt.Errorf("store %s: %w; fallback store %s: %w", f.Primary, perr, f.Secondary, serr)
	case perr != nil:
		f.warn("store %s failed (%v); listing runs from %s only", f.Primary, perr, f.Secondary)
	case serr != nil:
		f.warn("fallback store %s failed (%v); listing runs from %s only", f.Secondary, serr, f.Primary)
	}
	for _, id := range sids {
		if !slices.Contains(pids, id) {
			pids = append(pids, id)
		}
	}
	return pids, nil
}

// Key names both places id may be: "<primary key> (or <secondary key>)".
func (f *Fallback) Key(id string) string {
	return f.Primary.Key(id) + " (or " + f.Secondary.Key(id) + ")"
}

// String describes both sides, e.g.
// "redis://127.0.0.1:6379/0 (fallback file:///home/me/.cache/apiload)".
func (f *Fallback) String() string {
	return f.Primary.String() + " (fallback " + f.Secondary.String() + ")"
}

// Close closes both sides.
func (f *Fallback) Close() error {
	return errors.Join(f.Primary.Close(), f.Secondary.Close())
}
