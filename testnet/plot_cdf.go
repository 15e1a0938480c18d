package testnet

import (
	"fmt"
	"image/color"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// cdfPoints is the empirical CDF of xs over n leechers (n ≥ len(xs): peers
// that never completed keep the curve below 1), as step points from (0, 0),
// extended flat to end.
func cdfPoints(xs []float64, n int, end float64) plotter.XYs {
	if n == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pts := plotter.XYs{{X: 0, Y: 0}}
	for i, x := range s {
		pts = append(pts, plotter.XY{X: x, Y: float64(i+1) / float64(n)})
	}
	if last := pts[len(pts)-1]; end > last.X {
		pts = append(pts, plotter.XY{X: end, Y: last.Y})
	}
	return pts
}

// completionTimes are the completed leechers' completion times since the
// scenario start and since their own join.
func (r *Report) completionTimes() (sinceStart, sinceJoin []float64) {
	for _, p := range r.Peers {
		if p.Completed > 0 {
			sinceStart = append(sinceStart, p.Completed)
			sinceJoin = append(sinceJoin, p.Took)
		}
	}
	return sinceStart, sinceJoin
}

// cdfPlot is the completion-time CDF with the Kumar–Ross minimum marked.
func (r *Report) cdfPlot() *plot.Plot {
	p := newPlot(fmt.Sprintf("%s: completion time CDF (%d of %d leechers complete, proximity %s)",
		r.Scenario, r.Completed, r.Leechers, onOff(r.Proximity)),
		"time since scenario start (s)", "fraction of leechers complete")
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(8), vg.Points(8)
	start, join := r.completionTimes()
	end := r.TookSeconds
	addLine(p, "completed (since scenario start)", cdfPoints(start, r.Leechers, end), colBlue, false, true)
	if r.joinsSpread() {
		addLine(p, "download time (since the peer joined)", cdfPoints(join, r.Leechers, end), colOrange, false, true)
	}
	if r.KumarRoss > 0 {
		vline(p, fmt.Sprintf("Kumar–Ross minimum %.1f s", r.KumarRoss), r.KumarRoss, 0, 1, colRed)
	}
	if len(start) == 0 {
		p.Title.Text += " — none completed"
	}
	p.Y.Min, p.Y.Max = 0, 1.02
	p.X.Min = 0
	p.X.Max = max(end, r.KumarRoss*1.05, 1)
	return p
}

// joinsSpread: leechers joined at different times.
func (r *Report) joinsSpread() bool {
	for _, p := range r.Peers {
		if p.Join != r.Peers[0].Join {
			return true
		}
	}
	return false
}

// WriteCDFComparison writes one PNG with the completion-time CDFs of several
// runs of a scenario (for example proximity on and off), labelled by
// labels[i].
func WriteCDFComparison(path, title string, reps []*Report, labels []string) error {
	p := newPlot(title, "time since scenario start (s)", "fraction of leechers complete")
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(8), vg.Points(8)
	xmax := 1.0
	for i, r := range reps {
		if r == nil {
			continue
		}
		start, _ := r.completionTimes()
		label := fmt.Sprintf("%s: %d/%d, median %.1f s", labels[i], r.Completed, r.Leechers, r.CompletionMedian)
		addLine(p, label, cdfPoints(start, r.Leechers, r.TookSeconds), seriesColor(i), false, true)
		xmax = max(xmax, r.TookSeconds)
		if i == 0 && r.KumarRoss > 0 {
			vline(p, fmt.Sprintf("Kumar–Ross minimum %.1f s", r.KumarRoss), r.KumarRoss, 0, 1, color.Black)
			xmax = max(xmax, r.KumarRoss*1.05)
		}
	}
	p.Y.Min, p.Y.Max = 0, 1.02
	p.X.Min, p.X.Max = 0, xmax
	return savePNG(path, func(c draw.Canvas) { p.Draw(c) })
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
