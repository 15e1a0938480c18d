package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/webseed"
	"github.com/shoal-p2p/shoal/peer/wire"
)

// Seed-server fallback (DESIGN.md §4): peers first. A seed server (BEP 19
// web seed) is asked for a run of pieces only when no connected peer can
// serve them (no holder, or every holder chokes us) for a grace time, when
// the swarm rate stays under a floor, or to finish the last pieces
// (endgame: the last few always, seedtail.go; more when peers are slow).
// Its data is hash-checked like any peer's; a server that serves bad data
// or ignores Range requests is dropped.

// SeedServerMode says when seed servers are used.
type SeedServerMode int

// Seed-server modes.
const (
	SeedServersFallback SeedServerMode = iota // only what the swarm cannot serve (default)
	SeedServersOff                            // never
	SeedServersAlways                         // like any peer, all the time
)

// ParseSeedServerMode reads "off", "fallback" or "always".
func ParseSeedServerMode(s string) (SeedServerMode, error) {
	switch s {
	case "fallback", "":
		return SeedServersFallback, nil
	case "off":
		return SeedServersOff, nil
	case "always":
		return SeedServersAlways, nil
	}
	return 0, fmt.Errorf("seed-server mode %q: want off, fallback or always", s)
}

func (m SeedServerMode) String() string {
	return [...]string{"fallback", "off", "always"}[m]
}

const (
	seedServerIDBase   = picker.PeerID(1 << 30) // pseudo peer IDs of seed servers in the picker
	seedSpanBytes      = 4 << 20                // largest Range request (whole pieces)
	seedFirstSpan      = 1 << 20                // a server's first request, before its rate is known
	seedSpanTime       = 2 * time.Second        // spans are sized to take about this long
	seedMaxFails       = 8                      // consecutive failures before a server is dropped
	seedMaxBadPieces   = 2                      // failed pieces it shared in before it is dropped
	defaultSeedGrace   = 3 * time.Second
	defaultSeedPerHost = 2         // spans in flight per server alongside a swarm
	soloSeedPerHost    = 4         // when seed servers are the only source
	seedIdleRate       = 16 << 10  // B/s from peers below which the swarm counts as not delivering
	seedEndgameRate    = 256 << 10 // B/s from peers below which seed servers help finish the last pieces
	chokedGrace        = 20 * time.Second
)

// peerRate is what connected peers deliver now, bytes/s. Seed servers are
// left out on purpose: it measures whether the swarm delivers.
func (t *torrent) peerRate() float64 {
	var r float64
	for _, c := range t.conns {
		r += c.down.Rate()
	}
	return r
}

type seedServer struct {
	url      string
	id       picker.PeerID
	inflight int
	bytes    int64
	fails    int // consecutive request failures
	bad      int // failed pieces it contributed to
	nextTry  time.Time
	lastErr  string
	dropped  string  // reason, once dropped
	rate     float64 // bytes/s of one request, smoothed; 0 until measured
	// down counts response bytes as the fetchers read them (they Add from
	// their goroutines; the loop Ticks it with the connections' meters).
	down wire.Meter
}

// span is how many bytes to ask s for at once: about seedSpanTime of its
// measured per-request rate, so a slow server delivers verified pieces
// steadily (and a crash loses little) while a fast one gets big requests.
func (t *torrent) span(s *seedServer) int64 {
	want := int64(seedFirstSpan)
	if t.firstPiece {
		return t.info.PieceLength
	}
	if s.rate > 0 {
		want = int64(s.rate * seedSpanTime.Seconds())
	}
	return min(max(want, t.info.PieceLength), seedSpanBytes)
}

func (t *torrent) initSeedServers() {
	if t.cfg.SeedServers == SeedServersOff || len(t.spec.WebSeeds) == 0 || t.seedLayout != nil {
		return
	}
	t.seedLayout = webseed.NewLayout(t.info)
	for i, u := range t.spec.WebSeeds {
		t.seeds = append(t.seeds, &seedServer{url: u, id: seedServerIDBase + picker.PeerID(i)})
	}
	t.armFirstPiece(time.Now())
}

func (t *torrent) seedServer(id picker.PeerID) *seedServer {
	if id < seedServerIDBase || int(id-seedServerIDBase) >= len(t.seeds) {
		return nil
	}
	return t.seeds[id-seedServerIDBase]
}

