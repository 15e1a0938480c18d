package tui

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// Backend is everything the UI needs from an engine. Torrents is called
// from a tea.Cmd at every tick; the other methods run in tea.Cmds when the
// user acts. Torrents are named by their info hash in lower-case hex.
type Backend interface {
	Torrents() []peer.Stats
	Add(src string) error
	Pause(ih string) error
	Resume(ih string) error
	Remove(ih string, withData bool) error
	SetFilePriority(ih string, file, prio int) error
	// DHTNodes is the DHT routing table size, or -1 when there is no DHT.
	DHTNodes() int
}

// ClientBackend is the in-process Backend over a *peer.Client.
type ClientBackend struct {
	Client *peer.Client
	// Ctx bounds Add (fetching a .torrent over HTTP); default Background.
	Ctx context.Context
	// AddOptions are used for torrents added from the UI.
	AddOptions peer.AddOptions
	// AddTimeout bounds one Add (default 30 s).
	AddTimeout time.Duration
}

var _ Backend = (*ClientBackend)(nil)

// Torrents snapshots every torrent, ordered by info hash.
func (b *ClientBackend) Torrents() []peer.Stats {
	ts := b.Client.Torrents()
	out := make([]peer.Stats, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Stats())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].InfoHash < out[j].InfoHash })
	return out
}

func (b *ClientBackend) find(ih string) (*peer.Torrent, error) {
	for _, t := range b.Client.Torrents() {
		if t.InfoHashHex() == ih {
			return t, nil
		}
	}
	return nil, fmt.Errorf("no torrent %s", short(ih))
}

// Add adds a magnet link, an http(s) URL of a .torrent or a path.
func (b *ClientBackend) Add(src string) error {
	ctx := b.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	d := b.AddTimeout
	if d <= 0 {
		d = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_, err := b.Client.Add(ctx, src, b.AddOptions)
	return err
}

// Pause pauses a torrent.
func (b *ClientBackend) Pause(ih string) error {
	t, err := b.find(ih)
	if err != nil {
		return err
	}
	t.Pause()
	return nil
}

// Resume resumes a paused torrent.
func (b *ClientBackend) Resume(ih string) error {
	t, err := b.find(ih)
	if err != nil {
		return err
	}
	t.Resume()
	return nil
}

// Remove closes a torrent; withData also deletes its files and resume state.
func (b *ClientBackend) Remove(ih string, withData bool) error {
	t, err := b.find(ih)
	if err != nil {
		return err
	}
	return b.Client.Remove(t.InfoHash(), withData)
}

// SetFilePriority sets a file's priority (0 = skip, 1..7).
func (b *ClientBackend) SetFilePriority(ih string, file, prio int) error {
	t, err := b.find(ih)
	if err != nil {
		return err
	}
	return t.SetFilePriority(file, prio)
}

// DHTNodes is the client's DHT routing table size (good contacts), or -1
// when its DHT is off.
func (b *ClientBackend) DHTNodes() int {
	n := b.Client.DHT()
	if n == nil {
		return -1
	}
	return n.Stats().GoodNodes
}

func short(ih string) string {
	if len(ih) > 8 {
		return ih[:8]
	}
	return ih
}
