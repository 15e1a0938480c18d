package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// peer.Stats survives JSON as the snapshot endpoint sends it: addresses as
// text, durations as numbers, times, nested slices.
func TestStatsJSONRoundTrip(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	a1 := netip.MustParseAddrPort("127.0.0.1:6881")
	a2 := netip.MustParseAddrPort("[::1]:51413")
	in := Snapshot{Now: at, DHTNodes: 17, Torrents: []peer.Stats{{
		InfoHash: strings.Repeat("ab", 20), Name: "x", State: peer.StateDownloading, Err: "", HaveInfo: true,
		TotalLength: 1 << 20, Completed: 1 << 19, NumPieces: 16, PieceLength: 64 << 10, PiecesHave: 8, Progress: 0.5,
		DownloadRate: 1234.5, UploadRate: 67.25, Downloaded: 99, Uploaded: 12, FromPeers: 80, FromSeeds: 19,
		Wasted: 3, HashFailures: 1, ETA: 90 * time.Second, Ratio: 0.1, FallbackReason: "no peer has piece 3",
		DHTNodes: 17, DHTLookups: 4, DHTLookupTook: 1500 * time.Millisecond,
		SeedServers: []peer.SeedServerStats{{URL: "http://127.0.0.1/seed/", State: "fetching", Bytes: 19, DownloadRate: 234.5, LastError: "x"}},
		Peers: []peer.PeerStats{{Addr: a1, PeerID: "-SH0100-abc", Client: "shoal 0.1", Source: peer.SourceDHT, Outgoing: true,
			Encrypted: true, PeerInterested: true, Optimistic: true, Seed: true, Progress: 1, DownloadRate: 1000,
			Downloaded: 80, ASN: 64512, Proximity: "dht, same-as", Outstanding: 4, QueueDepth: 8, RTT: 35 * time.Millisecond,
			ConnectedFor: time.Minute}, {Addr: a2, Source: peer.SourceIncoming}},
		ConnectedSeeds: 1, KnownPeers: 5, Endgame: true,
		Choke:        peer.ChokeStats{Round: 10 * time.Second, NextRound: at.Add(3 * time.Second), Unchoked: []netip.AddrPort{a1, a2}, Optimistic: []netip.AddrPort{a1}},
		Trackers:     []peer.TrackerStats{{URL: "udp://127.0.0.1:1/announce", Status: "ok", Seeders: 2, Leechers: 3, PeersGot: 5, LastAnnounce: at, NextAnnounce: at.Add(time.Minute)}},
		Files:        []peer.FileStats{{Path: "a/b.bin", Length: 1 << 20, Completed: 1 << 19, Priority: 7}},
		Availability: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
		HavePieces:   []bool{true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false},
		StartedAt:    at, CompletedAt: at.Add(time.Hour), DownloadingTook: time.Hour,
	}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Snapshot
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the snapshot:\n in %+v\nout %+v", in, out)
	}
	if !strings.Contains(string(b), `"Addr":"127.0.0.1:6881"`) || !strings.Contains(string(b), `"ETA":90000000000`) {
		t.Fatalf("unexpected encoding: %s", b)
	}
	// NaN and infinities would make encoding/json fail; the daemon zeroes them.
	s := peer.Stats{Ratio: math.Inf(1), Progress: math.NaN(), Peers: []peer.PeerStats{{DownloadRate: math.NaN()}},
		SeedServers: []peer.SeedServerStats{{DownloadRate: math.Inf(1)}}}
	sanitizeStats(&s)
	if _, err := json.Marshal(s); err != nil {
		t.Fatalf("sanitized stats do not encode: %v", err)
	}
}

// swarmFixture: an in-process seed (upload capped so that the download
// lasts a few seconds) of a two-file torrent, and a daemon downloading it
// from that seed. It returns the daemon, the torrent's hash and bytes.
func swarmFixture(t *testing.T) (*testDaemon, string, []byte, *peer.Client) {
	t.Helper()
	seedDir := t.TempDir()
	makePayload(t, seedDir, "pair/a.bin", 1<<20+17, 32<<10)
	makePayload(t, seedDir, "pair/b.bin", 1<<20+5, 32<<10)
	tb, mi := createTorrent(t, filepath.Join(seedDir, "pair"), 32<<10)
	seed, err := peer.NewClient(peer.Config{DataDir: seedDir, ListenAddr: "127.0.0.1:0", DisableTrackers: true, NoDHT: true,
		UploadRate: 384 << 10, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seed.Close() })
	st, err := seed.Add(context.Background(), mi, peer.AddOptions{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := st.Wait(ctx); err != nil {
		t.Fatalf("seed checking its data: %v", err)
	}
	td := startDaemon(t, t.TempDir(), nil)
	if _, err := td.api.Add(context.Background(), AddRequest{Torrent: tb, Peers: []string{seed.ListenAddr().String()}}); err != nil {
		t.Fatal(err)
	}
	return td, infoHash(mi), tb, seed
}

// waitTorrents polls the backend until cond holds for its answer.
func waitTorrents(t *testing.T, b *APIBackend, limit time.Duration, what string, cond func([]peer.Stats) bool) []peer.Stats {
	t.Helper()
	var last []peer.Stats
	waitFor(t, limit, what, func() bool {
		last = b.Torrents()
		return cond(last)
	})
	return last
}

func find(ts []peer.Stats, ih string) *peer.Stats {
	for i := range ts {
		if ts[i].InfoHash == ih {
			return &ts[i]
		}
	}
	return nil
}

// The API-backed UI backend sees what the engine sees (peers, pieces,
// availability, files, choke state) and its actions act on the daemon.
func TestAPIBackendAgainstDaemon(t *testing.T) {
	td, ih, tb, seed := swarmFixture(t)
	b := NewAPIBackend(td.api)
	if err := b.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := waitTorrents(t, b, 30*time.Second, "a peer and some pieces", func(ts []peer.Stats) bool {
		s := find(ts, ih)
		return s != nil && len(s.Peers) > 0 && s.PiecesHave > 0 && s.State == peer.StateDownloading
	})
	if b.Err() != nil {
		t.Fatalf("Err after a good snapshot: %v", b.Err())
	}
	s := find(ts, ih)
	if s.NumPieces == 0 || len(s.Availability) != s.NumPieces || len(s.HavePieces) != s.NumPieces || len(s.Files) != 2 {
		t.Fatalf("snapshot lacks piece or file detail: pieces %d, availability %d, have %d, files %d",
			s.NumPieces, len(s.Availability), len(s.HavePieces), len(s.Files))
	}
	if got, want := s.Peers[0].Addr.String(), seed.ListenAddr().String(); got != want || !s.Peers[0].Seed {
		t.Fatalf("peer %s (seed %v), want the seed at %s", got, s.Peers[0].Seed, want)
	}
	if s.Choke.Round == 0 || s.Name != "pair" {
		t.Fatalf("choke round %s, name %q", s.Choke.Round, s.Name)
	}
	wantDHT := -1
	if n := td.Client().DHT(); n != nil {
		wantDHT = n.Stats().GoodNodes
	}
	if got := b.DHTNodes(); got != wantDHT {
		t.Fatalf("DHTNodes %d, daemon has %d", got, wantDHT)
	}

	// File priority: skip the second file.
	if err := b.SetFilePriority(ih, 1, 0); err != nil {
		t.Fatal(err)
	}
	if f := td.Client().Torrents()[0].Stats().Files[1]; f.Priority != 0 {
		t.Fatalf("daemon's file 1 priority %d after skip", f.Priority)
	}
	var ae *APIError
	if err := b.SetFilePriority(ih, 9, 1); !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("bad file index: %v", err)
	}
	if err := b.SetFilePriority(ih, 1, 1); err != nil {
		t.Fatal(err)
	}

	// Pause and resume act on the daemon and show in the next snapshot.
	if err := b.Pause(ih); err != nil {
		t.Fatal(err)
	}
	if d, err := td.Detail(ih); err != nil || d.State != "paused" {
		t.Fatalf("daemon after Pause: %q %v", d.State, err)
	}
	waitTorrents(t, b, 5*time.Second, "paused in the snapshot", func(ts []peer.Stats) bool {
		s := find(ts, ih)
		return s != nil && s.State == peer.StatePaused
	})
	if err := b.Resume(ih); err != nil {
		t.Fatal(err)
	}
	if d, err := td.Detail(ih); err != nil || d.State == "paused" {
		t.Fatalf("daemon after Resume: %q %v", d.State, err)
	}
	if err := b.Pause(strings.Repeat("9", 40)); !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Fatalf("pause of an unknown torrent: %v", err)
	}

	// Remove, then add back from a local .torrent path, and a magnet.
	if err := b.Remove(ih, false); err != nil {
		t.Fatal(err)
	}
	if n := len(td.List()); n != 0 {
		t.Fatalf("%d torrents after Remove", n)
	}
	if ts := b.Torrents(); len(ts) != 0 {
		t.Fatalf("snapshot after Remove: %d torrents", len(ts))
	}
	tf := filepath.Join(t.TempDir(), "pair.torrent")
	if err := os.WriteFile(tf, tb, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(tf); err != nil {
		t.Fatal(err)
	}
	const magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=m"
	if err := b.Add(magnet); err != nil {
		t.Fatal(err)
	}
	ts = b.Torrents()
	if len(ts) != 2 || find(ts, ih) == nil || find(ts, "0123456789abcdef0123456789abcdef01234567") == nil {
		t.Fatalf("after adds: %d torrents", len(ts))
	}
	if err := b.Add(filepath.Join(t.TempDir(), "missing.torrent")); err == nil {
		t.Fatal("adding a missing file worked")
	}
	if err := b.Remove(ih, true); err != nil {
		t.Fatal(err)
	}
}

// A wrong token is refused with a clear error, by Check, by every action
// and in the UI's rows.
func TestAPIBackendWrongToken(t *testing.T) {
	td := startDaemon(t, t.TempDir(), nil)
	b := NewAPIBackend(NewAPIClient(td.base, "wrong"))
	err := b.Check(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || !strings.Contains(err.Error(), "rejected the API token") {
		t.Fatalf("Check with a wrong token: %v", err)
	}
	ts := b.Torrents()
	if len(ts) != 1 || ts[0].InfoHash != PlaceholderHash || ts[0].State != peer.StateError || !strings.Contains(ts[0].Err, "token") {
		t.Fatalf("Torrents with a wrong token: %+v", ts)
	}
	if b.Err() == nil || b.DHTNodes() != -1 {
		t.Fatalf("Err %v, DHTNodes %d", b.Err(), b.DHTNodes())
	}
	for name, call := range map[string]func() error{
		"add":      func() error { return b.Add("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567") },
		"pause":    func() error { return b.Pause(strings.Repeat("0", 40)) },
		"priority": func() error { return b.SetFilePriority(strings.Repeat("0", 40), 0, 1) },
	} {
		if err := call(); !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %v", name, err)
		}
	}
	if n := len(td.List()); n != 0 {
		t.Fatalf("a wrong token added %d torrents", n)
	}
	// The new endpoints keep the token check.
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/snapshot"},
		{"PUT", "/api/v1/torrents/" + strings.Repeat("0", 40) + "/files/0/priority"},
	} {
		if code, _ := request(t, r.method, td.base+r.path, "", "application/json", strings.NewReader(`{"priority":1}`)); code != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: %d", r.method, r.path, code)
		}
	}
}

