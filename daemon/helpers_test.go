package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"go.uber.org/goleak"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/peer/storage"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreTopFunction("os/signal.signal_recv"),
			goleak.IgnoreTopFunction("os/signal.loop")); err != nil {
			slog.Error("goroutine leak", "err", err)
			code = 1
		}
	}
	os.Exit(code)
}

// testDaemon is a daemon running in this process.
type testDaemon struct {
	*Daemon
	base string // http://127.0.0.1:PORT
	api  *APIClient
	stop func()
}

// startDaemon runs a daemon on loopback with an ephemeral API port, no
// trackers, and the given option overrides; it is stopped at cleanup.
func startDaemon(t testing.TB, dataDir string, overrides map[string]string) *testDaemon {
	t.Helper()
	ov := map[string]string{"data-dir": dataDir, "listen": "127.0.0.1:0", "api-listen": "127.0.0.1:0",
		"no-trackers": "true", "log-level": "warn", "watch-interval": "100ms"}
	for k, v := range overrides {
		ov[k] = v
	}
	d, err := New(Sources{Overrides: ov})
	if err != nil {
		t.Fatalf("start daemon: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	td := &testDaemon{Daemon: d, base: "http://" + d.APIAddr().String()}
	td.api = NewAPIClient(td.base, d.Token())
	stopped := false
	td.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("daemon Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("daemon did not stop within 30s")
		}
	}
	t.Cleanup(td.stop)
	return td
}

// makePayload writes size random bytes at dir/name and returns a .torrent
// for it (with web seeds, if any) as bytes and as a MetaInfo.
func makePayload(t testing.TB, dir, name string, size int, pieceLen int64, webSeeds ...string) ([]byte, *metainfo.MetaInfo) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(size), byte(size >> 8), byte(len(name))})
	_, _ = r.Read(data)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return createTorrent(t, p, pieceLen, webSeeds...)
}

// createTorrent makes a .torrent for an existing file or directory.
func createTorrent(t testing.TB, path string, pieceLen int64, webSeeds ...string) ([]byte, *metainfo.MetaInfo) {
	t.Helper()
	mi, err := storage.Create(context.Background(), path, storage.CreateOptions{PieceLength: pieceLen})
	if err != nil {
		t.Fatalf("create torrent: %v", err)
	}
	mi.UrlList = webSeeds
	var buf bytes.Buffer
	if err := mi.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mi
}

func infoHash(mi *metainfo.MetaInfo) string { return mi.HashInfoBytes().HexString() }

// waitFor polls cond every 50 ms until it holds or limit passes.
func waitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitComplete waits until the daemon reports the torrent complete.
func waitComplete(t testing.TB, td *testDaemon, hash string, limit time.Duration) TorrentInfo {
	t.Helper()
	var last TorrentInfo
	waitFor(t, limit, "torrent "+hash[:8]+" complete", func() bool {
		d, err := td.Detail(hash)
		last = d.TorrentInfo
		return err == nil && d.Complete
	})
	return last
}

func fileSHA(t testing.TB, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func sameFile(t testing.TB, want, got string) {
	t.Helper()
	if fileSHA(t, want) != fileSHA(t, got) {
		t.Fatalf("%s differs from %s", got, want)
	}
}

// request sends a raw API request and decodes the JSON answer, if any.
func request(t testing.TB, method, url, token, ctype string, body io.Reader) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &m)
	}
	return resp.StatusCode, m
}

// leecher is an in-process engine client with no peers and no trackers.
func leecher(t testing.TB) *peer.Client {
	t.Helper()
	c, err := peer.NewClient(peer.Config{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", DisableTrackers: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
