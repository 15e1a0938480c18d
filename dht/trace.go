package dht

import (
	"net/netip"
	"time"
)

// Lookup tracing records every query of a walk, for diagnosing lookups in
// tests and benchmarks. It is off unless Node.tracing is set; it costs one
// append per query when on.

// traceQuery is one get_peers query of a traced walk.
type traceQuery struct {
	Addr     netip.AddrPort
	Hop      int           // 1 for contacts from our table, else the naming reply's Hop + 1
	Via      int           // index of the query whose reply named it; -1 for table contacts
	XOR      bool          // sent from the XOR slot
	Expected time.Duration // the RTT the walk expected (see walk.expectedRTT); 0 in plain mode
	Limit    time.Duration // how long it could hold a slot unanswered
	Sent     time.Duration // since the lookup started
	Slow     time.Duration // when it gave up its slot unanswered; 0 if it never did
	Done     time.Duration // reply or failure; 0 if the walk ended first
	OK       bool          // replied
	TimedOut bool          // got no answer
	Values   int           // peers in its reply
}

// traceKnown is a candidate as the walk learnt of it.
type traceKnown struct {
	Addr netip.AddrPort
	At   time.Duration // since the lookup started
	Via  int           // as traceQuery.Via
}

// lookupTrace is a lookup's trace: every family's queries in send order
// and every candidate in the order the walk learnt of them.
type lookupTrace struct {
	Queries []traceQuery
	Known   []traceKnown
	// First is the index of the query whose reply held the first peer; -1
	// when no peer was found.
	First int
}

// traceSend records c's query; it sets c.trace.
func (w *walk) traceSend(c *candidate, xor bool, expected, limit time.Duration) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.trace == nil {
		return
	}
	c.trace = len(l.trace.Queries)
	l.trace.Queries = append(l.trace.Queries, traceQuery{
		Addr: c.addr, Hop: c.hop, Via: c.via, XOR: xor, Expected: expected, Limit: limit,
		Sent: time.Since(l.started),
	})
}

// traceKnown records that the walk learnt of c.
func (w *walk) traceKnown(c *candidate) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.trace == nil {
		return
	}
	l.trace.Known = append(l.trace.Known, traceKnown{Addr: c.addr, At: time.Since(l.started), Via: c.via})
}

// traceSlow records that c gave up its slot unanswered.
func (w *walk) traceSlow(c *candidate) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.trace == nil || c.trace < 0 {
		return
	}
	l.trace.Queries[c.trace].Slow = time.Since(l.started)
}

// traceDone records c's outcome; values is the number of peers it returned.
func (w *walk) traceDone(c *candidate, ok, timedOut bool, values int) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.trace == nil || c.trace < 0 {
		return
	}
	q := &l.trace.Queries[c.trace]
	q.Done, q.OK, q.TimedOut, q.Values = time.Since(l.started), ok, timedOut, values
}

// Trace returns a copy of the lookup's trace, or nil when tracing was off.
func (l *Lookup) traceCopy() *lookupTrace {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.trace == nil {
		return nil
	}
	t := *l.trace
	t.Queries = append([]traceQuery(nil), l.trace.Queries...)
	t.Known = append([]traceKnown(nil), l.trace.Known...)
	return &t
}
