package tui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
)

// goldenModel is a model at a fixed clock that has seen 40 snapshots (20 s
// of history), rendered in plain ASCII so that the goldens are stable.
func goldenModel(w, h int) *Model {
	m := New(newFake(), Options{Plain: true, Follow: ihUbuntu})
	m.now = func() time.Time { return base }
	for i := 0; i < 40; i++ {
		m.Update(snapMsg{at: base.Add(time.Duration(i-40) * 500 * time.Millisecond), torrents: fakeSnapshot(i), dht: 212})
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// TestGolden renders every tab at 80x24 and 120x40; -update rewrites
// testdata/TestGolden/*.golden.
func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for tb := tab(0); tb < numTabs; tb++ {
			name := fmt.Sprintf("%s_%dx%d", tabNames[tb], size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := goldenModel(size[0], size[1])
				m.tab = tb
				out := m.View()
				checkSize(t, out, size[0], size[1])
				golden.RequireEqual(t, []byte(out))
			})
		}
		t.Run(fmt.Sprintf("Help_%dx%d", size[0], size[1]), func(t *testing.T) {
			m := goldenModel(size[0], size[1])
			m.Update(keyRune('?'))
			out := m.View()
			checkSize(t, out, size[0], size[1])
			golden.RequireEqual(t, []byte(out))
		})
	}
}

// TestGoldenUnicode pins the Unicode glyph layout (no colour) of the
// Overview and Pieces tabs.
func TestGoldenUnicode(t *testing.T) {
	for _, tb := range []tab{tabOverview, tabPieces} {
		t.Run(tabNames[tb]+"_120x40", func(t *testing.T) {
			m := goldenModel(120, 40)
			m.th = newTheme(false, false, nil)
			m.keys = newKeyMap(false, false)
			m.styleHelp()
			m.tab = tb
			out := m.View()
			checkSize(t, out, 120, 40)
			golden.RequireEqual(t, []byte(out))
		})
	}
}

func checkSize(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := splitLines(out)
	if len(lines) != h {
		t.Errorf("view has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if width(l) > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, width(l), w, l)
		}
	}
}

func keyRune(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}} }

// TestResize: every tab fits the screen after resizes, down to tiny sizes.
func TestResize(t *testing.T) {
	m := goldenModel(120, 40)
	for _, s := range [][2]int{{80, 24}, {100, 30}, {60, 15}, {200, 60}, {19, 5}, {120, 40}} {
		m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		for tb := tab(0); tb < numTabs; tb++ {
			m.tab = tb
			checkSize(t, m.View(), s[0], s[1])
		}
	}
}
