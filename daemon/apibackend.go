package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// Snapshot fetches every torrent's full engine snapshot.
func (c *APIClient) Snapshot(ctx context.Context) (Snapshot, error) {
	var out Snapshot
	err := c.do(ctx, http.MethodGet, "/api/v1/snapshot", "", nil, &out)
	return out, err
}

// SetFilePriority sets one file's priority (0 = skip, 1..7).
func (c *APIClient) SetFilePriority(ctx context.Context, hash string, file, prio int) error {
	b, err := json.Marshal(FilePriorityRequest{Priority: &prio})
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, "/api/v1/torrents/"+url.PathEscape(hash)+"/files/"+strconv.Itoa(file)+"/priority",
		"application/json", bytes.NewReader(b), nil)
}

// APIBackend is the terminal UI's backend over a running daemon's API: it
// has the methods of tui.Backend (Go interfaces are structural, so this
// package need not import tui), and `shoal tui` passes it to tui.Run.
//
// Torrents never blocks for longer than SnapshotTimeout. When the daemon
// cannot be reached, it keeps answering with the last torrents it saw,
// each marked peer.StateError with the reason in Err and its rates zeroed
// (or one placeholder entry when it never saw any), so that the UI shows
// the outage instead of freezing or going blank; Err reports the failure
// and the next successful snapshot clears it.
type APIBackend struct {
	API *APIClient
	// SnapshotTimeout bounds one snapshot request (default 3 s).
	SnapshotTimeout time.Duration
	// ActionTimeout bounds add, pause, resume, remove and priority requests
	// (default 60 s: an add by URL makes the daemon fetch the .torrent).
	ActionTimeout time.Duration
	// Logger, when set, hears when the daemon goes away and comes back
	// (`shoal tui` gives the UI's Log tab handler).
	Logger *slog.Logger

	mu   sync.Mutex
	last []peer.Stats // last good snapshot
	dht  int
	err  error // last snapshot failure; nil after a success
}

// NewAPIBackend wraps an API client.
func NewAPIBackend(c *APIClient) *APIBackend {
	return &APIBackend{API: c, dht: -1}
}

// PlaceholderHash names the placeholder row shown while the daemon is
// unreachable and no torrent is known yet.
const PlaceholderHash = "0000000000000000000000000000000000000000"

func (b *APIBackend) snapshotTimeout() time.Duration {
	if b.SnapshotTimeout > 0 {
		return b.SnapshotTimeout
	}
	return 3 * time.Second
}

func (b *APIBackend) actionCtx() (context.Context, context.CancelFunc) {
	d := b.ActionTimeout
	if d <= 0 {
		d = 60 * time.Second
	}
	return context.WithTimeout(context.Background(), d)
}

// Fetch takes one snapshot from the daemon, bounded by SnapshotTimeout and
// ctx, and remembers it for Torrents and DHTNodes. Times in it are shifted
// onto the local clock when the daemon's clock differs by more than a
// second.
func (b *APIBackend) Fetch(ctx context.Context) ([]peer.Stats, int, error) {
	ctx, cancel := context.WithTimeout(ctx, b.snapshotTimeout())
	defer cancel()
	snap, err := b.API.Snapshot(ctx)
	if err != nil {
		return nil, 0, b.explain(ctx, err)
	}
	if !snap.Now.IsZero() {
		if skew := time.Since(snap.Now); skew > time.Second || skew < -time.Second {
			for i := range snap.Torrents {
				shiftTimes(&snap.Torrents[i], skew)
			}
		}
	}
	if snap.Torrents == nil {
		snap.Torrents = []peer.Stats{}
	}
	return snap.Torrents, snap.DHTNodes, nil
}

// Check takes one snapshot and says clearly why it failed: the daemon is
// not there, it refused the token, or it is too old for the UI.
func (b *APIBackend) Check(ctx context.Context) error {
	_, _, err := b.Fetch(ctx)
	return err
}

// explain turns a failed request into a short, actionable error.
func (b *APIBackend) explain(ctx context.Context, err error) error {
	var ae *APIError
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusUnauthorized:
			return fmt.Errorf("the daemon at %s rejected the API token (wrong --token-file?): %w", b.API.Base, err)
		case http.StatusNotFound:
			return fmt.Errorf("the daemon at %s has no snapshot API; is it an older shoal? %w", b.API.Base, err)
		}
		return err
	}
	if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the daemon at %s %w within %s", b.API.Base, errNoAnswer, b.snapshotTimeout())
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return fmt.Errorf("cannot reach the daemon at %s: %w", b.API.Base, oe)
	}
	return err
}

var errNoAnswer = errors.New("did not answer")

