// Package picker decides which blocks to request from which peer: partial
// pieces first, a few random pieces to start, then rarest first, with
// block-level pipelining across piece boundaries, endgame duplicates,
// priorities and parole for peers suspected of sending bad data. It also
// sizes each peer's request pipeline and request timeouts (Pipeline).
//
// The package is pure and deterministic: no goroutines, no clock, no global
// randomness (randomness comes from Config.Rand, time from arguments). A
// Picker is not safe for concurrent use; the torrent's event loop owns it.
//
// Panics are reserved for programmer errors, that is input the engine must
// have validated already: a piece index outside [0, NumPieces) given to any
// method taking a piece index (Received and Cancelled excepted: they take
// blocks straight from the wire and ignore anything unknown), a bitfield
// whose Len is not NumPieces, a priority outside [0, 7], and availability
// going below zero (PeerLost, PeerBitfieldLost or SeedLeft without the
// matching gain).
package picker

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

// Defaults applied by New when the Config field is zero.
const (
	DefaultBlockSize     = 16384
	DefaultRandomFirst   = 4
	DefaultMaxDuplicates = 2
	DefaultEndgameDepth  = 1
)

// MaxPriority is the highest piece priority; 0 means skip, 1 is the default.
const MaxPriority = 7

// PeerID names a connection. The engine assigns it; the picker only compares.
type PeerID uint32

// Block is one request: Length bytes at offset Begin of piece Piece.
type Block struct{ Piece, Begin, Length int }

// Config describes the torrent and the picking policy.
type Config struct {
	NumPieces   int
	PieceLength int64
	TotalLength int64 // last piece may be shorter; its last block too
	BlockSize   int   // default 16384 when 0
	// RandomFirst: pieces are picked in random order while we have fewer
	// than this many complete. Default 4 when 0; -1 disables.
	RandomFirst int
	// MaxDuplicates: in endgame a block is outstanding at at most this many
	// peers at once. Default 2 when 0; 1 disables duplicates. At most 255.
	MaxDuplicates int
	// EndgameDepth: in endgame a peer is handed duplicates only while it
	// has fewer than this many requests outstanding, so duplicates keep
	// idle connections busy instead of racing busy ones (each duplicate
	// that loses arrives as wasted bytes when its cancel is late). Default
	// DefaultEndgameDepth when 0; -1 means no limit.
	EndgameDepth int
	// DuplicateWorth, when set, is asked before each endgame duplicate:
	// would block b, requested now from dup, arrive before it arrives from
	// the peers that already have it outstanding (holders)? A duplicate
	// that loses the race arrives as wasted bytes whenever its cancel is
	// late, so the engine answers from the holders' queue positions and
	// rates. When it says no, the block is asked again on the next Pick.
	DuplicateWorth func(b Block, holders []PeerID, dup PeerID) bool
	Rand           *rand.Rand // required
}

// Receipt tells the engine what an arrived block means.
type Receipt struct {
	// Wanted is false for a duplicate, an already-had block, or a block of a
	// piece we have not started: the engine counts it as wasted bytes. A
	// late block (its request was cancelled or timed out) that is still
	// needed is taken.
	Wanted bool
	// Cancel lists the other peers that had this block outstanding; the
	// engine sends them CANCEL. The picker has already forgotten those
	// requests (calling Cancelled for them is a harmless no-op).
	Cancel []PeerID
	// PieceComplete: every block of the piece has now arrived; hash it.
	PieceComplete bool
}

// Picker holds availability, what we have and want, and every outstanding
// request of one torrent.
type Picker struct {
	n            int
	pieceLen     int
	lastLen      int
	blockSize    int
	randomFirst  int
	maxDup       int
	endgameDepth int
	dupWorth     func(Block, []PeerID, PeerID) bool
	rng          *rand.Rand

	avail []int32 // holders per piece, seeds not included
	prio  []int8
	have  []bool
	seeds int

	// Buckets: arr is every piece ordered by key (see buckets.go), pos is
	// the inverse permutation, ends[k] is one past the last index of key k.
	arr   []int32
	pos   []int32
	ends  []int32
	width int // availability buckets per priority level

	haveCount     int
	wantedMissing int // pieces with prio > 0 that we do not have
	unreqPieces   int // wanted pieces with at least one unrequested block

	parts  []*partial           // per piece; nil when no block is requested or received
	active []*partial           // the non-nil entries of parts
	free   []*partial           // recycled block state
	peers  map[PeerID]peerState // peers with requests outstanding or on parole
	failed map[int][]PeerID     // contributors of a piece's last failed attempt

	scratch []*partial
}

type peerState struct {
	outstanding int
	parole      bool
}

