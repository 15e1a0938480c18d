package picker

import "time"

// Pipeline sizing constants.
const (
	MinDepth = 2
	MaxDepth = 500
	// Rate-based depth covers DepthWindow of transfer, or DepthRTTs round
	// trips on a slow link, at most MaxDepthWindow. A deeper queue than the
	// link needs only parks our last pieces behind one peer's queue at the
	// end of a download, where other peers could bring them sooner.
	DepthWindow    = time.Second
	DepthRTTs      = 4
	MaxDepthWindow = 3 * time.Second
	DepthUnit      = 16 * 1024 // bytes per request assumed by Depth
	RateWindow     = 5 * time.Second
	SnubTime       = 60 * time.Second
	InitialTimeout = 20 * time.Second
	MinTimeout     = 2 * time.Second
	MaxTimeout     = 60 * time.Second
)

const (
	rateSlot  = 250 * time.Millisecond
	rateSlots = int64(RateWindow / rateSlot)
)

// Pipeline sizes one peer's request queue and times its requests. It is
// pure: every time comes in as an argument. The zero value is not usable;
// call NewPipeline.
//
// Depth starts at MinDepth and grows by one per block received (slow
// start, doubling per round trip) until the per-second download rate stops
// growing by at least 10%, or a second passes with nothing received; from
// then on it is Rate × window / DepthUnit, the window being DepthWindow
// or DepthRTTs smoothed round trips, whichever is longer, at most
// MaxDepthWindow. Always within
// [MinDepth, MaxDepth].
type Pipeline struct {
	start time.Time
	last  time.Time // latest time seen by OnRequestSent or OnBlock

	slow  bool
	depth int // slow-start depth

	// per-second totals for leaving slow start
	sec, secBytes, prevSecBytes int64
	havePrev                    bool

	// sliding rate window: slot i holds the bytes of tick slotTick[i]
	slots    [rateSlots]int64
	slotTick [rateSlots]int64

	srtt, rttvar time.Duration
	hasRTT       bool

	lastBlock time.Time
	waitFrom  time.Time // first request sent since the last block; zero if none
}

// NewPipeline starts the measurements of a peer connected at now.
func NewPipeline(now time.Time) *Pipeline {
	q := &Pipeline{start: now, last: now, slow: true, depth: MinDepth}
	for i := range q.slotTick {
		q.slotTick[i] = -1
	}
	return q
}

func (q *Pipeline) since(now time.Time) time.Duration {
	return max(now.Sub(q.start), 0)
}

func (q *Pipeline) touch(now time.Time) {
	if now.After(q.last) {
		q.last = now
	}
}

// Depth is the target number of outstanding requests to this peer, as of
// the latest time given to OnRequestSent or OnBlock.
func (q *Pipeline) Depth() int {
	d := q.depth
	if !q.slow {
		window := min(max(DepthWindow, DepthRTTs*q.srtt), MaxDepthWindow)
		d = int(q.Rate(q.last) * window.Seconds() / DepthUnit)
	}
	return min(max(d, MinDepth), MaxDepth)
}

// SlowStart reports whether Depth still grows per block.
func (q *Pipeline) SlowStart() bool { return q.slow }

// OnRequestSent records a request sent at now.
func (q *Pipeline) OnRequestSent(now time.Time) {
	q.touch(now)
	if q.waitFrom.IsZero() {
		q.waitFrom = now
	}
}

// OnBlock records a block of bytes arriving at now, rtt after its request
// was sent (rtt <= 0: unknown, no RTT sample).
func (q *Pipeline) OnBlock(now time.Time, bytes int, rtt time.Duration) {
	q.touch(now)
	q.lastBlock = now
	q.waitFrom = time.Time{}

	tick := int64(q.since(now) / rateSlot)
	i := tick % rateSlots
	if q.slotTick[i] != tick {
		q.slotTick[i], q.slots[i] = tick, 0
	}
	q.slots[i] += int64(bytes)

	if q.slow {
		q.slowStart(now, int64(bytes))
	}
	if rtt > 0 {
		q.sampleRTT(rtt)
	}
}

func (q *Pipeline) slowStart(now time.Time, bytes int64) {
	if sec := int64(q.since(now) / time.Second); sec != q.sec {
		switch {
		case sec > q.sec+1:
			q.slow = false // a whole second without data
		case q.havePrev && q.secBytes*10 < q.prevSecBytes*11:
			q.slow = false // grew by less than 10%
		}
		q.prevSecBytes, q.havePrev = q.secBytes, true
		q.sec, q.secBytes = sec, 0
	}
	q.secBytes += bytes
	if q.slow {
		q.depth++
		if q.depth >= MaxDepth {
			q.slow = false
		}
	}
}

// sampleRTT updates the smoothed round trip as RFC 6298 does.
func (q *Pipeline) sampleRTT(r time.Duration) {
	if !q.hasRTT {
		q.srtt, q.rttvar, q.hasRTT = r, r/2, true
		return
	}
	diff := q.srtt - r
	if diff < 0 {
		diff = -diff
	}
	q.rttvar = (3*q.rttvar + diff) / 4
	q.srtt = (7*q.srtt + r) / 8
}

// SRTT is the smoothed round trip (0 before any sample).
func (q *Pipeline) SRTT() time.Duration { return q.srtt }

// Rate is the download rate in bytes/s over the last RateWindow (or since
// NewPipeline, counting at least one second).
func (q *Pipeline) Rate(now time.Time) float64 {
	el := q.since(now)
	tick := int64(el / rateSlot)
	var sum int64
	for i, t := range q.slotTick {
		if t >= 0 && t <= tick && t > tick-rateSlots {
			sum += q.slots[i]
		}
	}
	win := time.Duration(rateSlots-1)*rateSlot + el%rateSlot
	win = max(min(win, el), time.Second)
	return float64(sum) / win.Seconds()
}

// RequestTimeout is how long to wait for a requested block: srtt +
// 4·rttvar, within [MinTimeout, MaxTimeout]; InitialTimeout before any
// round-trip sample.
func (q *Pipeline) RequestTimeout() time.Duration {
	if !q.hasRTT {
		return InitialTimeout
	}
	return min(max(q.srtt+4*q.rttvar, MinTimeout), MaxTimeout)
}

// Snubbed reports whether the peer has outstanding requests and sent
// nothing for SnubTime while we waited (since its last block, or since the
// first request after it).
func (q *Pipeline) Snubbed(now time.Time, outstanding int) bool {
	return outstanding > 0 && q.Waiting(now) >= SnubTime
}

// Waiting is how long the peer has sent nothing while we waited: since its
// last block, or since the first request after it (or since NewPipeline).
// A peer that keeps delivering is never waited on for long, however deep
// its queue of our requests.
func (q *Pipeline) Waiting(now time.Time) time.Duration {
	ref := q.lastBlock
	if q.waitFrom.After(ref) {
		ref = q.waitFrom
	}
	if ref.IsZero() {
		ref = q.start
	}
	return now.Sub(ref)
}
