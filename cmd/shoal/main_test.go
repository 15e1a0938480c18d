package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// captureStdout runs fn with os.Stdout redirected and returns what it wrote.
func captureStdout(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	defer func() { os.Stdout = old }()
	fn()
	w.Close()
	os.Stdout = old
	return <-done
}

func TestExitCodes(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"get"}, 2},
		{[]string{"get", "--bogus", "x.torrent"}, 2},
		{[]string{"get", "x.torrent", "--encryption", "maybe"}, 2},
		{[]string{"get", "x.torrent", "--down-rate", "fast"}, 2},
		{[]string{"create", "a", "--piece-length", "1000"}, 2},
		{[]string{"nosuchcommand"}, 2},
		{[]string{"info", filepath.Join(t.TempDir(), "missing.torrent")}, 1},
		{[]string{"info", "magnet:?xt=urn:btih:nothex"}, 1},
	}
	for _, tc := range cases {
		if got := run(ctx, tc.args); got != tc.want {
			t.Errorf("shoal %s: exit %d, want %d", strings.Join(tc.args, " "), got, tc.want)
		}
	}
}

// seedFixture writes a file, makes its torrent with `shoal create`, and
// seeds it from an in-process client capped at upRate bytes/s (0: no cap).
func seedFixture(t *testing.T, size int, upRate int64) (torrent, payload string, seedAddr string) {
	t.Helper()
	dir := t.TempDir()
	payload = filepath.Join(dir, "f.bin")
	data := make([]byte, size)
	_, _ = rand.Read(data)
	if err := os.WriteFile(payload, data, 0o644); err != nil {
		t.Fatal(err)
	}
	torrent = filepath.Join(t.TempDir(), "f.torrent")
	out := captureStdout(t, func() {
		if code := run(context.Background(), []string{"create", payload, "-o", torrent, "--piece-length", "64KiB", "--no-progress"}); code != 0 {
			t.Fatalf("create exit %d", code)
		}
	})
	if !strings.Contains(out, "info hash ") {
		t.Fatalf("create printed %q", out)
	}
	c, err := peer.NewClient(peer.Config{DataDir: dir, ListenAddr: "127.0.1.1:0", UploadRate: upRate,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	tor, err := c.Add(context.Background(), torrent, peer.AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tor.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	return torrent, payload, c.ListenAddr().String()
}

func TestGetJSONAndInfo(t *testing.T) {
	torrent, payload, seedAddr := seedFixture(t, 1<<20, 0)
	info := captureStdout(t, func() {
		if code := run(context.Background(), []string{"info", "--json", torrent}); code != 0 {
			t.Fatalf("info exit %d", code)
		}
	})
	var ij struct {
		InfoHash string `json:"info_hash"`
		Total    int64  `json:"total_length"`
	}
	if err := json.Unmarshal([]byte(info), &ij); err != nil || len(ij.InfoHash) != 40 || ij.Total != 1<<20 {
		t.Fatalf("info --json: %v %q", err, info)
	}
	dir := t.TempDir()
	out := captureStdout(t, func() {
		code := run(context.Background(), []string{"get", torrent, "-d", dir, "--peer", seedAddr, "--listen", "127.0.1.2:0", "--json"})
		if code != 0 {
			t.Fatalf("get exit %d", code)
		}
	})
	events := map[string]bool{}
	var order []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev struct {
			Event    string  `json:"event"`
			Progress float64 `json:"progress"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		events[ev.Event] = true
		if ev.Event != "progress" {
			order = append(order, ev.Event)
		}
	}
	if !events["complete"] || !events["finished"] || order[0] != "complete" {
		t.Fatalf("events %v (order %v) in %q", events, order, out)
	}
	want, _ := os.ReadFile(payload)
	got, _ := os.ReadFile(filepath.Join(dir, "f.bin"))
	if string(want) != string(got) {
		t.Fatal("downloaded file differs")
	}
}

// `shoal get URL` fetches the .torrent over HTTP first.
func TestGetByURL(t *testing.T) {
	torrent, _, seedAddr := seedFixture(t, 256<<10, 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, torrent) }))
	defer srv.Close()
	dir := t.TempDir()
	captureStdout(t, func() {
		if code := run(context.Background(), []string{"get", srv.URL + "/f.torrent", "-d", dir, "--peer", seedAddr, "--listen", "127.0.1.3:0"}); code != 0 {
			t.Fatalf("get URL exit %d", code)
		}
	})
	if fi, err := os.Stat(filepath.Join(dir, "f.bin")); err != nil || fi.Size() != 256<<10 {
		t.Fatalf("downloaded file: %v", err)
	}
}

// Ctrl-C stops a download with exit 1 and leaves resume state behind; a
// second run finishes it.
func TestInterruptSavesResume(t *testing.T) {
	torrent, _, seedAddr := seedFixture(t, 4<<20, 1<<20)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var code int
	done := make(chan struct{})
	go func() {
		defer close(done)
		code = run(ctx, []string{"get", torrent, "-d", dir, "--peer", seedAddr, "--listen", "127.0.1.4:0", "--json"})
	}()
	time.Sleep(1500 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("get did not stop after interrupt")
	}
	if code != 1 {
		t.Fatalf("interrupted get exit %d, want 1", code)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, ".shoal", "*.resume"))
	if len(matches) != 1 {
		t.Fatalf("resume files after interrupt: %v", matches)
	}
	if code := run(context.Background(), []string{"get", torrent, "-d", dir, "--peer", seedAddr, "--listen", "127.0.1.5:0"}); code != 0 {
		t.Fatalf("second get exit %d", code)
	}
}
