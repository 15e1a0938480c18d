package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shoal-p2p/shoal/peer"
)

// flagLegend is qBittorrent's peer flag legend (P, µTP, is never set: shoal
// speaks TCP only).
var flagLegend = [][2]string{
	{"D", "downloading: we are interested, peer unchokes us"},
	{"d", "we are interested, peer chokes us"},
	{"U", "uploading: peer is interested, we unchoke it"},
	{"u", "peer is interested, we choke it"},
	{"K", "peer unchokes us, we are not interested"},
	{"?", "we unchoke the peer, it is not interested"},
	{"O", "optimistic unchoke"},
	{"S", "snubbed: sent nothing for 60 s"},
	{"I", "incoming connection"},
	{"H", "peer from the DHT"},
	{"X", "peer from peer exchange (PEX)"},
	{"E", "encrypted (MSE)"},
	{"P", "uTP (not used by shoal)"},
}

// peerFlags renders a peer's state in qBittorrent's letters.
func peerFlags(p peer.PeerStats) string {
	var b strings.Builder
	switch {
	case p.AmInterested && !p.PeerChoking:
		b.WriteByte('D')
	case p.AmInterested && p.PeerChoking:
		b.WriteByte('d')
	}
	switch {
	case p.PeerInterested && !p.AmChoking:
		b.WriteByte('U')
	case p.PeerInterested && p.AmChoking:
		b.WriteByte('u')
	}
	if !p.AmInterested && !p.PeerChoking {
		b.WriteByte('K')
	}
	if !p.AmChoking && !p.PeerInterested {
		b.WriteByte('?')
	}
	if p.Optimistic {
		b.WriteByte('O')
	}
	if p.Snubbed {
		b.WriteByte('S')
	}
	if !p.Outgoing || p.Source == peer.SourceIncoming {
		b.WriteByte('I')
	}
	switch p.Source {
	case peer.SourceDHT:
		b.WriteByte('H')
	case peer.SourcePEX:
		b.WriteByte('X')
	}
	if p.Encrypted {
		b.WriteByte('E')
	}
	return b.String()
}

func clientName(p peer.PeerStats) string {
	if p.Client != "" {
		return p.Client
	}
	return "unknown"
}

// whyLabel turns the engine's "source, class" into words.
func whyLabel(prox string) string {
	src, class, ok := strings.Cut(prox, ", ")
	if !ok {
		return prox
	}
	return classLabel(class) + " (" + src + ")"
}

func classLabel(class string) string {
	switch class {
	case "same-net":
		return "same /24 net"
	case "same-as":
		return "same AS"
	case "prefix":
		return "nearest prefix"
	case "remote-quota":
		return "diversity quota"
	case "other":
		return "other AS"
	}
	return class
}

func proxClass(prox string) string {
	_, class, ok := strings.Cut(prox, ", ")
	if !ok {
		return ""
	}
	return class
}

var peerCols = []column{
	{title: "", w: 1},
	{title: "Address", w: 21},
	{title: "Client", w: 14, prio: 4, flex: true, max: 22},
	{title: "Flags", w: 7},
	{title: "Down", w: 10, prio: 1, right: true},
	{title: "Up", w: 10, prio: 3, right: true},
	{title: "Has", w: 5, prio: 1, right: true},
	{title: "RTT", w: 5, prio: 7, right: true},
	{title: "Source", w: 8, prio: 5},
	{title: "ASN", w: 8, prio: 2},
	{title: "Why chosen", w: 22, prio: 1},
	{title: "Reqs", w: 7, prio: 6, right: true},
	{title: "Conn", w: 6, prio: 8, right: true},
}

