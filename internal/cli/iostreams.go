package cli

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// IOStreams are the streams a command reads and writes, and what is known
// about the terminal behind them. Commands never touch os.Stdout or
// os.Stderr: tests pass buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // the answer: tables, JSON
	ErrOut io.Writer // errors, warnings, hints
	// IsTTY is true when Out is a terminal.
	IsTTY bool
	// ErrTTY is true when ErrOut is a terminal: live progress is drawn
	// only then.
	ErrTTY bool
	// Color is true when Out may carry ANSI colour: a terminal, with
	// NO_COLOR unset.
	Color bool
}

// System returns the process's standard streams. Out is a TTY when stdout
// is a terminal (go-isatty); colour is on only then, and only when NO_COLOR
// is unset (or empty, as no-color.org says) and TERM is not "dumb".
func System() *IOStreams {
	return Streams(os.Stdin, os.Stdout, os.Stderr)
}

// Streams returns IOStreams over the given streams, detecting terminals
// among them when they are files (as System does for the standard ones).
func Streams(in io.Reader, out, errOut io.Writer) *IOStreams {
	tty := isTerminal(out)
	return &IOStreams{
		In:     in,
		Out:    out,
		ErrOut: errOut,
		IsTTY:  tty,
		ErrTTY: isTerminal(errOut),
		Color:  colorEnabled(tty, os.Getenv),
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// colorEnabled decides colour from whether the output is a terminal and
// the environment.
func colorEnabled(tty bool, getenv func(string) string) bool {
	return tty && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
