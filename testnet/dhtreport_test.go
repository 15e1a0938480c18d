package testnet

import (
	"math"
	"strings"
	"testing"
	"time"
)

// syntheticDHT gives r two leechers' DHT records over a start and one cold
// restart at 10 s, and a bootstrap node that received 10 datagrams/s for
// the first 2 s and 40/s for 1 s after the restart.
func syntheticDHT(r *Report) *Scenario {
	sc := &Scenario{DHT: true, DHTNodes: 3, DHTWindow: Duration(4 * time.Second),
		DHTRestarts: []DHTRestart{{At: Duration(10 * time.Second), Down: Duration(time.Second)}}}
	r.Peers[0].DHT = []PeerDHT{
		{Phase: 0, FirstPeer: 1.2, Lookup: 0.5, LookupPeers: 3},
		{Phase: 1, Start: 11, FirstPeer: 2.0, Lookup: 1.5, LookupPeers: 0},
	}
	r.Peers[1].DHT = []PeerDHT{
		{Phase: 0, FirstPeer: 1.0, Lookup: 0.3, LookupPeers: 2},
		{Phase: 1, Start: 11, Seeding: true, FirstPeer: -1, Lookup: -1},
	}
	var n int64
	for i := range r.Timeline {
		s := &r.Timeline[i]
		switch {
		case s.T > 0 && s.T <= 2:
			n += 10 / 4
		case s.T > 10 && s.T <= 11:
			n += 40 / 4
		}
		s.BootPackets = n
	}
	r.DHT = buildDHTReport(sc, "127.0.0.3:6881", r.Peers, r.Timeline)
	return sc
}

func TestBuildDHTReport(t *testing.T) {
	r := syntheticReport()
	syntheticDHT(r)
	d := r.DHT
	if len(d.Phases) != 2 || d.Phases[1].Name != "restart 1 (cold)" || d.Phases[1].At != 10 {
		t.Fatalf("phases %+v", d.Phases)
	}
	st, re := d.Phases[0], d.Phases[1]
	if st.Leechers != 2 || st.LookupsFound != 2 || st.LookupSuccess != 1 || st.Needy != 2 || st.FirstPeer != 2 ||
		st.FirstPeerMedian != 1.1 || st.FirstPeerMax != 1.2 || st.LookupMax != 0.5 {
		t.Errorf("start phase %+v", st)
	}
	if re.Leechers != 2 || re.Lookups != 1 || re.LookupsFound != 0 || re.LookupSuccess != 0 || re.Needy != 1 || re.FirstPeer != 1 {
		t.Errorf("restart phase %+v", re)
	}
	// 2 datagrams per 0.25 s sample for 2 s, then 10 per sample for 1 s.
	if st.BootTotal != 16 || math.Abs(st.BootAfter-4) > 1e-9 || math.Abs(st.BootPeak-8) > 1e-9 {
		t.Errorf("start load total %d after %.2f peak %.2f", st.BootTotal, st.BootAfter, st.BootPeak)
	}
	if re.BootBefore != 0 || re.BootTotal != 40 || re.BootPeak != 40 {
		t.Errorf("restart load before %.2f total %d peak %.2f", re.BootBefore, re.BootTotal, re.BootPeak)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "restart 1 (cold)") || !strings.Contains(b.String(), "127.0.0.3:6881 + 3 nodes") {
		t.Errorf("text report lacks the DHT section:\n%s", b.String())
	}
}