// fallbackNeed decides whether seed servers should work now, which pieces
// they may take, and why.
func (t *torrent) fallbackNeed(now time.Time) (eligible *bitfield.Bitfield, reason string) {
	if t.cfg.SeedServers == SeedServersAlways {
		return nil, "always on"
	}
	// The last few pieces, whatever the peers' rate (seedtail.go); more of
	// the last pieces only when peers are slow to deliver them — in a busy
	// swarm they come from peers in moments, and every peer fetching a long
	// tail from the seed server would multiply the server's load.
	if ok, why := t.seedTailNeed(); ok {
		return nil, why
	}
	peerRate := t.peerRate()
	if t.pk.InEndgame() && peerRate < seedEndgameRate {
		return nil, "finishing the last pieces (peers are slow)"
	}
	if floor := t.cfg.SeedServerMinRate; floor > 0 {
		if peerRate < float64(floor) {
			if t.slowSince.IsZero() {
				t.slowSince = now
			}
			if now.Sub(t.slowSince) >= t.seedGrace() {
				return nil, fmt.Sprintf("swarm rate %.0f B/s under the %d B/s floor", peerRate, floor)
			}
		} else {
			t.slowSince = time.Time{}
		}
	}
	// Pieces no connected peer can serve: no holder, or every holder chokes
	// us. Pieces nobody has are the seed servers' at once (after the grace);
	// pieces held only by peers that choke us wait while other peers keep
	// delivering — in a flash crowd most holders choke most peers, and the
	// swarm still carries the content.
	swarmIdle := peerRate < seedIdleRate
	unservable := bitfield.New(t.numPieces)
	nobody, choked := 0, 0
	for i := 0; i < t.numPieces; i++ {
		if !t.pk.Wanted(i) {
			continue
		}
		held, open := false, false
		for _, c := range t.conns {
			if t.peerHas(c, i) {
				held = true
				if !c.peerChoking || c.allowedForUs[uint32(i)] {
					open = true
					break
				}
			}
		}
		switch {
		case open:
		case !held:
			unservable.Set(i)
			nobody++
		case swarmIdle:
			unservable.Set(i)
			choked++
		}
	}
	if unservable.None() {
		t.stuckSince = time.Time{}
		return nil, ""
	}
	if t.stuckSince.IsZero() {
		t.stuckSince = now
	}
	// With no peer, no dial under way, no candidate and no tracker there is
	// nobody to wait for.
	alone := len(t.conns) == 0 && t.halfOpen == 0 && t.cands.len() == 0 && len(t.trackers) == 0 &&
		(!t.dhtActive() || t.cl.dht.Stats().GoodNodes == 0)
	wait := t.seedGrace()
	if nobody == 0 || !swarmIdle {
		// Only choked: the holders' choke rounds (10 s, optimistic slot every
		// 30 s) will likely unchoke us soon. Or the swarm is busy: pieces
		// nobody has yet may still appear in it (a super-seeding seed reveals
		// them one by one). Either way, give the peers two rounds first.
		wait = max(wait, chokedGrace)
	}
	if !alone && now.Sub(t.stuckSince) < wait {
		return nil, ""
	}
	switch {
	case choked == 0:
		return &unservable, fmt.Sprintf("%d pieces no connected peer has", nobody)
	case nobody == 0:
		return &unservable, fmt.Sprintf("%d pieces only choking peers have, and peers deliver nothing", choked)
	}
	return &unservable, fmt.Sprintf("%d pieces no connected peer has, %d only choking peers have", nobody, choked)
}

func (t *torrent) seedGrace() time.Duration {
	if t.cfg.SeedServerGrace > 0 {
		return t.cfg.SeedServerGrace
	}
	return defaultSeedGrace
}

// seedServerTick decides whether the fallback is needed (and for which
// pieces) and hands runs of pieces to idle seed servers.
func (t *torrent) seedServerTick(now time.Time) {
	if len(t.seeds) == 0 || t.state != StateDownloading || t.pk == nil {
		t.fallbackReason = ""
		t.seedEligible = nil
		return
	}
	t.seedEligible, t.fallbackReason = t.fallbackNeed(now)
	t.firstPiece = t.fallbackReason == "" && t.firstPieceNeed(now)
	if t.firstPiece {
		t.fallbackReason = "holding no piece to trade: one from a seed server"
	}
	t.seedDispatch(now)
}

