package tui

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// defaultChokeRound is the engine's round length (DESIGN.md §4) for
// snapshots that do not say.
const defaultChokeRound = 10 * time.Second

func (m *Model) overviewView(t *peer.Stats, w, h int) string {
	if w >= 100 {
		lw := w/2 - 1
		left := m.transferBlock(t, lw) + "\n\n" + m.sourceBlock(t, lw) + "\n\n" + m.availBlock(t, lw)
		right := m.chokeBlock(t, w-lw-3) + "\n\n" + m.rateBlock(t, w-lw-3, h-countLines(m.chokeBlock(t, w-lw-3))-2)
		return sideBySide(left, right, lw, " "+m.th.s(m.th.dim, m.th.g.vline)+" ")
	}
	// Narrow: a compact summary, then the most telling blocks.
	parts := []string{m.compactTransfer(t, w), m.chokeBlock(t, w), m.availBlock(t, w)}
	s := strings.Join(parts, "\n")
	if rest := h - countLines(s) - 1; rest >= 4 {
		s += "\n" + m.rateBlock(t, w, rest)
	}
	return s
}

// compactTransfer is the narrow-terminal summary: progress, rates, waste
// and bytes by source in four lines.
func (m *Model) compactTransfer(t *peer.Stats, w int) string {
	th := m.th
	size := "size unknown"
	if t.HaveInfo {
		size = fmt.Sprintf("%s of %s, %d/%d pieces", humanBytes(t.Completed), humanBytes(t.TotalLength), t.PiecesHave, t.NumPieces)
	}
	state := th.s(m.stateStyle(t.State), string(t.State))
	if t.Endgame {
		state += th.s(th.warn, " endgame")
	}
	l1 := th.bar(t.Progress, 20, th.ok) + " " + pct(t.Progress) + "  " + size + "  " + state
	eta := "ETA " + humanETA(t.ETA)
	if isComplete(*t) {
		eta = "done"
	}
	l2 := th.s(th.down, th.g.down+" "+humanRate(t.DownloadRate)) + "  " + th.s(th.up, th.g.up+" "+humanRate(t.UploadRate)) +
		"  " + eta + fmt.Sprintf("  ratio %.2f", t.Ratio)
	l3 := fmt.Sprintf("wasted %s, %d hash failure(s)", humanBytes(t.Wasted), t.HashFailures)
	total := t.FromPeers + t.FromSeeds
	share := 0.0
	if total > 0 {
		share = 100 * float64(t.FromSeeds) / float64(total)
	}
	l4 := th.stackBar(t.FromPeers, t.FromSeeds, 20) + " " + th.s(th.down, "peers "+humanBytes(t.FromPeers)) + "  " +
		th.s(th.seedsrv, fmt.Sprintf("seed servers %s (%.1f%%)", humanBytes(t.FromSeeds), share))
	return clipWidth([]string{l1, l2, l3, l4}, w)
}

func countLines(s string) int { return strings.Count(s, "\n") + 1 }

func (m *Model) label(s string) string { return m.th.s(m.th.dim, fmt.Sprintf("%-12s", s)) }

func (m *Model) transferBlock(t *peer.Stats, w int) string {
	th := m.th
	var b []string
	b = append(b, th.s(th.bold, "Transfer"))
	size := "size unknown (fetching metadata)"
	if t.HaveInfo {
		size = fmt.Sprintf("%s of %s, %d/%d pieces", humanBytes(t.Completed), humanBytes(t.TotalLength), t.PiecesHave, t.NumPieces)
	}
	bw := max(min(w-12-8-2, 30), 5)
	b = append(b, m.label("progress")+th.bar(t.Progress, bw, th.ok)+" "+pct(t.Progress))
	b = append(b, m.label("")+size)
	state := th.s(m.stateStyle(t.State), string(t.State))
	if t.Endgame {
		state += th.s(th.warn, " (endgame)")
	}
	if t.Err != "" {
		state += " " + th.s(th.bad, t.Err)
	}
	b = append(b, m.label("state")+state)
	eta := humanETA(t.ETA)
	if isComplete(*t) {
		eta = "done"
		if t.DownloadingTook > 0 {
			eta = "done in " + t.DownloadingTook.Round(100*time.Millisecond).String()
		}
	}
	b = append(b, m.label(th.g.down+" rate")+th.s(th.down, fmt.Sprintf("%-12s", humanRate(t.DownloadRate)))+th.s(th.dim, "ETA ")+eta)
	b = append(b, m.label(th.g.up+" rate")+th.s(th.up, fmt.Sprintf("%-12s", humanRate(t.UploadRate)))+th.s(th.dim, "ratio ")+fmt.Sprintf("%.2f", t.Ratio))
	b = append(b, m.label("session")+fmt.Sprintf("%s down, %s up", humanBytes(t.Downloaded+t.FromSeeds), humanBytes(t.Uploaded)))
	waste := fmt.Sprintf("%s wasted", humanBytes(t.Wasted))
	if t.HashFailures > 0 {
		waste += th.s(th.bad, fmt.Sprintf(", %d hash failure(s)", t.HashFailures))
	} else {
		waste += ", no hash failures"
	}
	b = append(b, m.label("waste")+waste)
	if !t.StartedAt.IsZero() {
		b = append(b, m.label("running")+humanETA(m.now().Sub(t.StartedAt)))
	}
	return clipWidth(b, w)
}

