package peer

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// azureusClients maps the two-letter code of Azureus-style peer IDs
// ("-TR4060-…") to client names.
var azureusClients = map[string]string{
	"AZ": "Vuze", "BC": "BitComet", "BT": "BitTorrent", "DE": "Deluge", "KT": "KTorrent",
	"LT": "libtorrent", "lt": "rTorrent", "qB": "qBittorrent", "SH": "shoal", "TR": "Transmission",
	"UT": "µTorrent", "UM": "µTorrent Mac", "WW": "WebTorrent", "BI": "BiglyBT", "FD": "Free Download Manager",
	"AG": "Ares", "TX": "Tixati", "XL": "Xunlei", "HL": "Halite", "LW": "LimeWire", "FW": "FrostWire",
	"GR": "GetRight", "AR": "Arctic", "BB": "BitBuddy", "CD": "Enhanced CTorrent", "MO": "MonoTorrent",
	"PD": "Pando", "PT": "PHPTracker", "TT": "TuoTu", "VG": "Vagaa", "AT": "Artemis", "BF": "BitFlu",
	"ZT": "ZipTorrent", "GO": "GOTorrent", "MG": "MediaGet", "SD": "Thunder", "SB": "Swiftbit",
}

// newPeerID makes a 20-byte peer ID: prefix then random printable bytes.
func newPeerID(prefix string) [20]byte {
	var id [20]byte
	n := copy(id[:], prefix)
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	rnd := make([]byte, 20-n)
	_, _ = rand.Read(rnd)
	for i, b := range rnd {
		id[n+i] = alphabet[int(b)%len(alphabet)]
	}
	return id
}

// ClientName decodes a peer ID (and the BEP 10 "v" string, preferred when
// present) into a client name for display.
func ClientName(id [20]byte, v string) string {
	if v = strings.TrimSpace(v); v != "" {
		return sanitize(v)
	}
	s := string(id[:])
	if id[0] == '-' && id[7] == '-' {
		name, ok := azureusClients[s[1:3]]
		if !ok {
			name = sanitize(s[1:3])
		}
		ver := s[3:7]
		return fmt.Sprintf("%s %c.%c.%c", name, ver[0], ver[1], ver[2])
	}
	if strings.HasPrefix(s, "A2-") {
		// aria2: "A2-1-37-0-…"
		parts := strings.SplitN(s[3:], "-", 4)
		if len(parts) >= 3 {
			return "aria2 " + parts[0] + "." + parts[1] + "." + parts[2]
		}
		return "aria2"
	}
	if id[0] == 'M' && strings.Contains(s[:8], "-") {
		return "BitTorrent " + sanitize(strings.TrimRight(s[1:8], "-"))
	}
	return "unknown"
}

func printableID(id [20]byte) string { return sanitize(string(id[:])) }

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			b.WriteByte('.')
			continue
		}
		b.WriteRune(r)
	}
	if b.Len() > 64 {
		return b.String()[:64]
	}
	return b.String()
}
