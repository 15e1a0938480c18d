package peer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/wire"
)

// waitWaiters blocks until n writers wait at g.
func waitWaiters(t *testing.T, g *uploadGate, n int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		k := len(g.waiters)
		g.mu.Unlock()
		if k == n {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%d writers waiting, want %d", k, n)
		}
	}
}

func TestUploadGateOrder(t *testing.T) {
	var g uploadGate
	holder := new(gateOwner)
	if err := g.acquire(context.Background(), nil, holder, gateKey{deadline: 1}); err != nil {
		t.Fatal(err)
	}
	// Peers without a piece first, then earliest deadline, then arrival.
	keys := []struct {
		name string
		k    gateKey
	}{
		{"late", gateKey{deadline: 10}},
		{"early", gateKey{deadline: 5}},
		{"newcomer", gateKey{first: true, deadline: 50}},
		{"early-too", gateKey{deadline: 5}},
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for i, w := range keys {
		wg.Go(func() {
			o := new(gateOwner)
			if err := g.acquire(context.Background(), nil, o, w.k); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, w.name)
			mu.Unlock()
			g.release(o, nil)
		})
		waitWaiters(t, &g, i+1) // arrival order is the slice's
	}
	g.release(holder, nil)
	wg.Wait()
	if want := []string{"newcomer", "early", "early-too", "late"}; !slices.Equal(order, want) {
		t.Fatalf("granted %v, want %v", order, want)
	}
	if g.busy || g.granted != 5 {
		t.Fatalf("after all: busy %v, granted %d", g.busy, g.granted)
	}
}

// acquireLater starts owner's acquire of g with key k, waits until it is
// queued, and returns a channel closed once it is granted.
func acquireLater(t *testing.T, g *uploadGate, owner *gateOwner, k gateKey) <-chan struct{} {
	t.Helper()
	granted := make(chan struct{})
	go func() {
		if err := g.acquire(context.Background(), nil, owner, k); err == nil {
			close(granted)
		}
	}()
	waitWaiters(t, g, 1)
	return granted
}

// mustBeGranted waits up to 5 s for granted.
func mustBeGranted(t *testing.T, granted <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-granted:
	case <-time.After(5 * time.Second):
		t.Fatal(what)
	}
}

func TestUploadGateReservation(t *testing.T) {
	var g uploadGate
	job, other := new(gateOwner), new(gateOwner)
	if err := g.acquire(context.Background(), nil, job, gateKey{deadline: 4}); err != nil {
		t.Fatal(err)
	}
	granted := acquireLater(t, &g, other, gateKey{deadline: 8})
	// The job's next block comes before the waiter: the turn stays with it
	// while it sends, and its next acquire passes at once.
	g.release(job, &gateKey{deadline: 4})
	if err := g.acquire(context.Background(), nil, job, gateKey{deadline: 4}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-granted:
		t.Fatal("the waiter took the reserved turn")
	default:
	}
	// A reservation not used within reserveFor passes on.
	g.release(job, &gateKey{deadline: 4})
	mustBeGranted(t, granted, "an unused reservation never expired")
	g.release(other, nil)
	// A job whose next block comes later than a waiter's hands over.
	if err := g.acquire(context.Background(), nil, job, gateKey{deadline: 20}); err != nil {
		t.Fatal(err)
	}
	got := acquireLater(t, &g, other, gateKey{deadline: 9})
	g.release(job, &gateKey{deadline: 20})
	mustBeGranted(t, got, "the earlier waiter was not granted")
	g.release(other, nil)
}

func TestUploadGateCancel(t *testing.T) {
	var g uploadGate
	holder := new(gateOwner)
	_ = g.acquire(context.Background(), nil, holder, gateKey{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.acquire(ctx, nil, new(gateOwner), gateKey{}) }()
	waitWaiters(t, &g, 1)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled wait was granted")
	}
	waitWaiters(t, &g, 0)
	g.release(holder, nil)
	if g.busy {
		t.Fatal("gate busy with nobody holding it")
	}
}

