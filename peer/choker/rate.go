package choker

import "time"

// sample is a peer's cumulative transfer counters at a round.
type sample struct {
	t        time.Time
	down, up int64
}

// windowBytes returns the bytes received from and sent to p over the window
// ending at t, from the samples taken at past rounds. The baseline is the
// newest sample at least window old; a connection younger than the window
// counts from zero; otherwise the oldest sample we have is used.
func (st *peerState) windowBytes(p Peer, t time.Time, window time.Duration) (down, up int64) {
	start := t.Add(-window)
	var base sample
	found := false
	for _, s := range st.samples {
		if s.t.After(start) {
			break
		}
		base, found = s, true
	}
	if !found && len(st.samples) > 0 && !p.ConnectedAt.After(start) {
		base = st.samples[0]
	}
	return max(p.Downloaded-base.down, 0), max(p.Uploaded-base.up, 0)
}

// record stores p's counters at t and drops samples no later window can
// use as its baseline.
func (st *peerState) record(p Peer, t time.Time, window time.Duration) {
	st.samples = append(st.samples, sample{t: t, down: p.Downloaded, up: p.Uploaded})
	start := t.Add(-window)
	drop := 0
	for drop+1 < len(st.samples) && !st.samples[drop+1].t.After(start) {
		drop++
	}
	st.samples = st.samples[drop:]
}
