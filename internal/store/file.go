package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File is a Backend in a directory, with the semantics of Redis: one file per
// record holding its Data, named
//
//	<Prefix>.<StartedAt as 20060102T150405.000000000Z in UTC>.<id>.json
//
// so that a directory listing, sorted by name, is the recent index. A record is
// written to a temporary file in the same directory and renamed into place, so
// readers never see half a file and several processes can save at once without
// a shared index or a lock. The file's modification time is its save time: a
// record older than TTL is treated as absent and deleted when met. Every Put
// deletes the record's older versions, expired records, and the oldest records
// beyond MaxRecent.
//
// Set the fields before first use, not after; a *File is then safe for
// concurrent use.
type File struct {
	// Prefix starts every file name. Default DefaultPrefix.
	Prefix string
	// TTL is how long a record is kept after it is saved. Zero or negative means
	// DefaultTTL.
	TTL time.Duration
	// MaxRecent is how many of the newest records the directory keeps. Zero or
	// negative means DefaultMaxRecent.
	MaxRecent int
	// Now is the clock used to stamp saves and to judge expiry. Default time.Now.
	Now func() time.Time

	dir string
}

// stampLayout encodes StartedAt in file names: fixed width, so names sort by time.
const stampLayout = "20060102T150405.000000000Z"

// NewFile returns a File backend in dir with the default Prefix, TTL and
// MaxRecent, creating dir (mode 0700) if it does not exist. The error of a
// directory that cannot be created names it and says why, e.g.
// "directory /a/f/apiload cannot be created: mkdir /a/f: not a directory".
func NewFile(dir string) (*File, error) {
	if dir == "" {
		return nil, errors.New("file store: empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("directory %s cannot be created: %w", dir, err)
	}
	return &File{dir: dir}, nil
}

func (f *File) prefix() string {
	if f.Prefix == "" {
		return DefaultPrefix
	}
	return f.Prefix
}

func (f *File) ttl() time.Duration {
	if f.TTL <= 0 {
		return DefaultTTL
	}
	return f.TTL
}

func (f *File) maxRecent() int {
	if f.MaxRecent <= 0 {
		return DefaultMaxRecent
	}
	return f.MaxRecent
}

func (f *File) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

// String describes the store as a URL, e.g. "file:///home/me/.cache/apiload".
func (f *File) String() string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(f.dir)}).String()
}

// Close does nothing: a File holds no open files between calls.
func (f *File) Close() error { return nil }

// Key returns the path of id's file when there is one, else the pattern its
// file would match: "<dir>/<Prefix>.*.<id>.json".
func (f *File) Key(id string) string {
	if checkID(id) == nil {
		if ents, err := f.list(); err == nil {
			for i := len(ents) - 1; i >= 0; i-- {
				if ents[i].id == id {
					return filepath.Join(f.dir, ents[i].name)
				}
			}
		}
	}
	return filepath.Join(f.dir, f.prefix()+".*."+id+".json")
}

