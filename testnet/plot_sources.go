package testnet

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxNamedBars: above this many leechers the bars carry no names.
const maxNamedBars = 40

// sourcesPlot stacks, per leecher, the payload it got from peers under what
// it got from seed servers, with the file size marked: a bar above the line
// is duplicate or re-downloaded data.
func (r *Report) sourcesPlot() *plot.Plot {
	title := fmt.Sprintf("%s: bytes by source — peers %.1f MiB, seed servers %.1f MiB (%.2f× the file)",
		r.Scenario, mibf(r.Downloaded-r.FromSeedServers), mibf(r.FromSeedServers), r.SeedServerMultiple)
	p := newPlot(title, "leecher", "downloaded (MiB)")
	n := len(r.Peers)
	if n == 0 {
		p.Title.Text += " — no leechers"
		p.Y.Min, p.Y.Max = 0, max(mibf(r.FileSize)*1.1, 1)
		return p
	}
	fromPeers := make(plotter.Values, n)
	fromSeeds := make(plotter.Values, n)
	names := make([]string, n)
	top := mibf(r.FileSize)
	for i, pr := range r.Peers {
		fromPeers[i] = mibf(max(pr.Downloaded-pr.FromSeedServers, 0))
		fromSeeds[i] = mibf(pr.FromSeedServers)
		names[i] = pr.Name
		top = max(top, fromPeers[i]+fromSeeds[i])
	}
	// 80 % of the space each bar has, within 4..40 points.
	w := min(max(vg.Points(4), (plotW-vg.Inch*1.5)/vg.Length(n)*0.8), vg.Points(40))
	peers, err1 := plotter.NewBarChart(fromPeers, w)
	seeds, err2 := plotter.NewBarChart(fromSeeds, w)
	if err1 != nil || err2 != nil { // only for NaN or Inf values
		return p
	}
	peers.Color, peers.LineStyle.Width = colBlue, 0
	seeds.Color, seeds.LineStyle.Width = colOrange, 0
	seeds.StackOn(peers)
	p.Add(peers, seeds)
	p.Legend.Add("from peers", peers)
	p.Legend.Add("from seed servers", seeds)
	addLine(p, fmt.Sprintf("file size %.1f MiB", mibf(r.FileSize)),
		plotter.XYs{{X: -0.5, Y: mibf(r.FileSize)}, {X: float64(n) - 0.5, Y: mibf(r.FileSize)}}, colGrey, true, false)
	if n <= maxNamedBars {
		p.NominalX(names...)
		if n > 12 {
			p.X.Tick.Label.Rotation = 0.8
			p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
		}
	} else {
		p.X.Label.Text = fmt.Sprintf("leecher (1..%d, in the report's order)", n)
		p.X.Tick.Marker = numberTicks(n)
	}
	p.X.Min, p.X.Max = -0.6, float64(n)-0.4
	p.Y.Min, p.Y.Max = 0, top*1.25
	return p
}

// numberTicks labels bar i (at x = i) with its 1-based number, every tenth
// of the way or so.
func numberTicks(n int) plot.ConstantTicks {
	step := max(1, n/10)
	if step > 5 {
		step = step / 5 * 5
	}
	ticks := []plot.Tick{{Value: 0, Label: "1"}}
	for k := step; k <= n; k += step {
		ticks = append(ticks, plot.Tick{Value: float64(k - 1), Label: fmt.Sprint(k)})
	}
	return ticks
}
