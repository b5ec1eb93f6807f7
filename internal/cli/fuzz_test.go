package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/secret"

	"github.com/apiload/apiload/loadtesting"
)

// The fuzz tests below run their seeds with every `go test`; to search for
// new inputs, run one at a time, e.g.
//
//	go test -run '^$' -fuzz FuzzSplitHeader -fuzztime 20s ./internal/cli
//
// This file is in package cli for the unexported parsers; the package's
// TestMain (goleak) lives in package cli_test and covers these tests too.

// FuzzRunFlags parses arbitrary command lines (arguments separated by
// NUL, which no real argument holds) with `run`: loadreport's `run URL`,
// or an app's `run PATH` when app is true. --payload-file always names a
// temporary file holding payload, never a path from the input. Parsing
// must not panic; misuse exits 2 with "Error: ..." and one line of help,
// never 1 (which means an operational failure) and never the full usage;
// and flags that pass the CLI's checks make a Config that loadtesting
// accepts, so a run never fails later on something the flags could have
// named.
func FuzzRunFlags(f *testing.F) {
	for _, s := range []struct {
		args    string
		app     bool
		payload string
	}{
		{"http://127.0.0.1:8000/health/\x00-n\x0010000\x00-c\x0050", false, ""},
		{"http://127.0.0.1:8000/api/v1/tasks/status/{task_id}\x00-p\x00task_id=abc-123", false, ""},
		{"http://127.0.0.1:8000/api/v1/tasks/status/{task_id}", false, ""},
		{"http://127.0.0.1:8000/enqueue\x00-m\x00POST\x00--payload\x00{\"queue\": \"load_test\"}", false, ""},
		{"http://127.0.0.1:8000/enqueue\x00--payload-file\x00x.jsonl", false, "{\"n\":1}\n{\"n\":2}\n"},
		{"http://127.0.0.1:8000/enqueue\x00--payload-file=x.json\x00--payload\x00{}", false, "{}"},
		{"http://u:p@127.0.0.1:8000/?q=1&token=t\x00--query\x00a=b\x00-H\x00Authorization: Bearer t", false, ""},
		{"http://127.0.0.1:8000/\x00--duration\x0030s\x00--rate\x00500\x00--json", false, ""},
		{"http://127.0.0.1:8000/\x00--rate\x00-1\x00--timeout\x000s\x00--expect-status\x00200,999", false, ""},
		{"ftp://127.0.0.1/\x00-n\x000\x00-c\x00-1", false, ""},
		{"/health/\x00--in-process\x00-n\x00500", true, ""},
		{"/events\x00--in-process\x00--stream-for\x002s\x00--stream-events\x0010", true, ""},
		{"http://127.0.0.1:8000/events\x00--stream-for\x00-1s\x00--stream-events\x000", false, ""},
		{"http://127.0.0.1:8000/events\x00--stream-events=3\x00--timeout\x00100ms", false, ""},
		{"/health/\x00--in-process\x00--base-url\x00http://127.0.0.1:8000", true, ""},
		{"/api/v1/users/me\x00--auth-as\x00alice@example.com\x00--base-url\x00http://127.0.0.1:1", true, ""},
		{"health\x00--base-url\x00127.0.0.1:8000", true, ""},
		{"/a\x00--in-process\x00--header\x00X-A: 1\r\nX-B: 2\x00-m\x00GE T", true, ""},
		{"/a\x00--in-process\x00--help", true, ""},
		{"--in-process\x00--\x00/a\x00/b", true, ""},
		{"", false, ""},
	} {
		f.Add(s.args, s.app, []byte(s.payload))
	}
	handler := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	f.Fuzz(func(t *testing.T, line string, app bool, payload []byte) {
		args := strings.Split(line, "\x00")
		if line == "" {
			args = []string{}
		}
		path := filepath.Join(t.TempDir(), "payload")
		require.NoError(t, os.WriteFile(path, payload, 0o600))
		for i, a := range args {
			switch {
			case a == "--payload-file" && i+1 < len(args):
				args[i+1] = path
			case strings.HasPrefix(a, "--payload-file="):
				args[i] = "--payload-file=" + path
			}
		}

		var out, errOut bytes.Buffer
		ios := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		var (
			called bool
			cfg    loadtesting.Config
		)
		runF := func(_ context.Context, o *RunOptions) error {
			called = true
			var err error
			cfg, err = o.config()
			return err
		}
		var cmd *cobra.Command
		if app {
			target := RunTarget{Handler: handler, DefaultBaseURL: "http://127.0.0.1:8000",
				AuthAs: func(string, loadtesting.Config) func(context.Context) (http.Header, error) {
					return func(context.Context) (http.Header, error) { return nil, errors.New("not called by runF") }
				}}
			cmd = NewAppRunCmd(&App{IO: ios}, target, runF)
		} else {
			cmd = NewRunCmd(&App{IO: ios}, runF)
		}
		code := Execute(t.Context(), cmd, args, ios)

		switch code {
		case ExitOK:
			if !called {
				return // --help
			}
			h := http.Handler(handler)
			if cfg.BaseURL != "" || !app {
				h = nil
			}
			require.NoError(t, cfg.Validate(h), "run %q: the flags passed, but loadtesting refuses the Config", args)
		case ExitUsage:
			msg := errOut.String()
			help := "Run '" + cmd.CommandPath() + " --help' for usage.\n"
			require.True(t, strings.HasPrefix(msg, "Error: "), "run %q: exit 2 with stderr %q, want \"Error: ...\" and then %q", args, msg, help)
			require.True(t, strings.HasSuffix(msg, help), "run %q: exit 2 with stderr %q, want \"Error: ...\" and then %q", args, msg, help)
			require.NotContains(t, msg, "Usage:", "run %q: exit 2 printed the full usage", args)
		default:
			require.Failf(t, "exit code", "run %q: exit %d, want 0 or 2 (nothing operational happens while parsing); stderr %q", args, code, errOut.String())
		}
	})
}

