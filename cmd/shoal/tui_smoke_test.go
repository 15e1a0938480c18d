package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/daemon"
)

// TestTUISmokeTmux runs the real `shoal tui` in a tmux pane (120x40)
// attached to an in-process daemon downloading from a loopback seed: the
// pane shows the daemon's torrent, Tab reaches the Peers tab with the seed,
// q detaches (exit 0) and the daemon keeps running. It stops everything it
// starts: the seed, the daemon, and its own tmux server (private socket).
func TestTUISmokeTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test builds the binary; skipped with -short")
	}
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed (Debian package tmux); skipping the terminal smoke test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "shoal")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/shoal-p2p/shoal/cmd/shoal").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	tb, seedAddr := loopbackSeed(t, "smoke-attach.bin", 4<<20, 256<<10)
	d, done := runDaemon(t, t.TempDir())
	api := daemon.NewAPIClient(d.APIAddr().String(), d.Token())
	if _, err := api.Add(ctx, daemon.AddRequest{Torrent: tb, Peers: []string{seedAddr}}); err != nil {
		t.Fatal(err)
	}

	sock := filepath.Join(dir, "tmux.sock")
	tm := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	shell := fmt.Sprintf("%q tui --api %s --token-file %q; echo \"shoal exited $?\"; sleep 120",
		bin, d.APIAddr(), daemon.DefaultTokenFile(d.Config().DataDir))
	cmd := exec.CommandContext(ctx, tmux, "-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", shell)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	defer tm("kill-server") // only the server on our own socket

	waitPane := func(what string, ok func(string) bool) string {
		t.Helper()
		var last string
		for ctx.Err() == nil {
			last, _ = tm("capture-pane", "-p", "-t", "0")
			if ok(last) {
				return last
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("pane never showed %s; last capture:\n%s", what, last)
		return ""
	}
	waitPane("the daemon's torrent", func(s string) bool {
		return strings.Contains(s, "smoke-attach.bin") && strings.Contains(s, "Overview")
	})
	if _, err := tm("send-keys", "-t", "0", "Tab"); err != nil {
		t.Fatal(err)
	}
	screen := waitPane("the seed in the Peers tab", func(s string) bool { return strings.Contains(s, seedAddr) })
	t.Logf("attached UI, Peers tab:\n%s", screen)
	if _, err := tm("send-keys", "-t", "0", "q"); err != nil {
		t.Fatal(err)
	}
	after := waitPane("the exit status", func(s string) bool { return strings.Contains(s, "shoal exited") })
	if !strings.Contains(after, "shoal exited 0") || !strings.Contains(after, "detached from the daemon") {
		t.Fatalf("after q:\n%s", after)
	}
	select {
	case err := <-done:
		t.Fatalf("the daemon stopped when the UI detached: %v", err)
	default:
	}
	if list, err := api.List(ctx); err != nil || len(list) != 1 {
		t.Fatalf("daemon after detach: %+v %v", list, err)
	}
}
