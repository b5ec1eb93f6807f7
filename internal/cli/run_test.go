package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/internal/cli"
	"github.com/apiload/apiload/internal/testcert"
	"github.com/apiload/apiload/loadtesting"
)

// writeFiles writes name → content into a new temporary directory and
// returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	return dir
}

// expand replaces $DIR in each arg with dir.
func expand(args []string, dir string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, "$DIR", dir)
	}
	return out
}

// appRunRoot mounts an app's `run` as `my-app api-load-test run`, the way
// loadcmd does, with the store at storeURL.
func appRunRoot(ios *cli.IOStreams, target cli.RunTarget, storeURL string, runF func(context.Context, *cli.RunOptions) error) *cobra.Command {
	app := &cli.App{
		IO:          ios,
		Store:       func(context.Context) (loadtesting.Store, error) { return cli.OpenStoreFlag(storeURL) },
		CommandPath: "my-app api-load-test",
	}
	root := &cobra.Command{Use: "my-app"}
	group := &cobra.Command{Use: "api-load-test"}
	group.AddCommand(cli.NewAppRunCmd(app, target, runF))
	root.AddCommand(group)
	return root
}

// appRun runs `my-app api-load-test run ARGS` through Execute on buffers.
// errTTY says whether stderr is to count as a terminal.
func appRun(t *testing.T, target cli.RunTarget, storeURL string, errTTY bool, args ...string) outcome {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, ErrTTY: errTTY}
	root := appRunRoot(ios, target, storeURL, nil)
	code := cli.Execute(t.Context(), root, append([]string{"api-load-test", "run"}, args...), ios)
	return outcome{code, out.String(), errOut.String()}
}

// parsedConfig parses args with `run` (an app's `run PATH` when app is
// true, else loadreport's `run URL`) and returns the Config the flags
// translate to.
func parsedConfig(t *testing.T, app bool, target cli.RunTarget, args []string) (loadtesting.Config, error) {
	t.Helper()
	var errOut bytes.Buffer
	ios := &cli.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut}
	var got *cli.RunOptions
	runF := func(_ context.Context, o *cli.RunOptions) error { got = o; return nil }
	var cmd *cobra.Command
	if app {
		cmd = cli.NewAppRunCmd(&cli.App{IO: ios}, target, runF)
	} else {
		cmd = cli.NewRunCmd(&cli.App{IO: ios}, runF)
	}
	require.Equal(t, 0, cli.Execute(t.Context(), cmd, args, ios), "%v: exit status\n%s", args, errOut.String())
	require.NotNil(t, got, "%v: runF was not called", args)
	return got.Config()
}

