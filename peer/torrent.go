package peer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/dht"
	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/choker"
	"github.com/shoal-p2p/shoal/peer/locality"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/storage"
	"github.com/shoal-p2p/shoal/peer/webseed"
)

// State is a torrent's lifecycle state.
type State string

// Torrent states.
const (
	StateMetadata    State = "metadata"    // magnet: fetching the info dictionary from peers
	StateChecking    State = "checking"    // verifying data already on disk
	StateDownloading State = "downloading" // transferring
	StateSeeding     State = "seeding"     // complete, uploading
	StatePaused      State = "paused"      // stopped by the user; connections closed
	StateError       State = "error"       // stopped by a fault (disk full, ...); Err says why
	StateClosed      State = "closed"      // removed from the client
)

// ErrClosed is returned by Wait when the torrent was closed before it completed.
var ErrClosed = errors.New("torrent closed")

// Torrent is a handle on one torrent in a Client. Its methods are safe for
// concurrent use; all of them talk to the torrent's event loop.
type Torrent struct {
	t *torrent
}

// InfoHash is the torrent's v1 info hash.
func (t *Torrent) InfoHash() [20]byte { return t.t.ih }

// InfoHashHex is the info hash in lower-case hex.
func (t *Torrent) InfoHashHex() string { return hex.EncodeToString(t.t.ih[:]) }

// Complete is closed when every wanted piece is verified and written.
func (t *Torrent) Complete() <-chan struct{} { return t.t.completeCh }

// Finished is closed when the torrent has completed and met its seeding goal
// (AddOptions.SeedRatio/SeedTime), or at completion when it has none.
func (t *Torrent) Finished() <-chan struct{} { return t.t.finishedCh }

// Done is closed when the torrent's event loop has stopped (closed, or
// stopped by an error).
func (t *Torrent) Done() <-chan struct{} { return t.t.loopDone }

