package dht

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	anacrolixdht "github.com/anacrolix/dht/v2"
	"github.com/anacrolix/dht/v2/krpc"
	alog "github.com/anacrolix/log"
	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/proximity"
)

// Node is a running DHT node: one library server per address family plus
// our peer store, lookups, bootstrapper and state persistence. All methods
// are safe for concurrent use.
type Node struct {
	cfg    Config
	fams   []*family // IPv4 first when present
	store  *peerStore
	health *health
	rtt    *rttMeter // shared by the families' sockets
	near   *nearCache

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ready  chan struct{} // closed when every family finished its first bootstrap pass
	pings  chan struct{} // semaphore for AddContact
	left   atomic.Int32  // families still in their first pass

	trackMu sync.Mutex // guards closed and wg.Add from outside the node
	closed  bool

	bootMu   sync.Mutex
	bootSeen map[netip.AddrPort]bool // bootstrap addresses resolved so far (see bootstrapAddrs)

	selfIP  atomic.Pointer[netip.Addr]
	saveMu  sync.Mutex
	closing sync.Once

	lookups, queries, announces atomic.Int64
	plainXOR                    atomic.Bool // Config.PlainXOR; tests flip it
	tracing                     atomic.Bool // lookups keep a trace (tests, benchmarks)
}

// family is one address family's server and socket.
type family struct {
	four       bool
	srv        *anacrolixdht.Server
	conn       *guardConn
	bootstraps atomic.Int64
}

