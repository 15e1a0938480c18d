package daemon

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// Errors the API maps to status codes.
var (
	ErrNotFound  = errors.New("no such torrent")
	ErrBadSource = errors.New("bad source")
)

// Add adds a torrent from an API request: a magnet link or http(s) URL in
// Source, or the bytes of a .torrent file in Torrent. It is saved so that
// it survives restarts.
func (d *Daemon) Add(ctx context.Context, req AddRequest) (TorrentInfo, error) {
	var spec *peer.Spec
	var err error
	switch {
	case len(req.Torrent) > 0 && req.Source != "":
		return TorrentInfo{}, fmt.Errorf("%w: give either source or torrent, not both", ErrBadSource)
	case len(req.Torrent) > 0:
		spec, err = peer.ParseTorrentBytes(req.Torrent)
	case strings.HasPrefix(req.Source, "magnet:"):
		spec, err = peer.ParseMagnet(req.Source)
	case strings.HasPrefix(req.Source, "http://"), strings.HasPrefix(req.Source, "https://"):
		spec, err = peer.ParseSource(ctx, req.Source)
	case req.Source == "":
		return TorrentInfo{}, fmt.Errorf("%w: source (magnet link or URL) or torrent (.torrent bytes) is required", ErrBadSource)
	default:
		return TorrentInfo{}, fmt.Errorf("%w: source must be a magnet link or an http(s) URL; upload .torrent files as bytes", ErrBadSource)
	}
	if err != nil {
		return TorrentInfo{}, fmt.Errorf("%w: %v", ErrBadSource, err)
	}
	e, err := d.addSpec(ctx, spec, req, true)
	if err != nil {
		return TorrentInfo{}, err
	}
	return summarize(e, e.t.Stats()), nil
}

// addSpec adds a parsed torrent; persist says whether to save it.
func (d *Daemon) addSpec(ctx context.Context, spec *peer.Spec, req AddRequest, persist bool) (*entry, error) {
	d.mu.Lock()
	if e, ok := d.torrents[spec.InfoHash]; ok {
		d.mu.Unlock()
		return e, nil
	}
	d.mu.Unlock()
	if persist {
		if err := d.st.save(spec); err != nil {
			return nil, fmt.Errorf("save torrent: %w", err)
		}
		if err := d.st.setPaused(spec.InfoHash, req.Paused); err != nil {
			return nil, fmt.Errorf("save torrent: %w", err)
		}
	}
	t, err := d.cl.Add(ctx, spec, peer.AddOptions{Seed: true, Peers: req.Peers})
	if err != nil {
		if persist {
			_ = d.st.forget(spec.InfoHash)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadSource, err)
	}
	if req.Paused {
		t.Pause()
	}
	e := &entry{t: t, added: time.Now(), saved: len(spec.InfoBytes) > 0, paused: req.Paused}
	d.mu.Lock()
	if old, ok := d.torrents[spec.InfoHash]; ok { // lost a race with another add
		d.mu.Unlock()
		return old, nil
	}
	d.torrents[spec.InfoHash] = e
	d.mu.Unlock()
	d.log.Info("torrent added", "info_hash", t.InfoHashHex(), "name", spec.Name, "paused", req.Paused)
	return e, nil
}

func (d *Daemon) lookup(hash string) (*entry, [20]byte, error) {
	var ih [20]byte
	b, err := hex.DecodeString(hash)
	if err != nil || len(b) != 20 {
		return nil, ih, fmt.Errorf("%w: info hash %q: want 40 hex digits", ErrBadSource, hash)
	}
	copy(ih[:], b)
	d.mu.Lock()
	e := d.torrents[ih]
	d.mu.Unlock()
	if e == nil {
		return nil, ih, fmt.Errorf("%w: %s", ErrNotFound, strings.ToLower(hash))
	}
	return e, ih, nil
}

// Pause stops a torrent's transfers; it stays paused across restarts.
func (d *Daemon) Pause(hash string) (TorrentInfo, error) {
	return d.setPaused(hash, true)
}