func (m *Model) peersView(t *peer.Stats, w, h int) string {
	th := m.th
	if len(t.Peers) == 0 {
		return th.s(th.dim, fmt.Sprintf("no connected peers · %d addresses in the address book", t.KnownPeers))
	}
	lines := []string{m.peerSummary(t, w)}
	cols := append([]column(nil), peerCols...)
	cols[4].title = th.g.down + " Rate"
	cols[5].title = th.g.up + " Rate"
	ws := layout(cols, w)
	lines = append(lines, th.headerRow(cols, ws))
	rows := h - 3
	cur := min(m.rows[tabPeers], len(t.Peers)-1)
	top := scrollTop(&m.tops[tabPeers], cur, rows, len(t.Peers))
	for i := top; i < len(t.Peers) && i < top+rows; i++ {
		p := t.Peers[i]
		mark := " "
		if p.Optimistic {
			mark = th.s(th.warn, th.g.star)
		}
		asn := "--"
		if p.ASN != 0 {
			asn = fmt.Sprintf("AS%d", p.ASN)
		}
		why := whyLabel(p.Proximity)
		whySt := th.dim
		switch proxClass(p.Proximity) {
		case "same-net", "same-as":
			whySt = th.ok
		case "prefix":
			whySt = th.accent
		case "remote-quota":
			whySt = th.warn
		}
		progress := pct(p.Progress)
		if p.Seed {
			progress = "seed"
		}
		rtt := "--"
		if p.RTT > 0 {
			rtt = fmt.Sprintf("%dms", p.RTT.Milliseconds())
		}
		cells := []string{
			mark, p.Addr.String(), clientName(p), th.s(th.accent, peerFlags(p)),
			th.s(th.down, humanRate(p.DownloadRate)), th.s(th.up, humanRate(p.UploadRate)),
			progress, rtt, p.Source.String(), asn, th.s(whySt, why),
			fmt.Sprintf("%d/%d", p.Outstanding, p.QueueDepth), humanETA(p.ConnectedFor),
		}
		line := th.row(cols, ws, cells)
		if m.detail && i == cur {
			line = th.s(th.sel, fit(line, w, false, ""))
		}
		lines = append(lines, line)
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	lines = append(lines, th.s(th.dim, "flags: D/d down unchoked/choked  U/u up unchoked/choked  K unchoked, not interested  ? we unchoke, no interest  O optimistic  S snubbed  I incoming  H DHT  X PEX  E encrypted  (? for all)"))
	return strings.Join(lines, "\n")
}

// peerSummary: counts by proximity class and the most common ASes, so that
// the proximity preference is visible at a glance.
func (m *Model) peerSummary(t *peer.Stats, w int) string {
	th := m.th
	byClass := map[string]int{}
	byASN := map[uint32]int{}
	for _, p := range t.Peers {
		byClass[classLabel(proxClass(p.Proximity))]++
		if p.ASN != 0 {
			byASN[p.ASN]++
		}
	}
	var cs []string
	for _, c := range []string{"same-net", "same-as", "prefix", "remote-quota", "other"} {
		if n := byClass[classLabel(c)]; n > 0 {
			cs = append(cs, fmt.Sprintf("%s %d", classLabel(c), n))
		}
	}
	asns := make([]uint32, 0, len(byASN))
	for a := range byASN {
		asns = append(asns, a)
	}
	sort.Slice(asns, func(i, j int) bool {
		if byASN[asns[i]] != byASN[asns[j]] {
			return byASN[asns[i]] > byASN[asns[j]]
		}
		return asns[i] < asns[j]
	})
	var as []string
	for i, a := range asns {
		if i == 4 {
			as = append(as, th.g.ellipsis)
			break
		}
		as = append(as, fmt.Sprintf("AS%d%s%d", a, th.g.times, byASN[a]))
	}
	s := fmt.Sprintf("%d peers, %d seeds", len(t.Peers), t.ConnectedSeeds)
	if len(cs) > 0 {
		s += " " + th.g.dot + " " + strings.Join(cs, ", ")
	}
	if len(as) > 0 {
		s += " " + th.g.dot + " " + strings.Join(as, " ")
	}
	return fit(th.s(th.bold, s), w, false, th.g.ellipsis)
}

// scrollTop keeps cur within a window of rows lines over n items.
func scrollTop(top *int, cur, rows, n int) int {
	if rows <= 0 {
		return 0
	}
	if cur < *top {
		*top = cur
	}
	if cur >= *top+rows {
		*top = cur - rows + 1
	}
	*top = max(min(*top, n-rows), 0)
	return *top
}
