package tui

import (
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// bar draws a progress bar of w cells for f in [0, 1].
func (th theme) bar(f float64, w int, st lipgloss.Style) string {
	if w <= 0 {
		return ""
	}
	f = math.Max(0, math.Min(1, f))
	g := th.g
	cells := f * float64(w)
	full := int(cells)
	var b strings.Builder
	b.WriteString(strings.Repeat(g.barFull, full))
	rest := w - full
	if rest > 0 && len(g.barParts) > 0 {
		part := int((cells - float64(full)) * float64(len(g.barParts)+1))
		if part > 0 {
			b.WriteString(g.barParts[part-1])
			rest--
		}
	}
	done := th.s(st, b.String())
	return done + th.s(th.dim, strings.Repeat(g.barEmpty, rest))
}

// stackBar draws a bar of w cells split between two quantities, for bytes
// by source; both zero gives an empty bar.
func (th theme) stackBar(a, b int64, w int) string {
	if w <= 0 {
		return ""
	}
	if a+b == 0 {
		return th.s(th.dim, strings.Repeat(th.g.barEmpty, w))
	}
	na := int(math.Round(float64(a) / float64(a+b) * float64(w)))
	if b > 0 && na == w {
		na = w - 1
	}
	if a > 0 && na == 0 {
		na = 1
	}
	seed := th.g.barFull
	if th.ascii {
		seed = "$"
	}
	return th.s(th.down, strings.Repeat(th.g.barFull, na)) + th.s(th.seedsrv, strings.Repeat(seed, w-na))
}

// resample averages vals into n bins (the newest values last); fewer values
// than bins are right-aligned (missing history on the left is zero).
func resample(vals []float64, n int) []float64 {
	out := make([]float64, n)
	if len(vals) == 0 || n <= 0 {
		return out
	}
	if len(vals) <= n {
		copy(out[n-len(vals):], vals)
		return out
	}
	per := float64(len(vals)) / float64(n)
	for i := 0; i < n; i++ {
		lo, hi := int(float64(i)*per), int(float64(i+1)*per)
		if hi <= lo {
			hi = lo + 1
		}
		var sum float64
		for _, v := range vals[lo:hi] {
			sum += v
		}
		out[i] = sum / float64(hi-lo)
	}
	return out
}

// sparkline draws vals (oldest first) in w cells, scaled to the maximum.
func (th theme) sparkline(vals []float64, w int, st lipgloss.Style) string {
	bins := resample(vals, w)
	peak := 0.0
	for _, v := range bins {
		peak = math.Max(peak, v)
	}
	levels := th.g.spark
	var b strings.Builder
	for _, v := range bins {
		i := 0
		if peak > 0 && v > 0 {
			i = 1 + int(v/peak*float64(len(levels)-2)+0.5)
			i = min(max(i, 1), len(levels)-1)
		}
		b.WriteString(levels[i])
	}
	return th.s(st, b.String())
}

// chart draws vals as an area graph h rows high and w cells wide, scaled to
// the maximum; the top row is first.
func (th theme) chart(vals []float64, w, h int, st lipgloss.Style) []string {
	bins := resample(vals, w)
	peak := 0.0
	for _, v := range bins {
		peak = math.Max(peak, v)
	}
	levels := th.g.chart
	steps := len(levels) - 1
	rows := make([]string, h)
	for r := 0; r < h; r++ {
		var b strings.Builder
		base := float64(h-1-r) * float64(steps) // eighths below this row
		for _, v := range bins {
			fill := 0.0
			if peak > 0 {
				fill = v / peak * float64(h*steps)
			}
			k := int(math.Round(fill - base))
			if v > 0 && r == h-1 && k < 1 {
				k = 1
			}
			k = min(max(k, 0), steps)
			b.WriteString(levels[k])
		}
		rows[r] = th.s(st, b.String())
	}
	return rows
}
