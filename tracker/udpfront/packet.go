package udpfront

import (
	"encoding/binary"

	"github.com/shoal-p2p/shoal/tracker"
)

// BEP 15 constants.
const (
	protocolMagic = 0x41727101980

	actionConnect  = 0
	actionAnnounce = 1
	actionScrape   = 2
	actionError    = 3

	headerLen   = 16 // connection id, action, transaction id
	announceLen = 98
)

// Announce is a parsed announce packet.
type Announce struct {
	ConnID, Transaction        uint32
	InfoHash                   tracker.InfoHash
	PeerID                     tracker.PeerID
	Downloaded, Left, Uploaded int64
	Event                      tracker.Event
	IP                         [4]byte
	Key                        uint32
	NumWant                    int32
	Port                       uint16
}

// header is the part every request shares.
type header struct {
	connID      uint64
	action      uint32
	transaction uint32
}

func parseHeader(b []byte) (header, bool) {
	if len(b) < headerLen {
		return header{}, false
	}
	return header{binary.BigEndian.Uint64(b), binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])}, true
}

// ParseAnnounce parses the body of an announce packet b (whole packet,
// header included). Trailing BEP 41 options are ignored.
func ParseAnnounce(b []byte) (Announce, error) {
	var a Announce
	if len(b) < announceLen {
		return a, tracker.ErrMalformed
	}
	a.Transaction = binary.BigEndian.Uint32(b[12:])
	copy(a.InfoHash[:], b[16:36])
	copy(a.PeerID[:], b[36:56])
	a.Downloaded = int64(binary.BigEndian.Uint64(b[56:]))
	a.Left = int64(binary.BigEndian.Uint64(b[64:]))
	a.Uploaded = int64(binary.BigEndian.Uint64(b[72:]))
	ev := binary.BigEndian.Uint32(b[80:])
	if ev > uint32(tracker.EventStopped) {
		return a, tracker.ErrMalformed
	}
	a.Event = tracker.Event(ev)
	copy(a.IP[:], b[84:88])
	a.Key = binary.BigEndian.Uint32(b[88:])
	a.NumWant = int32(binary.BigEndian.Uint32(b[92:]))
	a.Port = binary.BigEndian.Uint16(b[96:])
	if a.Port == 0 {
		return a, tracker.ErrPort
	}
	return a, nil
}

// ParseScrape returns the hashes of a scrape packet, at most max.
func ParseScrape(b []byte, max int) ([]tracker.InfoHash, error) {
	body := b[min(len(b), headerLen):]
	if len(b) < headerLen || len(body)%20 != 0 {
		return nil, tracker.ErrMalformed
	}
	n := len(body) / 20
	if n > max {
		return nil, tracker.ErrTooManyHashes
	}
	hs := make([]tracker.InfoHash, n)
	for i := range hs {
		copy(hs[i][:], body[i*20:])
	}
	return hs, nil
}

func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

func errorPacket(b []byte, transaction uint32, msg string) []byte {
	b = appendU32(b, actionError)
	b = appendU32(b, transaction)
	return append(b, msg...)
}
