package peer

import (
	"encoding/hex"
	"net/netip"
	"sort"
	"time"

	"github.com/shoal-p2p/shoal/peer/choker"
)

// Stats is an immutable snapshot of a torrent. Everything the CLI, TUI and
// daemon show comes from here.
type Stats struct {
	InfoHash    string
	Name        string
	State       State
	Err         string
	HaveInfo    bool
	TotalLength int64 // bytes wanted in total (0 until the metadata is known)
	Completed   int64 // verified bytes on disk
	NumPieces   int
	PieceLength int64
	PiecesHave  int
	Progress    float64 // 0..1
	Finished    bool    // complete and seeding goal met

	// DownloadRate is payload bytes/s from every source: the sum of
	// Peers[].DownloadRate and SeedServers[].DownloadRate. ETA is based on it.
	DownloadRate, UploadRate float64 // payload bytes/s
	Downloaded, Uploaded     int64   // payload bytes this session (Downloaded: from peers only)
	FromPeers, FromSeeds     int64   // verified-or-not payload by source: peers vs seed servers
	Wasted                   int64   // duplicate, unrequested and hash-failed bytes
	HashFailures             int
	ETA                      time.Duration // -1 when unknown
	Ratio                    float64

	FallbackReason  string // why seed servers are being used now ("" when they are not)
	DHTNodes        int    // good contacts in the client's DHT routing table (0 when off)
	DHTLookups      int    // peers found by the last DHT lookup of this torrent
	DHTLookupTook   time.Duration
	SeedServers     []SeedServerStats
	Peers           []PeerStats
	ConnectedSeeds  int
	KnownPeers      int // candidates in the address book
	Endgame         bool
	Choke           ChokeStats
	Trackers        []TrackerStats
	Files           []FileStats
	Availability    []int // per piece (nil before the metadata)
	HavePieces      []bool
	StartedAt       time.Time
	CompletedAt     time.Time
	DownloadingTook time.Duration
	// FirstPieceAt is when the first piece downloaded this session was
	// verified: until then the peer has nothing to give (zero before).
	FirstPieceAt time.Time
}

// PeerStats describes one connection.
type PeerStats struct {
	Addr           netip.AddrPort
	PeerID         string // printable form of the remote peer ID
	Client         string // decoded client name, e.g. "aria2 1.37.0"
	Source         Source
	Outgoing       bool
	Encrypted      bool
	AmChoking      bool
	AmInterested   bool
	PeerChoking    bool
	PeerInterested bool
	Snubbed        bool
	Optimistic     bool
	OnParole       bool
	Seed           bool
	Progress       float64
	DownloadRate   float64
	UploadRate     float64
	Downloaded     int64
	Uploaded       int64
	ASN            uint32 // 0 when unknown
	Proximity      string // why it was chosen: source and proximity class, e.g. "tracker, same-as"
	Outstanding    int    // our requests in flight to it
	QueueDepth     int
	RTT            time.Duration // smoothed request round trip; 0 until measured
	ConnectedFor   time.Duration
}

// ChokeStats is the choker's current decision, for the UI countdown.
type ChokeStats struct {
	Round      time.Duration // round length (10 s by default)
	NextRound  time.Time
	Unchoked   []netip.AddrPort
	Optimistic []netip.AddrPort
}

// TrackerStats is one tracker's status.
type TrackerStats struct {
	URL          string
	Status       string
	LastError    string
	Seeders      int
	Leechers     int
	PeersGot     int
	LastAnnounce time.Time
	NextAnnounce time.Time
}

// FileStats is one file's progress.
type FileStats struct {
	Path      string
	Length    int64
	Completed int64
	Priority  int
}