// seedDispatch starts requests on seed servers with a free slot, for the
// pieces the last seedServerTick found eligible.
func (t *torrent) seedDispatch(now time.Time) {
	t.seedHeld = false
	if t.fallbackReason == "" || t.state != StateDownloading || t.pk == nil {
		return
	}
	if t.backpressured() {
		t.seedHeld = true // resumed as soon as storage catches up, not at the next tick
		return
	}
	perHost := defaultSeedPerHost
	if len(t.conns) == 0 {
		perHost = soloSeedPerHost
	}
	if t.firstPiece {
		if t.firstPieceBusy() {
			return
		}
		perHost = 1
	}
	for _, s := range t.seeds {
		for s.dropped == "" && !now.Before(s.nextTry) && s.inflight < perHost {
			if !t.seedFetch(s, t.seedEligible) {
				break
			}
			if t.firstPiece {
				return // one request in all
			}
		}
	}
}

// seedFetch picks a contiguous run of pieces for s and fetches it.
func (t *torrent) seedFetch(s *seedServer, eligible *bitfield.Bitfield) bool {
	run := t.seedRun(s, eligible)
	if run == nil {
		return false
	}
	t.pickAt, t.pickDups = time.Now(), 0 // for dupWorth, in endgame
	blocks := t.pk.Pick(s.id, run, int(t.span(s)/16384)+1, nil)
	if len(blocks) == 0 {
		return false
	}
	// The picker hands out pieces in random or rarest-first order; in
	// torrent order the run is one Range request instead of one per piece.
	slices.SortFunc(blocks, func(a, b picker.Block) int {
		if a.Piece != b.Piece {
			return a.Piece - b.Piece
		}
		return a.Begin - b.Begin
	})
	s.inflight++
	f := &seedRequest{
		t: t, s: s, blocks: blocks, ranges: mergeBlocks(blocks, t.info.PieceLength),
		ctx: t.ctx, client: t.cl.webseeds, layout: t.seedLayout, pool: t.piecePool,
		pieceLen: t.info.PieceLength, total: t.seedLayout.Total, limits: t.cl.downLimits(t),
	}
	go f.run()
	return true
}

// seedRequest is one request to a seed server, run off the loop. It streams
// the response piece by piece: each piece is read straight into a piece
// buffer and handed to the loop at once, so hashing and writing overlap
// the transfer and no span-sized buffer is allocated or copied.
type seedRequest struct {
	t               *torrent
	s               *seedServer
	blocks          []picker.Block // sorted by offset
	ranges          []byteRange
	ctx             context.Context
	client          *webseed.Client
	layout          *webseed.Layout
	pool            *piecePool
	limits          []*rate.Limiter // the download limiters (torrent, client; nil = no limit)
	pieceLen, total int64
}

func (f *seedRequest) run() {
	start := time.Now()
	var got int64
	var err error
	done := 0 // blocks[:done] were handed to the loop
	for _, r := range f.ranges {
		var wr *webseed.Reader
		wr, err = f.client.Open(f.ctx, f.s.url, f.layout, r.off, r.length)
		if err != nil {
			break
		}
		rd := newSeedBody(f.ctx, wr, &f.s.down, f.limits)
		for i := r.first; i < r.first+r.n; {
			// The blocks of one piece.
			j, n := i, 0
			for j < r.first+r.n && f.blocks[j].Piece == f.blocks[i].Piece {
				n += f.blocks[j].Length
				j++
			}
			p := int64(f.blocks[i].Piece)
			whole := f.blocks[i].Begin == 0 && int64(n) == min(f.pieceLen, f.total-p*f.pieceLen)
			var buf []byte
			if whole {
				buf = f.pool.get(n)
			} else {
				buf = make([]byte, n)
			}
			if _, err = io.ReadFull(rd, buf); err != nil {
				f.pool.put(buf)
				break
			}
			blocks := f.blocks[i:j]
			f.t.post(event{kind: evCmd, fn: func(tt *torrent) { tt.onSeedPiece(f.s, blocks, buf, whole) }})
			got += int64(n)
			i, done = j, j
		}
		wr.Close()
		if err != nil {
			break
		}
	}
	took := time.Since(start)
	rest := f.blocks[done:]
	f.t.post(event{kind: evCmd, fn: func(tt *torrent) { tt.onSeedDone(f.s, rest, got, took, err) }})
}