// TestRunConfig checks that every flag of `run` reaches the Config.
func TestRunConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"one.json":    "{\n  \"queue\": \"load_test\",\n  \"task\": \"ping\"\n}\n",
		"lines.jsonl": "{\"n\":1}\n{\"n\":2}\n\n{\"n\":3}\n",
	})
	var authAsUser string
	var authAsCfg loadtesting.Config
	target := cli.RunTarget{Handler: okHandler, DefaultBaseURL: "http://127.0.0.1:8000",
		AuthAs: func(user string, cfg loadtesting.Config) func(context.Context) (http.Header, error) {
			authAsUser, authAsCfg = user, cfg
			return func(context.Context) (http.Header, error) { return nil, errors.New("runF tests do not log in") }
		}}
	json := http.Header{"Content-Type": {"application/json"}}
	// base is what `run PATH --in-process` gives with no other flag.
	base := func(edit func(*loadtesting.Config)) loadtesting.Config {
		c := loadtesting.Config{Path: "/health/", Clients: loadtesting.DefaultClients, Timeout: loadtesting.DefaultTimeout, Headers: http.Header{}}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	tests := []struct {
		name       string
		app        bool // an app's `run PATH`, else loadreport's `run URL`
		args       []string
		want       loadtesting.Config
		wantBodies []string // BodyFunc's payloads for requests 0, 1, 2, ...
	}{
		{"defaults", true, []string{"/health/", "--in-process"}, base(nil), nil},
		{"default base URL", true, []string{"/health/"},
			base(func(c *loadtesting.Config) { c.BaseURL = "http://127.0.0.1:8000" }), nil},
		{"--base-url", true, []string{"/health/", "--base-url", "http://127.0.0.1:9000/"},
			base(func(c *loadtesting.Config) { c.BaseURL = "http://127.0.0.1:9000/" }), nil},
		{"-m lower case", true, []string{"/health/", "--in-process", "-m", "delete"},
			base(func(c *loadtesting.Config) { c.Method = "DELETE" }), nil},
		{"--method", true, []string{"/health/", "--in-process", "--method", "PUT"},
			base(func(c *loadtesting.Config) { c.Method = "PUT" }), nil},
		{"-n", true, []string{"/health/", "--in-process", "-n", "500"},
			base(func(c *loadtesting.Config) { c.Requests = 500 }), nil},
		{"--requests", true, []string{"/health/", "--in-process", "--requests=7"},
			base(func(c *loadtesting.Config) { c.Requests = 7 }), nil},
		{"-c", true, []string{"/health/", "--in-process", "-c", "3"},
			base(func(c *loadtesting.Config) { c.Clients = 3 }), nil},
		{"--duration", true, []string{"/health/", "--in-process", "--duration", "1m30s"},
			base(func(c *loadtesting.Config) { c.Duration = 90 * time.Second }), nil},
		{"--rate", true, []string{"/health/", "--in-process", "--rate", "250.5"},
			base(func(c *loadtesting.Config) { c.Rate = 250.5 }), nil},
		{"--timeout", true, []string{"/health/", "--in-process", "--timeout", "1500ms"},
			base(func(c *loadtesting.Config) { c.Timeout = 1500 * time.Millisecond }), nil},
		{"--payload sets POST and JSON", true, []string{"/health/", "--in-process", "--payload", `{"a": 1}`},
			base(func(c *loadtesting.Config) { c.Method, c.Body, c.Headers = "POST", []byte(`{"a": 1}`), json }), nil},
		{"--payload keeps -m", true, []string{"/health/", "--in-process", "--payload", `[1]`, "-m", "PUT"},
			base(func(c *loadtesting.Config) { c.Method, c.Body, c.Headers = "PUT", []byte(`[1]`), json }), nil},
		{"--payload keeps Content-Type", true, []string{"/health/", "--in-process", "--payload", `"x"`, "-H", "content-type: application/vnd.api+json"},
			base(func(c *loadtesting.Config) {
				c.Method, c.Body, c.Headers = "POST", []byte(`"x"`), http.Header{"Content-Type": {"application/vnd.api+json"}}
			}), nil},
		{"--payload-file one document", true, []string{"/health/", "--in-process", "--payload-file", "$DIR/one.json"},
			base(func(c *loadtesting.Config) {
				c.Method, c.Body, c.Headers = "POST", []byte("{\n  \"queue\": \"load_test\",\n  \"task\": \"ping\"\n}\n"), json
			}), nil},
		{"--payload-file JSON Lines", true, []string{"/health/", "--in-process", "--payload-file", "$DIR/lines.jsonl"},
			base(func(c *loadtesting.Config) { c.Method, c.Headers = "POST", json }),
			[]string{`{"n":1}`, `{"n":2}`, `{"n":3}`, `{"n":1}`, `{"n":2}`, `{"n":3}`, `{"n":1}`}},
		{"-H both forms, repeated", true, []string{"/health/", "--in-process", "-H", "X-A=1", "--header", "X-B: two words", "-H", "x-a=3=4"},
			base(func(c *loadtesting.Config) { c.Headers = http.Header{"X-A": {"1", "3=4"}, "X-B": {"two words"}} }), nil},
		{"-p", true, []string{"/tasks/{queue}/{id}", "--in-process", "-p", "queue=emails", "--path-param", "id=a b", "-p", "queue=sms"},
			base(func(c *loadtesting.Config) {
				c.Path, c.PathParams = "/tasks/{queue}/{id}", map[string]string{"queue": "sms", "id": "a b"}
			}), nil},
		{"--query repeated", true, []string{"/health/", "--in-process", "--query", "b=2", "--query", "a=1", "--query", "a=", "--query", "c=x=y"},
			base(func(c *loadtesting.Config) { c.Query = url.Values{"a": {"1", ""}, "b": {"2"}, "c": {"x=y"}} }), nil},
		{"--expect-status", true, []string{"/health/", "--in-process", "--expect-status", "200,201", "--expect-status", "204"},
			base(func(c *loadtesting.Config) { c.ExpectStatus = []int{200, 201, 204} }), nil},
		{"--name", true, []string{"/health/", "--in-process", "--name", "smoke test"},
			base(func(c *loadtesting.Config) { c.Name = "smoke test" }), nil},
		{"--stream-for", true, []string{"/events", "--in-process", "--stream-for", "2s"},
			base(func(c *loadtesting.Config) {
				c.Path, c.Stream = "/events", &loadtesting.StreamConfig{For: 2 * time.Second}
			}), nil},
		{"--stream-events", true, []string{"/events", "--in-process", "--stream-events", "10"},
			base(func(c *loadtesting.Config) { c.Path, c.Stream = "/events", &loadtesting.StreamConfig{Events: 10} }), nil},
		{"--stream-for and --stream-events", true, []string{"/events", "--in-process", "--stream-events=3", "--stream-for", "1m"},
			base(func(c *loadtesting.Config) {
				c.Path, c.Stream = "/events", &loadtesting.StreamConfig{For: time.Minute, Events: 3}
			}), nil},
		{"--auth-as sets only Auth", true, []string{"/health/", "--in-process", "--auth-as", "alice@example.com"},
			base(nil), nil},
		{"--auth-as over HTTP", true, []string{"/health/", "--auth-as", "bob"},
			base(func(c *loadtesting.Config) { c.BaseURL = "http://127.0.0.1:8000" }), nil},

		{"URL", false, []string{"http://127.0.0.1:8000/health/"},
			base(func(c *loadtesting.Config) { c.BaseURL = "http://127.0.0.1:8000" }), nil},
		{"URL keeps its escapes", false, []string{"http://127.0.0.1:8000/files/a%2Fb"},
			base(func(c *loadtesting.Config) { c.BaseURL, c.Path = "http://127.0.0.1:8000", "/files/a%2Fb" }), nil},
		{"URL without a path", false, []string{"https://example.test:8443"},
			base(func(c *loadtesting.Config) { c.BaseURL, c.Path = "https://example.test:8443", "/" }), nil},
		{"URL query and --query", false, []string{"http://127.0.0.1:8000/health/?x=1", "--query", "x=2", "--query", "y=3"},
			base(func(c *loadtesting.Config) {
				c.BaseURL, c.Query = "http://127.0.0.1:8000", url.Values{"x": {"1", "2"}, "y": {"3"}}
			}), nil},
		{"--client net/http", false, []string{"http://127.0.0.1:8000/health/", "--client", "net/http"},
			base(func(c *loadtesting.Config) { c.BaseURL, c.NetHTTP = "http://127.0.0.1:8000", true }), nil},
		{"--client lean is the default", true, []string{"/health/", "--client", "lean"},
			base(func(c *loadtesting.Config) { c.BaseURL = "http://127.0.0.1:8000" }), nil},
		{"--client net/http with https", false, []string{"https://127.0.0.1:8443/health/", "--client", "net/http"},
			base(func(c *loadtesting.Config) { c.BaseURL, c.NetHTTP = "https://127.0.0.1:8443", true }), nil},
		{"URL --stream-for --stream-events", false, []string{"http://127.0.0.1:8000/events", "--stream-for", "500ms", "--stream-events", "1"},
			base(func(c *loadtesting.Config) {
				c.BaseURL, c.Path, c.Stream = "http://127.0.0.1:8000", "/events", &loadtesting.StreamConfig{For: 500 * time.Millisecond, Events: 1}
			}), nil},
		{"--http2", false, []string{"https://127.0.0.1:8443/health/", "--http2"},
			base(func(c *loadtesting.Config) { c.BaseURL, c.HTTP2 = "https://127.0.0.1:8443", true }), nil},
		{"--http2 with --base-url", true, []string{"/health/", "--base-url", "https://127.0.0.1:8443", "--http2"},
			base(func(c *loadtesting.Config) { c.BaseURL, c.HTTP2 = "https://127.0.0.1:8443", true }), nil},
		{"URL with every flag", false, []string{"http://127.0.0.1:8000/tasks/{id}", "-m", "patch", "-n", "10", "-c", "2", "--duration", "3s",
			"--rate", "5", "--timeout", "2s", "--payload", "{}", "-H", "X-K=v", "-p", "id=9", "--expect-status", "202", "--name", "n"},
			loadtesting.Config{Name: "n", Method: "PATCH", Path: "/tasks/{id}", PathParams: map[string]string{"id": "9"},
				Headers: http.Header{"X-K": {"v"}, "Content-Type": {"application/json"}}, Body: []byte("{}"),
				Requests: 10, Duration: 3 * time.Second, Clients: 2, Rate: 5, Timeout: 2 * time.Second,
				BaseURL: "http://127.0.0.1:8000", ExpectStatus: []int{202}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			authAsUser, authAsCfg = "", loadtesting.Config{}
			got, err := parsedConfig(t, tt.app, target, expand(tt.args, dir))
			require.NoError(t, err, "config")
			ignore := cmpopts.IgnoreFields(loadtesting.Config{}, "BodyFunc", "Store", "Auth")
			if diff := cmp.Diff(tt.want, got, ignore, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Config (-want +got):\n%s", diff)
			}
			// --auth-as is the Config's Auth hook, made from the Config.
			wantUser := ""
			if i := slices.Index(tt.args, "--auth-as"); i >= 0 {
				wantUser = tt.args[i+1]
			}
			assert.Equal(t, wantUser != "", got.Auth != nil, "Auth set")
			assert.Equal(t, wantUser, authAsUser, "AuthAs's user")
			if wantUser != "" {
				assert.Empty(t, cmp.Diff(got, authAsCfg, ignore), "AuthAs is given the run's Config")
				_, err := got.Auth(t.Context())
				assert.EqualError(t, err, "--auth-as "+wantUser+": runF tests do not log in")
			}
			require.Equal(t, tt.wantBodies != nil, got.BodyFunc != nil, "BodyFunc set")
			for i, want := range tt.wantBodies {
				b, err := got.BodyFunc(int64(i))
				if assert.NoError(t, err, "BodyFunc(%d)", i) {
					assert.Equal(t, want, string(b), "BodyFunc(%d)", i)
				}
			}
		})
	}
}

