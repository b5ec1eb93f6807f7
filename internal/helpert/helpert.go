// Package helpert is what the assertion packages' own tests share: a test
// handle that reports where a failure would be shown, the way testing.T
// picks the line, so a test can check that every function on the way marks
// itself with Helper; and the hand-built Results they check (Health,
// Ticker), so package require's tests compare against package assert's on
// the same runs.
package helpert

import "runtime"

// T records, for each Errorf, the function a testing.T would report it
// in: the first caller not marked with Helper. Its zero value is ready to
// use; it is not safe for concurrent use.
type T struct {
	helpers map[string]bool
	// ReportedIn holds, for each Errorf, the function it reports in ("" if
	// every caller was a helper).
	ReportedIn []string
}

// Helper marks the calling function as a helper, as testing.T.Helper does.
func (h *T) Helper() {
	if h.helpers == nil {
		h.helpers = map[string]bool{}
	}
	var pc [1]uintptr
	runtime.Callers(2, pc[:])
	f, _ := runtime.CallersFrames(pc[:]).Next()
	h.helpers[f.Function] = true
}

// Errorf records the function the failure would be reported in.
func (h *T) Errorf(string, ...any) {
	var pc [50]uintptr
	n := runtime.Callers(2, pc[:])
	frames := runtime.CallersFrames(pc[:n])
	for {
		f, more := frames.Next()
		if !h.helpers[f.Function] {
			h.ReportedIn = append(h.ReportedIn, f.Function)
			return
		}
		if !more {
			h.ReportedIn = append(h.ReportedIn, "")
			return
		}
	}
}