// sourceBlock shows bytes by source: the swarm against seed servers.
func (m *Model) sourceBlock(t *peer.Stats, w int) string {
	th := m.th
	total := t.FromPeers + t.FromSeeds
	share := func(n int64) string {
		if total == 0 {
			return "  --"
		}
		return fmt.Sprintf("%5.1f%%", 100*float64(n)/float64(total))
	}
	bw := max(min(w-14-20, 30), 5)
	b := []string{th.s(th.bold, "Bytes by source")}
	b = append(b, th.stackBar(t.FromPeers, t.FromSeeds, bw+14))
	b = append(b, th.s(th.down, fmt.Sprintf("%-13s", "peers"))+fmt.Sprintf(" %10s %s", humanBytes(t.FromPeers), share(t.FromPeers)))
	b = append(b, th.s(th.seedsrv, fmt.Sprintf("%-13s", "seed servers"))+fmt.Sprintf(" %10s %s", humanBytes(t.FromSeeds), share(t.FromSeeds)))
	switch {
	case t.FallbackReason != "":
		b = append(b, th.s(th.seedsrv, "fallback active: "+t.FallbackReason))
	case len(t.SeedServers) == 0:
		b = append(b, th.s(th.dim, "no seed servers for this torrent"))
	default:
		b = append(b, th.s(th.dim, fmt.Sprintf("fallback idle (%d seed server(s) standing by)", len(t.SeedServers))))
	}
	return clipWidth(b, w)
}

// availStats summarises piece availability.
type availStats struct {
	min, max      int
	mean          float64
	copies        float64 // distributed copies: min + share of pieces above min
	none, rarestN int     // missing pieces nobody has; missing pieces at the rarest level
	rarest        int     // availability of the rarest missing piece (-1 when none missing)
}

func availability(t *peer.Stats) availStats {
	a := availStats{min: math.MaxInt, rarest: -1}
	if len(t.Availability) == 0 {
		return availStats{rarest: -1}
	}
	sum := 0
	for i, v := range t.Availability {
		have := i < len(t.HavePieces) && t.HavePieces[i]
		if have {
			v++ // we hold a copy too
		}
		a.min = min(a.min, v)
		a.max = max(a.max, v)
		sum += v
		if !have {
			if t.Availability[i] == 0 {
				a.none++
			}
			switch {
			case a.rarest < 0 || t.Availability[i] < a.rarest:
				a.rarest, a.rarestN = t.Availability[i], 1
			case t.Availability[i] == a.rarest:
				a.rarestN++
			}
		}
	}
	n := len(t.Availability)
	a.mean = float64(sum) / float64(n)
	above := 0
	for i, v := range t.Availability {
		if i < len(t.HavePieces) && t.HavePieces[i] {
			v++
		}
		if v > a.min {
			above++
		}
	}
	a.copies = float64(a.min) + float64(above)/float64(n)
	return a
}

func (m *Model) availBlock(t *peer.Stats, w int) string {
	th := m.th
	b := []string{th.s(th.bold, "Availability") + th.s(th.dim, " (copies among connected peers + ours)")}
	if len(t.Availability) == 0 {
		return clipWidth(append(b, th.s(th.dim, "unknown until the metadata arrives")), w)
	}
	a := availability(t)
	b = append(b, fmt.Sprintf("distributed copies %.2f %s min %d %s mean %.1f %s max %d", a.copies, th.g.dot, a.min, th.g.dot, a.mean, th.g.dot, a.max))
	if a.rarest < 0 {
		b = append(b, th.s(th.ok, "every wanted piece is here"))
	}
	if r, k := rarestHeld(t); r > 0 {
		b = append(b, fmt.Sprintf("rarest first: next from %d piece(s) held by only %d peer(s)", k, r))
	}
	if a.none > 0 {
		b = append(b, th.s(th.bad, fmt.Sprintf("%d missing piece(s) nobody connected has", a.none))+th.s(th.dim, " (seed servers can fill them)"))
	}
	return clipWidth(b, w)
}

