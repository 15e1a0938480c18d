package testnet

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawRate draws two aligned panels over time: the swarm's aggregate
// download rate, and how many leechers are complete. DHT mass restarts are
// marked in both.
func (r *Report) drawRate(c draw.Canvas) {
	rate := newPlot(fmt.Sprintf("%s: swarm download rate (all leechers, payload from peers and seed servers, 1 s average)", r.Scenario),
		"", "download rate (MiB/s)")
	done := newPlot("", "time since scenario start (s)", "leechers complete")
	rs := smoothRate(r.Timeline, 1)
	var ds plotter.XYs
	peak := 0.0
	for _, p := range rs {
		peak = max(peak, p.Y)
	}
	for _, s := range r.Timeline {
		ds = append(ds, plotter.XY{X: s.T, Y: float64(s.Complete)})
	}
	addLine(rate, "", rs, colBlue, false, false)
	addLine(done, "", ds, colGreen, false, true)
	r.markRestarts(rate, max(peak, 1), true)
	r.markRestarts(done, float64(max(r.Leechers, 1)), false)
	xmax := max(r.TookSeconds, 1)
	for _, p := range []*plot.Plot{rate, done} {
		p.X.Min, p.X.Max = 0, xmax
		p.Y.Min = 0
	}
	rate.Y.Max = max(peak*1.05, 1)
	done.Y.Max = float64(max(r.Leechers, 1)) + 0.5
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(6), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadRight: vg.Points(14)}
	cs := plot.Align([][]*plot.Plot{{rate}, {done}}, tiles, c)
	rate.Draw(cs[0][0])
	done.Draw(cs[1][0])
}

// smoothRate is the download rate in MiB/s averaged over the samples of
// the last span seconds (weighted by their intervals).
func smoothRate(tl []Sample, span float64) plotter.XYs {
	var out plotter.XYs
	for i, s := range tl {
		var bytes, dt float64
		for j := i; j > 0 && s.T-tl[j-1].T <= span+1e-9; j-- {
			d := tl[j].T - tl[j-1].T
			bytes += tl[j].Rate * d
			dt += d
		}
		y := 0.0
		if dt > 0 {
			y = bytes / dt / (1 << 20)
		}
		out = append(out, plotter.XY{X: s.T, Y: y})
	}
	return out
}

// markRestarts draws a dashed line at each DHT mass restart, up to top,
// with one legend entry if legend is set.
func (r *Report) markRestarts(p *plot.Plot, top float64, legend bool) {
	if r.DHT == nil || len(r.DHT.Phases) < 2 {
		return
	}
	label := ""
	if legend {
		label = "DHT mass restart"
	}
	for _, ph := range r.DHT.Phases[1:] {
		vline(p, label, ph.At, 0, top, colRed)
		label = "" // one legend entry is enough
	}
}
