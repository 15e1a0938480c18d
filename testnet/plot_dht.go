package testnet

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawDHT draws two panels for a DHT run: the bootstrap node's received
// datagrams per second over time (restarts marked), and per phase the CDF
// of the leechers' time from (re)start to their first connected peer.
func (r *Report) drawDHT(c draw.Canvas) {
	load := newPlot(fmt.Sprintf("%s: DHT bootstrap node %s, datagrams received per second (1 s buckets)", r.Scenario, r.DHT.Bootstrap),
		"time since scenario start (s)", "datagrams/s")
	var xys plotter.XYs
	peak := 0.0
	for _, b := range bootBuckets(r.Timeline, 1) {
		xys = append(xys, b)
		peak = max(peak, b.Y)
	}
	addLine(load, "", xys, colPurple, false, true)
	r.markRestarts(load, max(peak, 1), true)
	load.X.Min, load.X.Max = 0, max(r.TookSeconds, 1)
	load.Y.Min, load.Y.Max = 0, max(peak*1.1, 1)

	first := newPlot("time to first connected peer, leechers still downloading", "seconds after the (re)start", "fraction of those leechers")
	first.Legend.Top, first.Legend.Left = false, false
	first.Legend.XOffs, first.Legend.YOffs = -vg.Points(8), vg.Points(8)
	xmax := 1.0
	for i, ph := range r.DHT.Phases {
		var ts []float64
		for _, p := range r.Peers {
			for _, rec := range p.DHT {
				if rec.Phase == i && !rec.Seeding && rec.FirstPeer >= 0 {
					ts = append(ts, rec.FirstPeer)
					xmax = max(xmax, rec.FirstPeer)
				}
			}
		}
		label := fmt.Sprintf("%s: %d/%d, median %.2f s", ph.Name, ph.FirstPeer, ph.Needy, ph.FirstPeerMedian)
		addLine(first, label, cdfPoints(ts, ph.Needy, 0), seriesColor(i), false, true)
	}
	first.X.Min, first.X.Max = 0, xmax*1.1
	first.Y.Min, first.Y.Max = 0, 1.02

	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(10), PadTop: vg.Points(6), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadRight: vg.Points(14)}
	cs := plot.Align([][]*plot.Plot{{load}, {first}}, tiles, c)
	load.Draw(cs[0][0])
	first.Draw(cs[1][0])
}

// bootBuckets turns the cumulative datagram counts of the timeline into
// rates over consecutive spans of about span seconds, placed at each
// span's start.
func bootBuckets(tl []Sample, span float64) plotter.XYs {
	var out plotter.XYs
	for i := 0; i < len(tl); {
		j := i + 1
		for j < len(tl) && tl[j].T-tl[i].T < span {
			j++
		}
		if j == len(tl) {
			break
		}
		out = append(out, plotter.XY{X: tl[i].T, Y: float64(tl[j].BootPackets-tl[i].BootPackets) / (tl[j].T - tl[i].T)})
		i = j
	}
	return out
}
