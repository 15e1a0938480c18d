package peer

import (
	"testing"

	"github.com/anacrolix/torrent/bencode"
)

// Torrent files come from disk and from URLs: parsing must never panic,
// and anything accepted must be internally consistent.
func FuzzParseTorrentBytes(f *testing.F) {
	info := map[string]any{"name": "x", "piece length": 16384, "length": 100, "pieces": string(make([]byte, 20))}
	f.Add(bencode.MustMarshal(map[string]any{"info": info, "announce": "http://127.0.0.1/announce"}))
	f.Add(bencode.MustMarshal(map[string]any{"info": map[string]any{"name": "d", "piece length": 16384,
		"pieces": string(make([]byte, 20)), "files": []any{map[string]any{"length": 5, "path": []any{"a", "b"}}}}}))
	f.Add([]byte("d4:infod6:lengthi-1eee"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseTorrentBytes(b)
		if err != nil {
			return
		}
		if s.Info == nil || len(s.InfoBytes) == 0 {
			t.Fatal("accepted torrent without info")
		}
		if n := s.Info.NumPieces(); n*20 != len(s.Info.Pieces) {
			t.Fatalf("accepted %d pieces with %d hash bytes", n, len(s.Info.Pieces))
		}
	})
}

func FuzzParseMagnet(f *testing.F) {
	f.Add("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x&tr=http://127.0.0.1/a&x.pe=127.0.0.1:1")
	f.Add("magnet:?xt=urn:btih:AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU&ws=http://127.0.0.1/")
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseMagnet(s)
		if err != nil {
			return
		}
		if spec.InfoHash == ([20]byte{}) {
			t.Fatal("accepted a magnet with an empty info hash")
		}
		// Round trip through our own magnet rendering.
		back, err := ParseMagnet(spec.Magnet())
		if err != nil || back.InfoHash != spec.InfoHash {
			t.Fatalf("magnet round trip: %v", err)
		}
	})
}
