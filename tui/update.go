package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/shoal-p2p/shoal/peer"
)

func (m *Model) handleKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch m.mode {
	case modeAdd, modeFilter:
		return m.inputKey(k)
	case modeConfirm:
		return m.confirmKey(k)
	case modeHelp:
		if key.Matches(k, m.keys.Quit) && k.String() == "ctrl+c" {
			return m, m.finish()
		}
		m.mode = modeNormal
		return m, nil
	}
	ks := m.keys
	switch {
	case key.Matches(k, ks.Quit):
		return m, m.finish()
	case key.Matches(k, ks.Help):
		m.mode = modeHelp
	case key.Matches(k, ks.NextTab):
		m.tab = (m.tab + 1) % numTabs
	case key.Matches(k, ks.PrevTab):
		m.tab = (m.tab + numTabs - 1) % numTabs
	case k.Type == tea.KeyRunes && len(k.Runes) == 1 && k.Runes[0] >= '1' && k.Runes[0] <= '6':
		m.tab = tab(k.Runes[0] - '1')
	case key.Matches(k, ks.Enter):
		if m.current() != nil {
			m.detail = true
		}
	case key.Matches(k, ks.Back):
		m.detail = false
	case key.Matches(k, ks.Up):
		m.move(-1)
	case key.Matches(k, ks.Down):
		m.move(1)
	case key.Matches(k, ks.PageUp):
		m.move(-m.pageSize())
	case key.Matches(k, ks.PageDown):
		m.move(m.pageSize())
	case key.Matches(k, ks.Top):
		m.move(-1 << 30)
	case key.Matches(k, ks.Bottom):
		m.move(1 << 30)
	case key.Matches(k, ks.Pause):
		return m, m.togglePause()
	case key.Matches(k, ks.Add):
		m.mode = modeAdd
		m.input.SetValue("")
		m.input.Placeholder = "magnet:?xt=…, https://…/x.torrent or a path"
		return m, m.input.Focus()
	case key.Matches(k, ks.Remove), key.Matches(k, ks.RemoveData):
		if t := m.current(); t != nil {
			m.mode = modeConfirm
			m.confirmIH = t.InfoHash
			m.withData = key.Matches(k, ks.RemoveData)
		}
	case key.Matches(k, ks.Filter):
		m.mode = modeFilter
		m.input.SetValue(m.filter)
		m.input.Placeholder = "name or info hash"
		m.input.CursorEnd()
		return m, m.input.Focus()
	case key.Matches(k, ks.Sort):
		m.sort = (m.sort + 1) % numSorts
		m.refresh()
		m.flash("sorted by "+sortNames[m.sort], nil)
	case key.Matches(k, ks.Reverse):
		m.reverse = !m.reverse
		m.refresh()
	case key.Matches(k, ks.PrioUp), key.Matches(k, ks.PrioDown), key.Matches(k, ks.Skip):
		return m, m.filePriority(k)
	}
	return m, nil
}

func (m *Model) inputKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.Type {
	case tea.KeyEsc:
		if m.mode == modeFilter {
			m.filter = ""
			m.refresh()
		}
		m.mode = modeNormal
		m.input.Blur()
		return m, nil
	case tea.KeyCtrlC:
		return m, m.finish()
	case tea.KeyEnter:
		v := strings.TrimSpace(m.input.Value())
		md := m.mode
		m.mode = modeNormal
		m.input.Blur()
		if md == modeFilter {
			m.filter = v
			m.refresh()
			return m, nil
		}
		if v == "" {
			return m, nil
		}
		b := m.b
		m.flash("adding "+v, nil)
		return m, m.act("added "+v, func() error { return b.Add(v) })
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	if m.mode == modeFilter {
		m.filter = strings.TrimSpace(m.input.Value())
		m.refresh()
	}
	return m, cmd
}

func (m *Model) confirmKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	m.mode = modeNormal
	if k.String() != "y" && k.String() != "Y" {
		m.flash("remove cancelled", nil)
		return m, nil
	}
	ih, withData, b := m.confirmIH, m.withData, m.b
	name := ih
	for _, t := range m.torrents {
		if t.InfoHash == ih {
			name = t.Name
		}
	}
	what := "removed " + name
	if withData {
		what += " and its data"
	}
	return m, m.act(what, func() error { return b.Remove(ih, withData) })
}

func (m *Model) togglePause() tea.Cmd {
	t := m.current()
	if t == nil {
		return nil
	}
	ih, b := t.InfoHash, m.b
	if t.State == peer.StatePaused {
		return m.act("resumed "+t.Name, func() error { return b.Resume(ih) })
	}
	return m.act("paused "+t.Name, func() error { return b.Pause(ih) })
}

func (m *Model) filePriority(k tea.KeyMsg) tea.Cmd {
	t := m.current()
	if t == nil || m.tab != tabFiles || len(t.Files) == 0 {
		return nil
	}
	i := min(m.rows[tabFiles], len(t.Files)-1)
	p := t.Files[i].Priority
	switch {
	case key.Matches(k, m.keys.PrioUp):
		p = min(p+1, 7)
	case key.Matches(k, m.keys.PrioDown):
		p = max(p-1, 0)
	default: // skip toggles
		if p == 0 {
			p = 1
		} else {
			p = 0
		}
	}
	ih, b := t.InfoHash, m.b
	return m.act("file "+t.Files[i].Path+": priority "+prioName(p), func() error { return b.SetFilePriority(ih, i, p) })
}

// move moves the cursor of the focused pane by d rows.
func (m *Model) move(d int) {
	if !m.detail {
		if len(m.view) == 0 {
			return
		}
		m.cursor = min(max(m.cursor+d, 0), len(m.view)-1)
		m.selected = m.torrents[m.view[m.cursor]].InfoHash
		return
	}
	n := m.detailRows()
	if n == 0 {
		return
	}
	m.rows[m.tab] = min(max(m.rows[m.tab]+d, 0), n-1)
}

// detailRows is how many selectable rows the current tab has.
func (m *Model) detailRows() int {
	t := m.current()
	switch m.tab {
	case tabPeers:
		if t != nil {
			return len(t.Peers)
		}
	case tabFiles:
		if t != nil {
			return len(t.Files)
		}
	case tabSources:
		if t != nil {
			return len(t.Trackers)
		}
	case tabLog:
		return len(m.logLines())
	}
	return 0
}

func (m *Model) pageSize() int { return max(m.detailHeight()-2, 1) }