// New validates cfg and returns a Picker wanting every piece at priority 1,
// having none, with no availability.
func New(cfg Config) (*Picker, error) {
	if cfg.NumPieces <= 0 || cfg.NumPieces > math.MaxInt32 {
		return nil, fmt.Errorf("picker: Config.NumPieces = %d, want 1..%d", cfg.NumPieces, math.MaxInt32)
	}
	if cfg.PieceLength <= 0 || cfg.PieceLength > math.MaxInt32 {
		return nil, fmt.Errorf("picker: Config.PieceLength = %d, want 1..%d", cfg.PieceLength, math.MaxInt32)
	}
	full := int64(cfg.NumPieces) * cfg.PieceLength
	if cfg.TotalLength <= full-cfg.PieceLength || cfg.TotalLength > full {
		return nil, fmt.Errorf("picker: Config.TotalLength = %d, want %d..%d for %d pieces of %d",
			cfg.TotalLength, full-cfg.PieceLength+1, full, cfg.NumPieces, cfg.PieceLength)
	}
	if cfg.BlockSize == 0 {
		cfg.BlockSize = DefaultBlockSize
	}
	if cfg.BlockSize < 0 || cfg.BlockSize > math.MaxInt32 {
		return nil, fmt.Errorf("picker: Config.BlockSize = %d, want > 0", cfg.BlockSize)
	}
	switch {
	case cfg.RandomFirst == 0:
		cfg.RandomFirst = DefaultRandomFirst
	case cfg.RandomFirst == -1:
		cfg.RandomFirst = 0
	case cfg.RandomFirst < -1:
		return nil, fmt.Errorf("picker: Config.RandomFirst = %d, want >= -1", cfg.RandomFirst)
	}
	if cfg.MaxDuplicates == 0 {
		cfg.MaxDuplicates = DefaultMaxDuplicates
	}
	if cfg.MaxDuplicates < 1 || cfg.MaxDuplicates > 255 {
		return nil, fmt.Errorf("picker: Config.MaxDuplicates = %d, want 1..255", cfg.MaxDuplicates)
	}
	switch {
	case cfg.EndgameDepth == 0:
		cfg.EndgameDepth = DefaultEndgameDepth
	case cfg.EndgameDepth == -1:
		cfg.EndgameDepth = math.MaxInt
	case cfg.EndgameDepth < -1:
		return nil, fmt.Errorf("picker: Config.EndgameDepth = %d, want >= -1", cfg.EndgameDepth)
	}
	if cfg.Rand == nil {
		return nil, errors.New("picker: Config.Rand = nil, want a *rand.Rand")
	}
	n := cfg.NumPieces
	p := &Picker{
		n:             n,
		pieceLen:      int(cfg.PieceLength),
		lastLen:       int(cfg.TotalLength - int64(n-1)*cfg.PieceLength),
		blockSize:     cfg.BlockSize,
		randomFirst:   cfg.RandomFirst,
		maxDup:        cfg.MaxDuplicates,
		endgameDepth:  cfg.EndgameDepth,
		dupWorth:      cfg.DuplicateWorth,
		rng:           cfg.Rand,
		avail:         make([]int32, n),
		prio:          make([]int8, n),
		have:          make([]bool, n),
		parts:         make([]*partial, n),
		peers:         make(map[PeerID]peerState),
		failed:        make(map[int][]PeerID),
		wantedMissing: n,
		unreqPieces:   n,
	}
	for i := range p.prio {
		p.prio[i] = 1
	}
	p.initBuckets()
	return p, nil
}

func (p *Picker) check(piece int) {
	if piece < 0 || piece >= p.n {
		panic(fmt.Sprintf("picker: piece %d out of range [0,%d)", piece, p.n))
	}
}

func (p *Picker) checkBitfield(bf *bitfield.Bitfield) {
	if bf.Len() != p.n {
		panic(fmt.Sprintf("picker: bitfield of %d pieces, torrent has %d", bf.Len(), p.n))
	}
}

// PieceSize is the length in bytes of piece.
func (p *Picker) PieceSize(piece int) int {
	p.check(piece)
	if piece == p.n-1 {
		return p.lastLen
	}
	return p.pieceLen
}

// BlocksIn is the number of blocks of piece.
func (p *Picker) BlocksIn(piece int) int {
	return (p.PieceSize(piece) + p.blockSize - 1) / p.blockSize
}

// blockLen is the length of block bi of a piece of size size.
func (p *Picker) blockLen(size, bi int) int {
	return min(p.blockSize, size-bi*p.blockSize)
}

// blockIndex maps a block from the wire to its index within the piece;
// ok is false for anything that is not exactly one of our blocks.
func (p *Picker) blockIndex(b Block) (int, bool) {
	if b.Piece < 0 || b.Piece >= p.n || b.Begin < 0 || b.Begin%p.blockSize != 0 {
		return 0, false
	}
	size := p.PieceSize(b.Piece)
	if b.Begin >= size {
		return 0, false
	}
	bi := b.Begin / p.blockSize
	if b.Length != p.blockLen(size, bi) {
		return 0, false
	}
	return bi, true
}