// Resume restarts a paused torrent.
func (d *Daemon) Resume(hash string) (TorrentInfo, error) {
	return d.setPaused(hash, false)
}

func (d *Daemon) setPaused(hash string, paused bool) (TorrentInfo, error) {
	e, ih, err := d.lookup(hash)
	if err != nil {
		return TorrentInfo{}, err
	}
	if err := d.st.setPaused(ih, paused); err != nil {
		return TorrentInfo{}, err
	}
	e.srvMu.Lock()
	e.paused = paused
	e.srvMu.Unlock()
	if paused {
		e.t.Pause()
	} else {
		e.t.Resume()
	}
	d.log.Info("torrent "+map[bool]string{true: "paused", false: "resumed"}[paused], "info_hash", hash)
	return summarize(e, e.t.Stats()), nil
}

// Remove closes a torrent, forgets it and, with deleteData, deletes its
// files and resume state.
func (d *Daemon) Remove(hash string, deleteData bool) error {
	_, ih, err := d.lookup(hash)
	if err != nil {
		return err
	}
	d.mu.Lock()
	delete(d.torrents, ih)
	d.mu.Unlock()
	rerr := d.cl.Remove(ih, deleteData)
	if err := d.st.forget(ih); err != nil {
		rerr = errors.Join(rerr, err)
	}
	d.log.Info("torrent removed", "info_hash", hash, "delete_data", deleteData, "err", rerr)
	return rerr
}

// entries returns the managed torrents sorted by name then hash.
func (d *Daemon) entries() []*entry {
	d.mu.Lock()
	out := make([]*entry, 0, len(d.torrents))
	for _, e := range d.torrents {
		out = append(out, e)
	}
	d.mu.Unlock()
	return out
}

// List summarizes every torrent, sorted by name.
func (d *Daemon) List() []TorrentInfo {
	es := d.entries()
	out := make([]TorrentInfo, 0, len(es))
	for _, e := range es {
		out = append(out, summarize(e, e.t.Stats()))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].InfoHash < out[j].InfoHash
	})
	return out
}

// Detail describes one torrent.
func (d *Daemon) Detail(hash string) (TorrentDetail, error) {
	e, _, err := d.lookup(hash)
	if err != nil {
		return TorrentDetail{}, err
	}
	return detail(e, e.t.Stats()), nil
}

// Stats sums every torrent.
func (d *Daemon) Stats() GlobalStats {
	g := GlobalStats{States: map[string]int{}, PeerListen: d.PeerAddr(), UptimeSeconds: time.Since(d.start).Seconds()}
	for _, e := range d.entries() {
		s := e.t.Stats()
		g.Torrents++
		g.States[e.state(s)]++
		g.DownloadRate += s.DownloadRate
		g.UploadRate += s.UploadRate
		g.Downloaded += s.Downloaded + s.FromSeeds
		g.Uploaded += s.Uploaded
		g.FromPeers += s.FromPeers
		g.FromSeedServers += s.FromSeeds
		g.Peers += len(s.Peers)
	}
	g.WebSeedRequests = d.seedStats.requests.Load()
	g.WebSeedBytes = d.seedStats.bytes.Load()
	return g
}

// metadataLoop saves the .torrent of magnets once their metadata arrives,
// so that a restart does not need peers to fetch it again.
func (d *Daemon) metadataLoop(ctx context.Context) {
	defer d.wg.Done()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, e := range d.entries() {
			if e.saved {
				continue
			}
			spec := e.t.Spec()
			if len(spec.InfoBytes) == 0 {
				continue
			}
			if err := d.st.save(&spec); err != nil {
				d.log.Warn("cannot save torrent metadata", "info_hash", e.t.InfoHashHex(), "err", err)
				continue
			}
			d.mu.Lock()
			e.saved = true
			gone := d.torrents[spec.InfoHash] != e
			d.mu.Unlock()
			if gone { // removed meanwhile
				_ = d.st.forget(spec.InfoHash)
			}
		}
	}
}
