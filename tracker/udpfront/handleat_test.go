package udpfront

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store/memory"
)

// TestHandleAtTime: without Options.Now, connection IDs are issued and
// checked at the receipt time HandleAt is given (the worker's one clock
// read per batch), and request latencies count from it.
func TestHandleAtTime(t *testing.T) {
	st := memory.New(memory.Config{})
	t.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	tr, err := tracker.New(tracker.Config{Store: st, Metrics: tracker.NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	s := New(tr, Options{ConnIDWindow: time.Minute})
	ctx := context.Background()
	t0 := time.Now().Add(-time.Hour) // received an hour ago, as far as HandleAt knows
	r := s.HandleAt(ctx, connectPkt(7), client, nil, t0)
	if len(r) != 16 {
		t.Fatalf("connect answer %x", r)
	}
	cid := uint64(0)
	for _, b := range r[8:16] {
		cid = cid<<8 | uint64(b)
	}
	ok := func(at time.Time) bool {
		return errorMsg(s.HandleAt(ctx, announcePkt(cid, 1, 1, 1, 5, 0, -1, 6881), client, nil, at)) == ""
	}
	if !ok(t0) || !ok(t0.Add(time.Minute)) {
		t.Fatal("ID refused in its window or the next, by receipt time")
	}
	if ok(t0.Add(2*time.Minute)) || ok(time.Now()) {
		t.Fatal("ID accepted two windows after its receipt time")
	}
	// Two announces were answered; each counted from t0 (or t0+1m), so
	// their latencies add up to well over an hour.
	if sum := histSum(t, reg, "udp", "announce"); sum < 3600 {
		t.Fatalf("announce latencies sum to %.0fs, want at least an hour (counted from receipt)", sum)
	}
}

// TestHandleAtFollowsOptionsNow: with Options.Now set, connection IDs
// follow that clock whatever receipt time HandleAt is given.
func TestHandleAtFollowsOptionsNow(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	s := newServer(t, clock, nil)
	cid := connect(t, s, client)
	r := s.HandleAt(context.Background(), announcePkt(cid, 1, 1, 1, 5, 0, -1, 6881), client, nil, time.Now().Add(24*time.Hour))
	if m := errorMsg(r); m != "" {
		t.Fatalf("ID refused under the injected clock: %q", m)
	}
	clock.add(2 * time.Minute)
	r = s.HandleAt(context.Background(), announcePkt(cid, 1, 1, 1, 5, 0, -1, 6881), client, nil, time.Now())
	if m := errorMsg(r); m != tracker.ErrConnectionID.Msg {
		t.Fatalf("ID two injected windows old: got %q", m)
	}
}

// histSum is the sum of the request duration histogram for proto and action.
func histSum(t *testing.T, reg *prometheus.Registry, proto, action string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "shoal_tracker_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labels(m)["proto"] == proto && labels(m)["action"] == action {
				return m.GetHistogram().GetSampleSum()
			}
		}
	}
	t.Fatalf("no %s %s latencies", proto, action)
	return 0
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}
