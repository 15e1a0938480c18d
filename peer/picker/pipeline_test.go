package picker

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestPipelineSlowStart(t *testing.T) {
	q := NewPipeline(t0)
	if q.Depth() != MinDepth || !q.SlowStart() {
		t.Fatalf("initial depth %d", q.Depth())
	}
	// Doubling per round trip: each block adds one.
	for i := range 10 {
		q.OnBlock(at(time.Duration(i)*time.Millisecond), DepthUnit, 50*time.Millisecond)
		if q.Depth() != MinDepth+i+1 {
			t.Fatalf("after %d blocks depth %d", i+1, q.Depth())
		}
	}
	// Slow start never goes beyond MaxDepth.
	q = NewPipeline(t0)
	for i := range 2 * MaxDepth {
		q.OnBlock(at(time.Duration(i)*time.Microsecond), DepthUnit, time.Millisecond)
	}
	if q.Depth() != MaxDepth || q.SlowStart() {
		t.Fatalf("depth %d slow %v, want %d and rate-based", q.Depth(), q.SlowStart(), MaxDepth)
	}
}

func TestPipelineRateBased(t *testing.T) {
	// The window is 1 s, or 4 round trips on a slow link, at most 3 s.
	tests := []struct {
		name          string
		blocksPerSec  int
		rtt           time.Duration
		wantLo, wantH int
	}{
		{"10 blocks/s, 200 ms -> 10", 10, 200 * time.Millisecond, 9, 11},
		{"10 blocks/s, 500 ms -> 20", 10, 500 * time.Millisecond, 18, 22},
		{"10 blocks/s, 2 s -> 30", 10, 2 * time.Second, 28, 32},
		{"3 blocks/s -> 3", 3, 200 * time.Millisecond, 3, 3},
		{"16 KiB every 4 s -> min", 0, 200 * time.Millisecond, MinDepth, MinDepth},
		{"600 blocks/s -> max", 600, 200 * time.Millisecond, MaxDepth, MaxDepth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewPipeline(t0)
			step := 4 * time.Second
			n := 3
			if tc.blocksPerSec > 0 {
				step = time.Second / time.Duration(tc.blocksPerSec)
				n = 10 * tc.blocksPerSec
			}
			var now time.Time
			for i := range n {
				now = at(step/2 + time.Duration(i)*step)
				q.OnBlock(now, DepthUnit, tc.rtt)
			}
			if q.SlowStart() {
				t.Fatal("still in slow start at a steady rate")
			}
			want := float64(DepthUnit) / step.Seconds()
			if r := q.Rate(now); tc.blocksPerSec > 0 && (r < 0.9*want || r > 1.1*want) {
				t.Fatalf("rate %.0f, want about %.0f", r, want)
			}
			if d := q.Depth(); d < tc.wantLo || d > tc.wantH {
				t.Fatalf("depth %d, want %d..%d", d, tc.wantLo, tc.wantH)
			}
		})
	}
}

func TestPipelineLeavesSlowStartOnSilence(t *testing.T) {
	q := NewPipeline(t0)
	q.OnBlock(at(100*time.Millisecond), DepthUnit, 0)
	q.OnBlock(at(2500*time.Millisecond), DepthUnit, 0)
	if q.SlowStart() {
		t.Fatal("a silent second did not end slow start")
	}
}

func TestPipelineRateWindow(t *testing.T) {
	q := NewPipeline(t0)
	for i := range 10 {
		q.OnBlock(at(time.Duration(i)*100*time.Millisecond), 1000, 0)
	}
	if r := q.Rate(at(time.Second)); r != 10000 {
		t.Fatalf("rate %.1f, want 10000", r)
	}
	if r := q.Rate(at(7 * time.Second)); r != 0 {
		t.Fatalf("rate after the window %.1f, want 0", r)
	}
	if r := q.Rate(t0.Add(-time.Second)); r != 3000 {
		// a clock step backwards counts as the first instant: the first
		// 250 ms slot over the one-second floor
		t.Fatalf("rate before start %.1f", r)
	}
}

func TestPipelineTimeout(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    time.Duration
	}{
		{"no sample", nil, InitialTimeout},
		{"fast peer clamps to min", []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}, MinTimeout},
		{"first sample: srtt + 4*srtt/2", []time.Duration{10 * time.Second}, 30 * time.Second},
		{"RFC 6298 update", []time.Duration{time.Second, 3 * time.Second}, 1250*time.Millisecond + 4*875*time.Millisecond},
		{"slow peer clamps to max", []time.Duration{100 * time.Second}, MaxTimeout},
		{"unknown rtt ignored", []time.Duration{0, -time.Second}, InitialTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := NewPipeline(t0)
			for i, s := range tc.samples {
				q.OnBlock(at(time.Duration(i)*time.Second), DepthUnit, s)
			}
			if got := q.RequestTimeout(); got != tc.want {
				t.Fatalf("timeout %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPipelineSnubbed(t *testing.T) {
	q := NewPipeline(t0)
	if q.Snubbed(at(time.Hour), 0) {
		t.Fatal("snubbed with nothing outstanding")
	}
	// Idle for ten minutes, then a request: the wait starts now.
	q.OnRequestSent(at(10 * time.Minute))
	if q.Snubbed(at(10*time.Minute+59*time.Second), 1) {
		t.Fatal("snubbed after 59 s")
	}
	if !q.Snubbed(at(11*time.Minute), 1) {
		t.Fatal("not snubbed after 60 s")
	}
	// A block resets the clock; refilling the pipeline right after it does
	// not move it further.
	q.OnBlock(at(11*time.Minute), DepthUnit, time.Second)
	q.OnRequestSent(at(11*time.Minute + time.Second))
	q.OnRequestSent(at(11*time.Minute + 30*time.Second))
	if q.Snubbed(at(12*time.Minute), 3) {
		t.Fatal("snubbed 59 s after the first request following the last block")
	}
	if !q.Snubbed(at(12*time.Minute+time.Second), 3) {
		t.Fatal("not snubbed")
	}
	if q.Snubbed(at(12*time.Minute+time.Second), 0) {
		t.Fatal("snubbed with nothing outstanding")
	}
}

func TestWaitingCountsFromLastProgress(t *testing.T) {
	t0 := time.Unix(100, 0)
	q := NewPipeline(t0)
	if w := q.Waiting(t0.Add(time.Second)); w != time.Second {
		t.Fatalf("waiting before anything %v", w)
	}
	q.OnRequestSent(t0.Add(2 * time.Second))
	if w := q.Waiting(t0.Add(5 * time.Second)); w != 3*time.Second {
		t.Fatalf("waiting since the first request %v", w)
	}
	// A block resets the wait even though requests stay queued.
	q.OnBlock(t0.Add(5*time.Second), 16384, 3*time.Second)
	q.OnRequestSent(t0.Add(5 * time.Second))
	if w := q.Waiting(t0.Add(6 * time.Second)); w != time.Second {
		t.Fatalf("waiting after a block %v", w)
	}
	if q.Snubbed(t0.Add(6*time.Second), 10) || !q.Snubbed(t0.Add(5*time.Second+SnubTime), 10) {
		t.Fatal("snub not SnubTime after the last block")
	}
}
