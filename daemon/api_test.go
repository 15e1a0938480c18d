package daemon

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Without the token, or with a wrong one, every API path and /metrics say
// 401; with it, an add works.
func TestAPIToken(t *testing.T) {
	dir := t.TempDir()
	td := startDaemon(t, dir, nil)
	fi, err := os.Stat(DefaultTokenFile(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v", err, fi.Mode())
	}
	for _, tok := range []string{"", "wrong", td.Token() + "x"} {
		for _, p := range []string{"/api/v1/torrents", "/api/v1/stats", "/metrics", "/api/v1/nope"} {
			if code, m := request(t, "GET", td.base+p, tok, "", nil); code != http.StatusUnauthorized || m["error"] == "" {
				t.Errorf("GET %s with token %q: %d %v", p, tok, code, m)
			}
		}
		code, _ := request(t, "POST", td.base+"/api/v1/torrents", tok, "application/json", strings.NewReader(`{"source":"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}`))
		if code != http.StatusUnauthorized {
			t.Errorf("add with token %q: %d", tok, code)
		}
	}
	if got := len(td.List()); got != 0 {
		t.Fatalf("unauthorised adds added %d torrents", got)
	}
	const magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=example"
	info, err := td.api.Add(context.Background(), AddRequest{Source: magnet})
	if err != nil || info.InfoHash != "0123456789abcdef0123456789abcdef01234567" || info.State != "metadata" {
		t.Fatalf("add: %+v %v", info, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".shoal", "daemon", info.InfoHash+".magnet")); err != nil {
		t.Fatalf("magnet not saved: %v", err)
	}
	code, _ := request(t, "GET", td.base+"/metrics", td.Token(), "", nil)
	if code != http.StatusOK {
		t.Fatalf("metrics with token: %d", code)
	}
}

// Malformed JSON, unknown fields, oversized bodies and bad hashes get 400
// with a message; unknown torrents 404; the daemon keeps serving.
func TestAPIBadInput(t *testing.T) {
	td := startDaemon(t, t.TempDir(), map[string]string{"api-max-body": "4KiB"})
	tok := td.Token()
	post := func(ctype, body string) (int, map[string]any) {
		return request(t, "POST", td.base+"/api/v1/torrents", tok, ctype, strings.NewReader(body))
	}
	for _, tc := range []struct {
		ctype, body, want string
	}{
		{"application/json", `{"source": "magnet:`, "malformed JSON"},
		{"application/json", ``, "malformed JSON: empty body"},
		{"application/json", `{"source": 12}`, "malformed JSON"},
		{"application/json", `{"sauce": "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}`, "unknown field"},
		{"application/json", `{} {}`, "trailing data"},
		{"application/json", `{"torrent": "!!!"}`, "malformed JSON"},
		{"application/json", `{"source": "/etc/passwd"}`, "magnet link or an http(s) URL"},
		{"application/json", `{}`, "required"},
		{"application/json", `{"source": "magnet:?xt=urn:btih:nothex"}`, "magnet"},
		{"application/json", `{"torrent": "ZGU="}`, "bad source"},
		{"application/x-bittorrent", `d4:infod`, "not a bencoded torrent"},
		{"application/json", `{"source": "` + strings.Repeat("a", 8<<10) + `"}`, "larger than 4096 bytes"},
		{"application/x-bittorrent", strings.Repeat("x", 5<<10), "larger than 4096 bytes"},
	} {
		code, m := post(tc.ctype, tc.body)
		msg, _ := m["error"].(string)
		if code != http.StatusBadRequest || !strings.Contains(msg, tc.want) {
			t.Errorf("POST %.40q: %d %q, want 400 mentioning %q", tc.body, code, msg, tc.want)
		}
	}
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/api/v1/torrents/xyz", 400},
		{"POST", "/api/v1/torrents/xyz/pause", 400},
		{"DELETE", "/api/v1/torrents/0123456789abcdef0123456789abcdef01234567", 404},
		{"DELETE", "/api/v1/torrents/0123456789abcdef0123456789abcdef01234567?delete_data=maybe", 400},
		{"POST", "/api/v1/torrents/0123456789abcdef0123456789abcdef01234567/resume", 404},
	} {
		if code, m := request(t, tc.method, td.base+tc.path, tok, "", nil); code != tc.code || m["error"] == "" {
			t.Errorf("%s %s: %d %v, want %d", tc.method, tc.path, code, m, tc.code)
		}
	}
	if _, err := td.api.Stats(context.Background()); err != nil {
		t.Fatalf("daemon stopped answering: %v", err)
	}
	var ae *APIError
	if _, err := td.api.Add(context.Background(), AddRequest{Source: "ftp://x"}); !errors.As(err, &ae) || ae.Status != 400 {
		t.Fatalf("client error: %v", err)
	}
}

