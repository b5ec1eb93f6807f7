package loadtesting

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
)

// A Result's JSON is described once: by the `json` tags on the fields of
// Result, RunConfig, Metrics, Latency and ErrorSample. encoding/json reads
// and writes a shadow of each of these types (see shadow), built from those
// tags, which differs from the type in two ways only:
//
//   - a time.Duration is a float64 of milliseconds (its key ends in "_ms"),
//     read back rounded to the nanosecond;
//   - a slice without omitempty is written [] when empty, never null, and
//     an empty one reads back nil.
//
// Field names in the tags are the contract: add, never rename without a
// schema bump.

var (
	durationType = reflect.TypeFor[time.Duration]()
	float64Type  = reflect.TypeFor[float64]()
	resultPkg    = reflect.TypeFor[Result]().PkgPath()
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fromMS(v float64) time.Duration { return time.Duration(math.Round(v * float64(time.Millisecond))) }

// shadow returns the type encoding/json reads and writes for t: t itself,
// unless t is or holds a time.Duration or one of this package's structs.
// A shadow struct has the exported fields of the original, same names,
// same tags, each of a shadow type. Every exported field must have a json
// tag: a field without one would silently fall out of the stored Result.
func shadow(t reflect.Type) (reflect.Type, error) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		e, err := shadow(t.Elem())
		if err != nil || e == t.Elem() {
			return t, err
		}
		if t.Kind() == reflect.Pointer {
			return reflect.PointerTo(e), nil
		}
		return reflect.SliceOf(e), nil
	case reflect.Struct:
		if t.PkgPath() != resultPkg {
			return t, nil
		}
	default:
		if t == durationType {
			return float64Type, nil
		}
		return t, nil
	}
	var fields []reflect.StructField
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case name == "":
			return nil, fmt.Errorf("%s.%s has no json tag", t.Name(), sf.Name)
		case name == "-":
			continue
		case sf.Type == durationType && !strings.HasSuffix(name, "_ms"):
			return nil, fmt.Errorf("%s.%s: key %q of a duration must end in _ms", t.Name(), sf.Name, name)
		}
		st, err := shadow(sf.Type)
		if err != nil {
			return nil, err
		}
		fields = append(fields, reflect.StructField{Name: sf.Name, Type: st, Tag: sf.Tag})
	}
	return reflect.StructOf(fields), nil
}

// shadows maps each struct of this package that has JSON methods to its
// shadow type. It is computed once, on first use (reflect.StructOf is too
// slow to call for every document), and never changes after.
var shadows = sync.OnceValues(func() (map[reflect.Type]reflect.Type, error) {
	m := map[reflect.Type]reflect.Type{}
	for _, t := range []reflect.Type{
		reflect.TypeFor[Result](), reflect.TypeFor[RunConfig](), reflect.TypeFor[Metrics](),
		reflect.TypeFor[Latency](), reflect.TypeFor[ErrorSample](),
	} {
		st, err := shadow(t)
		if err != nil {
			return nil, err
		}
		m[t] = st
	}
	return m, nil
})

// shadowOf returns t's shadow type from shadows.
func shadowOf(t reflect.Type) (reflect.Type, error) {
	m, err := shadows()
	if err != nil {
		return nil, err
	}
	if st, ok := m[t]; ok {
		return st, nil
	}
	return nil, fmt.Errorf("%s: not a type with a described JSON layout", t)
}

// convert copies src into dst, one of them of the other's shadow type:
// durations become milliseconds one way and nanoseconds the other. Writing
// a shadow, a nil slice without omitempty becomes an empty one (so it is
// written []); writing the original, an empty slice becomes nil.
func convert(dst, src reflect.Value) {
	switch {
	case src.Type() == durationType:
		dst.SetFloat(ms(time.Duration(src.Int())))
	case dst.Type() == durationType:
		dst.SetInt(int64(fromMS(src.Float())))
	case dst.Type() == src.Type():
		dst.Set(src)
	case src.Kind() == reflect.Pointer:
		if !src.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
			convert(dst.Elem(), src.Elem())
		}
	case src.Kind() == reflect.Slice:
		dst.Set(reflect.MakeSlice(dst.Type(), src.Len(), src.Len()))
		for i := range src.Len() {
			convert(dst.Index(i), src.Index(i))
		}
	default: // one of this package's structs and its shadow, unnamed
		toShadow := dst.Type().Name() == ""
		sh := dst
		if !toShadow {
			sh = src
		}
		for i := range sh.NumField() {
			sf := sh.Type().Field(i)
			f := dst.FieldByName(sf.Name)
			convert(f, src.FieldByName(sf.Name))
			switch {
			case f.Kind() != reflect.Slice:
			case toShadow && f.IsNil() && !omitEmpty(sf.Tag):
				f.Set(reflect.MakeSlice(f.Type(), 0, 0))
			case !toShadow && f.Len() == 0:
				f.SetZero()
			}
		}
	}
}

func omitEmpty(tag reflect.StructTag) bool {
	_, opts, _ := strings.Cut(tag.Get("json"), ",")
	for opts != "" {
		var opt string
		opt, opts, _ = strings.Cut(opts, ",")
		if opt == "omitempty" {
			return true
		}
	}
	return false
}

// encodeFields writes v, one of this package's structs, through its shadow.
func encodeFields(v reflect.Value) ([]byte, error) {
	st, err := shadowOf(v.Type())
	if err != nil {
		return nil, err
	}
	s := reflect.New(st).Elem()
	convert(s, v)
	return json.Marshal(s.Interface())
}

// decodeFields reads data into the struct v points to, through its shadow,
// replacing all of it. Unknown keys are ignored; a missing key leaves its
// field zero.
func decodeFields(data []byte, v reflect.Value) error {
	st, err := shadowOf(v.Elem().Type())
	if err != nil {
		return err
	}
	s := reflect.New(st)
	if err := json.Unmarshal(data, s.Interface()); err != nil {
		return err
	}
	v.Elem().SetZero()
	convert(v.Elem(), s.Elem())
	return nil
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
