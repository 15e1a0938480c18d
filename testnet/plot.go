package testnet

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot files, written beside NAME.txt and NAME.json as NAME + suffix.
const (
	PlotCDF      = "-cdf.png"       // completion-time CDF
	PlotRate     = "-rate.png"      // swarm download rate and completions over time
	PlotASMatrix = "-as-matrix.png" // bytes by AS pair, a heat map
	PlotSources  = "-sources.png"   // bytes by source per leecher, stacked bars
	PlotDHT      = "-dht.png"       // DHT runs: bootstrap node load, time to first peer
)

// Every plot is plotW × plotH at plotDPI: 1000 × 600 pixels.
const (
	plotW   = 10 * vg.Inch
	plotH   = 6 * vg.Inch
	plotDPI = 100
)

// WritePlots renders the report's PNG plots into dir as NAME-cdf.png,
// NAME-rate.png, NAME-as-matrix.png, NAME-sources.png and, in DHT runs,
// NAME-dht.png, and returns the paths written. A degenerate report (no completions, one AS, no samples)
// still gets every plot, with empty axes and a note in the title.
func (r *Report) WritePlots(dir, name string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	type job struct {
		suffix string
		draw   func(draw.Canvas)
	}
	jobs := []job{
		{PlotCDF, plotDrawer(r.cdfPlot())},
		{PlotRate, r.drawRate},
		{PlotASMatrix, r.drawASMatrix},
		{PlotSources, plotDrawer(r.sourcesPlot())},
	}
	if r.DHT != nil {
		jobs = append(jobs, job{PlotDHT, r.drawDHT})
	}
	var paths []string
	for _, j := range jobs {
		p := filepath.Join(dir, name+j.suffix)
		if err := savePNG(p, j.draw); err != nil {
			return paths, fmt.Errorf("plot %s: %w", filepath.Base(p), err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// plotDrawer draws one plot on the whole canvas.
func plotDrawer(p *plot.Plot) func(draw.Canvas) { return p.Draw }

// savePNG renders fn on a white plotW × plotH canvas and writes it to path.
// gonum panics on some impossible inputs; that becomes an error here, so a
// bad plot never takes the report down with it.
func savePNG(path string, fn func(draw.Canvas)) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rendering: %v", p)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(plotW, plotH), vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))
	fn(draw.New(c))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sans is the typeface of every text in the plots (embedded in gonum).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot is a plot with the title, axis labels and a light grid, in sans.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	useSans(p)
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Tick.Marker = plainTicks{}
	p.Y.Tick.Marker = plainTicks{}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 225}
	g.Horizontal.Color = color.Gray{Y: 225}
	p.Add(g)
	p.Legend.Top = true
	return p
}

// useSans sets every text style of p to the sans typeface, keeping sizes.
func useSans(p *plot.Plot) {
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.Legend.TextStyle.Font,
		&p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font} {
		*f = font.From(sans, f.Size)
	}
}

// addLine adds a line (a step line when step is set) with a legend entry.
func addLine(p *plot.Plot, label string, xys plotter.XYs, c color.Color, dashed, step bool) {
	if len(xys) == 0 {
		return
	}
	l, err := plotter.NewLine(xys)
	if err != nil { // only NaN or Inf points, which callers never pass
		return
	}
	l.Color = c
	l.Width = vg.Points(2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		l.Width = vg.Points(1.5)
	}
	if step {
		l.StepStyle = plotter.PostStep
	}
	p.Add(l)
	if label != "" {
		p.Legend.Add(label, l)
	}
}

// vline adds a dashed vertical line at x from y0 to y1.
func vline(p *plot.Plot, label string, x, y0, y1 float64, c color.Color) {
	addLine(p, label, plotter.XYs{{X: x, Y: y0}, {X: x, Y: y1}}, c, true, false)
}

// Colours used across the plots (colour-blind safe, Okabe–Ito).
var (
	colBlue   = color.RGBA{0, 114, 178, 255}
	colOrange = color.RGBA{230, 159, 0, 255}
	colGreen  = color.RGBA{0, 158, 115, 255}
	colRed    = color.RGBA{213, 94, 0, 255}
	colPurple = color.RGBA{204, 121, 167, 255}
	colGrey   = color.RGBA{110, 110, 110, 255}
)

// seriesColor picks the i-th colour of the palette above.
func seriesColor(i int) color.Color {
	cs := []color.Color{colBlue, colOrange, colGreen, colRed, colPurple, colGrey}
	return cs[i%len(cs)]
}

// mibf is bytes in MiB as a float, for axes.
func mibf(n int64) float64 { return float64(n) / (1 << 20) }

// plainTicks are gonum's default ticks labelled without trailing zeros
// ("25", not "25.00").
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 6, 64)
		}
	}
	return ts
}
