package loadtesting_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiload/apiload/loadtesting"
)

// filler sets every field of a value to a distinct non-zero value, by
// reflection, so that a field added later is filled without touching the
// test. It fails the test on a kind it does not know how to fill.
type filler struct {
	t testing.TB
	n int // counts values handed out, so each one differs
}

func (f *filler) fill(v reflect.Value) {
	f.t.Helper()
	f.n++
	n := f.n
	switch v.Type() {
	case reflect.TypeFor[time.Duration]():
		// Whole nanoseconds with a fraction of a millisecond, below 2^51 ns:
		// the largest a float64 of milliseconds holds to the nanosecond.
		v.SetInt(int64(n)*1_234_567 + 89)
		return
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 15, 4, n%60, 123456789, time.UTC)))
		return
	case reflect.TypeFor[url.Values](), reflect.TypeFor[http.Header]():
		v.Set(reflect.ValueOf(map[string][]string{fmt.Sprintf("K%d", n): {"a", fmt.Sprintf("v%d", n)}}).Convert(v.Type()))
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(n))
	case reflect.Float64:
		v.SetFloat(float64(n) + 0.25)
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", n))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		f.fill(v.Index(0))
		f.fill(v.Index(1))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k)
			f.fill(e)
			v.SetMapIndex(k, e)
		}
	default:
		f.t.Fatalf("filler: no way to fill a %s; teach it one", v.Type())
	}
}

// zeroFields lists the exported fields below v that are zero, by path.
func zeroFields(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			break
		}
		var out []string
		for i := range v.NumField() {
			if sf := v.Type().Field(i); sf.IsExported() {
				out = append(out, zeroFields(v.Field(i), path+"."+sf.Name)...)
			}
		}
		return out
	case reflect.Pointer:
		if !v.IsNil() {
			return zeroFields(v.Elem(), path)
		}
	case reflect.Slice:
		var out []string
		for i := range v.Len() {
			out = append(out, zeroFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		if v.Len() > 0 {
			return out
		}
	}
	if v.IsZero() || (v.Kind() == reflect.Map && v.Len() == 0) {
		return []string{path}
	}
	return nil
}

// fullResult is a Result with every field, at every depth, set.
func fullResult(t testing.TB) loadtesting.Result {
	t.Helper()
	var r loadtesting.Result
	(&filler{t: t}).fill(reflect.ValueOf(&r).Elem())
	r.Schema = loadtesting.SchemaVersion
	require.Empty(t, zeroFields(reflect.ValueOf(r), "Result"), "the filler left fields zero")
	return r
}

// TestResult_JSONEveryField round-trips a Result whose every field is set
// (by reflection, so a field added later is covered without editing this
// test) and checks that it comes back exactly: a field the JSON leaves out
// comes back zero and fails here. Every key is snake_case, and duration
// keys name their unit.
func TestResult_JSONEveryField(t *testing.T) {
	want := fullResult(t)
	data, err := json.Marshal(want)
	require.NoError(t, err)

	var got loadtesting.Result
	require.NoError(t, json.Unmarshal(data, &got))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Result changed through JSON (-want +got); is a field missing from the JSON?\n%s\njson: %s", diff, data)
	}

	// The nested types write themselves alone as they are written inside a
	// Result, and read themselves back.
	var parts map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &parts))
	for key, v := range map[string]any{"config": &want.Config, "metrics": &want.Metrics} {
		alone, err := json.Marshal(v)
		require.NoError(t, err)
		assert.JSONEq(t, string(parts[key]), string(alone), "%s on its own", key)
		back := reflect.New(reflect.TypeOf(v).Elem())
		require.NoError(t, json.Unmarshal(alone, back.Interface()))
		assert.Empty(t, cmp.Diff(v, back.Interface()), "%s on its own through JSON (-want +got)", key)
	}

	var doc any
	require.NoError(t, json.Unmarshal(data, &doc))
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	var walk func(v any, path string, keys bool)
	walk = func(v any, path string, keys bool) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if keys {
					assert.Regexp(t, snake, k, "key %s.%s is not snake_case", path, k)
				}
				// Below these keys are the user's own names, not ours.
				own := keys && k != "path_params" && k != "query" && k != "headers" && k != "status_codes"
				walk(e, path+"."+k, own)
			}
		case []any:
			for i, e := range v {
				walk(e, fmt.Sprintf("%s[%d]", path, i), keys)
			}
		}
	}
	walk(doc, "", true)
}

