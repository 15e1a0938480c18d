package tui

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// TestSmokeTmux runs the real `shoal get` in a tmux pane (120x40) against an
// in-process seed on loopback, waits until the UI shows 100 %, quits with q
// and checks the exit status. Everything it starts it stops: the seed, and
// its own tmux server (private socket).
func TestSmokeTmux(t *testing.T) {
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
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/shoal-p2p/shoal/cmd/shoal")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// A 3 MiB payload and its .torrent, made by the binary itself.
	seedDir := filepath.Join(dir, "seed")
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	payload := filepath.Join(seedDir, "smoke.bin")
	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	if err := os.WriteFile(payload, data, 0o644); err != nil {
		t.Fatal(err)
	}
	torrent := filepath.Join(dir, "smoke.torrent")
	if out, err := exec.CommandContext(ctx, bin, "create", payload, "-o", torrent, "--piece-length", "64KiB", "--no-progress").CombinedOutput(); err != nil {
		t.Fatalf("shoal create: %v\n%s", err, out)
	}

	// The seed, capped so that the UI has a few seconds of progress to draw.
	seed, err := peer.NewClient(peer.Config{DataDir: seedDir, ListenAddr: "127.0.20.1:0", UploadRate: 1 << 20,
		DisableTrackers: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	st, err := seed.Add(ctx, torrent, peer.AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Wait(ctx); err != nil {
		t.Fatalf("seed checking its data: %v", err)
	}

	sock := filepath.Join(dir, "tmux.sock")
	tm := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	dl := filepath.Join(dir, "dl")
	shell := fmt.Sprintf("%q get %q -d %q --peer %s --listen 127.0.20.2:0 --no-trackers; echo \"shoal exited $?\"; sleep 120",
		bin, torrent, dl, seed.ListenAddr())
	cmd := exec.CommandContext(ctx, tmux, "-S", sock, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", shell)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	defer tm("kill-server") // only the server on our own socket

	capture := func() string {
		out, _ := tm("capture-pane", "-p", "-t", "0")
		return out
	}
	waitPane := func(what string, ok func(string) bool) string {
		t.Helper()
		var last string
		for ctx.Err() == nil {
			last = capture()
			if ok(last) {
				return last
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("pane never showed %s; last capture:\n%s", what, last)
		return ""
	}
	waitPane("the UI", func(s string) bool { return strings.Contains(s, "smoke.bin") && strings.Contains(s, "Overview") })
	screen := waitPane("100%", func(s string) bool { return strings.Contains(s, "100%") && strings.Contains(s, "seeding") })
	t.Logf("UI at completion:\n%s", screen)
	if _, err := tm("send-keys", "-t", "0", "q"); err != nil {
		t.Fatal(err)
	}
	after := waitPane("the exit status", func(s string) bool { return strings.Contains(s, "shoal exited") })
	if !strings.Contains(after, "shoal exited 0") || !strings.Contains(after, "complete: smoke.bin") {
		t.Fatalf("after quitting:\n%s", after)
	}
	got, err := os.ReadFile(filepath.Join(dl, "smoke.bin"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded file differs from the original (err %v)", err)
	}
}