// TestRun_usageErrors checks that every misconfiguration exits 2 before
// anything is sent, the login hook called or the store opened, with a
// message naming the flag, key or placeholder, and one line of help.
func TestRun_usageErrors(t *testing.T) {
	client, other := testcert.NewClient(t, "a"), testcert.NewClient(t, "b")
	dir := writeFiles(t, map[string]string{
		"bad.jsonl":   "{\"n\":1}\n{\"n\":2}\n{\"n\":3,}\n{\"n\":4}\n",
		"empty.jsonl": "\n\n",
		"ok.json":     "{}",
		"ca.pem":      string(client.CertPEM),
		"client.pem":  string(client.CertPEM),
		"client.key":  string(client.KeyPEM),
		"other.key":   string(other.KeyPEM),
	})
	var served, logins atomic.Int64
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { served.Add(1) })
	login := func(string, loadtesting.Config) func(context.Context) (http.Header, error) {
		return func(context.Context) (http.Header, error) {
			logins.Add(1)
			return http.Header{"Authorization": {"Bearer tok"}}, nil
		}
	}
	// Which command a row runs: an app's `run PATH` with its target, or
	// loadreport's `run URL`.
	type runCmd struct {
		target     cli.RunTarget
		loadreport bool
	}
	withLogin := runCmd{target: cli.RunTarget{Handler: handler, AuthAs: login}}
	noLogin := runCmd{target: cli.RunTarget{Handler: handler}}
	withBase := runCmd{target: cli.RunTarget{Handler: handler, AuthAs: login, DefaultBaseURL: "http://127.0.0.1:1"}}
	runURL := runCmd{loadreport: true}
	storeDir := filepath.Join(t.TempDir(), "store")
	storeURL := "file://" + filepath.ToSlash(storeDir)

	tests := []struct {
		name string
		cmd  runCmd
		args []string // after `run`
		want []string // substrings of the Error: line
	}{
		{"bad --payload", withLogin, []string{"/x", "--in-process", "--payload", `{"a":`}, []string{"--payload: invalid JSON: unexpected end of JSON input"}},
		{"two --payload values", withLogin, []string{"/x", "--in-process", "--payload", `{} {}`}, []string{"--payload: invalid JSON: invalid character '{' after top-level value"}},
		{"--payload and --payload-file", withLogin, []string{"/x", "--in-process", "--payload", "{}", "--payload-file", "$DIR/ok.json"}, []string{"--payload and --payload-file: choose one"}},
		{"missing --payload-file", withLogin, []string{"/x", "--in-process", "--payload-file", "$DIR/nope.json"}, []string{"--payload-file $DIR/nope.json: no such file or directory"}},
		{"invalid JSON line", withLogin, []string{"/x", "--in-process", "--payload-file", "$DIR/bad.jsonl"}, []string{"--payload-file $DIR/bad.jsonl: line 3: invalid JSON"}},
		{"no JSON in --payload-file", withLogin, []string{"/x", "--in-process", "--payload-file", "$DIR/empty.jsonl"}, []string{"--payload-file $DIR/empty.jsonl: no JSON"}},
		{"bad -H", withLogin, []string{"/x", "--in-process", "-H", "X-Trace"}, []string{`--header "X-Trace": want Key=Value or 'Key: Value'`}},
		{"bad -H with a secret", withLogin, []string{"/x", "--in-process", "-H", "Authorization Bearer hunter2"}, []string{`--header "Authorization [redacted]"`}},
		{"bad -H key with a space", withLogin, []string{"/x", "--in-process", "-H", "X Api-Key=hunter2"}, []string{`--header "X Api-Key=[redacted]"`}},
		{"bad -p", withLogin, []string{"/x/{id}", "--in-process", "-p", "id"}, []string{`--path-param "id": want name=value`}},
		{"-p without a name", withLogin, []string{"/x/{id}", "--in-process", "-p", "=3"}, []string{`--path-param "=3": want name=value`}},
		{"bad --query", withLogin, []string{"/x", "--in-process", "--query", "debug"}, []string{`--query "debug": want name=value`}},
		{"--clients 0", withLogin, []string{"/x", "--in-process", "--clients", "0"}, []string{"--clients 0: must be at least 1"}},
		{"-c negative", withLogin, []string{"/x", "--in-process", "-c", "-4"}, []string{"--clients -4: must be at least 1"}},
		{"--requests 0", withLogin, []string{"/x", "--in-process", "--requests", "0"}, []string{"--requests 0: must be at least 1"}},
		{"negative --rate", withLogin, []string{"/x", "--in-process", "--rate", "-5"}, []string{"--rate -5: must be 0 (as fast as possible) or positive"}},
		{"--rate NaN", withLogin, []string{"/x", "--in-process", "--rate", "NaN"}, []string{"--rate NaN"}},
		{"--timeout 0", withLogin, []string{"/x", "--in-process", "--timeout", "0"}, []string{"--timeout 0s: must be positive"}},
		{"negative --duration", withLogin, []string{"/x", "--in-process", "--duration", "-1s"}, []string{"--duration -1s"}},
		{"--stream-for 0", withLogin, []string{"/x", "--in-process", "--stream-for", "0"}, []string{"--stream-for 0s: must be positive"}},
		{"negative --stream-for", withLogin, []string{"/x", "--in-process", "--stream-for", "-2s"}, []string{"--stream-for -2s: must be positive"}},
		{"--stream-for not a duration", withLogin, []string{"/x", "--in-process", "--stream-for", "10"}, []string{`invalid argument "10" for "--stream-for" flag`}},
		{"--stream-events 0", withLogin, []string{"/x", "--in-process", "--stream-events", "0"}, []string{"--stream-events 0: must be at least 1"}},
		{"negative --stream-events", runURL, []string{"http://127.0.0.1:1/", "--stream-events", "-1", "--stream-for", "1s"}, []string{"--stream-events -1: must be at least 1"}},
		{"--stream-events not a number", withLogin, []string{"/x", "--in-process", "--stream-events", "ten"}, []string{`invalid argument "ten" for "--stream-events" flag`}},
		{"bad --method", withLogin, []string{"/x", "--in-process", "-m", "GE T"}, []string{`--method "GE T": not a valid HTTP method`}},
		{"one missing placeholder", withLogin, []string{"/tasks/{task_id}", "--in-process"}, []string{`path "/tasks/{task_id}": no value for placeholder "task_id" (set --path-param NAME=VALUE)`}},
		{"all missing placeholders at once", withLogin, []string{"/a/{x}/b/{y:[0-9]+}/{z}", "--in-process", "-p", "y=1"}, []string{`no value for placeholders "x", "z"`}},
		{"unknown --path-param key", withLogin, []string{"/tasks/{id}", "--in-process", "-p", "id=1", "-p", "idd=2", "-p", "other=3"}, []string{`--path-param "idd", "other": no such placeholder in path "/tasks/{id}"`}},
		{"missing placeholder before dialling", withBase, []string{"/tasks/{id}", "--auth-as", "alice@example.com"}, []string{`no value for placeholder "id"`}},
		{"relative PATH", withLogin, []string{"health", "--in-process"}, []string{`PATH "health": must start with "/"`}},
		{"--in-process with --base-url", withLogin, []string{"/x", "--in-process", "--base-url", "http://127.0.0.1:8000"}, []string{`--in-process and --base-url "http://127.0.0.1:8000": choose one`}},
		{"no base URL, no --in-process", withLogin, []string{"/x"}, []string{"--base-url: no server to send to (give one, or use --in-process)"}},
		{"--base-url not http", withLogin, []string{"/x", "--base-url", "ftp://host"}, []string{`--base-url "ftp://host"`}},
		{"--auth-as with no login hook", noLogin, []string{"/x", "--in-process", "--auth-as", "alice@example.com"}, []string{"--auth-as alice@example.com: this app has no login hook"}},
		{"--expect-status not a number", withLogin, []string{"/x", "--in-process", "--expect-status", "ok"}, []string{`invalid argument "ok" for "--expect-status" flag`}},
		{"--expect-status out of range", withLogin, []string{"/x", "--in-process", "--expect-status", "200,700"}, []string{"--expect-status 700: not an HTTP status (100..599)"}},
		{"unknown flag", withLogin, []string{"/x", "--in-process", "--bogus"}, []string{"unknown flag: --bogus"}},
		{"no PATH", withLogin, []string{"--in-process"}, []string{"missing argument PATH"}},
		{"every problem at once", withLogin, []string{"/t/{id}", "--in-process", "-c", "0", "-n", "0", "--rate", "-1", "-H", "bad", "--query", "q", "--payload", "{"},
			[]string{"--clients 0", "--requests 0", "--rate -1", `--header "bad"`, `--query "q"`, "--payload: invalid JSON", `placeholder "id"`}},

		{"bad --client", withLogin, []string{"/x", "--in-process", "--client", "curl"}, []string{`--client "curl": want lean or net/http`}},
		{"--client with --in-process", withLogin, []string{"/x", "--in-process", "--client", "net/http"}, []string{"--client: only for runs over HTTP; --in-process calls the handler directly"}},
		{"TLS flags with --in-process", withLogin, []string{"/x", "--in-process", "--insecure", "--http2", "--ca-cert", "$DIR/ca.pem"},
			[]string{"--insecure, --ca-cert, --http2: only for runs over HTTP"}},
		{"--insecure with an http:// base URL", withBase, []string{"/x", "--insecure"}, []string{"--insecure: only for https:// targets, not http://127.0.0.1:1"}},
		{"--http2 with an http:// URL", runURL, []string{"http://u:hunter2@127.0.0.1:1/", "--http2"}, []string{"--http2: only for https:// targets, not http://u:xxxxx@127.0.0.1:1 (HTTP/2 without TLS, h2c, is not supported)"}},
		{"missing --ca-cert", runURL, []string{"https://127.0.0.1:1/", "--ca-cert", "$DIR/nope.pem"}, []string{"--ca-cert $DIR/nope.pem: no such file or directory"}},
		{"--ca-cert not PEM", runURL, []string{"https://127.0.0.1:1/", "--ca-cert", "$DIR/ok.json"}, []string{"--ca-cert $DIR/ok.json: no PEM certificate in the file"}},
		{"--client-cert without --client-key", runURL, []string{"https://127.0.0.1:1/", "--client-cert", "$DIR/client.pem"}, []string{"--client-cert $DIR/client.pem: needs --client-key FILE"}},
		{"--client-key without --client-cert", runURL, []string{"https://127.0.0.1:1/", "--client-key", "$DIR/client.key"}, []string{"--client-key $DIR/client.key: needs --client-cert FILE"}},
		{"missing --client-key", runURL, []string{"https://127.0.0.1:1/", "--client-cert", "$DIR/client.pem", "--client-key", "$DIR/nope.key"},
			[]string{"--client-key $DIR/nope.key: no such file or directory"}},
		{"--client-cert not a certificate", runURL, []string{"https://127.0.0.1:1/", "--client-cert", "$DIR/ok.json", "--client-key", "$DIR/client.key"},
			[]string{"--client-cert $DIR/ok.json --client-key $DIR/client.key: tls: failed to find any PEM data in certificate input"}},
		{"--client-key of another certificate", runURL, []string{"https://127.0.0.1:1/", "--client-cert", "$DIR/client.pem", "--client-key", "$DIR/other.key"},
			[]string{"--client-cert $DIR/client.pem --client-key $DIR/other.key: tls: private key does not match public key"}},
		{"every TLS problem at once", runURL, []string{"https://127.0.0.1:1/", "--ca-cert", "$DIR/nope.pem", "--client-cert", "$DIR/nope.pem", "--client-key", "$DIR/client.key", "--client", "h2"},
			[]string{`--client "h2"`, "--ca-cert $DIR/nope.pem: no such file", "--client-cert $DIR/nope.pem: no such file"}},
		{"URL not http", runURL, []string{"ftp://127.0.0.1/health/"}, []string{`URL "ftp://127.0.0.1/health/": want an absolute http:// or https:// URL`}},
		{"URL without a scheme", runURL, []string{"127.0.0.1:8000/health/"}, []string{`URL "127.0.0.1:8000/health/"`}},
		{"URL placeholder", runURL, []string{"http://127.0.0.1:1/tasks/{id}"}, []string{`no value for placeholder "id"`}},
		{"URL bad flag", runURL, []string{"http://127.0.0.1:1/", "-c", "0"}, []string{"--clients 0"}},
		{"URL with --in-process", runURL, []string{"http://127.0.0.1:1/", "--in-process"}, []string{"unknown flag: --in-process"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := expand(tt.args, dir)
			o, helpFor := appRun(t, tt.cmd.target, storeURL, false, args...), "my-app api-load-test run"
			if tt.cmd.loadreport {
				o, helpFor = loadreport(t, false, append([]string{"run", "--store", storeURL}, args...)...), "loadreport run"
			}
			require.Equal(t, 2, o.code, "exit status\n%v", o)
			first, _, _ := strings.Cut(o.stderr, "\n")
			assert.True(t, strings.HasPrefix(first, "Error: "), "stderr should start with Error:\n%s", o.stderr)
			for _, w := range tt.want {
				assert.Contains(t, first, strings.ReplaceAll(w, "$DIR", dir), "the Error line")
			}
			assert.Equal(t, first+"\n"+usageLine(helpFor), o.stderr, "the Error line and one help line")
			assert.Empty(t, o.stdout, "stdout")
			assert.NotContains(t, o.stderr, "hunter2", "a secret was printed")
			assert.Zero(t, served.Load(), "requests that reached the handler")
			assert.Zero(t, logins.Load(), "calls of the login hook")
			_, err := os.Stat(storeDir)
			assert.ErrorIs(t, err, os.ErrNotExist, "the store was opened")
		})
	}
}

