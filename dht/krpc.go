package dht

import (
	"github.com/anacrolix/dht/v2/krpc"
	"github.com/anacrolix/torrent/bencode"
)

// Bounds on what a well-formed datagram may carry. Real implementations
// send at most 8 nodes per family and about 100 values; anything larger is
// abuse or garbage.
const (
	maxTxIDLen   = 16
	maxNodesMsg  = 32
	maxValuesMsg = 200
	maxTokenLen  = 64
)

// checkKRPC decodes b and reports whether it is a KRPC message we are
// willing to hand to the server: a bencoded dict with a short transaction
// ID, a known type, a non-zero sender ID for queries and replies, and sane
// counts of nodes and values. The library tolerates much less: this is the
// first line of defence, and it is what the fuzz target exercises.
//
// Decoding is done under recover: in anacrolix/dht v2.24.0 a compact
// address shorter than 2 bytes (in "ip" or "values") makes
// krpc.NodeAddr.UnmarshalBinary panic, which would crash the library's
// read loop. Such datagrams are dropped here, before the library decodes
// the same bytes into the same type.
func checkKRPC(b []byte) (m krpc.Msg, ok bool) {
	if len(b) < 2 || b[0] != 'd' {
		return m, false
	}
	defer func() {
		if recover() != nil {
			m, ok = krpc.Msg{}, false
		}
	}()
	if err := bencode.Unmarshal(b, &m); err != nil {
		return m, false
	}
	if len(m.IP.IP) != 0 && len(m.IP.IP) != 4 && len(m.IP.IP) != 16 {
		return m, false
	}
	if m.T == "" || len(m.T) > maxTxIDLen {
		return m, false
	}
	switch m.Y {
	case krpc.YQuery:
		if m.Q == "" || len(m.Q) > 32 || m.A == nil || m.A.ID.IsZero() || len(m.A.Token) > maxTokenLen {
			return m, false
		}
		if m.A.Port != nil && (*m.A.Port < 0 || *m.A.Port > 65535) {
			return m, false
		}
	case krpc.YResponse:
		r := m.R
		if r == nil || r.ID.IsZero() {
			return m, false
		}
		if len(r.Nodes) > maxNodesMsg || len(r.Nodes6) > maxNodesMsg || len(r.Values) > maxValuesMsg {
			return m, false
		}
		for _, v := range r.Values {
			if len(v.IP) != 4 && len(v.IP) != 16 {
				return m, false
			}
		}
		if r.Token != nil && len(*r.Token) > maxTokenLen {
			return m, false
		}
	case krpc.YError:
		if m.E == nil {
			return m, false
		}
	default:
		return m, false
	}
	return m, true
}
