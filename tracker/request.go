package tracker

import (
	"net/netip"
	"time"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// Type aliases so frontends need only this package.
type (
	InfoHash = store.InfoHash
	PeerID   = store.PeerID
	Event    = store.Event
	Peer     = store.Peer
	Counts   = store.Counts
)

// Protocol names used in metrics and logs.
const (
	ProtoHTTP = "http"
	ProtoUDP  = "udp"
)

// AnnounceRequest is an announce as a frontend parsed it.
type AnnounceRequest struct {
	Proto    string // ProtoHTTP or ProtoUDP
	InfoHash InfoHash
	PeerID   PeerID
	// Addr is where other peers reach the client: the request's source IP
	// (unmapped) and the port the client announced.
	Addr                       netip.AddrPort
	Left, Uploaded, Downloaded int64
	Event                      Event
	// NumWant is what the client asked for; negative means "default".
	NumWant int
	// NoPeerIDs says the response's peers need no ids (a compact list):
	// they may come back zero.
	NoPeerIDs bool
	// PeerBuf, when not nil, is where the response's peers go (appended
	// from PeerBuf[:0]), so that a frontend can reuse one slice.
	PeerBuf []Peer
	// CompactBuf, when not nil and with NoPeerIDs, asks for the peers in
	// compact form (store.AppendCompact) appended to CompactBuf: the
	// response then may carry them as Compact instead of Peers.
	CompactBuf []byte
	// Received is when the frontend received the request, the start of
	// the latency the metrics record (zero: when Announce is called). A
	// frontend that reads requests in batches reads the clock once per
	// batch.
	Received time.Time
}

// AnnounceResponse is the core's answer; frontends encode it.
type AnnounceResponse struct {
	Interval, MinInterval time.Duration
	Counts
	// Peers are of the requester's address family, best first.
	Peers []Peer
	// Compact, when not nil, holds the peers instead, in compact form,
	// appended to the request's CompactBuf (see there).
	Compact []byte
}

// Announce events.
const (
	EventNone      = store.EventNone
	EventCompleted = store.EventCompleted
	EventStarted   = store.EventStarted
	EventStopped   = store.EventStopped
)
