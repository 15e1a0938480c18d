package dht

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkNetwork runs a 2,000-node in-process DHT (SHOAL_DHT_BENCH_NODES
// to change) over 15 synthetic ASes with one-way latency 2 ms within an
// AS, 12 ms within a region and 60 ms otherwise, and reports plain
// XOR-order against proximity lookups in steady state, right after killing
// 30 % of the nodes, after that churn is repaired, and after a mass restart
// of every node at once, cold and warm (from state files), with the load
// on the bootstrap nodes. It runs once; it is skipped unless
// SHOAL_DHT_BENCH=1 (make bench sets it).
func BenchmarkNetwork(b *testing.B) {
	if os.Getenv("SHOAL_DHT_BENCH") == "" {
		b.Skip("set SHOAL_DHT_BENCH=1 (make bench does) to run the 2,000-node DHT benchmark")
	}
	nodes := 2000
	if v, err := strconv.Atoi(os.Getenv("SHOAL_DHT_BENCH_NODES")); err == nil && v >= 50 {
		nodes = v
	}
	lookups := 200
	rng := rand.New(rand.NewPCG(7, 11))
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	cfg := Config{
		QueryTimeout:  time.Second,
		ResendDelay:   time.Second,
		StartJitter:   5 * time.Second,
		BackoffMin:    time.Second,
		BackoffMax:    30 * time.Second,
		CheckInterval: 10 * time.Second,
		SaveInterval:  time.Hour,
		SendRate:      200,
		SendBurst:     50,
	}
	l := newLab(b, 2, nodes, asLatency(2*time.Millisecond, 12*time.Millisecond, 60*time.Millisecond), cfg)
	var report, traces strings.Builder
	fmt.Fprintf(&report, "DHT benchmark: %d nodes + %d bootstrap, %d ASes, one-way latency 2/12/60 ms, %d lookups per row\n",
		nodes, len(l.boot), labNumAS, lookups)

	start := time.Now()
	l.startAll(true, nil)
	share := l.waitHealthy(8, 0.98, 3*time.Minute)
	fmt.Fprintf(&report, "build (cold, start-up jitter 5s): %.0f%% of nodes with ≥8 good contacts after %v\n", 100*share, time.Since(start).Round(time.Second))
	// Swarms of 100 peers spread over the ASes: enough for the ranking to
	// have same-AS peers to put first.
	nSwarms, perSwarm := 10, min(100, nodes/4)
	swarms := l.announceSwarms(ctx, rng, nSwarms, perSwarm)

	fmt.Fprintf(&report, "%-22s %-9s %8s %9s %9s %9s %9s %8s %9s %9s\n",
		"phase", "lookup", "success", "first p50", "first p90", "done p50", "done p90", "queries", "sameAS@5", "random")
	// Each row interleaves the two lookup modes (even lookups plain XOR,
	// odd ones proximity) so that both see the same network state and the
	// same load from whatever else the machine runs.
	row := func(phase string) {
		l.markHolders(swarms)
		for _, s := range l.live() {
			s.node.tracing.Store(true)
		}
		all := l.runLookupsMode(ctx, rng, swarms, 2*lookups, 16, func(i int) lookupMode {
			if i%2 == 0 {
				return modePlain
			}
			return modeProximity
		})
		for _, plain := range []bool{true, false} {
			var res []lookupResult
			for i, r := range all {
				if (i%2 == 0) == plain {
					res = append(res, r)
				}
			}
			m := summarize(res)
			mode := "proximity"
			if plain {
				mode = "xor"
			}
			fmt.Fprintf(&report, "%-22s %-9s %7.1f%% %9v %9v %9v %9v %8.1f %8.0f%% %8.0f%%\n",
				phase, mode, 100*m.success, m.firstP50, m.firstP90, m.doneP50, m.doneP90, m.queries, 100*m.sameTop5, 100*m.sameRandom)
			fmt.Fprintf(&traces, "%s, %s:\n%s", phase, mode, traceReport(res, l.live()[0].node.cfg.Alpha)+holderReport(res))
			dumpTraces(b, phase, mode, res)
			key := strings.ReplaceAll(phase, " ", "-") + "/" + mode
			b.ReportMetric(100*m.success, key+"-success-%")
			b.ReportMetric(float64(m.firstP50.Milliseconds()), key+"-first-p50-ms")
		}
	}
	row("steady")

	live := l.live()
	for _, k := range rng.Perm(len(live))[:len(live)*3/10] {
		l.stop(live[k])
	}
	row("30% killed")
	// Repair: every survivor runs one lookup, which teaches it which of
	// its contacts are dead (two timeouts and they are skipped).
	rep := l.live()
	l.forEach(rep, 64, func(s *labNode) {
		sw := swarms[rand.IntN(len(swarms))]
		drain(s.node.GetPeers(ctx, sw.ih))
	})
	row("30% killed, repaired")

	for _, warm := range []bool{false, true} {
		l.closeAll()
		before := bootReceived(l)
		start := time.Now()
		l.startAll(warm, nil)
		var peak float64
		last, lastT := before, time.Now()
		window := 20 * time.Second
		for time.Since(start) < window {
			time.Sleep(time.Second)
			now, nowT := bootReceivedLive(l, before), time.Now()
			peak = max(peak, float64(now-last)/nowT.Sub(lastT).Seconds())
			last, lastT = now, nowT
		}
		total := bootReceivedLive(l, before) - before
		share := l.waitHealthy(8, 0.98, 2*time.Minute)
		took := time.Since(start)
		name := "cold"
		if warm {
			name = "warm"
		}
		fmt.Fprintf(&report, "mass restart %s: bootstrap nodes received %.0f pkts/s over the first %v (peak %.0f/s per %d nodes); %.0f%% healthy after %v\n",
			name, float64(total)/window.Seconds(), window, peak, len(l.boot), 100*share, took.Round(time.Second))
		b.ReportMetric(float64(total)/window.Seconds(), "restart-"+name+"-boot-pkts/s")
		swarms = l.announceSwarms(ctx, rng, nSwarms, perSwarm)
		row("restart " + name)
	}
	// Printed rather than logged: benchmark logs are truncated.
	fmt.Print(report.String())
	fmt.Print("Traces (successful lookups; slot time = time queries that never answered held a slot before the first peer):\n", traces.String())
}

// bootReceived sums datagrams received by bootstrap slots in past runs.
func bootReceived(l *lab) uint64 {
	var n uint64
	for _, s := range l.boot {
		n += s.received.Load()
	}
	return n
}

// bootReceivedLive adds the running bootstrap nodes' counters to base.
func bootReceivedLive(l *lab, base uint64) uint64 {
	n := base
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.boot {
		if s.conn != nil {
			n += s.conn.in.Load()
		}
	}
	return n
}

type lookupSummary struct {
	success              float64
	firstP50, firstP90   time.Duration
	doneP50, doneP90     time.Duration
	queries              float64
	sameTop5, sameRandom float64
}

func summarize(res []lookupResult) lookupSummary {
	var m lookupSummary
	var first, done []time.Duration
	var sameTop, nTop, sameAll, nAll float64
	for _, r := range res {
		m.queries += float64(r.stats.Queries)
		done = append(done, r.stats.Duration)
		if !r.found {
			continue
		}
		m.success++
		first = append(first, r.firstHit)
		for _, p := range r.top {
			nTop++
			if labAS(p.Addr.Addr()) == labAS(r.from.ip) {
				sameTop++
			}
		}
		for _, p := range r.ranked {
			nAll++
			if labAS(p.Addr.Addr()) == labAS(r.from.ip) {
				sameAll++
			}
		}
	}
	m.success /= float64(max(len(res), 1))
	m.queries /= float64(max(len(res), 1))
	m.firstP50, m.firstP90 = pct(first, 0.5), pct(first, 0.9)
	m.doneP50, m.doneP90 = pct(done, 0.5), pct(done, 0.9)
	m.sameTop5 = sameTop / max(nTop, 1)
	m.sameRandom = sameAll / max(nAll, 1)
	return m
}

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(int(q*float64(len(ds))), len(ds)-1)].Round(time.Millisecond)
}

