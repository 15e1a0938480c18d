package testnet

import (
	"fmt"
	"strings"
)

// DHTReport is what the DHT did in a run with dht: true. Phase 0 is the
// start; phase i the i-th mass restart.
type DHTReport struct {
	Bootstrap     string  `json:"bootstrap"`      // the bootstrap node's address
	Nodes         int     `json:"nodes"`          // standalone nodes besides the bootstrap node
	WindowSeconds float64 `json:"window_seconds"` // measuring window after the start and each restart
	// LookupsUnknown: leechers ran as processes, whose JSON events carry
	// no DHT lookup numbers (first-peer times are still measured).
	LookupsUnknown bool       `json:"lookups_unknown,omitempty"`
	Phases         []DHTPhase `json:"phases"`
}

// DHTPhase sums up one phase. Lookup numbers are each leecher's first DHT
// lookup in the phase (the engine's announce lookup: it ends when the walk
// converges, so its time is the whole walk); first-peer numbers count only
// leechers that still needed data when they started. Bootstrap numbers are
// datagrams the bootstrap node received; the start phase's window also holds
// what it received before the scenario clock began (the standalone nodes
// and seeds start first).
type DHTPhase struct {
	Name string  `json:"name"`       // "start", "restart 1 (cold)", …
	At   float64 `json:"at_seconds"` // since the scenario start
	Warm bool    `json:"warm"`       // restarts only: from state files

	Leechers      int     `json:"leechers"`       // leechers that (re)started in this phase
	Lookups       int     `json:"lookups"`        // of them, with a finished lookup
	LookupsFound  int     `json:"lookups_found"`  // lookups that found at least one peer
	LookupSuccess float64 `json:"lookup_success"` // LookupsFound / Leechers
	LookupMedian  float64 `json:"lookup_median_seconds"`
	LookupMax     float64 `json:"lookup_max_seconds"`

	Needy           int     `json:"needy"`      // leechers still downloading when they started
	FirstPeer       int     `json:"first_peer"` // of them, connected to a peer
	FirstPeerMedian float64 `json:"first_peer_median_seconds"`
	FirstPeerMax    float64 `json:"first_peer_max_seconds"`

	BootBefore float64 `json:"boot_pps_before"` // mean datagrams/s over the window before At (restarts only)
	BootAfter  float64 `json:"boot_pps_after"`  // mean datagrams/s over the window from At
	BootPeak   float64 `json:"boot_pps_peak"`   // highest rate over 1 s in the window from At
	BootTotal  int64   `json:"boot_packets"`    // datagrams in the window from At
}

// PeerDHT is one leecher's DHT numbers in one phase: its first incarnation
// that started in it. Times are seconds after that start; -1 = never.
type PeerDHT struct {
	Phase       int     `json:"phase"`
	Start       float64 `json:"start_seconds"` // since the scenario start
	Seeding     bool    `json:"seeding"`       // it already had the file
	FirstPeer   float64 `json:"first_peer_seconds"`
	Lookup      float64 `json:"lookup_seconds"`
	LookupPeers int     `json:"lookup_peers"`
}

// buildDHTReport sums up the leechers' DHT records and the bootstrap node's
// load from the timeline.
func buildDHTReport(sc *Scenario, bootstrap string, peers []PeerReport, timeline []Sample) *DHTReport {
	d := &DHTReport{Bootstrap: bootstrap, Nodes: sc.DHTNodes, WindowSeconds: sc.DHTWindow.D().Seconds(), LookupsUnknown: sc.Processes}
	w := d.WindowSeconds
	phases := []DHTPhase{{Name: "start"}}
	for i, r := range sc.DHTRestarts {
		kind := "cold"
		if r.Warm {
			kind = "warm"
		}
		phases = append(phases, DHTPhase{Name: fmt.Sprintf("restart %d (%s)", i+1, kind), At: r.At.D().Seconds(), Warm: r.Warm})
	}
	for i := range phases {
		ph := &phases[i]
		var lookups, firsts []float64
		for _, p := range peers {
			for _, rec := range p.DHT {
				if rec.Phase != i {
					continue
				}
				ph.Leechers++
				if rec.Lookup >= 0 {
					ph.Lookups++
					lookups = append(lookups, rec.Lookup)
					if rec.LookupPeers > 0 {
						ph.LookupsFound++
					}
				}
				if !rec.Seeding {
					ph.Needy++
					if rec.FirstPeer >= 0 {
						ph.FirstPeer++
						firsts = append(firsts, rec.FirstPeer)
					}
				}
			}
		}
		if ph.Leechers > 0 {
			ph.LookupSuccess = float64(ph.LookupsFound) / float64(ph.Leechers)
		}
		if len(lookups) > 0 {
			ph.LookupMedian, ph.LookupMax = median(lookups), maxOf(lookups)
		}
		if len(firsts) > 0 {
			ph.FirstPeerMedian, ph.FirstPeerMax = median(firsts), maxOf(firsts)
		}
		if ph.At > 0 {
			ph.BootBefore = float64(packetsAt(timeline, ph.At)-packetsAt(timeline, ph.At-w)) / w
		}
		ph.BootTotal = packetsAt(timeline, ph.At+w) - packetsAt(timeline, ph.At)
		ph.BootAfter = float64(ph.BootTotal) / w
		ph.BootPeak = peakRate(timeline, ph.At, ph.At+w, 1)
	}
	d.Phases = phases
	return d
}

// packetsAt is the bootstrap node's cumulative datagram count at time t
// (the last sample at or before t; 0 before the first).
func packetsAt(tl []Sample, t float64) int64 {
	var n int64
	for _, s := range tl {
		if s.T > t {
			break
		}
		n = s.BootPackets
	}
	return n
}

// peakRate is the highest datagram rate over any span of at least span
// seconds between samples starting in [from, to).
func peakRate(tl []Sample, from, to, span float64) float64 {
	peak := 0.0
	for i, a := range tl {
		if a.T < from || a.T >= to {
			continue
		}
		for _, b := range tl[i+1:] {
			if b.T-a.T >= span {
				peak = max(peak, float64(b.BootPackets-a.BootPackets)/(b.T-a.T))
				break
			}
		}
	}
	return peak
}

// writeText adds the DHT section to the text report.
func (d *DHTReport) writeText(b *strings.Builder) {
	fmt.Fprintf(b, "  DHT: bootstrap node %s + %d nodes; bootstrap load over %.0fs windows\n", d.Bootstrap, d.Nodes, d.WindowSeconds)
	b.WriteString("    phase                at  lookups found  lookup med/max  first peer  med/max        boot pkts/s before/after/peak\n")
	for _, p := range d.Phases {
		before := "     -"
		if p.At > 0 {
			before = fmt.Sprintf("%6.1f", p.BootBefore)
		}
		lookups := fmt.Sprintf("%3d/%-3d %3.0f%%  %5.2f/%5.2fs", p.LookupsFound, p.Leechers, 100*p.LookupSuccess, p.LookupMedian, p.LookupMax)
		if d.LookupsUnknown {
			lookups = fmt.Sprintf("%-29s", "  (not reported by processes)")
		}
		fmt.Fprintf(b, "    %-18s %5.1f  %s   %3d/%-3d  %5.2f/%5.2fs  %s/%6.1f/%6.1f\n",
			p.Name, p.At, lookups, p.FirstPeer, p.Needy, p.FirstPeerMedian, p.FirstPeerMax, before, p.BootAfter, p.BootPeak)
	}
}