// TestResult_JSONStoredSchema1 reads a stored schema-1 document (as the
// version before this one wrote it) and writes it back byte for byte: the
// keys, their order and the milliseconds are the contract.
func TestResult_JSONStoredSchema1(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"every field", storedEveryField},
		{"empty run", `{"schema":1,"id":"","name":"","method":"","path":"","url":"","started_at":"0001-01-01T00:00:00Z","duration_ms":0,"clients":0,"in_process":false,"protocol":"","config":{"requests":0,"duration_ms":0,"rate":0,"timeout_ms":0,"body_bytes":0,"body_func":false},"metrics":{"requests":0,"succeeded":0,"failed":0,"error_rate":0,"throughput":0,"request_rate":0,"latency":{"min_ms":0,"mean_ms":0,"stddev_ms":0,"p50_ms":0,"p75_ms":0,"p90_ms":0,"p95_ms":0,"p99_ms":0,"p999_ms":0,"max_ms":0},"status_codes":null,"bytes_in":0,"bytes_out":0,"connections":0,"errors":[],"generator_cpu_ms":0,"generator_cpu_per_request_ms":0,"generator_cores":0,"generator_busy":0,"generator_bound":false},"histogram":""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r loadtesting.Result
			require.NoError(t, json.Unmarshal([]byte(tt.doc), &r))
			data, err := json.Marshal(r)
			require.NoError(t, err)
			assert.Equal(t, tt.doc, string(data))
		})
	}
}

// TestResult_JSONSchemaChecked: a document of another schema version is
// refused, naming its version.
func TestResult_JSONSchemaChecked(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"newer", `{"schema":2,"id":"x"}`, "result schema 2: this version of apiload reads schema 1"},
		{"missing", `{"id":"x"}`, "result schema 0"},
		{"not an object", `[1]`, "cannot unmarshal array"},
		{"bad duration", `{"schema":1,"duration_ms":"1s"}`, "duration_ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r loadtesting.Result
			assert.ErrorContains(t, json.Unmarshal([]byte(tt.doc), &r), tt.wantErr)
		})
	}
}

// storedEveryField is fullResult as the mirror-type encoder of schema 1
// wrote it, before Metrics had send-lag fields.
const storedEveryField = `{"schema":1,"id":"s3","name":"s4","method":"s5","path":"s6","url":"s7","started_at":"2026-01-02T15:04:08.123456789Z","duration_ms":11.111192,"clients":10,"in_process":true,"protocol":"s12","config":{"requests":14,"duration_ms":18.518594,"rate":16.25,"ramp_to":17.25,"timeout_ms":22.222295,"path_params":{"s20":"s21","s22":"s23"},"query":{"K24":["a","v24"]},"headers":{"K25":["a","v25"]},"body_bytes":26,"body_func":true,"expect_status":[29,30],"tags":["s32","s33"]},"metrics":{"requests":35,"succeeded":36,"failed":37,"error_rate":38.25,"throughput":39.25,"request_rate":40.25,"latency":{"min_ms":51.851903,"mean_ms":53.08647,"stddev_ms":54.321037,"p50_ms":55.555604,"p75_ms":56.790171,"p90_ms":58.024738,"p95_ms":59.259305,"p99_ms":60.493872,"p999_ms":61.728439,"max_ms":62.963006},"status_codes":{"53":54,"55":56},"bytes_in":57,"bytes_out":58,"connections":59,"errors":[{"request":62,"status":63,"kind":"s64","message":"s65","body":"s66","at_ms":82.716078},{"request":69,"status":70,"kind":"s71","message":"s72","body":"s73","at_ms":91.358047}],"generator_cpu_ms":92.592614,"generator_cpu_per_request_ms":93.827181,"generator_cores":77,"generator_busy":78.25,"generator_bound":true,"generator_warning":"s80"},"histogram":"s81"}`