// Wait blocks until the download is complete, the torrent stops with an
// error, or ctx is done.
func (t *Torrent) Wait(ctx context.Context) error {
	select {
	case <-t.t.completeCh:
		return nil
	case <-t.t.loopDone:
		select {
		case <-t.t.completeCh:
			return nil
		default:
		}
		if err := t.t.stopErr(); err != nil {
			return err
		}
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Err is the error that stopped the torrent, if any.
func (t *Torrent) Err() error { return t.t.stopErr() }

// Stats returns an immutable snapshot of the torrent's state.
func (t *Torrent) Stats() Stats {
	var s Stats
	if !t.t.call(func(tt *torrent) { s = tt.snapshot() }) {
		t.t.lastMu.Lock()
		s = t.t.last
		t.t.lastMu.Unlock()
	}
	return s
}

// AddPeers adds "host:port" addresses to dial.
func (t *Torrent) AddPeers(addrs []string) error {
	ps, err := resolvePeers(addrs)
	if err != nil {
		return err
	}
	t.t.post(event{kind: evPeers, addrs: ps, src: SourceManual})
	return nil
}

// SetFilePriority sets a file's priority (0 = skip, 1..7). It fails before
// the metadata is known or for an index out of range.
func (t *Torrent) SetFilePriority(file, prio int) error {
	var err error
	if !t.t.call(func(tt *torrent) { err = tt.setFilePriority(file, prio) }) {
		return ErrClosed
	}
	return err
}

// Pause stops transferring and closes connections; Resume starts again.
func (t *Torrent) Pause() { t.t.call(func(tt *torrent) { tt.pause() }) }

// Resume restarts a paused torrent.
func (t *Torrent) Resume() { t.t.call(func(tt *torrent) { tt.resume() }) }

// Close stops the torrent: a final resume checkpoint, a "stopped" announce
// (bounded in time), connections closed. The data stays on disk.
func (t *Torrent) Close() error {
	t.t.cl.remove(t.t.ih)
	t.t.cancel()
	<-t.t.loopDone
	return nil
}

// torrent is the state owned by one event loop goroutine.
type torrent struct {
	cl     *Client
	ih     [20]byte
	opts   AddOptions
	cfg    *Config
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	inbox  chan event
	rng    *rand.Rand

	completeCh, finishedCh, loopDone chan struct{}
	completeOnce, finishOnce         sync.Once

	errMu sync.Mutex
	err   error

	bg sync.WaitGroup // goroutines that use storage: verification, checkpoints

	lastMu sync.Mutex
	last   Stats // snapshot kept for Stats() after the loop has stopped

	dataDir    string
	resumePath string
	upLimit    *rate.Limiter
	upGate     uploadGate // orders rate-limited uploads across connections
	downLimit  *rate.Limiter

	// ---- loop-owned ----
	spec         *Spec
	info         *metainfo.Info
	files        []fileSpan
	numPieces    int
	st           *storage.Storage
	stMu         sync.RWMutex // guards st for the writers' reads
	pk           *picker.Picker
	ch           *choker.Choker
	have         bitfield.Bitfield
	state        State
	paused       bool
	conns        map[picker.PeerID]*peerConn
	byAddr       map[netip.AddrPort]*peerConn
	nextID       picker.PeerID
	cands        *candidates
	halfOpen     int
	lastTurnover time.Time // last look for a better connection (turnover.go)
	lastRotate   time.Time // last look for seed turns that are over (chokes.go)
	banned       map[netip.Addr]bool
	bufs         map[int]*pieceBuf             // pieces being assembled
	submitted    map[int]*pieceBuf             // pieces handed to storage, awaiting the hash result
	suspect      map[int]map[int][]blockRecord // failed pieces: block index → who sent what
	backlog      []int                         // complete pieces storage refused (back-pressure)
	piecePool    *piecePool                    // piece buffers, shared with seed-server fetchers
	meta         *metaFetch
	filePrio     map[int]int
	trackers     []*trackerState
	announceNow  chan struct{}

	closedDown, closedUp int64 // payload totals of connections already closed
	wasted               int64
	hashFails            int
	webseedBytes         int64
	startedAt            time.Time
	completedAt          time.Time
	firstPieceAt         time.Time // first piece verified this session (zero until then)
	lastCheckpoint       time.Time
	checkpointing        bool
	verified             bool  // existing data checked: t.have may be saved
	offerCount           []int // super-seeding: times each piece was offered
	pickBuf              []picker.Block
	pickAt               time.Time    // now of the latest fillRequests or seedFetch, for dupWorth during its Pick
	pickDups             int          // duplicates dupWorth allowed during this Pick
	egTicker             *time.Ticker // the endgame tick (dupworth.go); nil outside endgame
	egC                  <-chan time.Time
	yourIP               netip.Addr // our address as peers report it (BEP 10 yourip)
	seeds                []*seedServer
	seedLayout           *webseed.Layout
	fallbackReason       string
	seedEligible         *bitfield.Bitfield // pieces seed servers may fetch (nil: any), per the last tick
	seedStart            time.Time          // when seed servers came into play (firstpiece.go)
	firstPiece           bool               // seed servers serve only our first piece now
	firstPieceTimer      *time.Timer        // the first-piece grace, until it ends
	firstPieceC          <-chan time.Time
	seedHeld             bool      // seed-server requests held back by back-pressure
	stuckSince           time.Time // since when some wanted pieces have no serving peer
	slowSince            time.Time // since when the swarm rate is under the floor
	lastDHT              time.Time
	dhtLookup            bool // an announce lookup is running
	dhtEmpty             int  // announce lookups in a row that found no peer
	dhtLast              dht.LookupStats
	loc                  *locality.View    // locality.go; nil with proximity off or no locator
	myClaims             map[int]bool      // pieces we told near peers we fetch from outside
	locMine, locAll      bitfield.Bitfield // scratch masks for remote picks
	locWake              bool              // pieces became outside: fill remote pipelines
	locTail              bool              // endgame reached: remote peers no longer restricted
	locSplit             locality.Split    // our share of outside pieces (split), valid while locSplitOK
	locSplitOK           bool
}

type pieceBuf struct {
	data []byte
	from []picker.PeerID // who sent each block (for blame)
}

type fileSpan struct {
	path   string
	offset int64
	length int64
}

func (t *torrent) stopErr() error {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	return t.err
}

func (t *torrent) setErr(err error) {
	t.errMu.Lock()
	if t.err == nil {
		t.err = err
	}
	t.errMu.Unlock()
}

// post delivers an event unless the loop has stopped.
func (t *torrent) post(ev event) bool {
	select {
	case t.inbox <- ev:
		return true
	case <-t.loopDone:
		return false
	}
}

// call runs fn on the loop and waits for it; false if the loop has stopped.
func (t *torrent) call(fn func(*torrent)) bool {
	done := make(chan struct{})
	if !t.post(event{kind: evCmd, fn: func(tt *torrent) { fn(tt); close(done) }}) {
		return false
	}
	select {
	case <-done:
		return true
	case <-t.loopDone:
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}

func (t *torrent) storage() *storage.Storage {
	t.stMu.RLock()
	defer t.stMu.RUnlock()
	return t.st
}

func newTorrent(cl *Client, spec *Spec, opts AddOptions) *torrent {
	ctx, cancel := context.WithCancel(cl.ctx)
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = cl.cfg.DataDir
	}
	hexIH := hex.EncodeToString(spec.InfoHash[:])
	seed := rand.Uint64()
	t := &torrent{
		cl:          cl,
		ih:          spec.InfoHash,
		opts:        opts,
		cfg:         &cl.cfg,
		log:         cl.cfg.Logger.With("torrent", hexIH[:8]),
		ctx:         ctx,
		cancel:      cancel,
		inbox:       make(chan event, 256),
		rng:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		completeCh:  make(chan struct{}),
		finishedCh:  make(chan struct{}),
		loopDone:    make(chan struct{}),
		dataDir:     dataDir,
		resumePath:  filepath.Join(dataDir, ".shoal", hexIH+".resume"),
		upLimit:     newLimiter(opts.UploadRate),
		downLimit:   newLimiter(opts.DownloadRate),
		spec:        spec,
		state:       StateMetadata,
		conns:       map[picker.PeerID]*peerConn{},
		byAddr:      map[netip.AddrPort]*peerConn{},
		cands:       newCandidates(),
		banned:      map[netip.Addr]bool{},
		bufs:        map[int]*pieceBuf{},
		submitted:   map[int]*pieceBuf{},
		filePrio:    opts.FilePriorities,
		announceNow: make(chan struct{}, 1),
		startedAt:   time.Now(),
	}
	return t
}

func (t *torrent) name() string {
	if t.info != nil {
		return t.info.BestName()
	}
	if t.spec.Name != "" {
		return t.spec.Name
	}
	return hex.EncodeToString(t.ih[:])
}

func resolvePeers(addrs []string) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for _, a := range addrs {
		ap, err := resolveAddr(a)
		if err != nil {
			return nil, fmt.Errorf("peer %q: %w", a, err)
		}
		out = append(out, ap)
	}
	return out, nil
}
