package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/shoal-p2p/shoal/peer"
)

const (
	headerHeight = 2
	statusTTL    = 5 * time.Second
)

// View renders the whole screen from the last snapshot. It never calls the
// backend.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	w, h := m.width, m.height
	if w < 20 || h < 8 {
		return clip("shoal: terminal too small", w, h)
	}
	var parts []string
	parts = append(parts, m.header(w))
	if m.mode == modeHelp {
		parts = append(parts, clip(m.fullHelp(w), w, h-headerHeight-1))
	} else {
		th := m.tableHeight()
		parts = append(parts, clip(m.table(w, th), w, th))
		parts = append(parts, m.tabBar(w))
		parts = append(parts, clip(m.detailView(w, m.detailHeight()), w, m.detailHeight()))
	}
	parts = append(parts, m.footer(w))
	return strings.Join(parts, "\n")
}

func (m *Model) tableHeight() int {
	maxRows := max(1, (m.height-headerHeight-2)/3)
	return 1 + min(max(len(m.view), 1), maxRows)
}

func (m *Model) detailHeight() int {
	return max(m.height-headerHeight-m.tableHeight()-2, 1)
}

// header: counts by state, DHT, global rates with 60 s sparklines.
func (m *Model) header(w int) string {
	th := m.th
	counts := map[peer.State]int{}
	var peers, seeds int
	var fromSeeds int64
	for _, t := range m.torrents {
		counts[t.State]++
		peers += len(t.Peers)
		seeds += t.ConnectedSeeds
		fromSeeds += t.FromSeeds
	}
	var cs []string
	for _, s := range []struct {
		st    peer.State
		label string
	}{
		{peer.StateDownloading, "downloading"}, {peer.StateSeeding, "seeding"}, {peer.StatePaused, "paused"},
		{peer.StateChecking, "checking"}, {peer.StateMetadata, "metadata"}, {peer.StateError, "error"},
	} {
		if n := counts[s.st]; n > 0 || s.st == peer.StateDownloading || s.st == peer.StateSeeding {
			cs = append(cs, th.s(m.stateStyle(s.st), fmt.Sprintf("%d %s", n, s.label)))
		}
	}
	noun := "torrents"
	if len(m.torrents) == 1 {
		noun = "torrent"
	}
	title := th.s(th.title, " shoal ")
	if !th.color {
		title = "[shoal]"
	}
	left := fmt.Sprintf("%s %d %s: %s", title, len(m.torrents), noun, strings.Join(cs, ", "))
	dht := "DHT off"
	if m.dht >= 0 {
		dht = fmt.Sprintf("DHT %d nodes", m.dht)
	}
	right := fmt.Sprintf("%d peers (%d seeds)  %s", peers, seeds, dht)
	if width(left)+width(right)+1 > w {
		right = dht
	}
	if width(left)+width(right)+1 > w {
		left = fmt.Sprintf("%s %d %s", title, len(m.torrents), noun)
		for _, s := range []peer.State{peer.StateDownloading, peer.StateSeeding, peer.StatePaused, peer.StateError} {
			if counts[s] > 0 {
				left += th.s(m.stateStyle(s), fmt.Sprintf(" %d %s", counts[s], shortState[s]))
			}
		}
	}
	line1 := left + strings.Repeat(" ", max(1, w-width(left)-width(right))) + right

	var gd, gu float64
	if n := len(m.global.down); n > 0 {
		gd, gu = m.global.down[n-1], m.global.up[n-1]
	}
	dl := th.s(th.down, fmt.Sprintf("%s %-10s", th.g.down, humanRate(gd)))
	ul := th.s(th.up, fmt.Sprintf("%s %-10s", th.g.up, humanRate(gu)))
	src := ""
	if fromSeeds > 0 {
		src = "  " + th.s(th.seedsrv, "seed servers "+humanBytes(fromSeeds))
	}
	sw := min(60, (w-width(dl)-width(ul)-width(src)-6)/2)
	line2 := dl + " " + th.sparkline(m.global.down, max(sw, 0), th.down) + "   " + ul + " " + th.sparkline(m.global.up, max(sw, 0), th.up) + src
	return clip(line1+"\n"+line2, w, 2)
}

