package wire

import (
	"sync"
	"testing"
	"time"
)

func TestMeter(t *testing.T) {
	var m Meter
	t0 := time.Unix(1000, 0)
	m.Tick(t0)
	if m.Rate() != 0 {
		t.Fatal(m.Rate())
	}
	// 1000 B/s for 3 s.
	for i := 1; i <= 3; i++ {
		m.Add(1000)
		m.Tick(t0.Add(time.Duration(i) * time.Second))
		if r := m.Rate(); r != 1000 {
			t.Fatalf("tick %d: rate %v", i, r)
		}
	}
	// Then 6000 B/s for 5 s: the window forgets the slow start.
	for i := 4; i <= 8; i++ {
		m.Add(6000)
		m.Tick(t0.Add(time.Duration(i) * time.Second))
	}
	if r := m.Rate(); r != 6000 {
		t.Fatalf("rate %v, want 6000", r)
	}
	// One idle second: (4 × 6000) / 5 s.
	m.Tick(t0.Add(9 * time.Second))
	if r := m.Rate(); r != 4800 {
		t.Fatalf("rate %v, want 4800", r)
	}
	// A late or repeated tick changes nothing.
	m.Tick(t0.Add(9 * time.Second))
	if r := m.Rate(); r != 4800 {
		t.Fatalf("rate %v after repeated tick", r)
	}
	if m.Total() != 3000+5*6000 {
		t.Fatal(m.Total())
	}
	// Irregular ticks are measured by their real spacing.
	var n Meter
	n.Tick(t0)
	n.Add(3000)
	n.Tick(t0.Add(1500 * time.Millisecond))
	if r := n.Rate(); r != 2000 {
		t.Fatalf("rate %v, want 2000", r)
	}
}

func TestMeterConcurrent(t *testing.T) {
	var m Meter
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				m.Add(3)
			}
		}()
	}
	now := time.Unix(0, 0)
	for i := range 10 {
		m.Tick(now.Add(time.Duration(i) * time.Second))
		_ = m.Rate()
	}
	wg.Wait()
	if m.Total() != 12000 {
		t.Fatal(m.Total())
	}
}
