package testnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// leecher is one downloading peer across its restarts.
type leecher struct {
	name     string
	as       int
	ip       string
	group    *PeerGroup
	join     time.Duration
	dir      string
	dhtState string     // its DHT node's state file
	downs    []downtime // churn and mass restarts, merged

	port int // listen port, fixed after the first start (run only)

	mu       sync.Mutex
	addr     string // current listen address ("" while stopped)
	acc      snap   // sums over finished incarnations
	last     snap   // last snapshot of the current incarnation
	done     time.Duration
	first    time.Duration // first piece verified, since the scenario start (0 = not seen)
	restarts int
	err      error
	dht      []PeerDHT // the first incarnation of each phase (written by run only)
	complete atomic.Bool
}

// starter starts one incarnation of l listening on listen (ip:port).
type starter func(ctx context.Context, l *leecher, listen string) (instance, error)

func (l *leecher) downloaded() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acc.Downloaded + l.last.Downloaded + l.acc.FromSeeds + l.last.FromSeeds
}

func (l *leecher) listenAddr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addr
}

// run is one peer's life: join, restarts, completion, leave. phaseOf maps a
// time since the scenario start to the DHT phase it falls in.
func (l *leecher) run(ctx context.Context, start time.Time, startFn starter, phaseOf func(time.Duration) int) {
	joinAt, downs, ok := joinAfter(l.downs, l.join)
	if !ok || !sleepUntilCtx(ctx, start.Add(joinAt)) {
		return
	}
	var inst instance
	var incStart time.Time
	rec := -1 // index in l.dht of the record this incarnation fills, or -1
	startInst := func() bool {
		in, err := startFn(ctx, l, net.JoinHostPort(l.ip, strconv.Itoa(l.port)))
		if err != nil && l.port != 0 { // the port was taken meanwhile
			in, err = startFn(ctx, l, net.JoinHostPort(l.ip, "0"))
		}
		if err != nil {
			l.err = err
			return false
		}
		inst, incStart = in, time.Now()
		addr := in.listenAddr()
		if ap, err := netip.ParseAddrPort(addr); err == nil {
			l.port = int(ap.Port())
		}
		l.mu.Lock()
		l.addr = addr
		l.mu.Unlock()
		rec = -1
		phase := phaseOf(incStart.Sub(start))
		if len(l.dht) == 0 || l.dht[len(l.dht)-1].Phase != phase {
			l.dht = append(l.dht, PeerDHT{Phase: phase, Start: incStart.Sub(start).Seconds(),
				FirstPeer: -1, Lookup: -1, Seeding: l.complete.Load()})
			rec = len(l.dht) - 1
		}
		return true
	}
	stopInst := func(cold bool) {
		if inst == nil {
			return
		}
		s := inst.close()
		inst = nil
		l.mu.Lock()
		l.acc.add(s)
		l.last = snap{}
		l.addr = ""
		l.mu.Unlock()
		if cold {
			if err := os.Remove(l.dhtState); err != nil && !errors.Is(err, os.ErrNotExist) {
				l.err = err
			}
		}
	}
	defer stopInst(false)
	if !startInst() {
		return
	}
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	for {
		if inst != nil {
			select {
			case <-inst.exited():
				s := inst.snapshot()
				stopInst(false)
				if !s.Complete {
					l.err = fmt.Errorf("exited at %.1fs before completing: %s", time.Since(start).Seconds(), s.Err)
				}
				return
			default:
			}
			s := inst.snapshot()
			l.mu.Lock()
			l.last = s
			l.mu.Unlock()
			if rec >= 0 {
				r := &l.dht[rec]
				if r.FirstPeer < 0 && s.Peers > 0 {
					r.FirstPeer = time.Since(incStart).Seconds()
				}
				if r.Lookup < 0 && s.DHTLookupTook > 0 {
					r.Lookup, r.LookupPeers = s.DHTLookupTook.Seconds(), s.DHTLookupPeers
				}
			}
			if l.first == 0 && s.FirstPiece.After(start) {
				l.first = s.FirstPiece.Sub(start)
			}
			if s.Complete && !l.complete.Load() {
				l.done = time.Since(start)
				if s.CompletedAt.After(start) {
					l.done = s.CompletedAt.Sub(start)
				}
				l.complete.Store(true)
				if l.group.LeaveOnComplete {
					return
				}
			}
		}
		now := time.Since(start)
		if len(downs) > 0 {
			d := downs[0]
			if inst != nil && now >= d.kill {
				stopInst(d.cold)
				if d.rejoin == 0 {
					downs = nil
				}
			} else if inst == nil && d.rejoin > 0 && now >= d.rejoin {
				downs = downs[1:]
				l.restarts++
				if !startInst() {
					return
				}
			}
		}
		if inst == nil && len(downs) == 0 {
			return // killed for good
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
	}
}

// add sums a finished incarnation's counters into s.
func (s *snap) add(o snap) {
	s.Downloaded += o.Downloaded
	s.Uploaded += o.Uploaded
	s.FromSeeds += o.FromSeeds
	s.Wasted += o.Wasted
}