// traceReport summarizes the traces of one row's lookups: how the time to
// the first peer splits into round trips and waits for a free slot along
// the chain of replies that led to it, how many hops that chain had and in
// which latency classes, and how much slot time went to queries that never
// answered before the first peer.
func traceReport(res []lookupResult, slots int) string {
	var n int
	var first, rttSum, waitSum, deadSlot []time.Duration
	var hops, sentBefore, deadBefore, slowBefore float64
	var cls [3]float64      // chain hops same AS, same region, other
	var picks [2][3]float64 // queries before the first peer: [near slot, XOR slot][class]
	var allQ, allSlow, slowOK float64
	var rttCls [3][]time.Duration
	var firstHop [3]float64
	for _, r := range res {
		t := r.trace
		if t == nil || t.First < 0 {
			continue
		}
		n++
		fq := t.Queries[t.First]
		T := fq.Done
		first = append(first, T)
		hops += float64(fq.Hop)
		var rs, ws time.Duration
		for i := t.First; i >= 0; {
			q := t.Queries[i]
			rs += q.Done - q.Sent
			parentDone := time.Duration(0)
			if q.Via >= 0 {
				parentDone = t.Queries[q.Via].Done
			}
			ws += q.Sent - parentDone
			k := 2
			switch {
			case labAS(q.Addr.Addr()) == labAS(r.from.ip):
				k = 0
			case labRegion(q.Addr.Addr()) == labRegion(r.from.ip):
				k = 1
			}
			cls[k]++
			if q.Via < 0 {
				firstHop[k]++
			}
			i = q.Via
		}
		rttSum = append(rttSum, rs)
		waitSum = append(waitSum, ws)
		var dead time.Duration
		for _, q := range t.Queries {
			allQ++
			if q.Slow > 0 {
				allSlow++
				if q.OK {
					slowOK++
				}
			}
			if q.OK {
				k := latClass(r.from.ip, q.Addr.Addr())
				rttCls[k] = append(rttCls[k], q.Done-q.Sent)
			}
		}
		for _, q := range t.Queries {
			if q.Sent >= T {
				continue
			}
			sentBefore++
			x := 0
			if q.XOR {
				x = 1
			}
			picks[x][latClass(r.from.ip, q.Addr.Addr())]++
			end := T
			if q.Done > 0 && q.Done < end {
				end = q.Done
			}
			if q.Slow > 0 && q.Slow < end {
				end = q.Slow
			}
			if q.Slow > 0 && q.Slow < T {
				slowBefore++
			}
			if !q.OK {
				deadBefore++
				dead += end - q.Sent
			}
		}
		deadSlot = append(deadSlot, dead)
	}
	if n == 0 {
		return "  (no traced lookup found a peer)\n"
	}
	f := float64(n)
	mean := func(ds []time.Duration) time.Duration {
		var s time.Duration
		for _, d := range ds {
			s += d
		}
		return (s / time.Duration(len(ds))).Round(time.Millisecond)
	}
	chain := cls[0] + cls[1] + cls[2]
	return fmt.Sprintf("  first peer after %.2f hops (chain: %.0f%% same AS, %.0f%% region, %.0f%% other; first hop %.0f/%.0f/%.0f%%); "+
		"mean time %v = round trips %v + waits %v; p50 round trips %v, waits %v; before it: %.1f queries sent, %.2f never answered (%v slot time of %d slots), %.2f turned slow\n",
		hops/f, 100*cls[0]/chain, 100*cls[1]/chain, 100*cls[2]/chain,
		100*firstHop[0]/f, 100*firstHop[1]/f, 100*firstHop[2]/f,
		mean(first), mean(rttSum), mean(waitSum), pct(rttSum, 0.5), pct(waitSum, 0.5),
		sentBefore/f, deadBefore/f, mean(deadSlot), slots, slowBefore/f) +
		fmt.Sprintf("  queries before the first peer, per lookup, AS/region/other: proximity slots %.2f/%.2f/%.2f, XOR slot %.2f/%.2f/%.2f\n",
			picks[0][0]/f, picks[0][1]/f, picks[0][2]/f, picks[1][0]/f, picks[1][1]/f, picks[1][2]/f) +
		fmt.Sprintf("  whole walks: %.1f queries, %.1f turned slow, %.2f of them answered later; answer RTT p50/p90 AS %v/%v, region %v/%v, other %v/%v\n",
			allQ/f, allSlow/f, slowOK/f, pct(rttCls[0], 0.5), pct(rttCls[0], 0.9), pct(rttCls[1], 0.5), pct(rttCls[1], 0.9), pct(rttCls[2], 0.5), pct(rttCls[2], 0.9))
}

