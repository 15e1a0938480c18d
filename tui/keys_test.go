package tui

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// startUI runs the model in a teatest program over a fake backend.
func startUI(t *testing.T) (*teatest.TestModel, *fakeBackend) {
	t.Helper()
	fb := newFake()
	m := New(fb, Options{Plain: true, Tick: 20 * time.Millisecond, Follow: ihUbuntu})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitOutput(t, tm, "ubuntu-24.04")
	return tm, fb
}

func waitOutput(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), want) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// waitCall waits until the backend has seen a call.
func waitCall(t *testing.T, fb *fakeBackend, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if slices.Contains(fb.Calls(), want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("backend never saw %q; calls: %q", want, fb.Calls())
}

func finalModel(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	tm.Send(keyRune('q'))
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
}

func keyT(t tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: t} }

func TestKeyAdd(t *testing.T) {
	tm, fb := startUI(t)
	tm.Send(keyRune('a'))
	tm.Type("magnet:?xt=urn:btih:4444")
	tm.Send(keyT(tea.KeyEnter))
	waitCall(t, fb, "add magnet:?xt=urn:btih:4444")
	waitOutput(t, tm, "added-from-ui")
	m := finalModel(t, tm)
	if !slices.Contains(m.Visible(), "added-from-ui") {
		t.Fatalf("table shows %q, want the added torrent", m.Visible())
	}
	if m.mode != modeNormal {
		t.Fatalf("mode %d after adding, want normal", m.mode)
	}
}

func TestKeyAddError(t *testing.T) {
	tm, fb := startUI(t)
	tm.Send(keyRune('a'))
	tm.Type("bad")
	tm.Send(keyT(tea.KeyEnter))
	waitCall(t, fb, "add bad")
	waitOutput(t, tm, "not a torrent")
	m := finalModel(t, tm)
	if !m.statusErr || !strings.Contains(m.status, "not a torrent") {
		t.Fatalf("status %q (err %v), want the add error", m.status, m.statusErr)
	}
}

func TestKeyPauseResume(t *testing.T) {
	tm, fb := startUI(t)
	tm.Send(keyT(tea.KeySpace))
	waitCall(t, fb, "pause 11111111")
	waitOutput(t, tm, "paused ubuntu")
	tm.Send(keyT(tea.KeySpace))
	waitCall(t, fb, "resume 11111111")
	m := finalModel(t, tm)
	if m.Selected() != ihUbuntu {
		t.Fatalf("selected %s, want the followed torrent", m.Selected())
	}
}

func TestKeyRemoveConfirm(t *testing.T) {
	tm, fb := startUI(t)
	// d then n: cancelled, nothing removed.
	tm.Send(keyRune('d'))
	waitOutput(t, tm, "data stays on disk [y/N]")
	tm.Send(keyRune('n'))
	waitOutput(t, tm, "remove cancelled")
	// D then y: removed with its data.
	tm.Send(keyRune('D'))
	waitOutput(t, tm, "AND DELETE ITS DATA? [y/N]")
	tm.Send(keyRune('y'))
	waitCall(t, fb, "remove 11111111 data=true")
	waitOutput(t, tm, "and its data")
	m := finalModel(t, tm)
	if slices.Contains(m.Visible(), "ubuntu-24.04.2-desktop-amd64.iso") {
		t.Fatalf("removed torrent still listed: %q", m.Visible())
	}
	if n := len(fb.Calls()); n != 1 {
		t.Fatalf("backend calls %q, want exactly one remove", fb.Calls())
	}
}

func TestKeyTabs(t *testing.T) {
	tm, _ := startUI(t)
	tm.Send(keyT(tea.KeyTab))
	tm.Send(keyT(tea.KeyTab))
	waitOutput(t, tm, "Availability histogram")
	tm.Send(keyT(tea.KeyShiftTab))
	waitOutput(t, tm, "Why chosen")
	tm.Send(keyRune('6'))
	waitOutput(t, tm, "choke round: unchoked")
	tm.Send(keyT(tea.KeyEnter)) // focus the detail pane
	m := finalModel(t, tm)
	if m.tab != tabLog || !m.detail {
		t.Fatalf("tab %s detail %v, want Log with the focus", tabNames[m.tab], m.detail)
	}
}