// New starts a node on cfg.Conn (and cfg.Conn6). It loads cfg.StateFile if
// present (a missing or corrupt file means a cold start, logged), then
// bootstraps in the background after the start-up jitter. It never
// contacts any address that is not in cfg or learnt from the network.
func New(cfg Config) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var st State
	if cfg.StateFile != "" {
		st, err = LoadState(cfg.StateFile)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			cfg.Logger.Warn("dht: ignoring state file", "file", cfg.StateFile, "err", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Node{
		cfg:    cfg,
		store:  newPeerStore(cfg.PeerTTL, cfg.MaxPeersPerHash, cfg.MaxInfoHashes, cfg.MaxPeersReply, time.Now),
		health: newHealth(time.Now),
		ctx:    ctx,
		cancel: cancel,
		ready:  make(chan struct{}),
		pings:  make(chan struct{}, maxPendingPings),
	}
	n.rtt = newRTTMeter(time.Now, cfg.QueryTimeout, meterSink{n})
	n.near = newNearCache(cfg.Locator, time.Now, n.health.near)
	n.plainXOR.Store(cfg.PlainXOR)
	if cfg.SelfIP.IsValid() {
		ip := cfg.SelfIP
		n.selfIP.Store(&ip)
	}
	id := cfg.NodeID
	if id == ([20]byte{}) {
		id = st.ID
	}
	f4, err := n.newFamily(cfg.Conn, true, id, st.Contacts)
	if err != nil {
		cancel()
		return nil, err
	}
	n.fams = append(n.fams, f4)
	if cfg.Conn6 != nil {
		f6, err := n.newFamily(cfg.Conn6, false, st.ID6, st.Contacts6)
		if err != nil {
			f4.srv.Close()
			cfg.Conn.Close()
			cancel()
			return nil, err
		}
		n.fams = append(n.fams, f6)
	}
	self := n.self()
	for _, c := range append(st.Contacts, st.Contacts6...) {
		n.health.restore(c.Addr, proximity.Measure(cfg.Locator, self, c.Addr.Addr(), 0), self.IsValid(), c.RTT)
	}
	n.left.Store(int32(len(n.fams)))
	for _, f := range n.fams {
		n.wg.Add(1)
		go n.keep(f)
	}
	n.wg.Add(1)
	go n.housekeep()
	return n, nil
}

// newFamily builds one server with our explicit configuration.
func (n *Node) newFamily(pc net.PacketConn, four bool, id [20]byte, contacts []Contact) (*family, error) {
	g := &guardConn{PacketConn: pc, maxPacket: n.cfg.MaxPacket, onReply: n.learnSelf, rtt: n.rtt,
		onContact: func(ap netip.AddrPort, id [20]byte) { n.near.heard(n.self(), ap, id) }}
	f := &family{four: four, conn: g}
	want := []krpc.Want{krpc.WantNodes}
	if !four {
		want = []krpc.Want{krpc.WantNodes6}
	}
	resend := n.cfg.ResendDelay
	sc := &anacrolixdht.ServerConfig{
		NodeId:           id,
		Conn:             g,
		NoSecurity:       true,
		StartingNodes:    func() ([]anacrolixdht.Addr, error) { return n.startingNodes(four) },
		QueryResendDelay: func() time.Duration { return resend },
		PeerStore:        storeView{s: n.store, four: four},
		Logger:           alog.Default.WithFilterLevel(alog.Critical),
		DefaultWant:      want,
		SendLimiter:      rate.NewLimiter(rate.Limit(n.cfg.SendRate), n.cfg.SendBurst),
	}
	if id == ([20]byte{}) {
		sc.NodeId = krpc.RandomNodeID()
	}
	srv, err := anacrolixdht.NewServer(sc)
	if err != nil {
		return nil, err
	}
	f.srv = srv
	self := srv.ID()
	for _, c := range contacts {
		if c.ID == self || c.Addr.Addr().Is4() != four {
			continue
		}
		_ = srv.AddNode(krpc.NodeInfo{ID: c.ID, Addr: toNodeAddr(c.Addr)})
	}
	return f, nil
}

// learnSelf records our address as a replying node saw it (BEP 42), when
// no address was configured or known.
func (n *Node) learnSelf(ip []byte) {
	if n.selfIP.Load() != nil {
		return
	}
	if a, ok := netip.AddrFromSlice(ip); ok && a.IsValid() && !a.IsUnspecified() {
		a = a.Unmap()
		n.selfIP.CompareAndSwap(nil, &a)
	}
}

// meterSink passes what the RTT meter learns to the node's contact health.
type meterSink struct{ n *Node }

func (s meterSink) sample(ap netip.AddrPort, rtt time.Duration) {
	s.n.health.sample(ap, proximity.Measure(s.n.cfg.Locator, s.n.self(), ap.Addr(), 0), rtt)
}

func (s meterSink) alive(ap netip.AddrPort) { s.n.health.replied(ap) }
func (s meterSink) lost(ap netip.AddrPort)  { s.n.health.timedOut(ap) }

// self returns our address for proximity, or the zero Addr when unknown.
func (n *Node) self() netip.Addr {
	if p := n.selfIP.Load(); p != nil {
		return *p
	}
	return netip.Addr{}
}

// track reserves k goroutines on the node's wait group, unless the node is
// closing.
func (n *Node) track(k int) bool {
	n.trackMu.Lock()
	defer n.trackMu.Unlock()
	if n.closed {
		return false
	}
	n.wg.Add(k)
	return true
}

// ID returns the IPv4 server's node ID.
func (n *Node) ID() [20]byte { return n.fams[0].srv.ID() }

// Addr returns the IPv4 socket's local address.
func (n *Node) Addr() netip.AddrPort {
	ap, _ := addrPortOf(n.cfg.Conn.LocalAddr())
	return ap
}

// Ready is closed once every family finished its first bootstrap pass
// (successful or not). Lookups started earlier wait for it when their
// routing table is nearly empty.
func (n *Node) Ready() <-chan struct{} { return n.ready }

// Close saves the state file, stops every lookup and goroutine, and closes
// the sockets. It waits for all of the node's goroutines to return.
func (n *Node) Close() error {
	var err error
	n.closing.Do(func() {
		n.trackMu.Lock()
		n.closed = true
		n.trackMu.Unlock()
		n.cancel()
		if n.cfg.StateFile != "" {
			err = n.SaveState()
		}
		for _, f := range n.fams {
			f.srv.Close()
			f.conn.Close()
		}
		n.wg.Wait()
		n.drainLibrary()
	})
	return err
}

// drainLibrary waits (at most twice the resend delay) for the library's
// queries still in flight — its table refreshes use no context and end only
// at their timeout — so that Close returns with no goroutine left behind.
func (n *Node) drainLibrary() {
	deadline := time.Now().Add(2*n.cfg.ResendDelay + 100*time.Millisecond)
	for time.Now().Before(deadline) {
		busy := 0
		for _, f := range n.fams {
			busy += f.srv.Stats().OutstandingTransactions
		}
		if busy == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// SaveState writes the node IDs and routing contacts, with their base RTTs,
// to the state file now (atomically). The configured bootstrap nodes are
// left out: they are known at every start anyway, and a whole network that
// restarts at once from its state files must not ping them all (the
// library pings every restored contact). It is also done every
// SaveInterval and on Close.
func (n *Node) SaveState() error {
	if n.cfg.StateFile == "" {
		return errors.New("dht: no state file configured")
	}
	n.saveMu.Lock()
	defer n.saveMu.Unlock()
	return SaveState(n.cfg.StateFile, n.State())
}

// State returns what SaveState would write.
func (n *Node) State() State {
	st := State{Saved: time.Now().UTC()}
	boot := n.bootstrapAddrs()
	for _, f := range n.fams {
		var cs []Contact
		for _, ni := range f.srv.Nodes() {
			ap, ok := fromNodeAddr(ni.Addr)
			if !ok || ni.ID == ([20]byte{}) || boot[ap] {
				continue
			}
			cs = append(cs, Contact{ID: ni.ID, Addr: ap, RTT: n.health.base(ap)})
		}
		if f.four {
			st.ID, st.Contacts = f.srv.ID(), cs
		} else {
			st.ID6, st.Contacts6 = f.srv.ID(), cs
		}
	}
	return st
}
