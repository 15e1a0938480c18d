package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every binding; the footer shows ShortHelp, `?` FullHelp.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back, NextTab, PrevTab           key.Binding
	Pause, Add, Remove, RemoveData          key.Binding
	Filter, Sort, Reverse, Help, Quit       key.Binding
	PrioUp, PrioDown, Skip                  key.Binding
	Tab1, Tab2, Tab3, Tab4, Tab5, Tab6      key.Binding
}

// newKeyMap builds the bindings; detach labels q "detach" (attached to a daemon).
func newKeyMap(ascii, detach bool) keyMap {
	quit := "quit"
	if detach {
		quit = "detach"
	}
	up, down := "↑/k", "↓/j"
	if ascii {
		up, down = "up/k", "down/j"
	}
	k := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Up:         k(up, "up", "up", "k"),
		Down:       k(down, "down", "down", "j"),
		PageUp:     k("pgup/ctrl+u", "page up", "pgup", "ctrl+u", "ctrl+b"),
		PageDown:   k("pgdn/ctrl+d", "page down", "pgdown", "ctrl+d", "ctrl+f"),
		Top:        k("g/home", "first", "g", "home"),
		Bottom:     k("G/end", "last", "G", "end"),
		Enter:      k("enter/l", "details", "enter", "l", "right"),
		Back:       k("esc/h", "back", "esc", "h", "left"),
		NextTab:    k("tab", "next tab", "tab"),
		PrevTab:    k("shift+tab", "prev tab", "shift+tab"),
		Pause:      k("space", "pause/resume", " "),
		Add:        k("a", "add", "a"),
		Remove:     k("d", "remove", "d"),
		RemoveData: k("D", "remove+data", "D"),
		Filter:     k("/", "filter", "/"),
		Sort:       k("s", "sort", "s"),
		Reverse:    k("S", "reverse sort", "S"),
		Help:       k("?", "help", "?"),
		Quit:       k("q", quit, "q", "ctrl+c"),
		PrioUp:     k("+", "file priority up", "+", "="),
		PrioDown:   k("-", "file priority down", "-"),
		Skip:       k("x", "skip file", "x"),
		Tab1:       k("1-6", "go to tab", "1"),
		Tab2:       k("2", "peers", "2"),
		Tab3:       k("3", "pieces", "3"),
		Tab4:       k("4", "files", "4"),
		Tab5:       k("5", "sources", "5"),
		Tab6:       k("6", "log", "6"),
	}
}

// ShortHelp is the footer.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Enter, k.NextTab, k.Pause, k.Add, k.Remove, k.Filter, k.Sort, k.Help, k.Quit}
}

// FullHelp is the `?` screen, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Enter, k.Back, k.NextTab, k.PrevTab, k.Tab1},
		{k.Pause, k.Add, k.Remove, k.RemoveData, k.PrioUp, k.PrioDown, k.Skip},
		{k.Filter, k.Sort, k.Reverse, k.Help, k.Quit},
	}
}
