package loadtesting_test

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })

func TestExec_configErrors(t *testing.T) {
	tests := []struct {
		name    string
		h       http.Handler
		cfg     loadtesting.Config
		wantErr []string // substrings; empty means valid
	}{
		{"zero value is valid", okHandler, loadtesting.Config{}, nil},
		{"negative clients", okHandler, loadtesting.Config{Clients: -2}, []string{"Clients -2"}},
		{"negative requests", okHandler, loadtesting.Config{Requests: -1}, []string{"Requests -1"}},
		{"negative duration", okHandler, loadtesting.Config{Duration: -time.Second}, []string{"Duration -1s"}},
		{"negative rate", okHandler, loadtesting.Config{Rate: -5}, []string{"Rate -5"}},
		{"negative timeout", okHandler, loadtesting.Config{Timeout: -time.Millisecond}, []string{"Timeout -1ms"}},
		{"bad method", okHandler, loadtesting.Config{Method: "GE T"}, []string{`Method "GE T"`}},
		{"relative path", okHandler, loadtesting.Config{Path: "health"}, []string{`path "health": must start with "/"`}},
		{"placeholder without value", okHandler, loadtesting.Config{Path: "/tasks/{id}"}, []string{`path "/tasks/{id}": no value for placeholder "id" (set PathParams)`}},
		{"every missing placeholder named at once", okHandler,
			loadtesting.Config{Path: "/orgs/{org}/tasks/{task_id:[0-9]+}/runs/{run}", PathParams: map[string]string{"org": "a"}},
			[]string{`placeholders "task_id", "run"`}},
		{"unknown path param", okHandler, loadtesting.Config{Path: "/x", PathParams: map[string]string{"id": "1"}}, []string{`PathParams "id": no such placeholder`}},
		{"body and body func", okHandler,
			loadtesting.Config{Body: []byte("{}"), BodyFunc: func(int64) ([]byte, error) { return nil, nil }},
			[]string{"Body (2 bytes) and BodyFunc are both set"}},
		{"expect status out of range", okHandler, loadtesting.Config{ExpectStatus: []int{200, 1000}}, []string{"ExpectStatus 1000"}},
		{"nil handler in-process", nil, loadtesting.Config{}, []string{"handler is nil and BaseURL is empty"}},
		{"typed nil handler in-process", (*http.ServeMux)(nil), loadtesting.Config{}, []string{"handler is nil and BaseURL is empty"}},
		{"nil handler with base url is fine", nil, loadtesting.Config{BaseURL: "http://127.0.0.1:1", Requests: 1, Timeout: time.Second}, nil},
		{"bad base url scheme", nil, loadtesting.Config{BaseURL: "ftp://127.0.0.1"}, []string{`BaseURL "ftp://127.0.0.1": scheme must be http or https`}},
		{"base url without host", nil, loadtesting.Config{BaseURL: "http://"}, []string{`BaseURL "http://": no host`}},
		{"bad base url keeps its password hidden", nil, loadtesting.Config{BaseURL: "ftp://u:s3cr3t@127.0.0.1?token=s3cr3t"}, []string{`BaseURL "ftp://u:xxxxx@127.0.0.1?token=xxxxx": scheme must be http or https`}},
		{"unparsable base url keeps its password hidden", nil, loadtesting.Config{BaseURL: "http://u:s3%zzcr3t@127.0.0.1"}, []string{`BaseURL "http://u:xxxxx@127.0.0.1": not a valid URL`}},
		{"value matches the placeholder pattern", okHandler, loadtesting.Config{Path: "/t/{id:[0-9]+}", PathParams: map[string]string{"id": "42"}}, nil},
		{"value breaks the placeholder pattern", okHandler, loadtesting.Config{Path: "/t/{id:[0-9]+}", PathParams: map[string]string{"id": "abc"}},
			[]string{`PathParams "id" = "abc": does not match the placeholder's pattern [0-9]+`}},
		{"repeated placeholder named once", okHandler, loadtesting.Config{Path: "/{id}/copy/{id}"}, []string{`no value for placeholder "id" (set PathParams)`}},
		{"header name with CRLF", okHandler, loadtesting.Config{Headers: http.Header{"X-A\r\nX-Injected": {"1"}}}, []string{`Headers "X-A\r\nX-Injected": not a valid header name`}},
		{"header value with LF", okHandler, loadtesting.Config{Headers: http.Header{"X-A": {"1\nX-Injected: 1"}}}, []string{`Headers "X-A": value holds a control character`}},
		{"stream for a while", okHandler, loadtesting.Config{Stream: &loadtesting.StreamConfig{For: time.Second}}, nil},
		{"stream of some events", okHandler, loadtesting.Config{Stream: &loadtesting.StreamConfig{Events: 3}}, nil},
		{"stream with neither bound", okHandler, loadtesting.Config{Stream: &loadtesting.StreamConfig{}},
			[]string{"Stream sets neither Stream.For nor Stream.Events: set one or both"}},
		{"stream with negative bounds", okHandler, loadtesting.Config{Stream: &loadtesting.StreamConfig{For: -time.Second, Events: -2}},
			[]string{"Stream.For -1s: must be 0 (no time bound) or positive", "Stream.Events -2: must be 0 (no count bound) or positive"}},
		{"TLS in-process", okHandler, loadtesting.Config{TLS: &tls.Config{}}, []string{"TLS is set but BaseURL is empty"}},
		{"HTTP2 in-process", okHandler, loadtesting.Config{HTTP2: true}, []string{"HTTP2 is set but BaseURL is empty"}},
		{"NetHTTP in-process", okHandler, loadtesting.Config{NetHTTP: true}, []string{"NetHTTP is set but BaseURL is empty"}},
		{"Transport in-process", okHandler, loadtesting.Config{Transport: http.DefaultTransport}, []string{"Transport is set but BaseURL is empty"}},
		{"TLS with http://", nil, loadtesting.Config{BaseURL: "http://u:s3cr3t@127.0.0.1:1", TLS: &tls.Config{}},
			[]string{`TLS is set but BaseURL "http://u:xxxxx@127.0.0.1:1" is not https://`}},
		{"HTTP2 with http://", nil, loadtesting.Config{BaseURL: "http://127.0.0.1:1", HTTP2: true},
			[]string{`HTTP2 with BaseURL "http://127.0.0.1:1": HTTP/2 needs an https:// BaseURL (HTTP/2 without TLS, h2c, is not supported)`}},
		{"TLS and HTTP2 with https://", nil, loadtesting.Config{BaseURL: "https://127.0.0.1:1", TLS: &tls.Config{}, HTTP2: true, Requests: 1, Timeout: time.Second}, nil},
		{"NetHTTP with https:// changes nothing", nil, loadtesting.Config{BaseURL: "https://127.0.0.1:1", NetHTTP: true, Requests: 1, Timeout: time.Second}, nil},
		{"Transport with https://", nil, loadtesting.Config{BaseURL: "https://127.0.0.1:1", Transport: http.DefaultTransport, Requests: 1, Timeout: time.Second}, nil},
		{"Transport and every connection setting", nil,
			loadtesting.Config{BaseURL: "https://127.0.0.1:1", Transport: http.DefaultTransport, TLS: &tls.Config{}, HTTP2: true, NetHTTP: true},
			[]string{"Transport and TLS are both set: a Transport of your own owns TLS and the protocol", "Transport and HTTP2 are both set", "Transport and NetHTTP are both set"}},
		{"shard of a run", okHandler, loadtesting.Config{RunID: "load-42_a", Shard: loadtesting.Shard{Index: 2, Count: 3}}, nil},
		{"shard without run id", okHandler, loadtesting.Config{Shard: loadtesting.Shard{Index: 0, Count: 2}}, []string{"Shard 0/2: needs RunID"}},
		{"run id without shard", okHandler, loadtesting.Config{RunID: "r"}, []string{`RunID "r": needs Shard`}},
		{"malformed run id", okHandler, loadtesting.Config{RunID: "a.b", Shard: loadtesting.Shard{Count: 2}}, []string{`RunID "a.b": must be 1 to 64 letters`}},
		{"run id starting with a dash", okHandler, loadtesting.Config{RunID: "-a", Shard: loadtesting.Shard{Count: 2}}, []string{`RunID "-a": must be 1 to 64 letters`}},
		{"shard index past the count", okHandler, loadtesting.Config{RunID: "r", Shard: loadtesting.Shard{Index: 3, Count: 2}}, []string{"Shard 3/2: index must be 0 to 1 (shards count from 0)"}},
		{"negative shard index", okHandler, loadtesting.Config{RunID: "r", Shard: loadtesting.Shard{Index: -1, Count: 2}}, []string{"Shard -1/2: index must be 0 to 1"}},
		{"shard index without a count", okHandler, loadtesting.Config{RunID: "r", Shard: loadtesting.Shard{Index: 1}}, []string{"Shard 1/0: count must be 1 to 1000"}},
		{"too many shards", okHandler, loadtesting.Config{RunID: "r", Shard: loadtesting.Shard{Count: 1001}}, []string{"Shard 0/1001: count must be 1 to 1000"}},
		{"fewer requests than shards", okHandler, loadtesting.Config{RunID: "r", Requests: 2, Shard: loadtesting.Shard{Count: 3}},
			[]string{"Shard 0/3: Requests 2 is fewer than the shards: each shard needs at least one request"}},
		{"all problems reported together", okHandler,
			loadtesting.Config{Clients: -1, Requests: -1, Path: "/t/{id}"},
			[]string{"Clients -1", "Requests -1", `placeholder "id"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verr := tt.cfg.Validate(tt.h) // the same verdict, with nothing sent
			res, err := loadtesting.Exec(t.Context(), tt.h, tt.cfg)
			if len(tt.wantErr) == 0 {
				require.NoError(t, verr, "Validate")
				require.NoError(t, err, "Exec")
				assert.NotNil(t, res, "Exec returned a nil result without an error")
				return
			}
			require.Error(t, verr, "Validate")
			require.Error(t, err, "Exec")
			assert.Equal(t, err.Error(), verr.Error(), "Validate's error is Exec's")
			var cerr *loadtesting.ConfigError
			require.ErrorAs(t, err, &cerr)
			assert.Nil(t, res, "Exec returned a result with a config error")
			assert.NotContains(t, err.Error(), "cr3t", "the error shows a secret of the config")
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			assert.Len(t, cerr.Problems, len(tt.wantErr), "problems: %q", cerr.Problems)
		})
	}
}

// TestConfigError_problems checks the structure of each problem (what the
// CLIs map to flag names) and that Error() is built from it.
func TestConfigError_problems(t *testing.T) {
	tests := []struct {
		name    string
		h       http.Handler
		cfg     loadtesting.Config
		want    []loadtesting.Problem
		wantErr string // Error(), exactly
	}{
		{"negative clients", okHandler, loadtesting.Config{Clients: -2},
			[]loadtesting.Problem{{Field: "Clients", Value: "-2", Msg: "must be 0 (default 10) or positive"}},
			"config: Clients -2: must be 0 (default 10) or positive"},
		{"missing placeholder", okHandler, loadtesting.Config{Path: "/x/{id}"},
			[]loadtesting.Problem{{Field: "Path", Value: `"/x/{id}"`, Msg: `no value for placeholder "id" (set PathParams)`}},
			`config: path "/x/{id}": no value for placeholder "id" (set PathParams)`},
		{"unknown and mismatched path params", okHandler, loadtesting.Config{Path: "/x/{id:[0-9]+}", PathParams: map[string]string{"id": "a", "b": "1"}},
			[]loadtesting.Problem{
				{Field: "PathParams", Value: `"id" = "a"`, Msg: "does not match the placeholder's pattern [0-9]+, so the route would not match"},
				{Field: "PathParams", Value: `"b"`, Msg: `no such placeholder in path "/x/{id:[0-9]+}"`},
			},
			`config: PathParams "id" = "a": does not match the placeholder's pattern [0-9]+, so the route would not match; PathParams "b": no such placeholder in path "/x/{id:[0-9]+}"`},
		{"base URL shown without its password", nil, loadtesting.Config{BaseURL: "ftp://u:s3cr3t@127.0.0.1"},
			[]loadtesting.Problem{{Field: "BaseURL", Value: `"ftp://u:xxxxx@127.0.0.1"`, Msg: "scheme must be http or https"}},
			`config: BaseURL "ftp://u:xxxxx@127.0.0.1": scheme must be http or https`},
		{"a field set where it cannot apply", okHandler, loadtesting.Config{HTTP2: true},
			[]loadtesting.Problem{{Field: "HTTP2", Msg: "is set but BaseURL is empty: an in-process run has no connection to configure"}},
			"config: HTTP2 is set but BaseURL is empty: an in-process run has no connection to configure"},
		{"no handler: no field", nil, loadtesting.Config{},
			[]loadtesting.Problem{{Msg: "handler is nil and BaseURL is empty: pass a handler for an in-process run, or set BaseURL"}},
			"config: handler is nil and BaseURL is empty: pass a handler for an in-process run, or set BaseURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate(tt.h)
			var cerr *loadtesting.ConfigError
			require.ErrorAs(t, err, &cerr)
			if diff := cmp.Diff(tt.want, cerr.Problems); diff != "" {
				t.Errorf("Problems (-want +got):\n%s", diff)
			}
			assert.Equal(t, tt.wantErr, err.Error())
		})
	}
}

// fakeTB records Fatalf so Run's misconfiguration path can be tested.
type fakeTB struct {
	testing.TB
	fatal string
	logs  []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = sprintf(format, args...)
	panic(fatalSentinel{})
}
func (f *fakeTB) Logf(format string, args ...any) { f.logs = append(f.logs, sprintf(format, args...)) }

type fatalSentinel struct{}

func TestRun_misconfigurationIsFatal(t *testing.T) {
	ft := &fakeTB{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(fatalSentinel); !ok {
					panic(v)
				}
			}
		}()
		loadtesting.Run(ft, okHandler, loadtesting.Config{Path: "/api/v1/tasks/status/{task_id}"})
		assert.Fail(t, "Run returned after a misconfiguration; want Fatalf")
	}()
	want := `loadtesting: config: path "/api/v1/tasks/status/{task_id}": no value for placeholder "task_id" (set PathParams)`
	assert.Equal(t, want, ft.fatal, "Fatalf message")
}

func TestRun_logsOneLineSummary(t *testing.T) {
	ft := &fakeTB{TB: t}
	res := loadtesting.Run(ft, okHandler, loadtesting.Config{Path: "/health/", Requests: 50, Clients: 5, Store: loadtesting.NoStore{}})
	require.Len(t, ft.logs, 1, "Run logs one line")
	for _, want := range []string{"GET /health/", "in-process", "50 requests", "req/s", "p50 ", "p95 ", "p99 ", "errors 0%", res.ID} {
		assert.Contains(t, ft.logs[0], want)
	}
}
