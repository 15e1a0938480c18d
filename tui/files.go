package tui

import (
	"fmt"
	"strings"

	"github.com/shoal-p2p/shoal/peer"
)

func prioName(p int) string {
	switch {
	case p <= 0:
		return "skip"
	case p == 1:
		return "normal"
	}
	return fmt.Sprintf("high %d", p)
}

var fileCols = []column{
	{title: "", w: 1},
	{title: "#", w: 3, prio: 3, right: true},
	{title: "Path", w: 20, flex: true},
	{title: "Size", w: 9, prio: 2, right: true},
	{title: "Progress", w: 12, prio: 1, flex: true, max: 30},
	{title: "Done", w: 6, right: true},
	{title: "Priority", w: 8},
}

func (m *Model) filesView(t *peer.Stats, w, h int) string {
	th := m.th
	if len(t.Files) == 0 {
		return th.s(th.dim, "no file list until the metadata arrives")
	}
	ws := layout(fileCols, w)
	skipped := 0
	for _, f := range t.Files {
		if f.Priority == 0 {
			skipped++
		}
	}
	lines := []string{th.s(th.bold, fmt.Sprintf("%d file(s), %d skipped", len(t.Files), skipped)) +
		th.s(th.dim, "  enter to select "+th.g.dot+" + / - priority "+th.g.dot+" x skip/unskip"), th.headerRow(fileCols, ws)}
	rows := h - 2
	cur := min(m.rows[tabFiles], len(t.Files)-1)
	top := scrollTop(&m.tops[tabFiles], cur, rows, len(t.Files))
	for i := top; i < len(t.Files) && i < top+rows; i++ {
		f := t.Files[i]
		var prog float64
		if f.Length > 0 {
			prog = float64(f.Completed) / float64(f.Length)
		} else {
			prog = 1
		}
		mark := " "
		if m.detail && i == cur {
			mark = th.g.cursor
		}
		prio := prioName(f.Priority)
		pst := th.r.NewStyle()
		switch {
		case f.Priority == 0:
			pst = th.dim
		case f.Priority > 1:
			pst = th.warn
		}
		barSt := th.ok
		if f.Priority == 0 {
			barSt = th.dim
		}
		cells := []string{mark, fmt.Sprint(i + 1), f.Path, humanBytes(f.Length), th.bar(prog, ws[4], barSt), pct(prog), th.s(pst, prio)}
		line := th.row(fileCols, ws, cells)
		if m.detail && i == cur {
			line = th.s(th.sel, fit(line, w, false, ""))
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