var shortState = map[peer.State]string{peer.StateDownloading: "dl", peer.StateSeeding: "seed", peer.StatePaused: "paused", peer.StateError: "err"}

var tableCols = []column{
	{title: "", w: 1},
	{title: "Name", w: 16, flex: true},
	{title: "Size", w: 9, prio: 5, right: true},
	{title: "Progress", w: 12, prio: 3, flex: true, max: 24},
	{title: "Done", w: 6, right: true},
	{title: "Down", w: 10, prio: 1, right: true},
	{title: "Up", w: 10, prio: 4, right: true},
	{title: "ETA", w: 7, prio: 2, right: true},
	{title: "Peers", w: 7, prio: 4, right: true},
	{title: "Ratio", w: 5, prio: 6, right: true},
	{title: "State", w: 11, prio: 1},
}

func (m *Model) table(w, h int) string {
	th := m.th
	cols := append([]column(nil), tableCols...)
	cols[5].title = th.g.down + " Rate"
	cols[6].title = th.g.up + " Rate"
	arrow := th.g.down
	if m.reverse {
		arrow = th.g.up
	}
	if i := sortColumn[m.sort]; i > 0 {
		cols[i].title += " " + arrow
	}
	ws := layout(cols, w)
	lines := []string{th.headerRow(cols, ws)}
	if len(m.view) == 0 {
		msg := "no torrents " + th.g.ellipsis + " press a to add one"
		if !m.have {
			msg = "loading" + th.g.ellipsis
		} else if m.filter != "" {
			msg = fmt.Sprintf("no torrent matches %q (esc in / clears the filter)", m.filter)
		}
		return strings.Join(append(lines, th.s(th.dim, "  "+msg)), "\n")
	}
	rows := h - 1
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+rows {
		m.offset = m.cursor - rows + 1
	}
	m.offset = min(m.offset, max(len(m.view)-rows, 0))
	for i := m.offset; i < len(m.view) && i < m.offset+rows; i++ {
		t := &m.torrents[m.view[i]]
		sel := i == m.cursor
		cur := " "
		if sel {
			cur = th.g.cursor
		}
		name := t.Name
		if t.FromSeeds > 0 {
			name = m.badge() + " " + name
		}
		eta := humanETA(t.ETA)
		if t.State == peer.StateSeeding || isComplete(*t) {
			eta = ""
		}
		size := humanBytes(t.TotalLength)
		if !t.HaveInfo {
			size = "?"
		}
		cells := []string{
			cur, name, size,
			th.bar(t.Progress, ws[3], th.ok),
			pct(t.Progress),
			th.s(th.down, humanRate(t.DownloadRate)),
			th.s(th.up, humanRate(t.UploadRate)),
			eta,
			fmt.Sprintf("%d (%d)", len(t.Peers), t.ConnectedSeeds),
			fmt.Sprintf("%.2f", t.Ratio),
			th.s(m.stateStyle(t.State), string(t.State)),
		}
		line := th.row(cols, ws, cells)
		if sel {
			if m.detail {
				line = th.s(th.selDim, fit(line, w, false, ""))
			} else {
				line = th.s(th.sel, fit(line, w, false, ""))
			}
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// sortColumn marks the sorted column's title.
var sortColumn = [numSorts]int{sortName: 1, sortProgress: 4, sortDown: 5, sortUp: 6, sortSize: 2, sortETA: 7, sortRatio: 9, sortState: 10}

func (m *Model) badge() string {
	if !m.th.color {
		return "[srv]"
	}
	return m.th.r.NewStyle().Foreground(m.th.title.GetForeground()).Background(m.th.seedsrv.GetForeground()).Render("srv")
}

func (m *Model) stateStyle(s peer.State) lipgloss.Style {
	th := m.th
	switch s {
	case peer.StateDownloading:
		return th.down
	case peer.StateSeeding:
		return th.ok
	case peer.StatePaused, peer.StateClosed:
		return th.dim
	case peer.StateError:
		return th.bad
	}
	return th.warn
}

// tabBar names the tabs; the current one is highlighted, and marked more
// strongly when the detail pane has the focus.
func (m *Model) tabBar(w int) string {
	th := m.th
	var b strings.Builder
	for i, n := range tabNames {
		label := fmt.Sprintf("%d %s", i+1, n)
		switch {
		case tab(i) == m.tab && !th.color:
			if m.detail {
				label = "[*" + label + "*]"
			} else {
				label = "[" + label + "]"
			}
		case tab(i) == m.tab:
			label = th.s(th.tabOn, " "+label+" ")
		case !th.color:
			label = " " + label + " "
		default:
			label = th.s(th.tabOff, " "+label+" ")
		}
		b.WriteString(label)
		if i < int(numTabs)-1 {
			b.WriteString(th.s(th.dim, th.g.vline))
		}
	}
	s := b.String()
	if t := m.current(); t != nil {
		name := " " + t.Name + " "
		if room := w - width(s) - 3; room > 8 {
			s += th.s(th.dim, strings.Repeat(th.g.hline, 2)) + fit(th.s(th.bold, name), min(width(name), room), false, th.g.ellipsis)
		}
	}
	if pad := w - width(s); pad > 0 {
		s += th.s(th.dim, strings.Repeat(th.g.hline, pad))
	}
	return fit(s, w, false, "")
}

// footer: a prompt, a status message or the short help.
func (m *Model) footer(w int) string {
	th := m.th
	switch m.mode {
	case modeAdd:
		return fit(th.s(th.accent, "add: ")+m.input.View()+th.s(th.dim, "  (enter adds, esc cancels)"), w, false, th.g.ellipsis)
	case modeFilter:
		return fit(th.s(th.accent, "filter: ")+m.input.View()+th.s(th.dim, "  (enter keeps, esc clears)"), w, false, th.g.ellipsis)
	case modeConfirm:
		name := m.confirmIH
		for _, t := range m.torrents {
			if t.InfoHash == m.confirmIH {
				name = t.Name
			}
		}
		q := fmt.Sprintf("remove %s? data stays on disk [y/N]", name)
		if m.withData {
			q = fmt.Sprintf("remove %s AND DELETE ITS DATA? [y/N]", name)
			return fit(th.s(th.bad, q), w, false, th.g.ellipsis)
		}
		return fit(th.s(th.warn, q), w, false, th.g.ellipsis)
	case modeHelp:
		return fit(th.s(th.dim, "press any key to close the help"), w, false, th.g.ellipsis)
	}
	var left string
	if m.status != "" && m.now().Sub(m.statusAt) < statusTTL {
		st := th.accent
		if m.statusErr {
			st = th.bad
		}
		left = th.s(st, m.status) + "  "
	}
	if m.filter != "" {
		left += th.s(th.warn, fmt.Sprintf("filter %q", m.filter)) + "  "
	}
	m.help.Width = max(w-width(left), 10)
	return fit(left+m.help.ShortHelpView(m.keys.ShortHelp()), w, false, th.g.ellipsis)
}

// fullHelp is the `?` screen: every key, and the legends.
func (m *Model) fullHelp(w int) string {
	th := m.th
	var b strings.Builder
	b.WriteString(th.s(th.bold, "Keys") + "\n")
	for _, group := range m.keys.FullHelp() {
		var parts []string
		for _, k := range group {
			h := k.Help()
			parts = append(parts, fmt.Sprintf("%s %s", th.s(th.accent, h.Key), h.Desc))
		}
		b.WriteString("  " + strings.Join(parts, "   ") + "\n")
	}
	b.WriteString("  " + th.s(th.dim, "Files tab (enter to focus): + / - change priority, x skips or unskips") + "\n\n")
	b.WriteString(th.s(th.bold, "Peer flags") + "\n")
	half := (len(flagLegend) + 1) / 2
	for i := 0; i < half; i++ {
		l := flagLegend[i]
		line := fmt.Sprintf("  %s  %s", th.s(th.accent, l[0]), l[1])
		if j := i + half; j < len(flagLegend) {
			line = fit(line, max(w/2, 20), false, th.g.ellipsis) + fmt.Sprintf("%s  %s", th.s(th.accent, flagLegend[j][0]), flagLegend[j][1])
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n" + th.s(th.bold, "Piece map") + "\n  " + m.pieceLegend() + "\n")
	return b.String()
}