// MarkHave records that piece is verified and written (or was on disk at
// start). Any block state and outstanding requests for it are dropped; use
// Requests first to find CANCELs to send. No-op if already had.
func (p *Picker) MarkHave(piece int) {
	p.check(piece)
	if p.have[piece] {
		return
	}
	u := p.hasUnreq(piece)
	from := p.key(piece)
	if pt := p.parts[piece]; pt != nil {
		p.dropRequests(pt)
		p.release(pt)
	}
	delete(p.failed, piece)
	p.have[piece] = true
	p.haveCount++
	if p.prio[piece] > 0 {
		p.wantedMissing--
	}
	p.move(piece, from, p.key(piece))
	p.fixUnreq(piece, u)
}

// Have reports whether piece is verified and written.
func (p *Picker) Have(piece int) bool {
	p.check(piece)
	return p.have[piece]
}

// HaveCount is the number of pieces had.
func (p *Picker) HaveCount() int { return p.haveCount }

// SetPiecePriority sets piece's priority: 0 skips it (never picked), 1..7
// are picked higher first regardless of rarity; the default is 1. Blocks
// already requested of a piece set to 0 stay outstanding and are accepted.
func (p *Picker) SetPiecePriority(piece, prio int) {
	p.check(piece)
	if prio < 0 || prio > MaxPriority {
		panic(fmt.Sprintf("picker: priority %d out of range [0,%d]", prio, MaxPriority))
	}
	if int(p.prio[piece]) == prio {
		return
	}
	if prio > 0 {
		p.ensureWidth(int(p.avail[piece]))
	}
	u := p.hasUnreq(piece)
	from := p.key(piece)
	if !p.have[piece] {
		if p.prio[piece] == 0 {
			p.wantedMissing++
		} else if prio == 0 {
			p.wantedMissing--
		}
	}
	p.prio[piece] = int8(prio)
	p.move(piece, from, p.key(piece))
	p.fixUnreq(piece, u)
}

func (p *Picker) wanted(piece int) bool { return p.prio[piece] > 0 && !p.have[piece] }

// Wanted reports whether piece has priority > 0 and is not had.
func (p *Picker) Wanted(piece int) bool {
	p.check(piece)
	return p.wanted(piece)
}

// Done reports whether every wanted piece is had.
func (p *Picker) Done() bool { return p.wantedMissing == 0 }

// Missing is how many wanted pieces we do not have yet.
func (p *Picker) Missing() int { return p.wantedMissing }

// InEndgame reports whether every missing block of every wanted piece is
// requested or received while something is still missing: Pick then hands
// out duplicates.
func (p *Picker) InEndgame() bool { return p.unreqPieces == 0 && p.wantedMissing > 0 }

// hasUnreq: piece counts towards unreqPieces.
func (p *Picker) hasUnreq(piece int) bool {
	if !p.wanted(piece) {
		return false
	}
	pt := p.parts[piece]
	return pt == nil || pt.unrequested > 0
}

// fixUnreq updates unreqPieces after a change to piece; before is
// hasUnreq(piece) from before the change.
func (p *Picker) fixUnreq(piece int, before bool) {
	after := p.hasUnreq(piece)
	switch {
	case after && !before:
		p.unreqPieces++
	case before && !after:
		p.unreqPieces--
	}
}

// setPeer stores ps, forgetting a peer with nothing outstanding and no
// parole.
func (p *Picker) setPeer(id PeerID, ps peerState) {
	if ps.outstanding <= 0 && !ps.parole {
		delete(p.peers, id)
		return
	}
	p.peers[id] = ps
}

func (p *Picker) addOutstanding(id PeerID, d int) {
	ps := p.peers[id]
	ps.outstanding += d
	p.setPeer(id, ps)
}

// Outstanding is the number of blocks requested from peer and not yet
// received, cancelled or abandoned.
func (p *Picker) Outstanding(peer PeerID) int {
	return p.peers[peer].outstanding
}

// Pickable reports whether Pick could give peer blocks of piece now: the
// piece is wanted, not held alone by another (paroled) peer, and has a
// block neither received nor requested — or we are in endgame, where
// duplicates are allowed.
func (p *Picker) Pickable(piece int, peer PeerID) bool {
	p.check(piece)
	if !p.wanted(piece) {
		return false
	}
	pt := p.parts[piece]
	if pt == nil {
		return true
	}
	if pt.locked && pt.owner != peer {
		return false
	}
	return pt.unrequested > 0 || p.InEndgame()
}
