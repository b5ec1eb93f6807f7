package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/apiload/apiload/loadtesting"
)

// TestFlagProblem checks that a Config problem names the flag (or
// argument) that sets its field, in both CLIs, and keeps its value and
// reason.
func TestFlagProblem(t *testing.T) {
	tests := []struct {
		name    string
		p       loadtesting.Problem
		want    string
		wantURL string // loadreport's `run URL`, when it differs
	}{
		{"Clients", loadtesting.Problem{Field: "Clients", Value: "-2", Msg: "must be positive"}, "--clients -2: must be positive", ""},
		{"Method", loadtesting.Problem{Field: "Method", Value: `"GE T"`, Msg: "not a valid HTTP method"}, `--method "GE T": not a valid HTTP method`, ""},
		{"ExpectStatus", loadtesting.Problem{Field: "ExpectStatus", Value: "700", Msg: "not an HTTP status (100..599)"}, "--expect-status 700: not an HTTP status (100..599)", ""},
		{"Headers", loadtesting.Problem{Field: "Headers", Value: `"X A"`, Msg: "not a valid header name"}, `--header "X A": not a valid header name`, ""},
		{"Body", loadtesting.Problem{Field: "Body", Msg: "(2 bytes) and BodyFunc are both set: choose one"}, "--payload (2 bytes) and BodyFunc are both set: choose one", ""},
		{"missing placeholder", loadtesting.Problem{Field: "Path", Value: `"/t/{id}"`, Msg: `no value for placeholder "id" (set PathParams)`},
			`path "/t/{id}": no value for placeholder "id" (set --path-param NAME=VALUE)`, ""},
		{"PathParams", loadtesting.Problem{Field: "PathParams", Value: `"idd"`, Msg: `no such placeholder in path "/t/{id}"`},
			`--path-param "idd": no such placeholder in path "/t/{id}"`, ""},
		{"BaseURL", loadtesting.Problem{Field: "BaseURL", Value: `"http://u:xxxxx@h"`, Msg: "no host"}, `--base-url "http://u:xxxxx@h": no host`, `URL "http://u:xxxxx@h": no host`},
		{"HTTP2", loadtesting.Problem{Field: "HTTP2", Msg: "is set but BaseURL is empty"}, "--http2 is set but BaseURL is empty", ""},
		{"Stream.For", loadtesting.Problem{Field: "Stream.For", Value: "-1s", Msg: "must be 0 (no time bound) or positive"}, "--stream-for -1s: must be 0 (no time bound) or positive", ""},
		{"Stream.Events", loadtesting.Problem{Field: "Stream.Events", Value: "-3", Msg: "must be 0 (no count bound) or positive"}, "--stream-events -3: must be 0 (no count bound) or positive", ""},
		{"Stream", loadtesting.Problem{Field: "Stream", Msg: "needs Stream.For or Stream.Events"}, "--stream-for/--stream-events needs --stream-for or --stream-events", ""},
		{"a field no flag sets", loadtesting.Problem{Field: "RampTo", Value: "5", Msg: "needs Duration"}, "RampTo 5: needs Duration", ""},
		{"no field", loadtesting.Problem{Msg: "handler is nil"}, "handler is nil", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, flagProblem(tt.p, true), "app's run PATH")
			want := tt.wantURL
			if want == "" {
				want = tt.want
			}
			assert.Equal(t, want, flagProblem(tt.p, false), "loadreport's run URL")
		})
	}
}