// Bad priority requests get 400 or 404 with a message.
func TestAPIFilePriorityBadInput(t *testing.T) {
	td := startDaemon(t, t.TempDir(), nil)
	const ih = "0123456789abcdef0123456789abcdef01234567"
	if _, err := td.api.Add(context.Background(), AddRequest{Source: "magnet:?xt=urn:btih:" + ih}); err != nil {
		t.Fatal(err)
	}
	put := func(hash, idx, body string) (int, string) {
		code, m := request(t, "PUT", td.base+"/api/v1/torrents/"+hash+"/files/"+idx+"/priority", td.Token(), "application/json", strings.NewReader(body))
		msg, _ := m["error"].(string)
		return code, msg
	}
	for _, tc := range []struct {
		hash, idx, body string
		code            int
		want            string
	}{
		{ih, "x", `{"priority":1}`, 400, "file index"},
		{ih, "-1", `{"priority":1}`, 400, "file index"},
		{ih, "0", `{}`, 400, "priority is required"},
		{ih, "0", `{"priority":"high"}`, 400, "malformed JSON"},
		{ih, "0", `{"prio":1}`, 400, "unknown field"},
		{ih, "0", `{"priority":1}`, 400, "metadata not known yet"},
		{strings.Repeat("9", 40), "0", `{"priority":1}`, 404, "no such torrent"},
	} {
		if code, msg := put(tc.hash, tc.idx, tc.body); code != tc.code || !strings.Contains(msg, tc.want) {
			t.Errorf("PUT %s/files/%s %s: %d %q, want %d %q", tc.hash[:8], tc.idx, tc.body, code, msg, tc.code, tc.want)
		}
	}
}