// latClass is 0 for the same AS, 1 for the same region, 2 otherwise.
func latClass(from, to netip.Addr) int {
	switch {
	case labAS(from) == labAS(to):
		return 0
	case labRegion(from) == labRegion(to):
		return 1
	}
	return 2
}

// holderReport relates each lookup's first peer to the nodes that could
// have given it: the nearest running holder of the swarm, and whether the
// walk knew of a holder nearer than the one that answered first, and when.
func holderReport(res []lookupResult) string {
	var n, holders float64
	var hop [5]float64
	var mat [3][3]float64 // nearest holder class × first-peer source class
	var missed, missedKnown, missedSent float64
	var knownLead, sentLead []time.Duration
	for _, r := range res {
		t := r.trace
		if t == nil || t.First < 0 || r.sw == nil {
			continue
		}
		n++
		holders += float64(len(r.sw.holders))
		fq := t.Queries[t.First]
		hop[min(fq.Hop, 4)]++
		best := 3
		for h := range r.sw.holders {
			best = min(best, latClass(r.from.ip, h.Addr()))
		}
		src := latClass(r.from.ip, fq.Addr.Addr())
		if best < 3 {
			mat[best][src]++
		}
		if best >= src {
			continue
		}
		missed++
		// Was a holder of a nearer class known before the first peer?
		T := fq.Done
		var known time.Duration = -1
		var kaddr netip.AddrPort
		for _, k := range t.Known {
			if k.At < T && r.sw.holders[k.Addr] && latClass(r.from.ip, k.Addr.Addr()) < src {
				known, kaddr = k.At, k.Addr
				break
			}
		}
		if known < 0 {
			continue
		}
		missedKnown++
		knownLead = append(knownLead, T-known)
		for _, q := range t.Queries {
			if q.Addr == kaddr {
				missedSent++
				sentLead = append(sentLead, q.Sent-known)
			}
		}
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  hops to first peer 1/2/3/4+: %.0f/%.0f/%.0f/%.0f%%; %.1f running holders per swarm\n",
		100*hop[1]/n, 100*hop[2]/n, 100*hop[3]/n, 100*hop[4]/n, holders/n)
	fmt.Fprintf(&b, "  nearest holder AS/region/other → first peer from AS/region/other: AS %.0f/%.0f/%.0f, region %.0f/%.0f/%.0f, other %.0f/%.0f/%.0f (lookups)\n",
		mat[0][0], mat[0][1], mat[0][2], mat[1][0], mat[1][1], mat[1][2], mat[2][0], mat[2][1], mat[2][2])
	fmt.Fprintf(&b, "  first peer from a farther class than the nearest holder: %.0f%%; of those a nearer holder was known in time %.0f%% (known %v before the first peer, p50), and queried later %.0f%% (sent %v after known, p50)\n",
		100*missed/n, 100*missedKnown/max(missed, 1), pct(knownLead, 0.5), 100*missedSent/max(missedKnown, 1), pct(sentLead, 0.5))
	return b.String()
}

// dumpTraces appends one JSON line per lookup to the file named by
// SHOAL_DHT_BENCH_TRACES, for analysis outside the benchmark.
func dumpTraces(b *testing.B, phase, mode string, res []lookupResult) {
	path := os.Getenv("SHOAL_DHT_BENCH_TRACES")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, r := range res {
		var holders []netip.AddrPort
		for h := range r.sw.holders {
			holders = append(holders, h)
		}
		if err := enc.Encode(map[string]any{
			"phase": phase, "mode": mode, "from": r.from.ip, "found": r.found, "first": r.firstHit,
			"holders": holders, "trace": r.trace, "stats": r.stats,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
