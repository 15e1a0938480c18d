package choker

import (
	"testing"
	"time"
)

func TestWeightedWait(t *testing.T) {
	a := t0.Add(time.Minute)
	b := a.Add(10 * time.Second)
	for _, tc := range []struct {
		connected time.Time
		want      time.Duration
	}{
		{t0.Add(-time.Hour), 10 * time.Second},       // old: plain wait
		{t0.Add(30 * time.Second), 30 * time.Second}, // new throughout: 3×
		{t0.Add(5 * time.Second), 20 * time.Second},  // new for 5 s of 10
		{time.Time{}, 10 * time.Second},              // unknown connect time: old
	} {
		if got := weightedWait(a, b, tc.connected, time.Minute, 3); got != tc.want {
			t.Errorf("connected %v: got %v, want %v", tc.connected, got, tc.want)
		}
	}
	if got := weightedWait(b, a, t0, time.Minute, 3); got != 0 {
		t.Errorf("reversed interval: %v", got)
	}
}

func TestWindowBytes(t *testing.T) {
	const w = 20 * time.Second
	st := &peerState{}
	p := Peer{ConnectedAt: t0, Downloaded: 500, Uploaded: 50}
	// Young connection with no samples: everything counts.
	if d, u := st.windowBytes(p, t0.Add(5*time.Second), w); d != 500 || u != 50 {
		t.Fatalf("young: %d %d", d, u)
	}
	for i := range 10 {
		p.Downloaded = int64(i) * 100
		st.record(p, t0.Add(time.Duration(i)*10*time.Second), w)
	}
	if len(st.samples) > 3 {
		t.Errorf("kept %d samples, want at most 3", len(st.samples))
	}
	p.Downloaded = 1000
	// At +100 s the baseline is the sample at +80 s (800).
	if d, _ := st.windowBytes(p, t0.Add(100*time.Second), w); d != 200 {
		t.Errorf("window bytes %d, want 200", d)
	}
	// A counter that went backwards counts as zero.
	p.Downloaded = 10
	if d, _ := st.windowBytes(p, t0.Add(100*time.Second), w); d != 0 {
		t.Errorf("reset counter gave %d", d)
	}
	// Old connection, samples only inside the window: oldest sample is the base.
	st = &peerState{samples: []sample{{t: t0.Add(95 * time.Second), down: 900}}}
	p.Downloaded = 1000
	if d, _ := st.windowBytes(p, t0.Add(100*time.Second), w); d != 100 {
		t.Errorf("old connection: %d, want 100", d)
	}
}
