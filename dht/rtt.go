package dht

import (
	"net/netip"
	"sync"
	"time"
)

// rttMeter measures the round-trip time of every query the node sends —
// the library's bootstrap, table upkeep and pings as well as our lookups —
// by matching each reply to its query by address and transaction ID. A
// query sent more than once gives no sample (Karn's rule: the reply may be
// to either send), but its reply still shows the contact alive. A query
// left unanswered lostAfter after its last send is reported lost (sweep):
// the node learns of dead contacts from every query it makes, not only
// from its lookups'.
type rttMeter struct {
	now       func() time.Time
	lostAfter time.Duration
	sink      rttSink

	mu  sync.Mutex
	out map[rttKey]sentQuery
}

type rttKey struct {
	ap  netip.AddrPort
	tid string
}

type sentQuery struct {
	at, last time.Time // first and last send
	resent   bool
}

// rttSink receives what the meter learns.
type rttSink interface {
	sample(ap netip.AddrPort, rtt time.Duration) // a reply to a query sent once
	alive(ap netip.AddrPort)                     // a reply to a query sent more than once
	lost(ap netip.AddrPort)                      // no reply lostAfter after the last send
}

const (
	// maxPendingRTT bounds the queries awaiting a reply that are tracked;
	// beyond it new queries go unmeasured.
	maxPendingRTT = 4096
	// rttForget drops a pending query: no reply will be counted after it.
	rttForget = 10 * time.Second
)

// newRTTMeter returns a meter reporting to sink; lostAfter is capped at
// rttForget.
func newRTTMeter(now func() time.Time, lostAfter time.Duration, sink rttSink) *rttMeter {
	return &rttMeter{now: now, lostAfter: min(lostAfter, rttForget), sink: sink, out: make(map[rttKey]sentQuery)}
}

// sent records a query with transaction ID tid sent to ap.
func (m *rttMeter) sent(ap netip.AddrPort, tid string) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	k := rttKey{ap, tid}
	if q, ok := m.out[k]; ok {
		q.resent, q.last = true, now
		m.out[k] = q
		return
	}
	if len(m.out) >= maxPendingRTT {
		for k, q := range m.out {
			if now.Sub(q.last) > rttForget {
				delete(m.out, k)
			}
		}
		if len(m.out) >= maxPendingRTT {
			return
		}
	}
	m.out[k] = sentQuery{at: now, last: now}
}

// received matches a reply (or error) from ap to its query.
func (m *rttMeter) received(ap netip.AddrPort, tid string) {
	now := m.now()
	m.mu.Lock()
	q, ok := m.out[rttKey{ap, tid}]
	if ok {
		delete(m.out, rttKey{ap, tid})
	}
	m.mu.Unlock()
	switch {
	case !ok:
	case !q.resent && now.Sub(q.at) <= rttForget:
		m.sink.sample(ap, now.Sub(q.at))
	default:
		m.sink.alive(ap)
	}
}

// sweep reports and forgets the queries unanswered lostAfter after their
// last send. The node calls it periodically.
func (m *rttMeter) sweep() {
	now := m.now()
	var lost []netip.AddrPort
	m.mu.Lock()
	for k, q := range m.out {
		if now.Sub(q.last) >= m.lostAfter {
			delete(m.out, k)
			lost = append(lost, k.ap)
		}
	}
	m.mu.Unlock()
	for _, ap := range lost {
		m.sink.lost(ap)
	}
}

// queryTID returns the transaction ID of b if b is a bencoded KRPC query
// ("y" = "q"), without decoding the rest: the keys of its top-level dict
// are walked and every other value skipped.
func queryTID(b []byte) (tid string, ok bool) {
	if len(b) < 2 || b[0] != 'd' {
		return "", false
	}
	i := 1
	isQuery := false
	for i < len(b) && b[i] != 'e' {
		key, j, ok := benString(b, i)
		if !ok {
			return "", false
		}
		switch key {
		case "t", "y":
			v, k, ok := benString(b, j)
			if !ok {
				return "", false
			}
			if key == "t" {
				tid = v
			} else {
				isQuery = v == "q"
			}
			i = k
		default:
			k, ok := benSkip(b, j, 0)
			if !ok {
				return "", false
			}
			i = k
		}
	}
	if i >= len(b) {
		return "", false // unterminated
	}
	return tid, isQuery && tid != "" && len(tid) <= maxTxIDLen
}

// benString decodes the byte string at b[i:] and returns it and the index
// after it.
func benString(b []byte, i int) (string, int, bool) {
	n := 0
	j := i
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		n = 10*n + int(b[j]-'0')
		if n > len(b) {
			return "", 0, false
		}
	}
	if j == i || j >= len(b) || b[j] != ':' || j+1+n > len(b) {
		return "", 0, false
	}
	return string(b[j+1 : j+1+n]), j + 1 + n, true
}

// benSkip returns the index after the bencoded value at b[i:].
func benSkip(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > 32 {
		return 0, false
	}
	switch c := b[i]; {
	case c == 'i':
		for j := i + 1; j < len(b); j++ {
			if b[j] == 'e' {
				return j + 1, true
			}
		}
		return 0, false
	case c == 'l' || c == 'd':
		j := i + 1
		for j < len(b) && b[j] != 'e' {
			k, ok := benSkip(b, j, depth+1)
			if !ok {
				return 0, false
			}
			j = k
		}
		if j >= len(b) {
			return 0, false
		}
		return j + 1, true
	case c >= '0' && c <= '9':
		_, j, ok := benString(b, i)
		return j, ok
	}
	return 0, false
}