// TestRun_progress checks that the progress bar is drawn on stderr when it
// is a terminal, and never with --json or when stderr is not a terminal.
func TestRun_progress(t *testing.T) {
	barText := regexp.MustCompile(`req/s, \d+ errors|\(\d+/30\)`)
	tests := []struct {
		name    string
		errTTY  bool
		args    []string
		wantBar bool
	}{
		{"terminal", true, nil, true},
		{"terminal, --json", true, []string{"--json"}, false},
		{"pipe", false, nil, false},
		{"pipe, --json", false, []string{"--json"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"/health/", "--in-process", "-n", "30", "--rate", "100", "-c", "2"}, tt.args...)
			o := appRun(t, cli.RunTarget{Handler: okHandler}, fileStore(t), tt.errTTY, args...)
			require.Equal(t, 0, o.code, "exit status\n%v", o)
			assert.Equal(t, tt.wantBar, barText.MatchString(o.stderr), "progress bar drawn; stderr:\n%q", o.stderr)
			if !tt.wantBar {
				assert.NotContains(t, o.stderr, "\r", "carriage return on stderr without a bar")
			}
			assert.NotRegexp(t, barText, o.stdout, "progress on stdout")
			assert.Contains(t, o.stderr, "Saved to file://", "the Saved line")
		})
	}

	t.Run("--json stdout is a Result", func(t *testing.T) {
		o := appRun(t, cli.RunTarget{Handler: okHandler}, fileStore(t), true, "/health/", "--in-process", "-n", "30", "--json")
		var res loadtesting.Result
		require.NoError(t, json.Unmarshal([]byte(o.stdout), &res), "stdout is a Result:\n%s", o.stdout)
		assert.Equal(t, int64(30), res.Metrics.Requests)
		assert.Equal(t, "/health/", res.Path)
		assert.True(t, res.InProcess, "in-process")
	})
}

