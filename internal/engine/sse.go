package engine

// sseScanner counts the events of a server-sent event stream (the WHATWG
// "text/event-stream" format) pushed to it in pieces of any size. It keeps
// a few bytes of state and never the events themselves: only enough of each
// line's field name to tell a "data" field from the others.
//
// An event is dispatched by a blank line after at least one data field, as
// a browser's EventSource dispatches it; event:, id: and retry: fields, and
// lines of unknown fields, alone dispatch nothing. Lines end with CRLF, LF or
// CR; a line starting with ':' is a comment; a byte order mark at the very
// start is skipped. Nothing is an error: a malformed line (a field with no
// meaning, a retry that is not a number) is skipped, as EventSource skips it,
// and an event cut short by the end of the stream is not counted.
//
// The zero value is ready for a new stream.
type sseScanner struct {
	name    [4]byte // the first bytes of the current line's field name
	n       int     // how many bytes of the field name were seen (may exceed len(name))
	inValue bool    // past the field name's ':' (or in a comment): skip to the line's end
	afterCR bool    // the last byte was a CR: an LF right after it ends the same line
	data    bool    // the event being read has a data field
	bom     int     // bytes of a leading byte order mark matched; -1 once past the start
}

var sseBOM = [3]byte{0xEF, 0xBB, 0xBF}

// reset makes s ready for a new stream.
func (s *sseScanner) reset() { *s = sseScanner{} }

// scan reads p, the next bytes of the stream, and returns how many events
// ended in it.
func (s *sseScanner) scan(p []byte) (events int) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if s.afterCR {
			s.afterCR = false
			if c == '\n' {
				continue
			}
		}
		if s.bom >= 0 {
			if c == sseBOM[s.bom] {
				if s.bom++; s.bom == len(sseBOM) {
					s.bom = -1
				}
				continue
			}
			// Not a byte order mark after all: the bytes matched so far
			// begin the first line's field name (which is then no "data").
			for k := range s.bom {
				s.nameByte(sseBOM[k])
			}
			s.bom = -1
		}
		switch c {
		case '\r':
			s.afterCR = true
			events += s.endLine()
		case '\n':
			events += s.endLine()
		case ':':
			s.inValue = true
		default:
			if s.inValue {
				// Skip the rest of the value at once.
				j := i + 1
				for j < len(p) && p[j] != '\r' && p[j] != '\n' {
					j++
				}
				i = j - 1
				continue
			}
			s.nameByte(c)
		}
	}
	return events
}

func (s *sseScanner) nameByte(c byte) {
	if s.n < len(s.name) {
		s.name[s.n] = c
	}
	s.n++
}

// endLine ends the current line and reports whether it dispatched an event.
func (s *sseScanner) endLine() int {
	if s.bom > 0 {
		for k := range s.bom {
			s.nameByte(sseBOM[k])
		}
	}
	s.bom = -1
	blank := s.n == 0 && !s.inValue
	isData := s.n == 4 && string(s.name[:]) == "data"
	s.n, s.inValue = 0, false
	switch {
	case blank:
		if s.data {
			s.data = false
			return 1
		}
	case isData:
		s.data = true
	}
	return 0
}