// seedBody is a seed-server response as a fetcher reads it: every read is
// counted in the server's meter and, when a download limit is set, paced
// through the limiters — the same ones peer connections wait on, so a cap
// covers all download traffic. Capped, reads are at most the smallest
// limiter burst, so the limiter smooths the transfer instead of letting a
// whole piece through and then stalling; uncapped, reads go straight
// through at the size the caller asks for.
type seedBody struct {
	ctx    context.Context
	r      io.Reader
	meter  *wire.Meter
	limits []*rate.Limiter
	chunk  int // largest read while capped
}

func newSeedBody(ctx context.Context, r io.Reader, meter *wire.Meter, limits []*rate.Limiter) *seedBody {
	b := &seedBody{ctx: ctx, r: r, meter: meter}
	for _, l := range limits {
		if l == nil || l.Limit() == rate.Inf {
			continue
		}
		if b.limits == nil || l.Burst() < b.chunk {
			b.chunk = l.Burst()
		}
		b.limits = append(b.limits, l)
	}
	return b
}

func (b *seedBody) Read(p []byte) (int, error) {
	if b.limits != nil && len(p) > b.chunk {
		p = p[:b.chunk]
	}
	n, err := b.r.Read(p)
	if n > 0 {
		b.meter.Add(n)
		if b.limits != nil {
			if werr := waitLimits(b.ctx, b.limits, n); werr != nil {
				return n, werr
			}
		}
	}
	return n, err
}

// seedRun chooses up to seedSpanBytes of consecutive pieces that s may
// fetch: eligible (nil = any wanted), not had, and with blocks left to
// request. The run grows forward, then backward, from an anchor: an
// eligible piece of the lowest availability among our peers, ties broken
// at random. So what a server brings in is what our neighbours lack, which
// we can relay at once, and several servers (and requests, and peers)
// spread out. Anchoring at the first piece of an eligible run instead sent
// every peer of a flash crowd asking for its first piece (firstpiece.go)
// to piece 0: a dozen peers held the same single piece, none of their
// neighbours wanted it from them, and their upload idled for the first
// second of the download.
func (t *torrent) seedRun(s *seedServer, eligible *bitfield.Bitfield) *bitfield.Bitfield {
	ok := func(i int) bool {
		return t.pk.Wanted(i) && (eligible == nil || eligible.Has(i)) && t.pk.Pickable(i, s.id)
	}
	anchor, ties := -1, 0
	low := math.MaxInt
	for i := 0; i < t.numPieces; i++ {
		if !ok(i) {
			continue
		}
		switch a := t.pk.Availability(i); {
		case a < low:
			anchor, ties, low = i, 1, a
		case a == low:
			ties++
			if t.rng.IntN(ties) == 0 { // reservoir sampling: each tie equally likely
				anchor = i
			}
		}
	}
	if anchor < 0 {
		return nil
	}
	run := bitfield.New(t.numPieces)
	left := max(1, int(t.span(s)/t.info.PieceLength))
	for i := anchor; i < t.numPieces && left > 0 && ok(i); i++ {
		run.Set(i)
		left--
	}
	for i := anchor - 1; i >= 0 && left > 0 && ok(i); i-- {
		run.Set(i)
		left--
	}
	return &run
}

type byteRange struct {
	off, length int64
	first, n    int // blocks[first:first+n]
}

// mergeBlocks groups blocks into contiguous torrent byte ranges.
func mergeBlocks(blocks []picker.Block, pieceLen int64) []byteRange {
	var out []byteRange
	for i, b := range blocks {
		off := int64(b.Piece)*pieceLen + int64(b.Begin)
		if n := len(out); n > 0 && out[n-1].off+out[n-1].length == off {
			out[n-1].length += int64(b.Length)
			out[n-1].n++
			continue
		}
		out = append(out, byteRange{off: off, length: int64(b.Length), first: i, n: 1})
	}
	return out
}