// chokeBlock: the countdown to the next round, the unchoke set, the optimistic slot.
func (m *Model) chokeBlock(t *peer.Stats, w int) string {
	th := m.th
	c := t.Choke
	b := []string{th.s(th.bold, "Choke rounds") + th.s(th.dim, fmt.Sprintf(" (%s: best uploaders to us + 1 optimistic)", roundLen(t)))}
	if c.NextRound.IsZero() {
		b = append(b, th.s(th.dim, "no choker running ("+string(t.State)+")"))
		return clipWidth(b, w)
	}
	left := c.NextRound.Sub(m.now())
	chokeRound := t.Choke.Round
	if chokeRound <= 0 {
		chokeRound = defaultChokeRound
	}
	left = max(min(left, chokeRound), 0)
	secs := int(math.Ceil(left.Seconds()))
	bw := max(min(w-24, 20), 5)
	b = append(b, fmt.Sprintf("next round in %2ds ", secs)+th.bar(1-float64(left)/float64(chokeRound), bw, th.accent))
	byAddr := map[netip.AddrPort]peer.PeerStats{}
	for _, p := range t.Peers {
		byAddr[p.Addr] = p
	}
	var regular []netip.AddrPort
	for _, a := range c.Unchoked {
		if !slices.Contains(c.Optimistic, a) {
			regular = append(regular, a)
		}
	}
	line := func(mark string, a netip.AddrPort) string {
		p, ok := byAddr[a]
		if !ok {
			return fmt.Sprintf("  %s %s", mark, a)
		}
		return fmt.Sprintf("  %s %-21s %s %-10s %s %-10s %s", mark, a, th.g.up, humanRate(p.UploadRate), th.g.down, humanRate(p.DownloadRate), th.s(th.dim, clientName(p)))
	}
	b = append(b, th.s(th.ok, fmt.Sprintf("unchoked (%d regular)", len(regular))))
	if len(regular) == 0 {
		b = append(b, th.s(th.dim, "  none"))
	}
	for _, a := range regular {
		b = append(b, line(" ", a))
	}
	b = append(b, th.s(th.warn, "optimistic slot"))
	if len(c.Optimistic) == 0 {
		b = append(b, th.s(th.dim, "  empty"))
	}
	for _, a := range c.Optimistic {
		b = append(b, line(th.s(th.warn, th.g.star), a))
	}
	waiting := 0
	for _, p := range t.Peers {
		if p.PeerInterested && p.AmChoking {
			waiting++
		}
	}
	b = append(b, th.s(th.dim, fmt.Sprintf("%d interested peer(s) choked, waiting for a slot", waiting)))
	return clipWidth(b, w)
}

// rateBlock: 60 s graphs of this torrent's rates.
func (m *Model) rateBlock(t *peer.Stats, w, h int) string {
	th := m.th
	hist := m.hists[t.InfoHash]
	if hist == nil {
		hist = &history{}
	}
	rows := max((h-2)/2, 1)
	rows = min(rows, 10)
	peak := func(v []float64) float64 {
		p := 0.0
		for _, x := range v {
			p = math.Max(p, x)
		}
		return p
	}
	gw := max(w-2, 10)
	var b []string
	b = append(b, th.s(th.down, fmt.Sprintf("%s download, last 60 s", th.g.down))+th.s(th.dim, " peak "+humanRate(peak(hist.down))))
	b = append(b, th.chart(hist.down, gw, rows, th.down)...)
	b = append(b, th.s(th.up, fmt.Sprintf("%s upload, last 60 s", th.g.up))+th.s(th.dim, " peak "+humanRate(peak(hist.up))))
	b = append(b, th.chart(hist.up, gw, rows, th.up)...)
	return clipWidth(b, w)
}

func clipWidth(lines []string, w int) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l
		if width(l) > w {
			out[i] = fit(l, w, false, "")
		}
	}
	return strings.Join(out, "\n")
}

func roundLen(t *peer.Stats) string {
	if t.Choke.Round > 0 {
		return fmt.Sprintf("%.0f s", t.Choke.Round.Seconds())
	}
	return "10 s"
}
