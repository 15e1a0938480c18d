package tui

import (
	"fmt"
	"strings"

	"github.com/shoal-p2p/shoal/peer"
)

var seedCols = []column{
	{title: "", w: 1},
	{title: "Seed server", w: 24, flex: true},
	{title: "State", w: 8},
	{title: "Bytes", w: 9, right: true},
	{title: "Note", w: 12, prio: 1, flex: true, max: 40},
}

var trackerCols = []column{
	{title: "", w: 1},
	{title: "Tracker", w: 24, flex: true},
	{title: "Status", w: 8},
	{title: "Seeders", w: 7, prio: 2, right: true},
	{title: "Leechers", w: 8, prio: 2, right: true},
	{title: "Peers", w: 5, prio: 1, right: true},
	{title: "Last", w: 11, prio: 3, right: true},
	{title: "Next", w: 9, prio: 1, right: true},
	{title: "Error", w: 12, prio: 4, flex: true, max: 40},
}

func (m *Model) sourcesView(t *peer.Stats, w, h int) string {
	th := m.th
	now := m.now()
	var lines []string
	lines = append(lines, th.s(th.bold, fmt.Sprintf("Trackers (%d)", len(t.Trackers))))
	if len(t.Trackers) == 0 {
		lines = append(lines, th.s(th.dim, "  none (trackerless, or --no-trackers)"))
	} else {
		ws := layout(trackerCols, w)
		lines = append(lines, th.headerRow(trackerCols, ws))
		cur := min(m.rows[tabSources], len(t.Trackers)-1)
		for i, tr := range t.Trackers {
			st := th.warn
			switch tr.Status {
			case "ok":
				st = th.ok
			case "error":
				st = th.bad
			}
			mark := " "
			if m.detail && i == cur {
				mark = th.g.cursor
			}
			cells := []string{mark, tr.URL, th.s(st, tr.Status), fmt.Sprint(tr.Seeders), fmt.Sprint(tr.Leechers),
				fmt.Sprint(tr.PeersGot), humanAgo(now, tr.LastAnnounce), humanIn(now, tr.NextAnnounce), th.s(th.bad, tr.LastError)}
			lines = append(lines, th.row(trackerCols, ws, cells))
		}
	}
	bySrc := map[peer.Source]int{}
	for _, p := range t.Peers {
		bySrc[p.Source]++
	}
	lines = append(lines, "", th.s(th.bold, "DHT"))
	if m.dht < 0 {
		lines = append(lines, fmt.Sprintf("  off or not reported %s %d connected peer(s) came from the DHT", th.g.dot, bySrc[peer.SourceDHT]))
	} else {
		lines = append(lines, fmt.Sprintf("  %d nodes in the routing table %s %d connected peer(s) came from the DHT", m.dht, th.g.dot, bySrc[peer.SourceDHT]))
	}
	lines = append(lines, "", th.s(th.bold, "Peer sources"))
	var srcs []string
	for _, s := range []peer.Source{peer.SourceTracker, peer.SourceDHT, peer.SourcePEX, peer.SourceIncoming, peer.SourceManual, peer.SourceMagnet} {
		srcs = append(srcs, fmt.Sprintf("%s %d", s, bySrc[s]))
	}
	lines = append(lines, "  connected: "+strings.Join(srcs, ", "))
	lines = append(lines, fmt.Sprintf("  address book: %d known candidate(s)", t.KnownPeers))
	lines = append(lines, "", th.s(th.seedsrv, fmt.Sprintf("Seed servers (%d)", len(t.SeedServers)))+th.s(th.dim, " BEP 19 HTTP, used as a fallback"))
	total := t.FromPeers + t.FromSeeds
	share := 0.0
	if total > 0 {
		share = 100 * float64(t.FromSeeds) / float64(total)
	}
	if t.FallbackReason != "" {
		lines = append(lines, "  "+th.s(th.seedsrv, "fallback active: "+t.FallbackReason))
	} else {
		lines = append(lines, "  "+th.s(th.dim, "fallback idle: peers can serve every missing piece"))
	}
	lines = append(lines, fmt.Sprintf("  %s from seed servers, %.1f%% of payload", humanBytes(t.FromSeeds), share))
	if len(t.SeedServers) > 0 {
		ws := layout(seedCols, w)
		lines = append(lines, th.headerRow(seedCols, ws))
		for _, ss := range t.SeedServers {
			st := th.dim
			switch ss.State {
			case "fetching":
				st = th.seedsrv
			case "backoff":
				st = th.warn
			case "dropped":
				st = th.bad
			}
			note := ss.Reason
			if note == "" {
				note = ss.LastError
			}
			lines = append(lines, th.row(seedCols, ws, []string{"", ss.URL, th.s(st, ss.State), humanBytes(ss.Bytes), th.s(th.bad, note)}))
		}
	}
	lines = append(lines, th.s(th.dim, "  peers first; seed servers get pieces no connected peer can serve, help when the swarm is slow, and finish the last pieces"))
	return clip(strings.Join(lines, "\n"), w, max(h, len(lines)))
}
