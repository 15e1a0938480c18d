package peer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/choker"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/storage"
)

// run is the torrent's event loop: the only goroutine that touches its state.
func (t *torrent) run() {
	defer close(t.loopDone)
	t.log.Info("torrent added", "name", t.name())
	if t.spec.Info != nil {
		if err := t.initInfo(); err != nil {
			t.fail(err)
		}
	} else {
		t.state = StateMetadata
	}
	t.startAnnouncers()
	for _, p := range t.opts.Peers {
		if ap, err := resolveAddr(p); err == nil {
			t.cands.add(ap, SourceManual)
		}
	}
	for _, p := range t.spec.Peers {
		if ap, err := resolveAddr(p); err == nil {
			t.cands.add(ap, SourceMagnet)
		}
	}
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	t.connectMore(time.Now())
	for {
		var results <-chan storage.Result
		if t.st != nil {
			results = t.st.Results()
		}
		select {
		case ev := <-t.inbox:
			t.handle(ev)
		case r := <-results:
			t.onHashResult(r)
		case now := <-ticker.C:
			t.tick(now)
		case <-t.egC:
			t.fillAll()
			t.endgameTicker()
		case now := <-t.firstPieceC:
			t.firstPieceWake(now)
		case <-t.ctx.Done():
			t.shutdown()
			return
		}
	}
}

func (t *torrent) handle(ev event) {
	switch ev.kind {
	case evMsg:
		if t.conns[ev.c.id] != ev.c {
			releaseMsg(&ev.m) // from a connection already closed
			return
		}
		t.onMessage(ev.c, &ev.m)
	case evClosed:
		t.dropConn(ev.c, ev.err)
	case evConnected:
		t.onConnected(ev.wc, ev.addr, ev.src, false)
	case evDialDone:
		t.onDialDone(ev)
	case evPeers:
		for _, a := range ev.addrs {
			t.cands.add(a, ev.src)
		}
		t.connectMore(time.Now())
	case evCmd:
		ev.fn(t)
	}
}

// initInfo sets up storage, picker and choker once the info dictionary is
// known, then verifies existing data off the loop.
func (t *torrent) initInfo() error {
	info := t.spec.Info
	st, err := storage.Open(info, storage.Options{
		Dir:            t.dataDir,
		Workers:        t.cfg.HashWorkers,
		MaxQueuedBytes: t.cfg.MaxQueuedDiskBytes,
	})
	if err != nil {
		return fmt.Errorf("open storage for %q: %w", info.BestName(), err)
	}
	n := st.NumPieces()
	pk, err := picker.New(picker.Config{
		NumPieces:   n,
		PieceLength: info.PieceLength,
		TotalLength: info.TotalLength(),
		Rand:        t.rng,

		DuplicateWorth: t.dupWorth,
		EndgameDepth:   endgameDepth,
	})
	if err != nil {
		st.Close()
		return fmt.Errorf("piece picker for %q: %w", info.BestName(), err)
	}
	if err := os.MkdirAll(filepath.Dir(t.resumePath), 0o755); err != nil {
		st.Close()
		return fmt.Errorf("resume state directory: %w", err)
	}
	t.info = info
	t.numPieces = n
	t.piecePool = newPiecePool(info.PieceLength, t.cfg.MaxQueuedDiskBytes)
	t.files = fileSpans(info)
	t.stMu.Lock()
	t.st = st
	t.stMu.Unlock()
	t.pk = pk
	t.initLocality()
	t.ch = choker.New(choker.Config{
		RegularSlots:    t.cfg.RegularSlots,
		OptimisticSlots: t.cfg.OptimisticSlots,
		SeedPolicy:      t.cfg.SeedPolicy,
		RemoteShare:     t.remoteShare(),
		Rand:            t.rng,
	}, time.Now())
	t.have = bitfield.New(n)
	t.offerCount = make([]int, n)
	t.applyFilePriorities()
	t.state = StateChecking
	t.bg.Add(1)
	go t.verify(st, n)
	return nil
}

// verify finds which pieces are already on disk: from a valid resume file,
// otherwise by hashing.
func (t *torrent) verify(st *storage.Storage, n int) {
	var bf bitfield.Bitfield
	var err error
	r, rerr := storage.LoadResume(t.resumePath, t.ih, n)
	if rerr == nil && st.ResumeValid(r) {
		bf, err = bitfield.FromBytes(r.Pieces, n)
	} else {
		bf, err = st.Verify(t.ctx, nil)
	}
	t.bg.Done()
	t.post(event{kind: evCmd, fn: func(tt *torrent) { tt.onVerified(bf, err) }})
}