// FuzzSplitHeader checks --header parsing: "Key=Value" or "Key: Value",
// split at whichever separator comes first. A header it accepts has a key
// with no separator and no blank in it, a trimmed value, and parses back
// the same when written either way; a sensitive header's value never shows
// in the text an error would print.
func FuzzSplitHeader(f *testing.F) {
	for _, s := range []string{
		"Authorization=Bearer abc", "Authorization: Bearer a=b:c", "X-Token:abc", "Accept = application/json",
		"=v", ":v", "k=", "k", "", "  k  :  v  ", "a b=c", "a\tb: c", "Cookie: a=1; b=2",
		"x-api-key=k3y", "X-Secret-Thing: s3cr3t", "k=v\r\nX-Injected: 1",
		"Authorization Bearer s3cr3t", "X Token: s3cr3t", " Cookie\tsid=s3cr3t",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, v, ok := splitHeader(s)
		shown := redactFlagHeader(s) // what a usage error prints
		if !ok {
			assert.Empty(t, k, "splitHeader(%q) refused: want an empty key", s)
			assert.Empty(t, v, "splitHeader(%q) refused: want an empty value", s)
			// A refused header is printed with its value hidden when its
			// name (before ':' or '=', or else the first word) is sensitive.
			ts := strings.TrimSpace(s)
			end := strings.IndexAny(ts, ":=")
			if end < 0 {
				end = strings.IndexAny(ts, " \t")
			}
			if end >= 0 {
				name, rest := strings.TrimSpace(ts[:end]), strings.TrimSpace(ts[end+1:])
				if secret.IsName(name) && len(rest) >= 3 && !strings.Contains(name+"=[redacted]", rest) {
					assert.NotContains(t, shown, rest, "redactFlagHeader(%q) shows the value of %q", s, name)
				}
			}
			return
		}
		require.NotEmpty(t, k, "splitHeader(%q) = key %q, value %q", s, k, v)
		require.False(t, strings.ContainsAny(k, ":= \t"), "splitHeader(%q) = key %q, value %q", s, k, v)
		require.Equal(t, strings.TrimSpace(k), k, "splitHeader(%q): key not trimmed", s)
		require.Equal(t, strings.TrimSpace(v), v, "splitHeader(%q): value not trimmed", s)
		for _, again := range []string{k + "=" + v, k + ": " + v, k + ":" + v} {
			k2, v2, ok2 := splitHeader(again)
			assert.True(t, ok2, "splitHeader(%q) refused; want %q, %q as from %q", again, k, v, s)
			assert.Equal(t, k, k2, "splitHeader(%q) key, as from %q", again, s)
			assert.Equal(t, v, v2, "splitHeader(%q) value, as from %q", again, s)
		}
		if secret.IsName(k) && len(v) >= 3 && !strings.Contains(k+"=[redacted]", v) {
			assert.NotContains(t, shown, v, "redactFlagHeader(%q) shows the value of %q", s, k)
		}
	})
}

