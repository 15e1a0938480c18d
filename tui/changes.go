package tui

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// changes turns the difference between two snapshots of the client into log
// entries: torrents added and removed, state changes, peers coming and
// going, choke decisions, tracker status, hash failures, the seed-server
// fallback starting. first is true for the very first snapshot.
func changes(prev, cur []peer.Stats, at time.Time, first bool) []Entry {
	var out []Entry
	old := map[string]*peer.Stats{}
	for i := range prev {
		old[prev[i].InfoHash] = &prev[i]
	}
	seen := map[string]bool{}
	for i := range cur {
		c := &cur[i]
		seen[c.InfoHash] = true
		p := old[c.InfoHash]
		add := func(lvl slog.Level, format string, args ...any) {
			out = append(out, Entry{Time: at, Level: lvl, Torrent: short(c.InfoHash), Msg: fmt.Sprintf(format, args...)})
		}
		if p == nil {
			if first {
				add(slog.LevelInfo, "%s: %s, %s", c.Name, c.State, pct(c.Progress))
			} else {
				add(slog.LevelInfo, "added %s", c.Name)
			}
			p = &peer.Stats{State: c.State, Progress: c.Progress, HaveInfo: c.HaveInfo, Endgame: c.Endgame, HashFailures: c.HashFailures, Err: c.Err}
		}
		if !p.HaveInfo && c.HaveInfo {
			add(slog.LevelInfo, "metadata: %d pieces, %s", c.NumPieces, humanBytes(c.TotalLength))
		}
		if p.State != c.State {
			add(slog.LevelInfo, "state %s -> %s", p.State, c.State)
		}
		if c.Err != "" && c.Err != p.Err {
			add(slog.LevelError, "stopped: %s", c.Err)
		}
		if p.Progress < 1 && c.Progress >= 1 && c.HaveInfo {
			took := ""
			if c.DownloadingTook > 0 {
				took = " in " + c.DownloadingTook.Round(100*time.Millisecond).String()
			}
			add(slog.LevelInfo, "complete: %s verified%s", humanBytes(c.TotalLength), took)
		}
		if !p.Endgame && c.Endgame {
			add(slog.LevelInfo, "endgame: every missing block is requested")
		}
		if c.HashFailures > p.HashFailures {
			add(slog.LevelWarn, "hash check failed for %d piece(s) (%d in all)", c.HashFailures-p.HashFailures, c.HashFailures)
		}
		if p.FallbackReason != c.FallbackReason {
			if c.FallbackReason != "" {
				add(slog.LevelInfo, "seed-server fallback on: %s", c.FallbackReason)
			} else {
				add(slog.LevelInfo, "seed-server fallback off")
			}
		}
		seedServersChanged(p.SeedServers, c.SeedServers, add)
		peersChanged(p.Peers, c.Peers, add)
		chokeChanged(p.Choke, c.Choke, c.Peers, add)
		trackersChanged(p.Trackers, c.Trackers, add)
	}
	for i := range prev {
		if !seen[prev[i].InfoHash] {
			out = append(out, Entry{Time: at, Level: slog.LevelInfo, Torrent: short(prev[i].InfoHash), Msg: "removed " + prev[i].Name})
		}
	}
	return out
}

func peersChanged(prev, cur []peer.PeerStats, add func(slog.Level, string, ...any)) {
	was := map[netip.AddrPort]bool{}
	for _, p := range prev {
		was[p.Addr] = true
	}
	is := map[netip.AddrPort]bool{}
	for _, p := range cur {
		is[p.Addr] = true
		if !was[p.Addr] {
			asn := ""
			if p.ASN != 0 {
				asn = fmt.Sprintf(" AS%d", p.ASN)
			}
			add(slog.LevelDebug, "peer %s connected: %s%s, %s", p.Addr, clientName(p), asn, whyLabel(p.Proximity))
		}
	}
	for _, p := range prev {
		if !is[p.Addr] {
			add(slog.LevelDebug, "peer %s disconnected after %s", p.Addr, p.ConnectedFor.Round(time.Second))
		}
	}
}

func chokeChanged(prev, cur peer.ChokeStats, peers []peer.PeerStats, add func(slog.Level, string, ...any)) {
	if sameAddrs(prev.Unchoked, cur.Unchoked) && sameAddrs(prev.Optimistic, cur.Optimistic) {
		return
	}
	if len(cur.Unchoked) == 0 {
		add(slog.LevelInfo, "choke round: everyone choked")
		return
	}
	names := make([]string, 0, len(cur.Unchoked))
	for _, a := range cur.Unchoked {
		if slices.Contains(cur.Optimistic, a) {
			continue
		}
		names = append(names, a.String())
	}
	msg := "choke round: unchoked " + strings.Join(names, ", ")
	if len(names) == 0 {
		msg = "choke round: no regular unchokes"
	}
	if len(cur.Optimistic) > 0 {
		opt := make([]string, len(cur.Optimistic))
		for i, a := range cur.Optimistic {
			opt[i] = a.String()
		}
		msg += "; optimistic " + strings.Join(opt, ", ")
	}
	add(slog.LevelInfo, "%s", msg)
}

func sameAddrs(a, b []netip.AddrPort) bool {
	if len(a) != len(b) {
		return false
	}
	x := slices.Clone(a)
	y := slices.Clone(b)
	cmp := func(p, q netip.AddrPort) int { return p.Compare(q) }
	slices.SortFunc(x, cmp)
	slices.SortFunc(y, cmp)
	return slices.Equal(x, y)
}

func trackersChanged(prev, cur []peer.TrackerStats, add func(slog.Level, string, ...any)) {
	old := map[string]peer.TrackerStats{}
	for _, t := range prev {
		old[t.URL] = t
	}
	for _, t := range cur {
		o, ok := old[t.URL]
		if ok && o.Status == t.Status && o.LastError == t.LastError {
			continue
		}
		switch {
		case t.LastError != "":
			add(slog.LevelWarn, "tracker %s: %s", t.URL, t.LastError)
		case t.Status == "ok":
			add(slog.LevelInfo, "tracker %s: ok, %d peers (%d seeders, %d leechers)", t.URL, t.PeersGot, t.Seeders, t.Leechers)
		default:
			add(slog.LevelDebug, "tracker %s: %s", t.URL, t.Status)
		}
	}
}

func seedServersChanged(prev, cur []peer.SeedServerStats, add func(slog.Level, string, ...any)) {
	old := map[string]peer.SeedServerStats{}
	for _, s := range prev {
		old[s.URL] = s
	}
	for _, s := range cur {
		o, ok := old[s.URL]
		if ok && o.State == s.State {
			continue
		}
		switch s.State {
		case "dropped":
			add(slog.LevelWarn, "seed server %s dropped: %s", s.URL, s.Reason)
		case "backoff":
			add(slog.LevelWarn, "seed server %s backing off: %s", s.URL, s.LastError)
		case "fetching":
			if !ok || o.State != "fetching" {
				add(slog.LevelDebug, "seed server %s fetching", s.URL)
			}
		}
	}
}