// TestUploadGateWake: a writer waiting for its turn is woken by a message
// to send (outQueue.control): it gives up its place without the turn and
// without counting the block, and a later wait for the same block keeps
// the job's deadline.
func TestUploadGateWake(t *testing.T) {
	var g uploadGate
	holder := new(gateOwner)
	_ = g.acquire(context.Background(), nil, holder, gateKey{})
	w := newGateWriter(&g)
	wake := make(chan struct{}, 1)
	done := make(chan error)
	go func() { done <- w.wait(context.Background(), wake, 7, 4, false) }()
	waitWaiters(t, &g, 1)
	dl := w.jobs[7].deadline
	wake <- struct{}{}
	if err := <-done; !errors.Is(err, errGateWoken) {
		t.Fatalf("woken wait returned %v, want errGateWoken", err)
	}
	waitWaiters(t, &g, 0)
	if j := w.jobs[7]; j == nil || j.sent != 0 || j.deadline != dl {
		t.Fatalf("job after a woken wait: %+v, want unsent with deadline %d", j, dl)
	}
	go func() { done <- w.wait(context.Background(), wake, 7, 4, false) }()
	waitWaiters(t, &g, 1)
	g.release(holder, nil)
	if err := <-done; err != nil {
		t.Fatalf("second wait: %v", err)
	}
	if j := w.jobs[7]; j == nil || j.sent != 1 {
		t.Fatalf("job after the granted wait: %+v, want one block sent", j)
	}
	w.done(0, false, false)
}

// readBlocks reads n PIECE messages from p and returns when each arrived.
func readBlocks(p *rawPeer, n int) ([]time.Time, error) {
	var at []time.Time
	_ = p.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for len(at) < n {
		var m wire.Message
		if err := p.r.ReadMessage(&m); err != nil {
			return at, fmt.Errorf("after %d blocks: %w", len(at), err)
		}
		if !m.Keepalive && m.Type == pp.Piece {
			at = append(at, time.Now())
		}
	}
	return at, nil
}

// A rate-limited seed finishes the piece it began for one peer before it
// sends another peer's piece: that peer can relay its piece at once,
// instead of both holding part of one. Timing only sets the stage (B asks
// while A's piece is under way); the assertion is about order, and allows
// one block of B's in between (a reservation that expired on a slow
// machine), which an interleaving sender far exceeds.
func TestUploadGateFinishesOnePieceFirst(t *testing.T) {
	const blk, blocks = 16 << 10, 8
	seed, st, _ := startSeed(t, 82, "g.bin", 1<<20, blocks*blk, func(c *Config) { c.UploadRate = 10 * blk })
	addr := seed.ListenAddr().String()
	a := dialRawPeer(t, addr, "127.0.0.120", st.InfoHash(), wire.Options{PeerID: [20]byte{'-', 'G', 'A'}})
	b := dialRawPeer(t, addr, "127.0.0.121", st.InfoHash(), wire.Options{PeerID: [20]byte{'-', 'G', 'B'}})
	for _, p := range []*rawPeer{a, b} {
		p.send(t, pp.Message{Type: pp.Interested})
		if _, ok := p.waitUnchoke(time.Now().Add(5 * time.Second)); !ok {
			t.Fatal("peer not unchoked with slots free")
		}
	}
	request := func(p *rawPeer, piece int) {
		for i := range blocks {
			p.send(t, pp.Message{Type: pp.Request, Index: pp.Integer(piece), Begin: pp.Integer(i * blk), Length: blk})
		}
	}
	// A's first two blocks use up the token bucket's burst; from the third
	// on, A's writer waits for tokens at the gate, 100 ms a block.
	request(a, 0)
	if _, err := readBlocks(a, 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	request(b, 1)
	var aAt, bAt []time.Time
	var aErr, bErr error
	var wg sync.WaitGroup
	wg.Go(func() { aAt, aErr = readBlocks(a, blocks-2) })
	wg.Go(func() { bAt, bErr = readBlocks(b, 2) })
	wg.Wait()
	if aErr != nil || bErr != nil {
		t.Fatalf("reading blocks: %v, %v", aErr, bErr)
	}
	if last := aAt[len(aAt)-1]; !last.Before(bAt[1]) {
		t.Fatalf("B's second block came %v before A's last: the seed interleaved the two pieces", last.Sub(bAt[1]))
	}
}