// recorded is a handler that answers with the status in the ?status=
// query parameter (default 200) and counts what it served.
type recorded struct {
	mu    sync.Mutex
	paths []string
}

func (h *recorded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.paths = append(h.paths, r.URL.RequestURI())
	h.mu.Unlock()
	if s := r.URL.Query().Get("status"); s == "500" {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write([]byte("ok"))
}

func (h *recorded) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.paths...)
}

// closedPort returns a loopback address that refuses connections.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRunURL runs loadreport's `run URL` against a real server.
func TestRunURL(t *testing.T) {
	h := &recorded{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	closed := closedPort(t)

	tests := []struct {
		name       string
		url        string
		wantCode   int
		wantServed int
		wantOut    []string // substrings of stdout
		wantErr    string   // substring of stderr
	}{
		{"ok", srv.URL + "/health/?a=1", 0, 40, []string{"Target        " + srv.URL + "/health/?a=1 (over HTTP/1.1)", "Requests      40", "Succeeded     40 (100.0%)"}, "Saved to file://"},
		{"every request fails", srv.URL + "/boom?status=500", 0, 40, []string{"Failed        40 (100.0%)", "500"}, "Saved to file://"},
		{"unreachable", "http://" + closed + "/health/", 1, 0, nil, "Error: cannot reach http://" + closed + ": connect: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := fileStore(t)
			before := len(h.seen())
			o := loadreport(t, false, "run", tt.url, "-n", "40", "-c", "4", "--store", store)
			require.Equal(t, tt.wantCode, o.code, "exit status\n%v", o)
			assert.Equal(t, tt.wantServed, len(h.seen())-before, "requests the server saw")
			for _, w := range tt.wantOut {
				assert.Contains(t, o.stdout, w)
			}
			assert.Contains(t, o.stderr, tt.wantErr)
			assert.NotContains(t, o.stderr, "--help", "a help line after an operational failure")
			if tt.wantCode != 0 {
				return
			}
			// The run was saved: recent lists it.
			id := regexp.MustCompile(`results (\S+)`).FindStringSubmatch(o.stderr)
			require.NotNil(t, id, "no run id on stderr:\n%s", o.stderr)
			r := loadreport(t, false, "recent", "--store", store)
			assert.Equal(t, 0, r.code, "recent\n%v", r)
			assert.Contains(t, r.stdout, id[1], "recent lists the run")
		})
	}
}

// TestRun_streamFlagsInHelp checks that both `run` commands document
// --stream-for and --stream-events, in the flags and in an example.
func TestRun_streamFlagsInHelp(t *testing.T) {
	tests := []struct {
		name string
		help func(t *testing.T) outcome
	}{
		{"loadreport run URL", func(t *testing.T) outcome { return loadreport(t, false, "run", "--help") }},
		{"my-app api-load-test run PATH", func(t *testing.T) outcome {
			return appRun(t, cli.RunTarget{Handler: okHandler}, "none", false, "--help")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.help(t)
			require.Equal(t, 0, o.code, "exit status\n%v", o)
			for _, want := range []string{"--stream-for duration", "--stream-events int", "(SSE, or chunks)", "--stream-for 2s or --stream-events 10"} {
				assert.Contains(t, o.stdout, want)
			}
			assert.Regexp(t, `(?m)^  \S+( \S+)* run \S+ .*--stream-for \d+s`, o.stdout, "an example with --stream-for")
		})
	}
}
