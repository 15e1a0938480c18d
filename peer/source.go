package peer

import (
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/shoal-p2p/shoal/peer/storage"
)

// MaxTorrentFileSize bounds .torrent files read from disk or fetched by URL.
const MaxTorrentFileSize = 16 << 20

// Spec is everything known about a torrent before it is added: from a
// .torrent file, a magnet link, or built by a program.
type Spec struct {
	InfoHash  [20]byte
	InfoBytes []byte         // bencoded info dictionary; nil for a magnet until fetched
	Info      *metainfo.Info // parsed InfoBytes, validated
	Name      string         // display name (dn= for magnets)
	Trackers  [][]string     // tiers of announce URLs
	WebSeeds  []string       // BEP 19 url-list / ws=
	Peers     []string       // x.pe= peer addresses from a magnet
	Comment   string
}

// ParseSource turns what a user typed — a magnet link, an http(s) URL of a
// .torrent file, or a path — into a Spec. Errors name the input.
func ParseSource(ctx context.Context, src string) (*Spec, error) {
	switch {
	case strings.HasPrefix(src, "magnet:"):
		return ParseMagnet(src)
	case strings.HasPrefix(src, "http://"), strings.HasPrefix(src, "https://"):
		b, err := fetchTorrent(ctx, src)
		if err != nil {
			return nil, fmt.Errorf("fetch torrent %q: %w", src, err)
		}
		s, err := ParseTorrentBytes(b)
		if err != nil {
			return nil, fmt.Errorf("torrent from %q: %w", src, err)
		}
		return s, nil
	default:
		return LoadTorrentFile(src)
	}
}

// LoadTorrentFile reads and validates a .torrent file.
func LoadTorrentFile(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open torrent %q: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxTorrentFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read torrent %q: %w", path, err)
	}
	if len(b) > MaxTorrentFileSize {
		return nil, fmt.Errorf("open torrent %q: larger than %d bytes", path, MaxTorrentFileSize)
	}
	s, err := ParseTorrentBytes(b)
	if err != nil {
		return nil, fmt.Errorf("open torrent %q: %w", path, err)
	}
	return s, nil
}

// ParseTorrentBytes parses and validates the bytes of a .torrent file.
func ParseTorrentBytes(b []byte) (*Spec, error) {
	var mi metainfo.MetaInfo
	if err := bencode.Unmarshal(b, &mi); err != nil {
		return nil, fmt.Errorf("not a bencoded torrent: %w", err)
	}
	if len(mi.InfoBytes) == 0 {
		return nil, fmt.Errorf("no info dictionary")
	}
	s, err := specFromInfoBytes(mi.InfoBytes)
	if err != nil {
		return nil, err
	}
	s.Trackers = cleanTiers(mi.UpvertedAnnounceList())
	s.WebSeeds = append(s.WebSeeds, mi.UrlList...)
	s.Comment = mi.Comment
	return s, nil
}

// specFromInfoBytes validates an info dictionary (from a file or from peers).
func specFromInfoBytes(infoBytes []byte) (*Spec, error) {
	var info metainfo.Info
	if err := bencode.Unmarshal(infoBytes, &info); err != nil {
		return nil, fmt.Errorf("info: %w", err)
	}
	if err := storage.ValidateInfo(&info); err != nil {
		return nil, err
	}
	return &Spec{
		InfoHash:  sha1.Sum(infoBytes),
		InfoBytes: bytes.Clone(infoBytes),
		Info:      &info,
		Name:      info.BestName(),
	}, nil
}

// ParseMagnet parses a BEP 9 magnet link (v1 btih; x.pe peers; ws= web seeds).
func ParseMagnet(uri string) (*Spec, error) {
	m, err := metainfo.ParseMagnetUri(uri)
	if err != nil {
		return nil, fmt.Errorf("magnet %q: %w", shorten(uri), err)
	}
	if m.InfoHash == (metainfo.Hash{}) {
		return nil, fmt.Errorf("magnet %q: no v1 info hash (xt=urn:btih:)", shorten(uri))
	}
	s := &Spec{InfoHash: m.InfoHash, Name: m.DisplayName}
	for _, tr := range m.Trackers {
		s.Trackers = append(s.Trackers, []string{tr})
	}
	s.Trackers = cleanTiers(s.Trackers)
	s.Peers = append(s.Peers, m.Params["x.pe"]...)
	s.WebSeeds = append(s.WebSeeds, m.Params["ws"]...)
	return s, nil
}

func cleanTiers(in [][]string) (out [][]string) {
	seen := map[string]bool{}
	for _, tier := range in {
		var t []string
		for _, u := range tier {
			u = strings.TrimSpace(u)
			if u == "" || seen[u] {
				continue
			}
			seen[u] = true
			t = append(t, u)
		}
		if len(t) > 0 {
			out = append(out, t)
		}
	}
	return out
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

func fetchTorrent(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxTorrentFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxTorrentFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxTorrentFileSize)
	}
	return b, nil
}

// Magnet returns a magnet link for the spec.
func (s *Spec) Magnet() string {
	m := metainfo.Magnet{InfoHash: s.InfoHash, DisplayName: s.Name}
	for _, tier := range s.Trackers {
		m.Trackers = append(m.Trackers, tier...)
	}
	if len(s.WebSeeds) > 0 {
		m.Params = map[string][]string{"ws": s.WebSeeds}
	}
	return m.String()
}
