// Package format renders durations, rates and percentages the same way in
// every human-facing output: test logs, assertion failures and CLI tables.
package format

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Duration renders d with about three significant digits: 412µs, 8.1ms,
// 23.4ms, 1.20s. Zero is "0s".
func Duration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	neg := d < 0
	if neg {
		d = -max(d, -math.MaxInt64) // -MinInt64 overflows; 1ns less is the same to 3 digits
	}
	var v float64
	var unit string
	switch {
	case d < time.Microsecond:
		return sign(neg) + strconv.FormatInt(int64(d), 10) + "ns"
	case d < time.Millisecond:
		v, unit = float64(d)/float64(time.Microsecond), "µs"
	case d < time.Second:
		v, unit = float64(d)/float64(time.Millisecond), "ms"
	default:
		v, unit = d.Seconds(), "s"
	}
	return sign(neg) + sig3(v) + unit
}

// Millis renders d in milliseconds with three significant digits and no unit,
// for table columns headed "MS".
func Millis(d time.Duration) string {
	return sig3(float64(d) / float64(time.Millisecond))
}

// Rate renders a per-second rate: 12345.6 -> "12346", 12.34 -> "12.3".
func Rate(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return sig3(v)
}

// Percent renders a 0..1 ratio as a percentage: 0.0042 -> "0.42%".
func Percent(ratio float64) string {
	p := ratio * 100
	switch {
	case p == 0:
		return "0%"
	case p >= 10:
		return strconv.FormatFloat(p, 'f', 1, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	}
}

// sig3 formats v with about three significant digits and no exponent.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return trim(strconv.FormatFloat(v, 'f', 1, 64))
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return trim(fmt.Sprintf("%.3g", v))
	}
}

func trim(s string) string {
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

func sign(neg bool) string {
	if neg {
		return "-"
	}
	return ""
}