func TestKeyFilterSort(t *testing.T) {
	tm, _ := startUI(t)
	tm.Send(keyRune('/'))
	tm.Type("BUN")
	tm.Send(keyT(tea.KeyEnter))
	waitOutput(t, tm, `filter "BUN"`)
	tm.Send(keyRune('/'))
	tm.Send(keyT(tea.KeyEsc)) // clears the filter
	tm.Send(keyRune('s'))     // progress
	tm.Send(keyRune('s'))     // down rate
	waitOutput(t, tm, "sorted by down rate")
	m := finalModel(t, tm)
	if m.filter != "" {
		t.Fatalf("filter %q after esc, want cleared", m.filter)
	}
	got := m.Visible()
	want := []string{"ubuntu-24.04.2-desktop-amd64.iso", "big-buck-bunny-1080p.mkv", "measurements-2024"}
	if !slices.Equal(got, want) {
		t.Fatalf("sorted by down rate: %q, want %q", got, want)
	}
}

// TestFilterDirect drives Update without a program: filtering narrows the
// table and keeps the selection on a visible torrent.
func TestFilterDirect(t *testing.T) {
	m := goldenModel(120, 40)
	m.Update(keyRune('/'))
	for _, r := range "bunny" {
		m.Update(keyRune(r))
	}
	m.Update(keyT(tea.KeyEnter))
	if got := m.Visible(); !slices.Equal(got, []string{"big-buck-bunny-1080p.mkv"}) {
		t.Fatalf("filtered: %q", got)
	}
	if m.Selected() != ihBunny {
		t.Fatalf("selected %s, want the only visible torrent", m.Selected())
	}
}

var dayRow = regexp.MustCompile(`day-001\.csv[^\n]*% skip`)

func TestFilePriorityKeys(t *testing.T) {
	tm, fb := startUI(t)
	tm.Send(keyRune('k')) // measurements-2024 (by name: bunny, measurements, ubuntu, which is selected)
	tm.Send(keyRune('4'))
	tm.Send(keyT(tea.KeyEnter))
	tm.Send(keyRune('j'))
	tm.Send(keyRune('x'))
	waitCall(t, fb, "prio 22222222 1 0")
	// The row shows the new priority once the next snapshot has arrived.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return dayRow.Match(b) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Send(keyRune('+'))
	waitCall(t, fb, "prio 22222222 1 1")
	m := finalModel(t, tm)
	if m.Selected() != ihDataset || m.rows[tabFiles] != 1 {
		t.Fatalf("selected %s file row %d", m.Selected(), m.rows[tabFiles])
	}
}

func TestResultFollow(t *testing.T) {
	m := goldenModel(80, 24)
	m.Update(keyRune('q'))
	if r := m.Result(); r.Completed {
		t.Fatalf("result %+v for a torrent at 62%%", r)
	}
	m = New(newFake(), Options{Plain: true, Follow: ihDataset})
	m.Update(snapMsg{at: base, torrents: fakeSnapshot(0)})
	m.Update(keyRune('q'))
	if r := m.Result(); !r.Completed {
		t.Fatalf("result %+v for a complete torrent", r)
	}
}

// Attached to a daemon, q detaches: the footer must say so.
func TestQuitLabelWhenAttached(t *testing.T) {
	if d := newKeyMap(false, true).Quit.Help().Desc; d != "detach" {
		t.Fatalf("q is labelled %q when attached", d)
	}
	if d := newKeyMap(false, false).Quit.Help().Desc; d != "quit" {
		t.Fatalf("q is labelled %q in-process", d)
	}
}
