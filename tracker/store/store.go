// Package store defines the tracker's swarm state interface and the types
// it speaks: what a store must remember about peers, and nothing about
// protocols or policy. Backends live in sub-packages (memory, redis); the
// shared conformance suite and benchmarks live in storetest.
package store

import (
	"context"
	"encoding/hex"
	"net/netip"
)

// InfoHash is a torrent's 20-byte SHA-1 info hash.
type InfoHash [20]byte

// String returns the hash as 40 lowercase hex digits.
func (h InfoHash) String() string { return hex.EncodeToString(h[:]) }

// PeerID is a client's self-chosen 20-byte peer id.
type PeerID [20]byte

// Event is the announce event a client reports.
type Event uint8

// Announce events, numbered as in BEP 15.
const (
	EventNone Event = iota
	EventCompleted
	EventStarted
	EventStopped
)

// String names the event as HTTP announces spell it ("" for none).
func (e Event) String() string {
	switch e {
	case EventCompleted:
		return "completed"
	case EventStarted:
		return "started"
	case EventStopped:
		return "stopped"
	}
	return ""
}

// Peer is one member of a swarm. A peer is identified by its ID within one
// address family: a dual-stack client that announces over IPv4 and IPv6 is
// two entries, one per family, so each family's lists stay complete.
type Peer struct {
	ID     PeerID
	Addr   netip.AddrPort // IPv4 addresses are always unmapped (Is4)
	Seeder bool
}

// AnnounceParams is one announce as the store sees it.
type AnnounceParams struct {
	InfoHash InfoHash
	Peer     Peer
	Event    Event
	// Want is the number of candidate peers to return (0: none). The store
	// returns at most Want peers, all of Peer.Addr's address family, never
	// Peer itself, and no seeders when Peer is a seeder.
	Want int
	// Buf, when not nil, is storage the store may append the returned
	// peers to (from Buf[:0]) instead of allocating; the caller owns it.
	Buf []Peer
	// NoIDs says that the caller does not need the returned peers' ids
	// (compact lists): a store may leave them zero.
	NoIDs bool
	// Picker, when not nil, may choose the returned peers: a store that
	// supports it offers the candidates it would have returned to Picker
	// instead of copying them out,
	// and returns only those Picker picks, in its order, with View.Picked
	// set. Other stores ignore it.
	Picker Picker
	// Compact, when not nil (with NoIDs and Picker), is storage for the
	// picks in compact form: a store may append each pick's AppendCompact
	// form to it and return the result as View.Compact instead of
	// View.Peers. The caller owns it.
	Compact []byte
}

// Picker chooses among candidates offered one at a time (see
// AnnounceParams.Picker). The caller prepares it for each announce.
type Picker interface {
	// Add offers a candidate at addr; ref is the store's name for it.
	Add(addr netip.AddrPort, ref int32)
	// Pick returns the refs of the chosen candidates, best first.
	Pick() []int32
}

// Picker4 is a Picker that also takes IPv4 candidates as bytes, so that a
// store holding compact addresses need not build a netip.AddrPort for each
// one. A store may offer a candidate either way; AddIPv4(ip, port, ref)
// must mean Add(netip.AddrPortFrom(netip.AddrFrom4(ip), port), ref).
type Picker4 interface {
	Picker
	AddIPv4(ip [4]byte, port uint16, ref int32)
}

// Counts are a swarm's scrape numbers.
type Counts struct {
	Seeders   int
	Leechers  int
	Completed int // event=completed reports from leechers, ever (while the swarm lives)
}

// View is what an announce returns: the swarm's counts after the announce
// and a random sample of candidate peers.
type View struct {
	Counts
	Peers []Peer
	// Picked says that AnnounceParams.Picker chose Peers.
	Picked bool
	// Compact, when not nil, holds the picks (Picked is set) in compact
	// form, appended to AnnounceParams.Compact; Peers is then empty.
	Compact []byte
}

// Stats summarise a whole store for metrics.
type Stats struct {
	Swarms   int
	Seeders  int
	Leechers int
}

// Store holds swarms. Implementations are safe for concurrent use, expire
// peers that have not announced within their TTL, and forget swarms that
// have no peers left.
type Store interface {
	// Announce records (or, for EventStopped, removes) p.Peer and returns
	// the swarm's counts and up to p.Want candidates.
	Announce(ctx context.Context, p AnnounceParams) (View, error)
	// Scrape returns the counts of each hash, in order; unknown swarms are zero.
	Scrape(ctx context.Context, hashes []InfoHash) ([]Counts, error)
	// Stats counts swarms and peers.
	Stats(ctx context.Context) (Stats, error)
	// Close releases the store's resources.
	Close() error
}

// Family is 4 or 6: the address family a peer's address belongs to.
func Family(a netip.AddrPort) int {
	if a.Addr().Is4() {
		return 4
	}
	return 6
}
