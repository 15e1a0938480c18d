package testnet

import (
	"reflect"
	"testing"
	"time"
)

func TestDowntimes(t *testing.T) {
	s := time.Second
	d := func(x time.Duration) Duration { return Duration(x) }
	for _, tc := range []struct {
		name     string
		churn    []ChurnEvent
		restarts []DHTRestart
		want     []downtime
	}{
		{"none", nil, nil, nil},
		{"churn only", []ChurnEvent{{Kill: d(4 * s), Rejoin: d(8 * s)}}, nil,
			[]downtime{{kill: 4 * s, rejoin: 8 * s}}},
		{"restarts, immediate one comes back a moment later", nil,
			[]DHTRestart{{At: d(5 * s), Down: d(s)}, {At: d(9 * s), Warm: true}},
			[]downtime{{kill: 5 * s, rejoin: 6 * s, cold: true}, {kill: 9 * s, rejoin: 9*s + time.Millisecond}}},
		{"overlap merges, cold wins", []ChurnEvent{{Kill: d(4 * s), Rejoin: d(8 * s)}},
			[]DHTRestart{{At: d(6 * s), Down: d(3 * s)}},
			[]downtime{{kill: 4 * s, rejoin: 9 * s, cold: true}}},
		{"nothing after a stop for good", []ChurnEvent{{Kill: d(4 * s)}},
			[]DHTRestart{{At: d(3 * s), Down: d(2 * s), Warm: true}, {At: d(10 * s), Warm: true}},
			[]downtime{{kill: 3 * s}}},
	} {
		if got := downtimes(tc.churn, tc.restarts); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestJoinAfter(t *testing.T) {
	s := time.Second
	ds := []downtime{{kill: 2 * s, rejoin: 3 * s}, {kill: 5 * s, rejoin: 7 * s}, {kill: 9 * s, rejoin: 10 * s}}
	for _, tc := range []struct {
		join, at time.Duration
		left     int
	}{
		{0, 0, 3},           // joins before every stop
		{4 * s, 4 * s, 2},   // the first stop is over
		{6 * s, 7 * s, 1},   // joins inside a stop: waits for its end
		{12 * s, 12 * s, 0}, // every stop is over
	} {
		at, rest, ok := joinAfter(ds, tc.join)
		if !ok || at != tc.at || len(rest) != tc.left {
			t.Errorf("join %v: at %v, %d stops left, ok %v; want %v, %d", tc.join, at, len(rest), ok, tc.at, tc.left)
		}
	}
	if _, _, ok := joinAfter([]downtime{{kill: s}}, 2*s); ok {
		t.Error("a peer stopped for good before it joins still joins")
	}
}

func TestPhaseOf(t *testing.T) {
	f := phaseOf([]DHTRestart{{At: Duration(10 * time.Second)}, {At: Duration(20 * time.Second)}})
	for at, want := range map[time.Duration]int{0: 0, 9 * time.Second: 0, 10 * time.Second: 1, 25 * time.Second: 2} {
		if got := f(at); got != want {
			t.Errorf("phase at %v = %d, want %d", at, got, want)
		}
	}
}

func TestScenarioDHTValidation(t *testing.T) {
	base := "file_size: 1MiB\nseeds: [{as: 1}]\npeers: [{as: 1, count: 2}]\n"
	for _, tc := range []struct {
		extra string
		ok    bool
	}{
		{"dht: true\ndht_nodes: 4\n", true},
		{"dht: true\ndht_restarts: [{at: 5s, down: 1s}, {at: 7s, warm: true}]\n", true},
		{"dht_nodes: 4\n", false},                                            // needs dht: true
		{"dht: true\ndht_nodes: 201\n", false},                               // too many
		{"dht: true\ndht_restarts: [{at: 0s}]\n", false},                     // not after the start
		{"dht: true\ndht_restarts: [{at: 5s, down: 3s}, {at: 7s}]\n", false}, // before the previous is up
		{"dht: true\ndht_window: 100ms\n", false},
	} {
		sc, err := ParseScenario([]byte(base + tc.extra))
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v, want ok=%v", tc.extra, err, tc.ok)
		}
		if err == nil && sc.DHTWindow.D() == 0 && sc.DHT {
			t.Errorf("%q: no default window", tc.extra)
		}
	}
}
