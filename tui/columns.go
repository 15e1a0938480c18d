package tui

import "strings"

// column is one column of a table. Columns with a higher prio number are
// hidden first when the terminal is narrow; flex columns take the space
// left over (at least min cells).
type column struct {
	title string
	w     int  // fixed width (or minimum width when flex)
	prio  int  // 0 = never hidden
	right bool // right-aligned
	flex  bool
	max   int // flex columns grow up to this (0 = unbounded)
}

// layout picks the visible columns for a total width (one space between
// columns) and returns their widths; hidden columns get width 0.
func layout(cols []column, total int) []int {
	ws := make([]int, len(cols))
	on := make([]bool, len(cols))
	for i := range cols {
		on[i] = true
	}
	need := func() int {
		n, k := 0, 0
		for i, c := range cols {
			if on[i] {
				n += c.w
				k++
			}
		}
		return n + max(k-1, 0)
	}
	for need() > total {
		worst := -1
		for i, c := range cols {
			if on[i] && c.prio > 0 && (worst < 0 || c.prio > cols[worst].prio || (c.prio == cols[worst].prio && i > worst)) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		on[worst] = false
	}
	spare := total - need()
	nflex := 0
	for i, c := range cols {
		if on[i] && c.flex {
			nflex++
		}
	}
	for i, c := range cols {
		if !on[i] {
			continue
		}
		ws[i] = c.w
		if c.flex && nflex > 0 && spare > 0 {
			add := spare / nflex
			if c.max > 0 && c.w+add > c.max {
				add = max(c.max-c.w, 0)
			}
			ws[i] += add
			spare -= add
			nflex--
		}
	}
	return ws
}

// row joins cells into one line using the widths from layout.
func (th theme) row(cols []column, ws []int, cells []string) string {
	var b strings.Builder
	first := true
	for i, c := range cols {
		if ws[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(fit(cells[i], ws[i], c.right, th.g.ellipsis))
	}
	return b.String()
}

// headerRow is the titles line of a table.
func (th theme) headerRow(cols []column, ws []int) string {
	cells := make([]string, len(cols))
	for i, c := range cols {
		cells[i] = c.title
	}
	return th.s(th.header, th.row(cols, ws, cells))
}
