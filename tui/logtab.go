package tui

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/shoal-p2p/shoal/peer"
)

// logLines are the entries for the selected torrent and the client-wide ones.
func (m *Model) logLines() []Entry {
	all := m.log.Entries()
	t := m.current()
	if t == nil {
		return all
	}
	out := all[:0:0]
	for _, e := range all {
		if e.Torrent == "" || strings.HasPrefix(t.InfoHash, e.Torrent) {
			out = append(out, e)
		}
	}
	return out
}

func (m *Model) logView(_ *peer.Stats, w, h int) string {
	th := m.th
	es := m.logLines()
	if len(es) == 0 {
		return th.s(th.dim, "nothing logged yet")
	}
	cur := len(es) - 1 // follow the tail unless the pane has the focus
	if m.detail {
		cur = min(m.rows[tabLog], len(es)-1)
	} else {
		m.rows[tabLog] = cur
	}
	top := scrollTop(&m.tops[tabLog], cur, h, len(es))
	var lines []string
	for i := top; i < len(es) && i < top+h; i++ {
		e := es[i]
		lvl, st := "INFO ", th.r.NewStyle()
		switch {
		case e.Level >= slog.LevelError:
			lvl, st = "ERROR", th.bad
		case e.Level >= slog.LevelWarn:
			lvl, st = "WARN ", th.warn
		case e.Level < slog.LevelInfo:
			lvl, st = "DEBUG", th.dim
		}
		line := fmt.Sprintf("%s %s %s", th.s(th.dim, e.Time.Format("15:04:05")), th.s(st, lvl), th.s(st, e.Msg))
		if m.detail && i == cur {
			line = th.s(th.sel, fit(line, w, false, ""))
		}
		lines = append(lines, fit(line, w, false, th.g.ellipsis))
	}
	return strings.Join(lines, "\n")
}
