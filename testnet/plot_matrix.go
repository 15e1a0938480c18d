package testnet

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// asGrid is the report's AS matrix in MiB as a plotter.GridXYZ: column c is
// the receiving AS c+1 (x = c+1), row r the sending AS r+1 drawn at y = n-r,
// so that AS 1 sends along the top row as in the text report.
type asGrid struct {
	m [][]int64
	n int
}

func (g asGrid) Dims() (int, int)     { return g.n, g.n }
func (g asGrid) X(c int) float64      { return float64(c + 1) }
func (g asGrid) Y(r int) float64      { return float64(g.n - r) }
func (g asGrid) Z(c, r int) float64   { return mibf(g.m[r+1][c+1]) }
func (g asGrid) cell(c, r int) string { return fmt.Sprintf("%.1f", g.Z(c, r)) }

// maxLabelledASes: above this many ASes the cells carry no numbers.
const maxLabelledASes = 12

// drawASMatrix draws the heat map of bytes sent per AS pair with a colour
// bar in MiB on the right.
func (r *Report) drawASMatrix(c draw.Canvas) {
	n := len(r.ASMatrix) - 1
	title := fmt.Sprintf("%s: bytes on peer connections by AS pair, %.0f%% inside an AS", r.Scenario, 100*r.IntraASShare)
	p := newPlot(title, "receiving AS", "sending AS")
	p.Legend.Top = false
	cmap := heatColors()
	lo, hi := 0.0, 1.0
	if n >= 1 {
		g := asGrid{m: r.ASMatrix, n: n}
		for row := range n {
			for col := range n {
				hi = max(hi, g.Z(col, row))
			}
		}
		hm := plotter.NewHeatMap(g, cmap.Palette(255))
		hm.Min, hm.Max = lo, hi
		p.Add(hm)
		if n <= maxLabelledASes {
			addCellLabels(p, g, hi)
		}
		ticks := make([]plot.Tick, 0, n)
		yticks := make([]plot.Tick, 0, n)
		step := max(1, n/20)
		for as := 1; as <= n; as += step {
			ticks = append(ticks, plot.Tick{Value: float64(as), Label: fmt.Sprintf("AS%d", as)})
			yticks = append(yticks, plot.Tick{Value: float64(n + 1 - as), Label: fmt.Sprintf("AS%d", as)})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.Y.Tick.Marker = plot.ConstantTicks(yticks)
		p.X.Min, p.X.Max = 0.5, float64(n)+0.5
		p.Y.Min, p.Y.Max = 0.5, float64(n)+0.5
	} else {
		p.Title.Text += " — no AS data"
	}
	out := outsideBytes(r.ASMatrix)
	if out > 0 {
		p.X.Label.Text += fmt.Sprintf("   (plus %.1f MiB to or from addresses outside every AS, not shown)", mibf(out))
	}

	bar := plot.New()
	useSans(bar)
	cb := &plotter.ColorBar{ColorMap: cmap, Vertical: true}
	cb.ColorMap.SetMin(lo)
	cb.ColorMap.SetMax(hi)
	bar.Add(cb)
	bar.HideX()
	bar.Y.Padding = 0
	bar.Y.Tick.Marker = plainTicks{}
	bar.Y.Label.Text = "MiB sent"
	bar.Title.Text = " "
	barW := vg.Inch * 1.1
	p.Draw(draw.Crop(c, 0, -barW, 0, 0))
	bar.Draw(draw.Crop(c, c.Max.X-c.Min.X-barW+vg.Points(10), -vg.Points(10), p.X.Label.TextStyle.Height(p.X.Label.Text)+vg.Inch*0.45, 0))
}

// addCellLabels writes each cell's MiB in it, white on dark cells.
func addCellLabels(p *plot.Plot, g asGrid, hi float64) {
	var xys plotter.XYs
	var texts []string
	for row := range g.n {
		for col := range g.n {
			xys = append(xys, plotter.XY{X: g.X(col), Y: g.Y(row)})
			texts = append(texts, g.cell(col, row))
		}
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return
	}
	i := 0
	for row := range g.n {
		for col := range g.n {
			st := l.TextStyle[i]
			st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
			st.Font = font.From(sans, vg.Points(11))
			st.Color = color.Black
			if g.Z(col, row) > 0.5*hi {
				st.Color = color.White
			}
			l.TextStyle[i] = st
			i++
		}
	}
	p.Add(l)
}

// outsideBytes sums row 0 and column 0 (addresses outside every AS).
func outsideBytes(m [][]int64) int64 {
	var s int64
	for i := range m {
		for j := range m[i] {
			if i == 0 || j == 0 {
				s += m[i][j]
			}
		}
	}
	return s
}

// heatColors is a sequential colour map from light yellow (little) through
// green-blue to navy (much), with luminance linear in the value.
func heatColors() palette.ColorMap {
	dark, err := moreland.NewLuminance([]color.Color{
		color.RGBA{8, 29, 88, 255}, color.RGBA{34, 94, 168, 255}, color.RGBA{65, 182, 196, 255},
		color.RGBA{199, 233, 180, 255}, color.RGBA{255, 255, 217, 255},
	})
	if err != nil { // the controls above are in increasing luminance
		panic(err)
	}
	return palette.Reverse(dark)
}
