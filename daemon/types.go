package daemon

import (
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// The control API's JSON bodies (paths in api.go).

// AddRequest adds a torrent: Source is a magnet link or an http(s) URL of a
// .torrent; Torrent is the bytes of a .torrent file (base64 in JSON).
// Peers ("host:port") are dialed once, on this add only.
type AddRequest struct {
	Source  string   `json:"source,omitempty"`
	Torrent []byte   `json:"torrent,omitempty"`
	Paused  bool     `json:"paused,omitempty"`
	Peers   []string `json:"peers,omitempty"`
}

// TorrentInfo is one torrent in a list.
type TorrentInfo struct {
	InfoHash        string    `json:"info_hash"`
	Name            string    `json:"name"`
	State           string    `json:"state"`
	Error           string    `json:"error,omitempty"`
	Complete        bool      `json:"complete"`
	Size            int64     `json:"size"`
	Completed       int64     `json:"completed"`
	Progress        float64   `json:"progress"`
	DownloadRate    float64   `json:"download_rate"`
	UploadRate      float64   `json:"upload_rate"`
	Downloaded      int64     `json:"downloaded"`
	Uploaded        int64     `json:"uploaded"`
	FromPeers       int64     `json:"from_peers"`
	FromSeedServers int64     `json:"from_seed_servers"`
	FallbackReason  string    `json:"fallback_reason,omitempty"`
	Peers           int       `json:"peers"`
	Seeds           int       `json:"seeds"`
	Added           time.Time `json:"added"`
}

// TorrentDetail is one torrent with its files, peers and seed servers.
type TorrentDetail struct {
	TorrentInfo
	Files       []FileInfo       `json:"files,omitempty"`
	PeerList    []PeerInfo       `json:"peer_list,omitempty"`
	SeedServers []SeedServerInfo `json:"seed_servers,omitempty"`
	Trackers    []TrackerInfo    `json:"trackers,omitempty"`
}

// FileInfo is one file of a torrent.
type FileInfo struct {
	Path      string `json:"path"`
	Length    int64  `json:"length"`
	Completed int64  `json:"completed"`
}

// PeerInfo is one connected peer.
type PeerInfo struct {
	Addr         string  `json:"addr"`
	Client       string  `json:"client"`
	Progress     float64 `json:"progress"`
	DownloadRate float64 `json:"download_rate"`
	UploadRate   float64 `json:"upload_rate"`
}

// SeedServerInfo is one web seed of a torrent.
type SeedServerInfo struct {
	URL          string  `json:"url"`
	State        string  `json:"state"`
	Bytes        int64   `json:"bytes"`
	DownloadRate float64 `json:"download_rate"` // part of the torrent's download_rate
	LastError    string  `json:"last_error,omitempty"`
	Dropped      string  `json:"dropped,omitempty"`
}

// TrackerInfo is one tracker's status.
type TrackerInfo struct {
	URL       string `json:"url"`
	Status    string `json:"status"`
	LastError string `json:"last_error,omitempty"`
}

// GlobalStats sums every torrent in the daemon.
type GlobalStats struct {
	Torrents        int            `json:"torrents"`
	States          map[string]int `json:"states"`
	DownloadRate    float64        `json:"download_rate"`
	UploadRate      float64        `json:"upload_rate"`
	Downloaded      int64          `json:"downloaded"`
	Uploaded        int64          `json:"uploaded"`
	FromPeers       int64          `json:"from_peers"`
	FromSeedServers int64          `json:"from_seed_servers"`
	Peers           int            `json:"peers"`
	WebSeedRequests int64          `json:"web_seed_requests"`
	WebSeedBytes    int64          `json:"web_seed_bytes"`
	PeerListen      string         `json:"peer_listen"`
	UptimeSeconds   float64        `json:"uptime_seconds"`
}

// ErrorBody is what every failed API request returns.
type ErrorBody struct {
	Error string `json:"error"`
}

func summarize(e *entry, s peer.Stats) TorrentInfo {
	complete := false
	select {
	case <-e.t.Complete():
		complete = true
	default:
	}
	return TorrentInfo{
		InfoHash: s.InfoHash, Name: s.Name, State: e.state(s), Error: s.Err, Complete: complete,
		Size: s.TotalLength, Completed: s.Completed, Progress: s.Progress,
		DownloadRate: s.DownloadRate, UploadRate: s.UploadRate,
		Downloaded: s.Downloaded + s.FromSeeds, Uploaded: s.Uploaded,
		FromPeers: s.FromPeers, FromSeedServers: s.FromSeeds, FallbackReason: s.FallbackReason,
		Peers: len(s.Peers), Seeds: s.ConnectedSeeds, Added: e.added,
	}
}

func detail(e *entry, s peer.Stats) TorrentDetail {
	d := TorrentDetail{TorrentInfo: summarize(e, s)}
	for _, f := range s.Files {
		d.Files = append(d.Files, FileInfo{Path: f.Path, Length: f.Length, Completed: f.Completed})
	}
	for _, p := range s.Peers {
		d.PeerList = append(d.PeerList, PeerInfo{Addr: p.Addr.String(), Client: p.Client, Progress: p.Progress,
			DownloadRate: p.DownloadRate, UploadRate: p.UploadRate})
	}
	for _, ss := range s.SeedServers {
		d.SeedServers = append(d.SeedServers, SeedServerInfo{URL: ss.URL, State: ss.State, Bytes: ss.Bytes,
			DownloadRate: ss.DownloadRate, LastError: ss.LastError, Dropped: ss.Reason})
	}
	for _, t := range s.Trackers {
		d.Trackers = append(d.Trackers, TrackerInfo{URL: t.URL, Status: t.Status, LastError: t.LastError})
	}
	return d
}

// state is the torrent's state as the daemon reports it. The engine's
// onComplete reports a torrent that was paused while being checked as
// seeding, though it stays paused (no transfers); say paused.
func (e *entry) state(s peer.Stats) string {
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.paused && (s.State == peer.StateSeeding || s.State == peer.StateDownloading) {
		return string(peer.StatePaused)
	}
	return string(s.State)
}