func (t *torrent) onVerified(bf bitfield.Bitfield, err error) {
	if err != nil {
		if t.ctx.Err() == nil {
			t.fail(fmt.Errorf("check existing data of %q: %w", t.name(), err))
		}
		return
	}
	bf.Indexes(func(i int) bool {
		t.have.Set(i)
		t.pk.MarkHave(i)
		t.locPieceChanged(i)
		return true
	})
	t.verified = true
	t.log.Info("checked existing data", "have", t.have.Count(), "pieces", t.numPieces)
	t.state = StateDownloading
	if t.paused {
		t.state = StatePaused
	}
	t.initSeedServers()
	for _, c := range t.conns {
		t.connGotInfo(c)
	}
	if t.pk.Done() {
		t.onComplete()
	}
	t.connectMore(time.Now())
	t.seedServerTick(time.Now())
}

func (t *torrent) tick(now time.Time) {
	for _, c := range t.conns {
		c.down.Tick(now)
		c.up.Tick(now)
	}
	for _, s := range t.seeds {
		s.down.Tick(now)
	}
	if t.ch != nil && t.ch.Due(now) && t.transferring() {
		t.chokeRound(now)
	}
	t.rotateSeedSlots(now)
	t.checkTimeouts(now)
	t.retryBacklog()
	t.metaTick(now)
	t.connectMore(now)
	t.sendPEX(now)
	if t.verified && !t.checkpointing && now.Sub(t.lastCheckpoint) >= t.cfg.ResumeInterval {
		t.checkpointAsync(now)
	}
	t.checkSeedGoal(now)
	t.seedServerTick(now)
	t.superTick(now)
	t.dhtTick(now)
	t.localityTick(now)
	t.fillAll()
}

func (t *torrent) transferring() bool {
	return t.state == StateDownloading || t.state == StateSeeding
}

// fail stops the torrent with a reason; the loop keeps answering Stats.
func (t *torrent) fail(err error) {
	t.log.Error("torrent stopped", "err", err)
	t.setErr(err)
	t.state = StateError
	for _, c := range t.conns {
		t.dropConn(c, err)
	}
	t.cancel()
}

func (t *torrent) pause() {
	if t.paused {
		return
	}
	t.paused = true
	t.state = StatePaused
	for _, c := range t.conns {
		t.dropConn(c, fmt.Errorf("paused"))
	}
	if t.verified {
		t.checkpointAsync(time.Now())
	}
}

func (t *torrent) resume() {
	if !t.paused {
		return
	}
	t.paused = false
	switch {
	case t.info == nil:
		t.state = StateMetadata
	case t.pk.Done():
		t.state = StateSeeding
	default:
		t.state = StateDownloading
	}
	t.cands.resetBackoff()
	t.connectMore(time.Now())
}

func (t *torrent) shutdown() {
	if t.egTicker != nil {
		t.egTicker.Stop()
	}
	if t.firstPieceTimer != nil {
		t.firstPieceTimer.Stop()
	}
	for _, c := range t.conns {
		t.dropConn(c, context.Canceled)
	}
	t.announceStopped()
	t.bg.Wait() // verification or a checkpoint still using storage
	if t.st != nil {
		// Only after the existing data was checked: before that t.have is
		// empty, and saving it would erase a valid resume file.
		if t.verified {
			if err := t.st.Checkpoint(t.resumePath, t.ih, &t.have); err != nil {
				t.log.Warn("final resume checkpoint failed", "err", err)
			}
		}
		t.st.Close()
	}
	if t.state != StateError {
		t.state = StateClosed
	}
	s := t.snapshot()
	t.lastMu.Lock()
	t.last = s
	t.lastMu.Unlock()
	t.log.Info("torrent stopped", "name", t.name())
}

// checkpointAsync syncs and saves resume state off the loop. Only pieces
// whose write already completed are in t.have, so the file never claims a
// piece that is not on disk.
func (t *torrent) checkpointAsync(now time.Time) {
	t.lastCheckpoint = now
	t.checkpointing = true
	have := t.have.Clone()
	st := t.st
	t.bg.Add(1)
	go func() {
		err := st.Checkpoint(t.resumePath, t.ih, &have)
		t.bg.Done()
		t.post(event{kind: evCmd, fn: func(tt *torrent) {
			tt.checkpointing = false
			if err != nil && tt.ctx.Err() == nil {
				if storage.IsDiskFull(err) {
					tt.fail(fmt.Errorf("save resume state %q: disk full: %w", tt.resumePath, err))
					return
				}
				tt.log.Warn("resume checkpoint failed", "err", err)
			}
		}})
	}()
}
