package tui

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// base is the fixed clock of every deterministic test.
var base = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

const (
	ihUbuntu  = "1111111111111111111111111111111111111111"
	ihDataset = "2222222222222222222222222222222222222222"
	ihBunny   = "3333333333333333333333333333333333333333"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// fakeSnapshot is a deterministic client: a download fed by peers and seed
// servers, a multi-file seed with a skipped file, a paused torrent.
// step varies the rates so that sparklines have a shape.
func fakeSnapshot(step int) []peer.Stats {
	wave := func(k float64) float64 { return k * float64(1+(step*7)%10) }
	const np = 512
	avail := make([]int, np)
	have := make([]bool, np)
	for i := range avail {
		avail[i] = int((uint32(i)*2654435761)>>28) % 9
		if avail[i] == 0 && i%4 != 0 {
			avail[i] = 1
		}
		have[i] = (i*5)%8 < 5
		if i%97 == 13 {
			avail[i] = 0
			have[i] = false
		}
	}
	nHave := 0
	for _, h := range have {
		if h {
			nHave++
		}
	}
	total := int64(np) * (256 << 10)
	done := int64(nHave) * (256 << 10)
	peers := []peer.PeerStats{
		{Addr: ap("127.0.10.2:6881"), Client: "shoal 0.1.0", Source: peer.SourceTracker, Outgoing: true, AmInterested: true, PeerInterested: true,
			DownloadRate: wave(310 << 10), UploadRate: 96 << 10, Progress: 0.71, ASN: 64496, Proximity: "tracker, same-net", Outstanding: 12, QueueDepth: 40, ConnectedFor: 83 * time.Second},
		{Addr: ap("127.0.10.3:6881"), Client: "aria2 1.37.0", Source: peer.SourceDHT, Outgoing: true, AmInterested: true, PeerChoking: true, PeerInterested: true, AmChoking: true,
			Progress: 0.33, ASN: 64496, Proximity: "dht, same-as", QueueDepth: 2, ConnectedFor: 41 * time.Second},
		{Addr: ap("127.0.11.4:51413"), Client: "Transmission 4.0.5", Source: peer.SourcePEX, Outgoing: true, AmInterested: true, PeerInterested: true, Encrypted: true,
			DownloadRate: wave(120 << 10), UploadRate: 40 << 10, Progress: 0.52, ASN: 64497, Proximity: "pex, prefix", Outstanding: 6, QueueDepth: 18, ConnectedFor: 20 * time.Second},
		{Addr: ap("127.0.12.9:6881"), Client: "qBittorrent 4.6.2", Source: peer.SourceIncoming, PeerInterested: true, Optimistic: true, PeerChoking: true,
			UploadRate: 64 << 10, Progress: 0.05, ASN: 64498, Proximity: "incoming, other", ConnectedFor: 12 * time.Second},
		{Addr: ap("127.0.13.1:6881"), Client: "libtorrent 2.0.9", Source: peer.SourceTracker, Outgoing: true, AmInterested: true, Seed: true, Snubbed: true, AmChoking: true,
			Progress: 1, ASN: 64499, Proximity: "tracker, remote-quota", Outstanding: 2, QueueDepth: 2, ConnectedFor: 95 * time.Second},
		{Addr: ap("127.0.10.7:6881"), Client: "", Source: peer.SourceManual, Outgoing: true, AmInterested: true, PeerInterested: true,
			DownloadRate: wave(80 << 10), UploadRate: 33 << 10, Progress: 0.9, ASN: 64496, Proximity: "manual, same-net", Outstanding: 4, QueueDepth: 9, ConnectedFor: 7 * time.Second},
	}
	var down, up float64
	for _, p := range peers {
		down += p.DownloadRate
		up += p.UploadRate
	}
	ubuntu := peer.Stats{
		InfoHash: ihUbuntu, Name: "ubuntu-24.04.2-desktop-amd64.iso", State: peer.StateDownloading, HaveInfo: true,
		TotalLength: total, Completed: done, NumPieces: np, PiecesHave: nHave, Progress: float64(done) / float64(total),
		DownloadRate: down, UploadRate: up, Downloaded: done - (6 << 20), Uploaded: 9 << 20, FromPeers: done - (6 << 20), FromSeeds: 6 << 20,
		Wasted: 288 << 10, HashFailures: 1, ETA: 47 * time.Second, Ratio: 0.07,
		Peers: peers, ConnectedSeeds: 1, KnownPeers: 37,
		Choke: peer.ChokeStats{NextRound: base.Add(7*time.Second + 300*time.Millisecond),
			Unchoked:   []netip.AddrPort{ap("127.0.10.2:6881"), ap("127.0.11.4:51413"), ap("127.0.10.7:6881"), ap("127.0.12.9:6881")},
			Optimistic: []netip.AddrPort{ap("127.0.12.9:6881")}},
		Trackers: []peer.TrackerStats{
			{URL: "http://127.0.0.1:6969/announce", Status: "ok", Seeders: 3, Leechers: 11, PeersGot: 14, LastAnnounce: base.Add(-95 * time.Second), NextAnnounce: base.Add(25 * time.Minute)},
			{URL: "udp://127.0.0.2:6969", Status: "error", LastError: "connection refused", LastAnnounce: base.Add(-30 * time.Second), NextAnnounce: base.Add(90 * time.Second)},
		},
		FallbackReason: "6 pieces no connected peer has",
		SeedServers: []peer.SeedServerStats{
			{URL: "http://127.0.0.1:8080/ubuntu/", State: "fetching", Bytes: 5 << 20},
			{URL: "http://127.0.0.3:8080/mirror/", State: "dropped", Reason: "served bad data (piece 77)", Bytes: 1 << 20},
		},
		Files:        []peer.FileStats{{Path: "ubuntu-24.04.2-desktop-amd64.iso", Length: total, Completed: done, Priority: 1}},
		Availability: avail, HavePieces: have, StartedAt: base.Add(-96 * time.Second),
	}
	const dn = 64
	dsAvail := make([]int, dn)
	dsHave := make([]bool, dn)
	for i := range dsAvail {
		dsAvail[i] = 2 + i%3
		dsHave[i] = i < 56
	}
	dataset := peer.Stats{
		InfoHash: ihDataset, Name: "measurements-2024", State: peer.StateSeeding, HaveInfo: true,
		TotalLength: 14 << 20, Completed: 14 << 20, NumPieces: dn, PiecesHave: 56, Progress: 1, UploadRate: wave(50 << 10),
		Uploaded: 40 << 20, FromPeers: 14 << 20, Ratio: 2.5, ETA: 0, KnownPeers: 4,
		Peers: []peer.PeerStats{{Addr: ap("127.0.11.8:6881"), Client: "shoal 0.1.0", Source: peer.SourceIncoming, PeerInterested: true,
			UploadRate: wave(50 << 10), Progress: 0.4, ASN: 64497, Proximity: "incoming, prefix", ConnectedFor: time.Minute}},
		Choke: peer.ChokeStats{NextRound: base.Add(2 * time.Second), Unchoked: []netip.AddrPort{ap("127.0.11.8:6881")}},
		Files: []peer.FileStats{
			{Path: "measurements-2024/README.md", Length: 4 << 10, Completed: 4 << 10, Priority: 1},
			{Path: "measurements-2024/raw/day-001.csv", Length: 6 << 20, Completed: 6 << 20, Priority: 2},
			{Path: "measurements-2024/raw/day-002.csv", Length: 6 << 20, Completed: 6 << 20, Priority: 1},
			{Path: "measurements-2024/extra/huge-archive.tar", Length: 2 << 30, Completed: 0, Priority: 0},
		},
		Availability: dsAvail, HavePieces: dsHave, StartedAt: base.Add(-2 * time.Hour), CompletedAt: base.Add(-time.Hour), DownloadingTook: 3*time.Minute + 12*time.Second,
	}
	bunny := peer.Stats{
		InfoHash: ihBunny, Name: "big-buck-bunny-1080p.mkv", State: peer.StatePaused, HaveInfo: true,
		TotalLength: 700 << 20, Completed: 210 << 20, NumPieces: 700, PiecesHave: 210, Progress: 0.3, ETA: -1, Ratio: 0.01,
		Uploaded: 7 << 20, FromPeers: 210 << 20, KnownPeers: 12,
		Files: []peer.FileStats{{Path: "big-buck-bunny-1080p.mkv", Length: 700 << 20, Completed: 210 << 20, Priority: 1}},
	}
	return []peer.Stats{ubuntu, dataset, bunny}
}

// fakeBackend records what the UI asked for; it is safe for concurrent use.
type fakeBackend struct {
	mu       sync.Mutex
	torrents []peer.Stats
	calls    []string
}

func newFake() *fakeBackend { return &fakeBackend{torrents: fakeSnapshot(0)} }

func (f *fakeBackend) Torrents() []peer.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]peer.Stats(nil), f.torrents...)
}

