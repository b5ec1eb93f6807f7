package loadtesting

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// A Result's JSON is described once: by the `json` tags on the fields of
// Result, RunConfig, Metrics, Latency and ErrorSample. Their MarshalJSON and
// UnmarshalJSON methods read those tags with encodeFields and decodeFields,
// which differ from encoding/json's own struct handling in two ways only:
//
//   - a time.Duration is written as milliseconds, a float (its key ends in
//     "_ms"), and read back rounded to the nanosecond;
//   - a slice without omitempty is written [] when empty, never null, and
//     an empty one reads back nil.
//
// Every other field is written and read by encoding/json, so a nested type
// with its own methods (Metrics inside Result) takes part the same way.
// Field names in the tags are the contract: add, never rename without a
// schema bump.

var durationType = reflect.TypeFor[time.Duration]()

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fromMS(v float64) time.Duration { return time.Duration(math.Round(v * float64(time.Millisecond))) }

// jsonField is a struct field as its tag describes it.
type jsonField struct {
	index     int
	name      string
	omitEmpty bool
}

// jsonFields reads t's tags. Every exported field must have one: a field
// without it would silently fall out of the stored Result.
func jsonFields(t reflect.Type) ([]jsonField, error) {
	var out []jsonField
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag, ok := sf.Tag.Lookup("json")
		if !ok || tag == "" {
			return nil, fmt.Errorf("%s.%s has no json tag", t.Name(), sf.Name)
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if sf.Type == durationType && !strings.HasSuffix(name, "_ms") {
			return nil, fmt.Errorf("%s.%s: key %q of a duration must end in _ms", t.Name(), sf.Name, name)
		}
		out = append(out, jsonField{index: i, name: name, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	return out, nil
}

// encodeFields writes struct v as a JSON object, in field order.
func encodeFields(v reflect.Value) ([]byte, error) {
	fields, err := jsonFields(v.Type())
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for _, f := range fields {
		fv := v.Field(f.index)
		if f.omitEmpty && emptyValue(fv) {
			continue
		}
		var val []byte
		switch {
		case fv.Type() == durationType:
			val, err = json.Marshal(ms(time.Duration(fv.Int())))
		case fv.Kind() == reflect.Slice && fv.Len() == 0:
			val = []byte("[]")
		default:
			val, err = json.Marshal(fv.Interface())
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(f.name))
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// decodeFields reads a JSON object into the struct v points to, replacing
// all of it. Unknown keys are ignored; a missing key leaves its field zero.
func decodeFields(data []byte, v reflect.Value) error {
	v = v.Elem()
	fields, err := jsonFields(v.Type())
	if err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	v.SetZero()
	for _, f := range fields {
		r, ok := raw[f.name]
		if !ok {
			continue
		}
		fv := v.Field(f.index)
		if fv.Type() == durationType {
			var n float64
			if err := json.Unmarshal(r, &n); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			fv.SetInt(int64(fromMS(n)))
			continue
		}
		if err := json.Unmarshal(r, fv.Addr().Interface()); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if fv.Kind() == reflect.Slice && fv.Len() == 0 {
			fv.SetZero()
		}
	}
	return nil
}

// emptyValue is encoding/json's omitempty test.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return v.IsZero() && v.Kind() != reflect.Struct
}

// MarshalJSON writes the documented layout (see the field tags).
func (r Result) MarshalJSON() ([]byte, error) { return encodeFields(reflect.ValueOf(r)) }

// UnmarshalJSON reads the documented layout. A document of another schema
// version is an error naming the version, and leaves r unchanged.
func (r *Result) UnmarshalJSON(data []byte) error {
	var got Result
	if err := decodeFields(data, reflect.ValueOf(&got)); err != nil {
		return err
	}
	if got.Schema != SchemaVersion {
		return fmt.Errorf("result schema %d: this version of apiload reads schema %d", got.Schema, SchemaVersion)
	}
	*r = got
	return nil
}

// MarshalJSON writes c as it is stored in a Result.
func (c RunConfig) MarshalJSON() ([]byte, error) { return encodeFields(reflect.ValueOf(c)) }

// UnmarshalJSON reads c as MarshalJSON writes it.
func (c *RunConfig) UnmarshalJSON(data []byte) error { return decodeFields(data, reflect.ValueOf(c)) }

// MarshalJSON writes m as it is stored in a Result.
func (m Metrics) MarshalJSON() ([]byte, error) { return encodeFields(reflect.ValueOf(m)) }

// UnmarshalJSON reads m as MarshalJSON writes it.
func (m *Metrics) UnmarshalJSON(data []byte) error { return decodeFields(data, reflect.ValueOf(m)) }

// MarshalJSON writes l with every duration in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) { return encodeFields(reflect.ValueOf(l)) }

// UnmarshalJSON reads l as MarshalJSON writes it.
func (l *Latency) UnmarshalJSON(data []byte) error { return decodeFields(data, reflect.ValueOf(l)) }

// MarshalJSON writes e as it is stored in a Result.
func (e ErrorSample) MarshalJSON() ([]byte, error) { return encodeFields(reflect.ValueOf(e)) }

// UnmarshalJSON reads e as MarshalJSON writes it.
func (e *ErrorSample) UnmarshalJSON(data []byte) error { return decodeFields(data, reflect.ValueOf(e)) }