// Add by upload, pause (kept across a restart), resume, remove with data.
func TestAPILifecycle(t *testing.T) {
	dir := t.TempDir()
	tb, mi := makePayload(t, dir, "life.bin", 1<<20+77, 64<<10)
	hash := infoHash(mi)
	td := startDaemon(t, dir, nil)
	ctx := context.Background()
	code, m := request(t, "POST", td.base+"/api/v1/torrents", td.Token(), "application/x-bittorrent", bytes.NewReader(tb))
	if code != http.StatusCreated || m["info_hash"] != hash {
		t.Fatalf("upload: %d %v", code, m)
	}
	waitComplete(t, td, hash, 30*time.Second)
	if info, err := td.api.Pause(ctx, hash); err != nil || info.State != "paused" {
		t.Fatalf("pause: %+v %v", info, err)
	}
	td.stop()
	td = startDaemon(t, dir, nil)
	if d, err := td.Detail(hash); err != nil || d.State != "paused" {
		t.Fatalf("after restart: %+v %v", d.TorrentInfo, err)
	}
	if info, err := td.api.Resume(ctx, hash); err != nil || info.State == "paused" {
		t.Fatalf("resume: %+v %v", info, err)
	}
	waitComplete(t, td, hash, 30*time.Second)
	if err := td.api.Remove(ctx, hash, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "life.bin")); err != nil {
		t.Fatalf("remove without data deleted the data: %v", err)
	}
	if _, err := td.api.Add(ctx, AddRequest{Torrent: tb}); err != nil {
		t.Fatal(err)
	}
	if err := td.api.Remove(ctx, hash, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "life.bin")); !os.IsNotExist(err) {
		t.Fatalf("remove with data kept the file: %v", err)
	}
	if list, _ := td.api.List(ctx); len(list) != 0 {
		t.Fatalf("list after remove: %+v", list)
	}
	td.stop()
	td = startDaemon(t, dir, nil)
	if n := len(td.List()); n != 0 {
		t.Fatalf("removed torrent came back after a restart (%d torrents)", n)
	}
}

// /metrics reports per-torrent and global bytes by source, peers and states.
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	tb, mi := makePayload(t, dir, "m.bin", 256<<10, 32<<10)
	td := startDaemon(t, dir, nil)
	if _, err := td.api.Add(context.Background(), AddRequest{Torrent: tb}); err != nil {
		t.Fatal(err)
	}
	waitComplete(t, td, infoHash(mi), 30*time.Second)
	req, _ := http.NewRequest("GET", td.base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+td.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`shoal_torrent_downloaded_bytes_total{info_hash="` + infoHash(mi) + `",name="m.bin",source="seed_servers"} 0`,
		`shoal_downloaded_bytes_total{source="peers"} 0`,
		`shoal_torrents{state="seeding"} 1`,
		`shoal_torrent_state{info_hash="` + infoHash(mi) + `",name="m.bin",state="seeding"} 1`,
		`shoal_peers 0`, `shoal_web_seed_sent_bytes_total 0`, `go_goroutines`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
