package main

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/shoal-p2p/shoal/daemon"
	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/tui"
)

// runDaemon runs a daemon in this process on loopback; it is stopped at
// cleanup. done delivers Run's result.
func runDaemon(t *testing.T, dataDir string) (d *daemon.Daemon, done <-chan error) {
	t.Helper()
	d, done, _ = runStoppableDaemon(t, dataDir)
	return d, done
}

// runStoppableDaemon is runDaemon with a stop function (also run at cleanup).
func runStoppableDaemon(t *testing.T, dataDir string) (d *daemon.Daemon, done <-chan error, stop func()) {
	t.Helper()
	d, err := daemon.New(daemon.Sources{Overrides: map[string]string{"data-dir": dataDir, "listen": "127.0.0.1:0",
		"api-listen": "127.0.0.1:0", "no-trackers": "true", "log-level": "error"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- d.Run(ctx) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Error("daemon did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	return d, ch, stop
}

// loopbackSeed seeds a fresh random file of size bytes from an in-process
// client on 127.0.0.1, capped at upRate bytes/s, and returns the .torrent.
func loopbackSeed(t *testing.T, name string, size int, upRate int64) (torrentBytes []byte, seedAddr string) {
	t.Helper()
	dir := t.TempDir()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	torrent := filepath.Join(t.TempDir(), name+".torrent")
	captureStdout(t, func() {
		if code := run(context.Background(), []string{"create", filepath.Join(dir, name), "-o", torrent, "--piece-length", "64KiB", "--no-progress"}); code != 0 {
			t.Fatalf("create exit %d", code)
		}
	})
	c, err := peer.NewClient(peer.Config{DataDir: dir, ListenAddr: "127.0.0.1:0", UploadRate: upRate, NoDHT: true,
		DisableTrackers: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	st, err := c.Add(context.Background(), torrent, peer.AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := st.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(torrent)
	if err != nil {
		t.Fatal(err)
	}
	return b, c.ListenAddr().String()
}

func waitUI(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), want) },
		teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func runeKey(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}} }

// The UI attached to a daemon through the API: it shows the daemon's
// torrent and its peer, tabs switch, space pauses the torrent in the
// daemon, and q detaches while the daemon keeps running.
func TestTUIAttachedToDaemon(t *testing.T) {
	tb, seedAddr := loopbackSeed(t, "attach.bin", 3<<20, 256<<10)
	d, done := runDaemon(t, t.TempDir())
	api := daemon.NewAPIClient(d.APIAddr().String(), d.Token())
	info, err := api.Add(context.Background(), daemon.AddRequest{Torrent: tb, Peers: []string{seedAddr}})
	if err != nil {
		t.Fatal(err)
	}
	b := daemon.NewAPIBackend(api)
	if err := b.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := tui.New(b, tui.Options{Plain: true, Tick: 50 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitUI(t, tm, "attach.bin")

	tm.Send(tea.KeyMsg{Type: tea.KeyTab}) // Peers
	waitUI(t, tm, seedAddr)               // the daemon's peer, from the full snapshot
	tm.Send(tea.KeyMsg{Type: tea.KeyTab}) // Pieces
	waitUI(t, tm, "Availability histogram")
	tm.Send(tea.KeyMsg{Type: tea.KeyShiftTab}) // back to Peers
	waitUI(t, tm, "Why chosen")

	tm.Send(tea.KeyMsg{Type: tea.KeySpace})
	waitUI(t, tm, "paused attach.bin")
	if det, err := api.Detail(context.Background(), info.InfoHash); err != nil || det.State != "paused" {
		t.Fatalf("daemon after space: %q %v", det.State, err)
	}

	tm.Send(runeKey('q'))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*tui.Model)
	if fm.Selected() != info.InfoHash {
		t.Fatalf("selected %q, want the daemon's torrent", fm.Selected())
	}
	// Detached: the daemon is still running and still has the torrent.
	select {
	case err := <-done:
		t.Fatalf("the daemon stopped when the UI quit: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	list, err := api.List(context.Background())
	if err != nil || len(list) != 1 || list[0].State != "paused" {
		t.Fatalf("daemon after q: %+v %v", list, err)
	}
}

// `shoal tui` checks the daemon and its token before taking the terminal.
func TestTUICommandErrors(t *testing.T) {
	d, _ := runDaemon(t, t.TempDir())
	wrong := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(wrong, []byte("nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(d.Config().DataDir, ".shoal", "api-token")
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		want int
		msg  string
	}{
		{[]string{"tui", "--api", d.APIAddr().String(), "--token-file", wrong}, 1, "rejected the API token"},
		{[]string{"tui", "--api", d.APIAddr().String(), "--token-file", filepath.Join(t.TempDir(), "x")}, 1, "use --token-file"},
		{[]string{"tui", "--api", "127.0.0.1:1", "--token-file", good}, 1, "cannot reach the daemon at http://127.0.0.1:1"},
		{[]string{"tui", "--api", d.APIAddr().String(), "--token-file", good}, 1, "needs a terminal"},
		{[]string{"tui", "--tick", "1ms"}, 2, "--tick"},
		{[]string{"tui", "extra"}, 2, "unknown command"},
	} {
		var got int
		msg := captureStderr(t, func() { got = run(ctx, tc.args) })
		if got != tc.want || !strings.Contains(msg, tc.msg) {
			t.Errorf("shoal %s: exit %d %q, want %d %q", strings.Join(tc.args, " "), got, msg, tc.want, tc.msg)
		}
	}
}

// captureStderr runs fn with os.Stderr redirected and returns what it wrote.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	defer func() { os.Stderr = old }()
	fn()
	w.Close()
	os.Stderr = old
	return <-done
}

// When the daemon goes away under the UI, its torrents turn to errors that
// say why, the Log tab records it, and q still quits at once.
func TestTUIDaemonGone(t *testing.T) {
	d, _, stop := runStoppableDaemon(t, t.TempDir())
	api := daemon.NewAPIClient(d.APIAddr().String(), d.Token())
	if _, err := api.Add(context.Background(), daemon.AddRequest{Source: "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=goner"}); err != nil {
		t.Fatal(err)
	}
	b := daemon.NewAPIBackend(api)
	log := tui.NewLog(0, slog.LevelInfo)
	b.Logger = slog.New(log.Handler())
	m := tui.New(b, tui.Options{Plain: true, Tick: 50 * time.Millisecond, Log: log})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitUI(t, tm, "goner")
	stop()
	waitUI(t, tm, "error daemon unreachable: connect")
	tm.Send(runeKey('6')) // Log tab
	waitUI(t, tm, "daemon unreachable")
	tm.Send(runeKey('q'))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if b.Err() == nil {
		t.Fatal("backend reports no error with the daemon gone")
	}
}
