package dashboard

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apiload/apiload/internal/format"
	"github.com/apiload/apiload/loadtesting"
)

// The charts are computed here as plain geometry (numbers and path data) and
// drawn by the templates as inline SVG, so every label goes through
// html/template's escaping like any other value.

// series is one run to draw on a latency chart.
type series struct {
	Name   string
	Result *loadtesting.Result
}

// chart is a latency-by-percentile plot, the picture HdrHistogram's plotter
// draws: x is the percentile on a log scale of 1/(1-p), so 90%, 99%, 99.9%
// are evenly spaced and the tail gets room; y is the latency, linear from 0.
type chart struct {
	W, H                     float64 // the viewBox
	Left, Top, Right, Bottom float64 // the plot area's edges
	XTicks, YTicks           []tick
	YLabel                   string
	Label                    string // the accessible description
	Lines                    []line
}

type tick struct {
	Pos   float64
	Label string
}

// line is one run's percentile curve.
type line struct {
	Name   string
	Class  string // s0, s1: the colour
	D      string // SVG path data
	Points int
	Marks  []mark // p50, p90, p99, ... with their values, for hovering
	// The legend entry: a short stroke from LegendX1 to LegendX2 and the
	// name at LegendTextX, all at height LegendY.
	LegendX1, LegendX2, LegendTextX, LegendY float64
}

type mark struct {
	X, Y  float64
	Title string
}

const (
	chartW, chartH      = 560.0, 300.0
	chartLeft, chartTop = 56.0, 26.0
	chartRight          = chartW - 16
	chartBottom         = chartH - 40
	// pointsPerDecade is how many points the curve has for each "nine".
	pointsPerDecade = 24
	// maxNines is the deepest percentile drawn: 99.9999%.
	maxNines = 6
)

// latencyChart plots the percentile curves of runs, or returns nil when none
// has a readable histogram with data.
func latencyChart(runs ...series) *chart {
	// Every point the deepest curve can have, then the max, read from each
	// run's histogram at once.
	ps := make([]float64, 0, maxNines*pointsPerDecade+2)
	for k := 0; k <= maxNines*pointsPerDecade; k++ {
		ps = append(ps, percentileAt(float64(k)/pointsPerDecade))
	}
	ps = append(ps, 100)
	type decoded struct {
		name   string
		points []time.Duration // at ps
	}
	var hs []decoded
	nines := 2.0 // at least up to 99%
	var maxV int64
	for _, s := range runs {
		if s.Result == nil {
			continue
		}
		points, count := s.Result.Percentiles(ps...)
		if count == 0 {
			continue
		}
		hs = append(hs, decoded{s.Name, points})
		// Beyond 1/(1-p) = count the curve is flat at the max: stop there.
		nines = max(nines, math.Min(maxNines, math.Ceil(math.Log10(float64(count)))))
		maxV = max(maxV, int64(points[len(points)-1]))
	}
	if len(hs) == 0 {
		return nil
	}
	c := &chart{W: chartW, H: chartH, Left: chartLeft, Top: chartTop, Right: chartRight, Bottom: chartBottom}
	unit, unitName := latencyUnit(time.Duration(maxV))
	step := niceStep(float64(maxV) / unit / 4)
	top := math.Max(step, math.Ceil(float64(maxV)/unit/step)*step)
	for i := range int(math.Round(top/step)) + 1 {
		v := float64(i) * step
		c.YTicks = append(c.YTicks, tick{Pos: c.y(v, top), Label: trimFloat(v)})
	}
	c.YLabel = "latency (" + unitName + ")"
	for n := 0.0; n <= nines; n++ {
		c.XTicks = append(c.XTicks, tick{Pos: c.x(n, nines), Label: ninesLabel(int(n))})
	}

	names := make([]string, 0, len(hs))
	for i, d := range hs {
		ln := line{
			Name: d.name, Class: "s" + strconv.Itoa(i%4),
			LegendX1: chartLeft + 12, LegendX2: chartLeft + 32, LegendTextX: chartLeft + 38,
			LegendY: chartTop + 10 + 16*float64(i),
		}
		var b strings.Builder
		steps := int(nines * pointsPerDecade)
		for k := 0; k <= steps; k++ {
			x := float64(k) / pointsPerDecade
			v := float64(d.points[k]) / unit
			cmd := 'L'
			if k == 0 {
				cmd = 'M'
			}
			fmt.Fprintf(&b, "%c%s,%s", cmd, trimFloat(c.x(x, nines)), trimFloat(c.y(v, top)))
			ln.Points++
		}
		ln.D = b.String()
		for n := 0.0; n <= nines; n++ {
			if n == 0 {
				continue
			}
			p := percentileAt(n)
			v := d.points[int(n)*pointsPerDecade]
			ln.Marks = append(ln.Marks, mark{
				X:     c.x(n, nines),
				Y:     c.y(float64(v)/unit, top),
				Title: fmt.Sprintf("%s: p%s %s", d.name, trimFloat(p), format.Duration(time.Duration(v))),
			})
		}
		c.Lines = append(c.Lines, ln)
		names = append(names, d.name)
	}
	c.Label = "latency by percentile of " + strings.Join(names, " and ")
	return c
}

// percentileAt maps a position on the x axis (0 = 0%, 1 = 90%, 2 = 99%,
// ...) to its percentile.
func percentileAt(x float64) float64 {
	return 100 * (1 - math.Pow(10, -x))
}

func ninesLabel(n int) string {
	switch n {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", n-2) + "%"
}

func (c *chart) x(v, xmax float64) float64 {
	return round1(c.Left + v/xmax*(c.Right-c.Left))
}

func (c *chart) y(v, ymax float64) float64 {
	return round1(c.Bottom - v/ymax*(c.Bottom-c.Top))
}

// latencyUnit picks the unit of a latency axis whose top is d.
func latencyUnit(d time.Duration) (float64, string) {
	switch {
	case d < time.Millisecond:
		return float64(time.Microsecond), "µs"
	case d < time.Second:
		return float64(time.Millisecond), "ms"
	}
	return float64(time.Second), "s"
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// trimFloat renders v with at most 4 decimals and no trailing zeros.
func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// spark is a small line of one metric over an endpoint's recent runs,
// oldest on the left.
type spark struct {
	W, H   float64
	Class  string
	D      string
	Points []sparkMark
	Last   sparkMark
}

type sparkPoint struct {
	Value float64
	Title string
}

type sparkMark struct {
	X, Y  float64
	Title string
}

const sparkW, sparkH, sparkPad = 200.0, 44.0, 4.0

func sparkline(class string, pts []sparkPoint) *spark {
	if len(pts) == 0 {
		return nil
	}
	s := &spark{W: sparkW, H: sparkH, Class: class}
	top := 0.0
	for _, p := range pts {
		top = max(top, p.Value)
	}
	if top <= 0 {
		top = 1
	}
	var b strings.Builder
	for i, p := range pts {
		x := sparkW / 2 // one run: a dot in the middle
		if len(pts) > 1 {
			x = sparkPad + float64(i)*(sparkW-2*sparkPad)/float64(len(pts)-1)
		}
		y := sparkH - sparkPad - p.Value/top*(sparkH-2*sparkPad)
		m := sparkMark{X: round1(x), Y: round1(y), Title: p.Title}
		cmd := 'L'
		if i == 0 {
			cmd = 'M'
		}
		fmt.Fprintf(&b, "%c%s,%s", cmd, trimFloat(m.X), trimFloat(m.Y))
		s.Points = append(s.Points, m)
	}
	s.D = b.String()
	s.Last = s.Points[len(s.Points)-1]
	return s
}