// onSeedPiece takes blocks (of one piece, in order) that s delivered in
// data. When whole, data is the complete piece in a buffer from the piece
// pool: if no other source has started the piece, it becomes the piece's
// buffer as is.
func (t *torrent) onSeedPiece(s *seedServer, blocks []picker.Block, data []byte, whole bool) {
	if t.pk == nil {
		return
	}
	if !whole {
		base := blocks[0].Begin
		for _, b := range blocks {
			t.countSeedBlock(s, b, t.acceptBlock(s.id, b, data[b.Begin-base:b.Begin-base+b.Length]))
		}
		return
	}
	piece := blocks[0].Piece
	adopted := false
	for _, b := range blocks {
		rc := t.pk.Received(s.id, b)
		t.countSeedBlock(s, b, rc.Wanted)
		if !rc.Wanted {
			continue
		}
		t.cancelDuplicates(b, rc.Cancel)
		pb := t.bufs[piece]
		if pb == nil {
			pb = &pieceBuf{data: data, from: make([]picker.PeerID, t.pk.BlocksIn(piece))}
			t.bufs[piece] = pb
			adopted = true
		} else if !adopted {
			copy(pb.data[b.Begin:], data[b.Begin:b.Begin+b.Length])
		}
		if bi := blockIndex(b.Begin); bi < len(pb.from) {
			pb.from[bi] = s.id
		}
		if rc.PieceComplete {
			delete(t.bufs, piece)
			t.submitPiece(piece, pb)
		}
	}
	if !adopted {
		t.piecePool.put(data)
	}
}

func (t *torrent) countSeedBlock(s *seedServer, b picker.Block, accepted bool) {
	if accepted {
		s.bytes += int64(b.Length)
		t.webseedBytes += int64(b.Length)
	} else {
		t.wasted += int64(b.Length)
	}
}

// onSeedDone ends a request to s: rest are the blocks it did not deliver.
func (t *torrent) onSeedDone(s *seedServer, rest []picker.Block, got int64, took time.Duration, err error) {
	s.inflight--
	if t.pk == nil {
		return
	}
	for _, b := range rest {
		t.pk.Cancelled(s.id, b)
	}
	if err != nil {
		if t.ctx.Err() != nil {
			return
		}
		s.fails++
		s.lastErr = err.Error()
		backoff := min(time.Second<<min(s.fails, 6), time.Minute)
		s.nextTry = time.Now().Add(backoff)
		t.log.Warn("seed server request failed", "url", s.url, "err", err, "retry in", backoff)
		switch {
		case errors.Is(err, webseed.ErrNoRange):
			t.dropSeedServer(s, "it does not answer Range requests")
		case s.fails >= seedMaxFails:
			t.dropSeedServer(s, fmt.Sprintf("%d requests in a row failed, last: %v", s.fails, err))
		}
		return
	}
	s.fails = 0
	if took > 0 {
		r := float64(got) / took.Seconds()
		if s.rate == 0 {
			s.rate = r
		} else {
			s.rate = 0.7*s.rate + 0.3*r
		}
	}
	t.seedServerTick(time.Now())
}

func (t *torrent) dropSeedServer(s *seedServer, why string) {
	if s.dropped != "" {
		return
	}
	s.dropped = why
	t.pk.PeerGone(s.id)
	t.log.Warn("dropped seed server", "url", s.url, "why", why)
}

// seedServerFailed blames a seed server for a piece that failed its hash.
func (t *torrent) seedServerFailed(s *seedServer, sole bool) {
	s.bad++
	if sole || s.bad >= seedMaxBadPieces {
		t.dropSeedServer(s, "it served data that failed the hash check")
	}
}

// SeedServerStats is one seed server's status.
type SeedServerStats struct {
	URL    string
	State  string // "idle", "fetching", "backoff", "dropped"
	Reason string // why it was dropped
	Bytes  int64  // payload accepted from it
	// DownloadRate is what it delivers now, bytes/s (response bytes as
	// read, like a peer's rate); part of Stats.DownloadRate.
	DownloadRate float64
	LastError    string
}

func (t *torrent) seedServerStats(now time.Time) []SeedServerStats {
	var out []SeedServerStats
	for _, s := range t.seeds {
		st := SeedServerStats{URL: s.url, Bytes: s.bytes, DownloadRate: s.down.Rate(), LastError: s.lastErr, Reason: s.dropped, State: "idle"}
		switch {
		case s.dropped != "":
			st.State = "dropped"
		case s.inflight > 0:
			st.State = "fetching"
		case now.Before(s.nextTry):
			st.State = "backoff"
		}
		out = append(out, st)
	}
	return out
}
