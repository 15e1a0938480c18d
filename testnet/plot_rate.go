package testnet

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawRate draws two aligned panels over time: the swarm's aggregate
// download rate, and how many leechers are complete.
func (r *Report) drawRate(c draw.Canvas) {
	rate := newPlot(fmt.Sprintf("%s: swarm download rate (all leechers, payload from peers and seed servers)", r.Scenario),
		"", "download rate (MiB/s)")
	done := newPlot("", "time since scenario start (s)", "leechers complete")
	var rs, ds plotter.XYs
	peak := 0.0
	for _, s := range r.Timeline {
		rs = append(rs, plotter.XY{X: s.T, Y: s.Rate / (1 << 20)})
		ds = append(ds, plotter.XY{X: s.T, Y: float64(s.Complete)})
		peak = max(peak, s.Rate/(1<<20))
	}
	addLine(rate, "", rs, colBlue, false, false)
	addLine(done, "", ds, colGreen, false, true)
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