func (f *fakeBackend) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Add(src string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("add %s", src)
	if src == "bad" {
		return errors.New("not a torrent")
	}
	f.torrents = append(f.torrents, peer.Stats{InfoHash: "4444444444444444444444444444444444444444", Name: "added-from-ui", State: peer.StateMetadata, ETA: -1})
	return nil
}

func (f *fakeBackend) setState(ih string, s peer.State) {
	for i := range f.torrents {
		if f.torrents[i].InfoHash == ih {
			f.torrents[i].State = s
		}
	}
}

func (f *fakeBackend) Pause(ih string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("pause %s", short(ih))
	f.setState(ih, peer.StatePaused)
	return nil
}

func (f *fakeBackend) Resume(ih string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("resume %s", short(ih))
	f.setState(ih, peer.StateDownloading)
	return nil
}

func (f *fakeBackend) Remove(ih string, withData bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("remove %s data=%v", short(ih), withData)
	out := f.torrents[:0]
	for _, t := range f.torrents {
		if t.InfoHash != ih {
			out = append(out, t)
		}
	}
	f.torrents = out
	return nil
}

func (f *fakeBackend) SetFilePriority(ih string, file, prio int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("prio %s %d %d", short(ih), file, prio)
	for i := range f.torrents {
		if f.torrents[i].InfoHash == ih && file < len(f.torrents[i].Files) {
			files := append([]peer.FileStats(nil), f.torrents[i].Files...) // snapshots already handed out stay immutable
			files[file].Priority = prio
			f.torrents[i].Files = files
		}
	}
	return nil
}

func (f *fakeBackend) DHTNodes() int { return 212 }