func (t *torrent) snapshot() Stats {
	now := time.Now()
	s := Stats{
		InfoHash:     hex.EncodeToString(t.ih[:]),
		Name:         t.name(),
		State:        t.state,
		HaveInfo:     t.info != nil,
		NumPieces:    t.numPieces,
		Wasted:       t.wasted,
		HashFailures: t.hashFails,
		KnownPeers:   t.cands.len(),
		StartedAt:    t.startedAt,
		CompletedAt:  t.completedAt,
		FirstPieceAt: t.firstPieceAt,
		ETA:          -1,
		Downloaded:   t.downloadedTotal(),
		Uploaded:     t.uploadedTotal(),
		FromSeeds:    t.webseedBytes,
	}
	s.FromPeers = s.Downloaded
	if err := t.stopErr(); err != nil {
		s.Err = err.Error()
	}
	select {
	case <-t.finishedCh:
		s.Finished = true
	default:
	}
	if !t.completedAt.IsZero() {
		s.DownloadingTook = t.completedAt.Sub(t.startedAt)
	}
	var optimistic map[int]bool
	if t.ch != nil {
		snap := t.ch.Snapshot()
		s.Choke.NextRound = snap.NextRound
		s.Choke.Round = choker.DefaultRoundInterval
		optimistic = map[int]bool{}
		for _, id := range snap.Optimistic {
			optimistic[int(id)] = true
		}
	}
	if t.info != nil {
		s.PieceLength = t.info.PieceLength
		s.PiecesHave = t.have.Count()
		s.Endgame = t.pk.InEndgame()
		s.Availability = make([]int, t.numPieces)
		s.HavePieces = make([]bool, t.numPieces)
		for i := 0; i < t.numPieces; i++ {
			size := int64(t.pk.PieceSize(i))
			s.Availability[i] = t.pk.Availability(i)
			s.HavePieces[i] = t.have.Has(i)
			if t.pk.Wanted(i) || t.have.Has(i) {
				s.TotalLength += size
			}
			if t.have.Has(i) {
				s.Completed += size
			}
		}
		for i, f := range t.files {
			fs := FileStats{Path: f.path, Length: f.length, Priority: 1}
			if p, ok := t.filePrio[i]; ok {
				fs.Priority = p
			}
			fs.Completed = t.fileCompleted(f)
			s.Files = append(s.Files, fs)
		}
		if s.TotalLength > 0 {
			s.Progress = float64(s.Completed) / float64(s.TotalLength)
		}
		s.Ratio = float64(s.Uploaded) / float64(t.info.TotalLength())
	}
	for _, c := range t.conns {
		ps := PeerStats{
			Addr:           c.addr,
			PeerID:         printableID(c.wc.PeerID),
			Client:         ClientName(c.wc.PeerID, c.ext.V),
			Source:         c.source,
			Outgoing:       c.outgoing,
			Encrypted:      c.wc.Encrypted,
			AmChoking:      c.amChoking,
			AmInterested:   c.amInterested,
			PeerChoking:    c.peerChoking,
			PeerInterested: c.peerInterested,
			Snubbed:        c.pipe.Snubbed(now, len(c.outstanding)),
			Optimistic:     optimistic[int(c.id)],
			OnParole:       c.paroled,
			Seed:           c.hasAll,
			DownloadRate:   c.down.Rate(),
			UploadRate:     c.up.Rate(),
			Downloaded:     c.down.Total(),
			Uploaded:       c.up.Total(),
			ASN:            uint32(c.asn),
			Proximity:      proximityReason(c.source, c.class),
			Outstanding:    len(c.outstanding),
			QueueDepth:     c.pipe.Depth(),
			RTT:            c.pipe.SRTT(),
			ConnectedFor:   now.Sub(c.connectedAt),
		}
		switch {
		case c.hasAll:
			ps.Progress = 1
		case t.numPieces > 0:
			ps.Progress = float64(c.has.Count()) / float64(t.numPieces)
		}
		if c.hasAll {
			s.ConnectedSeeds++
		}
		if !c.amChoking {
			s.Choke.Unchoked = append(s.Choke.Unchoked, c.addr)
			if ps.Optimistic {
				s.Choke.Optimistic = append(s.Choke.Optimistic, c.addr)
			}
		}
		s.DownloadRate += ps.DownloadRate
		s.UploadRate += ps.UploadRate
		s.Peers = append(s.Peers, ps)
	}
	sort.Slice(s.Peers, func(i, j int) bool { return s.Peers[i].Addr.String() < s.Peers[j].Addr.String() })
	s.FallbackReason = t.fallbackReason
	if t.cl.dht != nil {
		s.DHTNodes = t.cl.dht.Stats().GoodNodes
		s.DHTLookups = t.dhtLast.Peers
		s.DHTLookupTook = t.dhtLast.Duration
	}
	s.SeedServers = t.seedServerStats(now)
	for _, ss := range s.SeedServers {
		s.DownloadRate += ss.DownloadRate
	}
	for _, ts := range t.trackers {
		s.Trackers = append(s.Trackers, TrackerStats{
			URL: ts.url, Status: ts.status, LastError: ts.lastErr, Seeders: ts.seeders,
			Leechers: ts.leechers, PeersGot: ts.peersGot, LastAnnounce: ts.lastAnnounce, NextAnnounce: ts.nextAnnounce,
		})
	}
	if left := s.TotalLength - s.Completed; left > 0 && s.DownloadRate > 0 {
		s.ETA = time.Duration(float64(left) / s.DownloadRate * float64(time.Second))
	} else if left == 0 && s.HaveInfo {
		s.ETA = 0
	}
	return s
}

// fileCompleted counts verified bytes of a file.
func (t *torrent) fileCompleted(f fileSpan) int64 {
	first, last, ok := t.pieceRange(f)
	if !ok {
		return 0
	}
	var n int64
	pl := t.info.PieceLength
	for i := first; i <= last; i++ {
		if !t.have.Has(i) {
			continue
		}
		start := max(int64(i)*pl, f.offset)
		end := min(int64(i)*pl+int64(t.pk.PieceSize(i)), f.offset+f.length)
		n += end - start
	}
	return n
}
