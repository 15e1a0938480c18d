package webseed

import (
	"context"
	"sync"
	"time"
)

// Serving side: the order in which a rate-capped seed server (shoal
// daemon, the testnet's servers) sends its responses.

// Defaults for a seed server's Turns.
const (
	TurnsAtOnce = 2               // responses sent at once
	TurnHold    = 2 * time.Second // longest a response keeps its turn
)

// Turns orders the responses of a rate-capped seed server: at most n are
// sent at once and the others wait in arrival order. Sharing a capped rate
// among every open request makes them all finish late together, while a
// BitTorrent client can use a piece (hash it, store it, offer it to its
// peers) only once it is whole; in turns, the first pieces arrive in a
// fraction of the time at the same total rate. A response that keeps its
// turn longer than hold gives it up and goes on sharing the rate with the
// next, so a slow reader cannot stall the queue. The zero value is not
// usable; make one with NewTurns.
type Turns struct {
	slots chan struct{}
	hold  time.Duration
}

// NewTurns returns Turns sending n responses at once (at least 1), each
// keeping its turn at most hold.
func NewTurns(n int, hold time.Duration) *Turns {
	return &Turns{slots: make(chan struct{}, max(n, 1)), hold: hold}
}

// Wait blocks until it is the caller's turn or ctx ends (then it returns
// ctx's error). release ends the turn; it may be called more than once.
func (t *Turns) Wait(ctx context.Context) (release func(), err error) {
	select {
	case t.slots <- struct{}{}: // blocked senders are served in arrival order
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	free := func() { once.Do(func() { <-t.slots }) }
	timer := time.AfterFunc(t.hold, free)
	return func() {
		timer.Stop()
		free()
	}, nil
}