// checkID rejects ids that cannot be part of one file name.
func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("empty id")
	case strings.ContainsAny(id, `/\`+"\x00"), strings.Contains(id, ".."):
		return fmt.Errorf("id %q: must not contain a path separator or \"..\"", id)
	}
	return nil
}

// entry is one record file found in the directory.
type entry struct {
	name      string
	id        string
	startedAt time.Time
	d         fs.DirEntry
}

// list returns the record files of Prefix, oldest first (by StartedAt, then id).
// A missing directory lists as empty. Other files are ignored.
func (f *File) list() ([]entry, error) {
	des, err := os.ReadDir(f.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p := f.prefix() + "."
	ents := make([]entry, 0, len(des))
	for _, d := range des { // sorted by name, so by StartedAt then id
		name := d.Name()
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		rest, ok = strings.CutSuffix(rest, ".json")
		if !ok || len(rest) < len(stampLayout)+2 || rest[len(stampLayout)] != '.' {
			continue
		}
		t, err := time.Parse(stampLayout, rest[:len(stampLayout)])
		if err != nil {
			continue
		}
		ents = append(ents, entry{name: name, id: rest[len(stampLayout)+1:], startedAt: t, d: d})
	}
	return ents, nil
}

// expired reports whether e was saved more than TTL ago. A file that vanished
// counts as expired.
func (f *File) expired(e entry, now time.Time) bool {
	info, err := e.d.Info()
	if err != nil {
		return true
	}
	return now.Sub(info.ModTime()) >= f.ttl()
}

// remove deletes a record file; one already gone is fine (another process won).
func (f *File) remove(name string) error {
	err := os.Remove(filepath.Join(f.dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// read returns e's record, or ErrNotFound when its file vanished meanwhile.
func (f *File) read(e entry) (Record, error) {
	data, err := os.ReadFile(filepath.Join(f.dir, e.name))
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, fmt.Errorf("%s: %w", filepath.Join(f.dir, e.name), ErrNotFound)
	}
	if err != nil {
		return Record{}, err
	}
	return Record{ID: e.id, StartedAt: e.startedAt, Data: data}, nil
}

// Put writes rec to a temporary file, stamps it with the save time and renames
// it into place; then it deletes older versions of rec, expired records and the
// oldest records beyond MaxRecent.
func (f *File) Put(ctx context.Context, rec Record) error {
	if err := checkID(rec.ID); err != nil {
		return fmt.Errorf("put: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", rec.ID, err)
	}
	if y := rec.StartedAt.UTC().Year(); y < 0 || y > 9999 {
		// The stamp would not be fixed-width: list could not read the name
		// back, so the record would be neither found nor ever trimmed.
		return fmt.Errorf("put %s: start time %s: the file store keeps years 0 to 9999", rec.ID, rec.StartedAt.UTC().Format(time.RFC3339))
	}
	name := f.prefix() + "." + rec.StartedAt.UTC().Format(stampLayout) + "." + rec.ID + ".json"
	path := filepath.Join(f.dir, name)
	now := f.now()
	if err := f.write(path, rec.Data, now); err != nil {
		return fmt.Errorf("put %s: %w", path, err)
	}
	if err := f.trim(rec.ID, name, now); err != nil {
		return fmt.Errorf("put %s: trim %s: %w", path, f.dir, err)
	}
	return nil
}

// write creates path atomically with data and modification time now.
func (f *File) write(path string, data []byte, now time.Time) (err error) {
	tmp, err := os.CreateTemp(f.dir, ".tmp-*")
	if errors.Is(err, fs.ErrNotExist) { // the directory was removed: make it again
		if err = os.MkdirAll(f.dir, 0o700); err == nil {
			tmp, err = os.CreateTemp(f.dir, ".tmp-*")
		}
	}
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chtimes(tmp.Name(), now, now); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// trim deletes other versions of id, expired records, and the oldest records
// beyond MaxRecent. Concurrent trims may race to delete the same file; the loser
// ignores it.
func (f *File) trim(id, keep string, now time.Time) error {
	ents, err := f.list()
	if err != nil {
		return err
	}
	live := ents[:0]
	var errs []error
	for _, e := range ents {
		if e.name != keep && (e.id == id || f.expired(e, now)) {
			errs = append(errs, f.remove(e.name))
			continue
		}
		live = append(live, e)
	}
	for _, e := range live[:max(0, len(live)-f.maxRecent())] {
		errs = append(errs, f.remove(e.name))
	}
	return errors.Join(errs...)
}

// Get returns the record for id. The error wraps ErrNotFound when there is no
// file for id or it expired (an expired file is deleted).
func (f *File) Get(ctx context.Context, id string) (Record, error) {
	if err := checkID(id); err != nil {
		return Record{}, fmt.Errorf("get: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Record{}, fmt.Errorf("get %s: %w", id, err)
	}
	ents, err := f.list()
	if err != nil {
		return Record{}, fmt.Errorf("get %s: %w", id, err)
	}
	now := f.now()
	for i := len(ents) - 1; i >= 0; i-- {
		e := ents[i]
		if e.id != id {
			continue
		}
		if f.expired(e, now) {
			_ = f.remove(e.name)
			break
		}
		rec, err := f.read(e)
		if errors.Is(err, ErrNotFound) {
			continue // trimmed or replaced meanwhile: an older version may remain
		}
		if err != nil {
			return Record{}, fmt.Errorf("get %s: %w", id, err)
		}
		return rec, nil
	}
	return Record{}, fmt.Errorf("%s: %w", f.Key(id), ErrNotFound)
}

// IDs returns the ids of the live records that start with prefix. It reads
// the directory once and no record.
func (f *File) IDs(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ids %q: %w", prefix, err)
	}
	ents, err := f.list()
	if err != nil {
		return nil, fmt.Errorf("ids %q: %w", prefix, err)
	}
	now := f.now()
	var ids []string
	for _, e := range ents {
		if strings.HasPrefix(e.id, prefix) && !f.expired(e, now) && !slices.Contains(ids, e.id) {
			ids = append(ids, e.id)
		}
	}
	return ids, nil
}

// Recent calls fn with live records newest first, reading one file at a time.
// Expired files are deleted as they are met.
func (f *File) Recent(ctx context.Context, fn func(Record) bool) error {
	ents, err := f.list()
	if err != nil {
		return fmt.Errorf("recent: %w", err)
	}
	now := f.now()
	seen := make(map[string]bool) // a concurrent Put may briefly leave two versions of an id
	for i := len(ents) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("recent %s: %w", f.dir, err)
		}
		e := ents[i]
		if seen[e.id] {
			continue
		}
		if f.expired(e, now) {
			if err := f.remove(e.name); err != nil {
				return fmt.Errorf("recent: %w", err)
			}
			continue
		}
		rec, err := f.read(e)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("recent: %w", err)
		}
		seen[e.id] = true
		if !fn(rec) {
			return nil
		}
	}
	return nil
}
