// Package report renders stored load runs for people and for machines: the
// tables of `loadreport recent`, `results` and `compare`, their JSON, and the
// comparison maths behind `compare`. It is shared by the standalone CLI, the
// command an app embeds and the dashboard, so it holds no flags, reads no
// environment and keeps no global state: colour and the clock come in through
// Options on every call.
package report

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fatih/color"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Options control how a report is rendered. The zero value renders without
// colour, relative to time.Now.
type Options struct {
	// Color turns on ANSI colour. Set it only when the output is a terminal
	// and NO_COLOR is unset; this package never looks at either.
	Color bool
	// Now is the clock for relative times ("5 minutes ago"). Default time.Now.
	Now func() time.Time
	// MaxErrors is how many error samples Results lists. Default 5; negative
	// lists none.
	MaxErrors int
}

// DefaultMaxErrors is how many error samples Results lists when
// Options.MaxErrors is 0.
const DefaultMaxErrors = 5

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

func (o Options) maxErrors() int {
	switch {
	case o.MaxErrors == 0:
		return DefaultMaxErrors
	case o.MaxErrors < 0:
		return 0
	}
	return o.MaxErrors
}

// JSON writes v as indented JSON followed by a newline, without HTML
// escaping, for --json output.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// palette paints strings when colour is on. Each call builds its own
// color.Color and enables or disables it explicitly, so the package-level
// color.NoColor is neither read nor written.
type palette struct{ on bool }

func (p palette) paint(s string, attrs ...color.Attribute) string {
	if !p.on || s == "" {
		return s
	}
	c := color.New(attrs...)
	c.EnableColor()
	return c.Sprint(s)
}

func (p palette) bold(s string) string   { return p.paint(s, color.Bold) }
func (p palette) faint(s string) string  { return p.paint(s, color.Faint) }
func (p palette) red(s string) string    { return p.paint(s, color.FgRed) }
func (p palette) green(s string) string  { return p.paint(s, color.FgGreen) }
func (p palette) yellow(s string) string { return p.paint(s, color.FgYellow) }

// method paints an HTTP method in its verb colour, as `list` does: GET blue,
// POST green, PUT yellow, PATCH magenta, DELETE red.
func (p palette) method(m string) string {
	switch strings.ToUpper(m) {
	case "GET":
		return p.paint(m, color.FgBlue)
	case "POST":
		return p.paint(m, color.FgGreen)
	case "PUT":
		return p.paint(m, color.FgYellow)
	case "PATCH":
		return p.paint(m, color.FgMagenta)
	case "DELETE":
		return p.paint(m, color.FgRed)
	}
	return m
}

// status paints a status label by class: 2xx and 3xx green, 4xx yellow, 5xx
// and "none" (no response) red.
func (p palette) status(code int, label string) string {
	switch {
	case code >= 200 && code < 400:
		return p.green(label)
	case code >= 400 && code < 500:
		return p.yellow(label)
	case code >= 500 || code == 0:
		return p.red(label)
	}
	return label
}

// table renders an aligned, borderless table: columns separated by two
// spaces, no rules, no trailing spaces. header may be nil.
func table(w io.Writer, header []string, rows [][]string) error {
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
	)
	if header != nil {
		t.Header(header)
	}
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := w.Write(trimLines(buf.Bytes()))
	return err
}

// sgr matches an ANSI SGR escape sequence (colour, bold, reset).
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// trimLines drops trailing spaces from every line, and the resets
// tablewriter appends after the padding of a cell that holds colour, when
// the line's attributes were reset already.
func trimLines(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(dropRedundantResets(l), " ")
	}
	return bytes.Join(lines, []byte("\n"))
}

func dropRedundantResets(line []byte) []byte {
	if !bytes.Contains(line, []byte("\x1b[")) {
		return line
	}
	isReset := func(seq []byte) bool {
		switch string(seq) {
		case "\x1b[0m", "\x1b[m", "\x1b[22m", "\x1b[39m":
			return true
		}
		return false
	}
	var out []byte
	clean := true // no attribute is on
	last := 0
	for _, loc := range sgr.FindAllIndex(line, -1) {
		seq := line[loc[0]:loc[1]]
		out = append(out, line[last:loc[0]]...)
		last = loc[1]
		if isReset(seq) {
			if clean {
				continue
			}
			clean = true
		} else {
			clean = false
		}
		out = append(out, seq...)
	}
	return append(out, line[last:]...)
}

// oneLine makes s fit on one line of at most n runes, for table cells,
// with control characters shown as clean does.
func oneLine(s string, n int) string {
	s = clean(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// clean makes a value read from a stored run safe to print on a terminal:
// control characters (escape sequences, newlines, tabs) and invalid UTF-8
// become U+FFFD, so a path or message cannot move the cursor, recolour the
// screen or break a table's layout.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}
