package wire

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// meterWindow is how far back Rate looks: the last 5 ticks.
const meterWindow = 5

// Meter counts bytes and measures their rate over a sliding window of the
// last five Ticks (about 5 s at the engine's 1 s tick). The zero value is
// ready to use. Add may be called from any goroutine; Tick, Rate and Total
// too.
type Meter struct {
	total atomic.Int64
	rate  atomic.Uint64 // math.Float64bits of bytes/s

	mu      sync.Mutex
	samples [meterWindow + 1]meterSample // ring of (time, total) at past ticks
	next    int                          // where the next sample goes
	n       int                          // samples held
}

type meterSample struct {
	at    time.Time
	total int64
}

// Add counts n bytes.
func (m *Meter) Add(n int) { m.total.Add(int64(n)) }

// Total is the number of bytes counted so far.
func (m *Meter) Total() int64 { return m.total.Load() }

// Tick takes a sample at now and updates Rate: bytes counted between the
// oldest sample in the window and now, divided by the time between them.
// The first Tick only takes a sample, so Rate stays 0 until the second.
// A tick whose time is not after the previous one is ignored.
func (m *Meter) Tick(now time.Time) {
	total := m.total.Load()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n > 0 {
		last := m.samples[(m.next+len(m.samples)-1)%len(m.samples)]
		if !now.After(last.at) {
			return
		}
	}
	m.samples[m.next] = meterSample{at: now, total: total}
	m.next = (m.next + 1) % len(m.samples)
	if m.n < len(m.samples) {
		m.n++
	}
	oldest := m.samples[(m.next+len(m.samples)-m.n)%len(m.samples)]
	rate := 0.0
	if dt := now.Sub(oldest.at).Seconds(); dt > 0 {
		rate = float64(total-oldest.total) / dt
	}
	m.rate.Store(math.Float64bits(rate))
}

// Rate is the rate in bytes/s as of the last Tick.
func (m *Meter) Rate() float64 { return math.Float64frombits(m.rate.Load()) }
