package tui

func (m *Model) detailView(w, h int) string {
	t := m.current()
	if t == nil {
		if m.tab == tabLog {
			return m.logView(nil, w, h)
		}
		return m.th.s(m.th.dim, "select a torrent to see its details")
	}
	switch m.tab {
	case tabPeers:
		return m.peersView(t, w, h)
	case tabPieces:
		return m.piecesView(t, w, h)
	case tabFiles:
		return m.filesView(t, w, h)
	case tabSources:
		return m.sourcesView(t, w, h)
	case tabLog:
		return m.logView(t, w, h)
	}
	return m.overviewView(t, w, h)
}
