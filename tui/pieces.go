package tui

import (
	"fmt"
	"strings"

	"github.com/shoal-p2p/shoal/peer"
)

// pieceCell draws one cell of the piece map: have, or missing tinted by
// availability (the rarest are warm and low; the picker takes them first).
func (m *Model) pieceCell(have bool, avail int) string {
	th := m.th
	if have {
		return th.s(th.haveStyle, th.g.pieceHave)
	}
	if avail <= 0 {
		return th.s(th.noneStyle, th.g.pieceNone)
	}
	lv := th.g.pieceLevels
	g := lv[min(avail, len(lv))-1]
	return th.s(th.heat[min(avail, len(th.heat))-1], g)
}

func (m *Model) pieceLegend() string {
	var b strings.Builder
	b.WriteString(m.pieceCell(true, 0) + " have  " + m.pieceCell(false, 0) + " nobody has it  ")
	for a := 1; a <= 5; a++ {
		b.WriteString(m.pieceCell(false, a))
	}
	b.WriteString(" missing, held by 1, 2, 3, 4, 5 peers (rarest first: the warm, low ones go first)")
	return b.String()
}

func (m *Model) piecesView(t *peer.Stats, w, h int) string {
	th := m.th
	if !t.HaveInfo || len(t.Availability) == 0 {
		return th.s(th.dim, "no piece map until the metadata arrives")
	}
	n := len(t.Availability)
	a := availability(t)
	head := fmt.Sprintf("%d/%d pieces", t.PiecesHave, n)
	if t.PieceLength > 0 {
		head += fmt.Sprintf(" of %s", humanBytes(t.PieceLength))
	} else if t.NumPieces > 0 && t.TotalLength > 0 {
		head += fmt.Sprintf(" of ~%s", humanBytes(t.TotalLength/int64(t.NumPieces)))
	}
	if r, k := rarestHeld(t); r > 0 {
		head += fmt.Sprintf(" %s rarest first: %d missing piece(s) held by only %d peer(s)", th.g.dot, k, r)
	}
	if a.none > 0 {
		head += fmt.Sprintf(" %s %d held by nobody connected", th.g.dot, a.none)
	}
	if t.Endgame {
		head += " " + th.g.dot + " endgame"
	}
	lines := []string{th.s(th.bold, head), m.pieceLegend()}
	histW := 0
	if w >= 100 {
		histW = 38
	}
	mapW := w - histW
	if histW > 0 {
		mapW -= 3
	}
	hw := histW
	if hw == 0 {
		hw = w
	}
	histLines := m.histogram(t, hw)
	mapH := h - 2
	if histW == 0 {
		mapH = h - 2 - len(histLines) - 1
	}
	mapH = max(mapH, 1)
	grid := m.pieceMap(t, mapW, mapH)
	if histW > 0 {
		lines = append(lines, sideBySide(strings.Join(grid, "\n"), strings.Join(histLines, "\n"), mapW, " "+th.s(th.dim, th.g.vline)+" "))
	} else {
		lines = append(lines, grid...)
		lines = append(lines, "")
		lines = append(lines, histLines...)
	}
	return strings.Join(lines, "\n")
}

// pieceMap lays pieces out row by row; when there are more pieces than
// cells, a cell stands for a run of pieces and shows the rarest missing one.
func (m *Model) pieceMap(t *peer.Stats, w, h int) []string {
	n := len(t.Availability)
	per := 1
	for (n+per-1)/per > w*h {
		per++
	}
	cells := (n + per - 1) / per
	var out []string
	var b strings.Builder
	for c := 0; c < cells; c++ {
		have := true
		avail := -1
		for i := c * per; i < min((c+1)*per, n); i++ {
			if i < len(t.HavePieces) && t.HavePieces[i] {
				continue
			}
			have = false
			if avail < 0 || t.Availability[i] < avail {
				avail = t.Availability[i]
			}
		}
		b.WriteString(m.pieceCell(have, avail))
		if (c+1)%w == 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	if per > 1 && len(out) < h {
		out = append(out, m.th.s(m.th.dim, fmt.Sprintf("1 cell = %d pieces", per)))
	}
	return out
}

// histogram counts pieces by availability: missing ones against all.
func (m *Model) histogram(t *peer.Stats, w int) []string {
	th := m.th
	const top = 8 // last bucket is "8+"
	var missing, all [top + 1]int
	for i, v := range t.Availability {
		k := min(v, top)
		all[k]++
		if !(i < len(t.HavePieces) && t.HavePieces[i]) {
			missing[k]++
		}
	}
	peak := 1
	for _, v := range all {
		peak = max(peak, v)
	}
	bw := max(w-24, 4)
	out := []string{th.s(th.bold, "Availability histogram") + th.s(th.dim, " (peers holding each piece)")}
	for k := 0; k <= top; k++ {
		label := fmt.Sprintf("%2d ", k)
		if k == top {
			label = fmt.Sprintf("%d+ ", top)
		}
		nm := int(float64(missing[k]) / float64(peak) * float64(bw))
		na := int(float64(all[k]) / float64(peak) * float64(bw))
		if missing[k] > 0 && nm == 0 {
			nm = 1
		}
		if all[k] > 0 && na == 0 {
			na = 1
		}
		na = max(na, nm)
		st := th.noneStyle
		if k > 0 {
			st = th.heat[min(k, len(th.heat))-1]
		}
		bar := th.s(st, strings.Repeat(th.g.barFull, nm)) + th.s(th.dim, strings.Repeat(th.g.barEmpty, na-nm))
		out = append(out, label+th.s(th.dim, th.g.vline)+fit(bar, bw, false, "")+fmt.Sprintf(" %4d/%-4d", missing[k], all[k]))
	}
	out = append(out, th.s(th.dim, fmt.Sprintf("%s missing  %s have (missing/all)", th.g.barFull, th.g.barEmpty)))
	return out
}

// rarestHeld is the lowest non-zero availability among missing pieces and
// how many missing pieces have it: what rarest-first will pick next.
func rarestHeld(t *peer.Stats) (avail, count int) {
	for i, v := range t.Availability {
		if v == 0 || (i < len(t.HavePieces) && t.HavePieces[i]) {
			continue
		}
		switch {
		case avail == 0 || v < avail:
			avail, count = v, 1
		case v == avail:
			count++
		}
	}
	return avail, count
}