// shiftTimes moves the daemon's wall-clock times onto the local clock.
func shiftTimes(s *peer.Stats, skew time.Duration) {
	for _, t := range []*time.Time{&s.StartedAt, &s.CompletedAt, &s.Choke.NextRound} {
		if !t.IsZero() {
			*t = t.Add(skew)
		}
	}
	for i := range s.Trackers {
		tr := &s.Trackers[i]
		for _, t := range []*time.Time{&tr.LastAnnounce, &tr.NextAnnounce} {
			if !t.IsZero() {
				*t = t.Add(skew)
			}
		}
	}
}

// Torrents snapshots every torrent, ordered by info hash. See APIBackend
// for what it answers while the daemon is unreachable.
func (b *APIBackend) Torrents() []peer.Stats {
	ts, dht, err := b.Fetch(context.Background())
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		if b.err != nil && b.Logger != nil {
			b.Logger.Info("daemon reachable again", "api", b.API.Base)
		}
		b.last, b.dht, b.err = ts, dht, nil
		return slices.Clone(ts) // the UI owns its copy; b.last stays ours
	}
	if b.err == nil && b.Logger != nil {
		b.Logger.Error("daemon unreachable; showing the last snapshot", "err", err)
	}
	b.err = err
	return b.stale(err)
}

// rowError is the short reason shown in each torrent's row and detail
// while snapshots fail (the full error is in Err and the log).
func (b *APIBackend) rowError(err error) string {
	var ae *APIError
	var oe *net.OpError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return "the daemon refused the API token"
	case errors.As(err, &ae):
		return "daemon: " + ae.Message
	case errors.As(err, &oe) && oe.Err != nil:
		return "daemon unreachable: " + oe.Err.Error()
	case errors.Is(err, errNoAnswer):
		return fmt.Sprintf("daemon unreachable: no answer within %s", b.snapshotTimeout())
	}
	return "daemon unreachable: " + err.Error()
}

// stale is the last snapshot marked as failed (b.mu held).
func (b *APIBackend) stale(err error) []peer.Stats {
	msg := b.rowError(err)
	if len(b.last) == 0 {
		return []peer.Stats{{InfoHash: PlaceholderHash, Name: "(shoal daemon unreachable)", State: peer.StateError, Err: msg, ETA: -1}}
	}
	out := make([]peer.Stats, len(b.last))
	for i, s := range b.last {
		s.State, s.Err = peer.StateError, msg
		s.DownloadRate, s.UploadRate, s.ETA = 0, 0, -1
		if len(s.Peers) > 0 {
			ps := make([]peer.PeerStats, len(s.Peers))
			copy(ps, s.Peers)
			for j := range ps {
				ps[j].DownloadRate, ps[j].UploadRate = 0, 0
			}
			s.Peers = ps
		}
		if len(s.SeedServers) > 0 {
			ss := make([]peer.SeedServerStats, len(s.SeedServers))
			copy(ss, s.SeedServers)
			for j := range ss {
				ss[j].DownloadRate = 0
			}
			s.SeedServers = ss
		}
		out[i] = s
	}
	return out
}

// Err is the last snapshot failure, or nil when the last one succeeded.
func (b *APIBackend) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// DHTNodes is the daemon's DHT routing table size from the last good
// snapshot, or -1 (also before the first one and when the DHT is off).
func (b *APIBackend) DHTNodes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dht
}

// Add adds a magnet link or an http(s) URL (the daemon fetches it), or
// uploads a local .torrent file.
func (b *APIBackend) Add(src string) error {
	src = strings.TrimSpace(src)
	req := AddRequest{Source: src}
	if !strings.HasPrefix(src, "magnet:") && !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		t, err := readTorrentFile(src)
		if err != nil {
			return err
		}
		req = AddRequest{Torrent: t}
	}
	ctx, cancel := b.actionCtx()
	defer cancel()
	_, err := b.API.Add(ctx, req)
	return err
}

func readTorrentFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, peer.MaxTorrentFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > peer.MaxTorrentFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, peer.MaxTorrentFileSize)
	}
	return data, nil
}

// Pause pauses a torrent (it stays paused across daemon restarts).
func (b *APIBackend) Pause(ih string) error {
	ctx, cancel := b.actionCtx()
	defer cancel()
	_, err := b.API.Pause(ctx, ih)
	return err
}

// Resume resumes a paused torrent.
func (b *APIBackend) Resume(ih string) error {
	ctx, cancel := b.actionCtx()
	defer cancel()
	_, err := b.API.Resume(ctx, ih)
	return err
}

// Remove removes a torrent from the daemon; withData also deletes its files
// and resume state.
func (b *APIBackend) Remove(ih string, withData bool) error {
	ctx, cancel := b.actionCtx()
	defer cancel()
	return b.API.Remove(ctx, ih, withData)
}

// SetFilePriority sets a file's priority (0 = skip, 1..7).
func (b *APIBackend) SetFilePriority(ih string, file, prio int) error {
	ctx, cancel := b.actionCtx()
	defer cancel()
	return b.API.SetFilePriority(ctx, ih, file, prio)
}