// When the daemon stops, Torrents answers promptly with the last torrents
// marked as errors (zero rates), Err says why, and the UI's actions fail
// cleanly; when the daemon answers again, all is back.
func TestAPIBackendDaemonGone(t *testing.T) {
	dir := t.TempDir()
	td := startDaemon(t, dir, nil)
	const ih = "0123456789abcdef0123456789abcdef01234567"
	if _, err := td.api.Add(context.Background(), AddRequest{Source: "magnet:?xt=urn:btih:" + ih + "&dn=gone"}); err != nil {
		t.Fatal(err)
	}
	var logged sync.Map
	b := NewAPIBackend(td.api)
	b.Logger = slog.New(recordHandler{&logged})
	if ts := b.Torrents(); len(ts) != 1 || ts[0].State != peer.StateMetadata || b.Err() != nil {
		t.Fatalf("before the stop: %+v, err %v", ts, b.Err())
	}
	td.stop()
	start := time.Now()
	ts := b.Torrents()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Torrents took %s with the daemon gone", took)
	}
	if b.Err() == nil || !strings.Contains(b.Err().Error(), "cannot reach the daemon") {
		t.Fatalf("Err with the daemon gone: %v", b.Err())
	}
	if len(ts) != 1 || ts[0].InfoHash != ih || ts[0].Name != "gone" || ts[0].State != peer.StateError ||
		ts[0].Err != "daemon unreachable: connect: connection refused" || ts[0].DownloadRate != 0 {
		t.Fatalf("stale torrents: %+v", ts)
	}
	if err := b.Pause(ih); err == nil || !strings.Contains(err.Error(), "cannot reach the daemon") {
		t.Fatalf("Pause with the daemon gone: %v", err)
	}
	if _, ok := logged.Load("daemon unreachable; showing the last snapshot"); !ok {
		t.Fatal("the outage was not logged")
	}
	// Back on the same address: the next snapshot is live again.
	td2 := startDaemon(t, dir, map[string]string{"api-listen": td.APIAddr().String()})
	_ = td2
	ts = b.Torrents()
	if b.Err() != nil || len(ts) != 1 || ts[0].State == peer.StateError {
		t.Fatalf("after the daemon came back: %+v, err %v", ts, b.Err())
	}
	if _, ok := logged.Load("daemon reachable again"); !ok {
		t.Fatal("the recovery was not logged")
	}
}

