package httpfront

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store"
)

func appendStr(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func appendBytesStr(b []byte, s []byte) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func appendInt(b []byte, key string, n int64) []byte {
	b = appendStr(b, key)
	b = append(b, 'i')
	b = strconv.AppendInt(b, n, 10)
	return append(b, 'e')
}

// failure encodes {"failure reason": msg}.
func failure(msg string) []byte {
	b := append([]byte("d"), "14:failure reason"...)
	return append(appendStr(b, msg), 'e')
}

// encodeAnnounce writes the response; keys in sorted order as bencode
// requires. v6 says the requester (and so every peer) is IPv6.
func encodeAnnounce(r tracker.AnnounceResponse, compact, noPeerID, v6 bool) []byte {
	b := make([]byte, 0, 128+len(r.Peers)*40)
	b = append(b, 'd')
	b = appendInt(b, "complete", int64(r.Seeders))
	b = appendInt(b, "downloaded", int64(r.Completed))
	b = appendInt(b, "incomplete", int64(r.Leechers))
	b = appendInt(b, "interval", int64(r.Interval.Seconds()))
	b = appendInt(b, "min interval", int64(r.MinInterval.Seconds()))
	b = appendStr(b, "peers")
	switch {
	case !compact:
		b = append(b, 'l')
		for _, p := range r.Peers {
			b = append(b, 'd')
			b = appendStr(b, "ip")
			b = appendStr(b, p.Addr.Addr().String())
			if !noPeerID {
				b = appendStr(b, "peer id")
				b = appendBytesStr(b, p.ID[:])
			}
			b = appendInt(b, "port", int64(p.Addr.Port()))
			b = append(b, 'e')
		}
		b = append(b, 'e')
	case v6:
		b = append(b, "0:"...)
		b = appendStr(b, "peers6")
		b = appendCompact(b, r.Peers, 18)
	default:
		b = appendCompact(b, r.Peers, 6)
	}
	return append(b, 'e')
}

func appendCompact(b []byte, ps []store.Peer, size int) []byte {
	b = strconv.AppendInt(b, int64(len(ps)*size), 10)
	b = append(b, ':')
	for _, p := range ps {
		b = store.AppendCompact(b, p.Addr)
	}
	return b
}

// encodeScrape writes {"files": {hash: {complete, downloaded, incomplete}}}
// with the hashes sorted and each listed once.
func encodeScrape(hs []tracker.InfoHash, cs []tracker.Counts) []byte {
	idx := make([]int, len(hs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, c int) int { return slices.Compare(hs[a][:], hs[c][:]) })
	b := make([]byte, 0, 16+len(hs)*80)
	b = append(b, "d5:filesd"...)
	for k, i := range idx {
		if k > 0 && hs[idx[k-1]] == hs[i] {
			continue
		}
		b = appendBytesStr(b, hs[i][:])
		b = append(b, 'd')
		b = appendInt(b, "complete", int64(cs[i].Seeders))
		b = appendInt(b, "downloaded", int64(cs[i].Completed))
		b = appendInt(b, "incomplete", int64(cs[i].Leechers))
		b = append(b, 'e')
	}
	return append(b, "ee"...)
}

// is6 reports whether a is a real IPv6 address (not IPv4-mapped).
func is6(a netip.Addr) bool { return a.Is6() && !a.Is4In6() }