// TestSplitHeader_rejectsNonTokens: the HTTP/1.1 client writes header
// names to the wire as they are, so --header must refuse names that are not
// HTTP tokens (and values with CR/LF).
func TestSplitHeader_rejectsNonTokens(t *testing.T) {
	for _, s := range []string{"X-A: 1\r\nX-Injected=1", "X(A)=1", "X-A\x00=1"} {
		_, _, ok := splitHeader(s)
		assert.False(t, ok, "splitHeader(%q) accepted a name that is not an HTTP token", s)
	}
}

// FuzzPairs checks the name=value parser behind --path-param and --query:
// each input either adds exactly one value under its trimmed name or gives
// one problem that names the flag and quotes the input.
func FuzzPairs(f *testing.F) {
	for _, s := range []string{"task_id=abc-123", "a=", "=b", "a", "", " a =b", "a=b=c", "a\x00=b", "a=b\nc"} {
		f.Add(s, "x=1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		vals := []string{a, b}
		out, probs := pairs("--query", vals)
		n := 0
		for _, vs := range out {
			n += len(vs)
		}
		require.Equal(t, len(vals), n+len(probs), "pairs(%q) = %v with problems %q: want one value or one problem per input", vals, out, probs)
		bad := 0
		for _, v := range vals {
			k, val, ok := strings.Cut(v, "=")
			if !ok || strings.TrimSpace(k) == "" {
				if assert.Less(t, bad, len(probs), "pairs(%q): no problem for %q; got %q", vals, v, probs) {
					assert.Contains(t, probs[bad], "--query "+strconv.Quote(v), "pairs(%q): problem for %q should name --query and quote it", vals, v)
				}
				bad++
				continue
			}
			assert.Contains(t, out[strings.TrimSpace(k)], val, "pairs(%q) = %v: lost %q=%q", vals, out, strings.TrimSpace(k), val)
		}
	})
}

