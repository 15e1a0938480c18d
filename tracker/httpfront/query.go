package httpfront

import (
	"strconv"
	"strings"

	"github.com/shoal-p2p/shoal/tracker"
)

// maxParams bounds how many key=value pairs a query may have.
const maxParams = 128

// Announce is a parsed announce query.
type Announce struct {
	InfoHash                   tracker.InfoHash
	PeerID                     tracker.PeerID
	Port                       uint16
	Left, Uploaded, Downloaded int64 // Left is -1 when absent
	Event                      tracker.Event
	NumWant                    int // -1 when absent
	Compact                    bool
	NoPeerID                   bool
	IP                         string // the ip parameter, used only when trusted
}

// forEach calls f with each key and its raw (still escaped) value.
func forEach(q string, f func(key, val string) error) error {
	n := 0
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if kv == "" {
			continue
		}
		if n++; n > maxParams {
			return tracker.ErrMalformed
		}
		k, v, _ := strings.Cut(kv, "=")
		key, ok := unescape(k)
		if !ok {
			return tracker.ErrMalformed
		}
		if err := f(key, v); err != nil {
			return err
		}
	}
	return nil
}

// unescape decodes %XX escapes; '+' stays '+' (binary parameters are
// percent-encoded byte for byte, and opentracker reads them the same way).
func unescape(s string) (string, bool) {
	if !strings.ContainsRune(s, '%') {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		h, l := unhex(s[i+1]), unhex(s[i+2])
		if h < 0 || l < 0 {
			return "", false
		}
		b = append(b, byte(h<<4|l))
		i += 2
	}
	return string(b), true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func decode20(raw string, bad error) ([20]byte, error) {
	var out [20]byte
	v, ok := unescape(raw)
	if !ok || len(v) != 20 {
		return out, bad
	}
	copy(out[:], v)
	return out, nil
}

// counter parses a byte count; values beyond int64 are clamped (some
// clients send 2^64-1 for "unknown").
func counter(raw string) (int64, error) {
	u, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, tracker.ErrMalformed
	}
	return int64(min(u, 1<<63-1)), nil
}

// ParseAnnounce parses an announce query string (r.URL.RawQuery).
func ParseAnnounce(q string) (Announce, error) {
	a := Announce{Left: -1, NumWant: -1, Compact: true}
	var have struct{ ih, id, port bool }
	err := forEach(q, func(k, v string) error {
		var err error
		switch k {
		case "info_hash":
			if have.ih {
				return tracker.ErrMalformed
			}
			have.ih = true
			a.InfoHash, err = decode20(v, tracker.ErrInfoHash)
		case "peer_id":
			have.id = true
			a.PeerID, err = decode20(v, tracker.ErrPeerID)
		case "port":
			have.port = true
			p, perr := strconv.ParseUint(v, 10, 16)
			if perr != nil || p == 0 {
				return tracker.ErrPort
			}
			a.Port = uint16(p)
		case "left":
			a.Left, err = counter(v)
		case "uploaded":
			a.Uploaded, err = counter(v)
		case "downloaded":
			a.Downloaded, err = counter(v)
		case "numwant":
			n, nerr := strconv.ParseInt(v, 10, 32)
			if nerr != nil {
				return tracker.ErrMalformed
			}
			a.NumWant = int(max(n, -1))
		case "event":
			switch v {
			case "started":
				a.Event = tracker.EventStarted
			case "completed":
				a.Event = tracker.EventCompleted
			case "stopped":
				a.Event = tracker.EventStopped
			case "", "empty", "paused":
				a.Event = tracker.EventNone
			default:
				return tracker.ErrMalformed
			}
		case "compact":
			a.Compact = v != "0"
		case "no_peer_id":
			a.NoPeerID = v == "1"
		case "ip":
			a.IP, _ = unescape(v)
		}
		return err
	})
	switch {
	case err != nil:
		return a, err
	case !have.ih:
		return a, tracker.ErrInfoHash
	case !have.id:
		return a, tracker.ErrPeerID
	case !have.port:
		return a, tracker.ErrPort
	}
	return a, nil
}

// ParseScrape returns the info hashes of a scrape query, at most max.
func ParseScrape(q string, max int) ([]tracker.InfoHash, error) {
	var hs []tracker.InfoHash
	err := forEach(q, func(k, v string) error {
		if k != "info_hash" {
			return nil
		}
		if len(hs) >= max {
			return tracker.ErrTooManyHashes
		}
		h, err := decode20(v, tracker.ErrInfoHash)
		hs = append(hs, h)
		return err
	})
	return hs, err
}
