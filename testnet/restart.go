package testnet

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// downtime is one stop of a leecher, since the scenario start: it stops at
// kill and starts again at rejoin (0 = never); a cold one removes its DHT
// state first.
type downtime struct {
	kill, rejoin time.Duration
	cold         bool
}

// downtimes merges a group's churn with the scenario's mass restarts into
// one ordered list of non-overlapping stops; nothing follows a stop for
// good.
func downtimes(churn []ChurnEvent, restarts []DHTRestart) []downtime {
	var ds []downtime
	for _, c := range churn {
		ds = append(ds, downtime{kill: c.Kill.D(), rejoin: c.Rejoin.D()})
	}
	for _, r := range restarts {
		// A zero rejoin means "never": an immediate restart comes back a
		// moment later instead.
		ds = append(ds, downtime{kill: r.At.D(), rejoin: r.At.D() + max(r.Down.D(), time.Millisecond), cold: !r.Warm})
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].kill < ds[j].kill })
	var out []downtime
	for _, d := range ds {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.rejoin == 0 {
				break // stopped for good
			}
			if d.kill <= last.rejoin { // overlapping stops merge
				if d.rejoin == 0 {
					last.rejoin = 0
				} else {
					last.rejoin = max(last.rejoin, d.rejoin)
				}
				last.cold = last.cold || d.cold
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

// joinAfter applies the stops that begin by join to a peer that joins then:
// it joins at join, or when the stop covering join ends, with the later
// stops still ahead; ok is false when it was stopped for good first.
func joinAfter(ds []downtime, join time.Duration) (at time.Duration, rest []downtime, ok bool) {
	at = join
	for len(ds) > 0 && ds[0].kill <= at {
		if ds[0].rejoin == 0 {
			return 0, nil, false
		}
		at = max(at, ds[0].rejoin)
		ds = ds[1:]
	}
	return at, ds, true
}

// phaseOf maps a time since the scenario start to its DHT phase: 0 before
// the first mass restart, i after the i-th.
func phaseOf(restarts []DHTRestart) func(time.Duration) int {
	return func(t time.Duration) int {
		p := 0
		for _, r := range restarts {
			if t >= r.At.D() {
				p++
			}
		}
		return p
	}
}

// restartable is a seed or standalone DHT node that a mass restart stops
// and starts again.
type restartable interface {
	stop()
	forget() // remove the DHT state file (cold restart)
	start() error
}

// runMassRestarts carries out the scenario's mass restarts on the seeds and
// standalone DHT nodes (leechers follow their own downtimes): at each
// restart's time every part stops at once, cold restarts lose their state
// files, and Down later every part starts again. It returns when the last
// restart is done or ctx ends.
func runMassRestarts(ctx context.Context, start time.Time, restarts []DHTRestart, parts []restartable, log *slog.Logger) {
	for i, r := range restarts {
		if !sleepUntilCtx(ctx, start.Add(r.At.D())) {
			return
		}
		log.Info("testnet: mass restart", "n", i+1, "warm", r.Warm)
		each(parts, func(p restartable) {
			p.stop()
			if !r.Warm {
				p.forget()
			}
		})
		if !sleepUntilCtx(ctx, start.Add(r.At.D()+r.Down.D())) {
			return
		}
		each(parts, func(p restartable) {
			if err := p.start(); err != nil {
				log.Warn("testnet: restart failed", "err", err)
			}
		})
	}
}

// each runs fn on every part concurrently and waits.
func each(parts []restartable, fn func(restartable)) {
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Go(func() { fn(p) })
	}
	wg.Wait()
}

// sleepUntilCtx waits until t; false if ctx ended first.
func sleepUntilCtx(ctx context.Context, t time.Time) bool {
	w := time.Until(t)
	if w <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(w)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