// A daemon that accepts connections but never answers costs one
// SnapshotTimeout per snapshot, not a hung UI.
func TestAPIBackendHungDaemon(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		ln.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	b := NewAPIBackend(NewAPIClient(ln.Addr().String(), "tok"))
	b.SnapshotTimeout = 300 * time.Millisecond
	start := time.Now()
	ts := b.Torrents()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Torrents took %s against a silent daemon", took)
	}
	if len(ts) != 1 || ts[0].InfoHash != PlaceholderHash || ts[0].Err != "daemon unreachable: no answer within 300ms" ||
		!strings.Contains(b.Err().Error(), "did not answer within 300ms") {
		t.Fatalf("silent daemon: %+v, err %v", ts, b.Err())
	}
	b.API.HTTP.CloseIdleConnections()
}

// recordHandler remembers the messages logged through it.
type recordHandler struct{ m *sync.Map }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.m.Store(r.Message, r.Level)
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

// A stale snapshot (daemon gone) shows no transfer: its rates, the
// torrent's and every source's, are zero, and the kept snapshot is not
// changed.
func TestAPIBackendStaleRates(t *testing.T) {
	b := NewAPIBackend(nil)
	b.last = []peer.Stats{{InfoHash: strings.Repeat("cd", 20), State: peer.StateDownloading, DownloadRate: 300, ETA: time.Minute,
		Peers:       []peer.PeerStats{{DownloadRate: 100, UploadRate: 5}},
		SeedServers: []peer.SeedServerStats{{URL: "http://127.0.0.1/seed/", DownloadRate: 200}}}}
	s := b.stale(errors.New("gone"))[0]
	if s.State != peer.StateError || s.DownloadRate != 0 || s.ETA != -1 || s.Peers[0].DownloadRate != 0 || s.SeedServers[0].DownloadRate != 0 {
		t.Fatalf("stale snapshot: %+v", s)
	}
	if b.last[0].Peers[0].DownloadRate != 100 || b.last[0].SeedServers[0].DownloadRate != 200 {
		t.Fatalf("the kept snapshot changed: %+v", b.last[0])
	}
}
