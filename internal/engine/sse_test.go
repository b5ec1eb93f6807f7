package engine

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// sseReference counts the events of a whole event stream the plain way,
// following the WHATWG algorithm word for word: split into lines at CRLF,
// LF or CR, dispatch at a blank line when a data field came. The scanner
// must agree with it however the stream is cut into pieces.
func sseReference(stream []byte) int {
	stream = bytes.TrimPrefix(stream, []byte("\xEF\xBB\xBF"))
	var events int
	var data bool
	for len(stream) > 0 {
		i := bytes.IndexAny(stream, "\r\n")
		if i < 0 {
			break // a last line with no end is never processed
		}
		line := stream[:i]
		if stream[i] == '\r' && i+1 < len(stream) && stream[i+1] == '\n' {
			i++
		}
		stream = stream[i+1:]
		switch {
		case len(line) == 0:
			if data {
				events++
			}
			data = false
		case line[0] == ':':
		default:
			field, _, _ := bytes.Cut(line, []byte(":"))
			if string(field) == "data" {
				data = true
			}
		}
	}
	return events
}

// sseSeeds are event streams, well-formed and not.
var sseSeeds = []string{
	"data: 1\n\ndata: 2\n\n",
	"data: a\r\ndata: b\r\n\r\n",
	"data: cr\r\rdata: only\r\r",
	": comment\n\ndata\n\n",
	"event: tick\nid: 7\nretry: 10\n\n", // no data: no event
	"retry: soon\ngarbage line\ndata:x\n\n",
	"\xEF\xBB\xBFdata: after a byte order mark\n\n",
	"\xEF\xBBdata: half a mark\n\n",
	"data: cut short by the end",
	"datum: 1\n\ndat\n\ndata2: 2\n\n data: 3\n\n",
	"data: \x00\xff binary \r\n\r\n\n\n",
	":\n:\n\n",
}

func TestSSEScanner(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   int
	}{
		{"LF", "data: 1\n\ndata: 2\n\n", 2},
		{"CRLF", "data: a\r\ndata: b\r\n\r\n", 1},
		{"CR", "data: cr\r\rdata: only\r\r", 2},
		{"mixed line ends", "data: 1\r\n\ndata: 2\r\rdata: 3\n\r", 3},
		{"comments are ignored", ": hello\n: world\n\ndata: x\n: within\n\n", 1},
		{"an empty data field is an event", "data\n\ndata:\n\n", 2},
		{"fields without data dispatch nothing", "event: tick\nid: 7\nretry: 10\n\n", 0},
		{"malformed lines are skipped", "retry: soon\ngarbage\nno colon here\ndata: ok\n\n", 1},
		{"field names are exact", "datum: 1\n\ndat\n\ndata2: 2\n\n data: 3\n\nDATA: 4\n\n", 0},
		{"blank lines without an event", "\n\n\r\n\r\r", 0},
		{"an event cut short is not counted", "data: 1\n\ndata: 2\n", 1},
		{"a byte order mark is skipped", "\xEF\xBB\xBFdata: 1\n\n", 1},
		{"half a byte order mark is a field name", "\xEF\xBBdata: 1\n\n", 0},
		{"a colon in the value", "data: a: b: c\n\n", 1},
		{"a long value", "data: " + strings.Repeat("x", 1<<20) + "\n\n", 1},
		{"many events", strings.Repeat("data: x\n\n", 1000), 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sseReference([]byte(tt.stream)), "the reference disagrees with the row")
			for _, size := range []int{len(tt.stream), 1, 2, 3, 7} {
				var s sseScanner
				got := 0
				for p := []byte(tt.stream); len(p) > 0; {
					n := min(size, len(p))
					got += s.scan(p[:n])
					p = p[n:]
				}
				assert.Equal(t, tt.want, got, "pieces of %d bytes", size)
			}
		})
	}
}

// FuzzSSEScanner checks the scanner against sseReference, fed whole and
// cut at two points the fuzzer picks.
func FuzzSSEScanner(f *testing.F) {
	for _, s := range sseSeeds {
		f.Add([]byte(s), uint16(1), uint16(5))
	}
	f.Fuzz(func(t *testing.T, stream []byte, a, b uint16) {
		want := sseReference(stream)
		var whole sseScanner
		if got := whole.scan(stream); got != want {
			t.Fatalf("scan(%q) = %d events, want %d", stream, got, want)
		}
		i, j := int(a)%(len(stream)+1), int(b)%(len(stream)+1)
		i, j = min(i, j), max(i, j)
		var cut sseScanner
		if got := cut.scan(stream[:i]) + cut.scan(stream[i:j]) + cut.scan(stream[j:]); got != want {
			t.Fatalf("scan(%q) cut at %d and %d = %d events, want %d", stream, i, j, got, want)
		}
	})
}

func TestIsEventStream(t *testing.T) {
	tests := []struct {
		contentType string
		want        bool
	}{
		{"text/event-stream", true},
		{"text/event-stream; charset=utf-8", true},
		{"Text/Event-Stream ;charset=utf-8", true},
		{"  text/event-stream  ", true},
		{"", false},
		{"text/plain", false},
		{"text/event-streams", false},
		{"text/event-stream-x", false},
		{"application/text/event-stream", false},
		{"text/event", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			assert.Equal(t, tt.want, isEventStream(tt.contentType), "as a string")
			assert.Equal(t, tt.want, isEventStream([]byte(tt.contentType)), "as bytes")
		})
	}
}