// FuzzValidJSON checks --payload and --payload-file: validJSON accepts one
// JSON document, as json.Valid judges it, and nothing else; readPayloadFile
// returns a valid document, or the valid non-blank lines of a JSON Lines
// file in order, or an error that names the line it stopped at.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{
		`{"queue": "load_test", "task": "ping"}`, `[1, 2]`, `"x"`, `1`, `null`, ``, ` `, `{`, `{} {}`, `1 2`,
		"{\"a\":1}\n{\"a\":2}\n", "{\"a\":1}\n\n  {\"a\":2}  \n", "{\"a\":1}\n{\"a\":\n", "\xef\xbb\xbf{}",
		"{\n  \"pretty\": true\n}\n", "{\n  \"pretty\": tru\n}\n", `{"a":1}}`, `{"n": 1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := validJSON(b)
		require.Equal(t, json.Valid(b), err == nil, "validJSON(%q) = %v; whether it is one JSON document (want) and whether validJSON accepts it (got)", b, err)

		path := filepath.Join(t.TempDir(), "payload.json")
		require.NoError(t, os.WriteFile(path, b, 0o600))
		body, lines, err := readPayloadFile(path)
		if err != nil {
			assert.NotContains(t, err.Error(), path, "readPayloadFile error repeats the path (the caller names it)")
			return
		}
		if body != nil {
			require.Nil(t, lines, "readPayloadFile(%q) = body %q and %d lines, want the file as one body", b, body, len(lines))
			require.Equal(t, string(b), string(body), "readPayloadFile(%q): want the file as one body", b)
			require.True(t, json.Valid(body), "readPayloadFile(%q) accepted an invalid document", b)
			return
		}
		var want [][]byte
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
				want = append(want, l)
			}
		}
		require.NotEmpty(t, lines, "readPayloadFile(%q): no lines", b)
		require.Len(t, lines, len(want), "readPayloadFile(%q): want the %d non-blank lines", b, len(want))
		for i, l := range lines {
			require.Equal(t, string(want[i]), string(l), "readPayloadFile(%q) line %d", b, i+1)
			require.True(t, json.Valid(l), "readPayloadFile(%q) line %d = %q, want valid", b, i+1, l)
		}
	})
}

// FuzzParseRatio checks --max-regression: a value it accepts is a finite,
// non-negative ratio that PercentText prints back to the same ratio; a
// refused one is an error, never a panic.
func FuzzParseRatio(f *testing.F) {
	for _, s := range []string{"10%", "0.1", "0", "1", "2.5 %", "10", "-1%", "", "%", "ten", "Inf", "NaN%", "1e308%", "0x1p-2", "1_0%", " 5 % "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseRatio(s)
		if err != nil {
			assert.NotEmpty(t, err.Error(), "parseRatio(%q): empty error", s)
			return
		}
		require.False(t, math.IsNaN(v), "parseRatio(%q) = %v", s, v)
		require.False(t, math.IsInf(v, 0), "parseRatio(%q) = %v", s, v)
		require.GreaterOrEqual(t, v, 0.0, "parseRatio(%q)", s)
		back, err := parseRatio(percentTextFor(v))
		if assert.NoError(t, err, "parseRatio(%q) = %v, printed %q, read back", s, v, percentTextFor(v)) {
			assert.InDelta(t, v, back, 1e-6*math.Max(1, v), "parseRatio(%q) = %v, printed %q, read back", s, v, percentTextFor(v))
		}
	})
}

// percentTextFor is how compare prints the flag's value (ratioValue.String).
func percentTextFor(v float64) string { r := ratioValue(v); return r.String() }

// FuzzCheckServeAddr checks serve's --addr: no panic, and every refusal is
// a usage error that quotes the address; without a token only loopback
// addresses pass.
func FuzzCheckServeAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8089", "localhost:0", "[::1]:80", "0.0.0.0:8089", ":8089", "host", "h:99999", "h:-1", "[::1", "LOCALHOST:1", "127.1.2.3:1", "example.com:80"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, addr string, withToken bool) {
		token := ""
		if withToken {
			token = "0123456789abcdef0123"
		}
		err := checkServeAddr(addr, token)
		if err == nil {
			if !withToken {
				host, _, serr := net.SplitHostPort(addr)
				if assert.NoError(t, serr, "checkServeAddr(%q) without a token accepted an address with no host", addr) {
					assert.True(t, isLoopback(host), "checkServeAddr(%q) without a token accepted a non-loopback host %q", addr, host)
				}
			}
			return
		}
		var ue *UsageError
		assert.ErrorAs(t, err, &ue, "checkServeAddr(%q): want a *UsageError", addr)
		assert.ErrorContains(t, err, "--addr "+strconv.Quote(addr), "checkServeAddr(%q): want an error naming --addr", addr)
		if token != "" {
			assert.NotContains(t, err.Error(), token, "checkServeAddr error shows the token")
		}
	})
}
