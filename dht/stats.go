package dht

import "net/netip"

// Stats is a snapshot of a node.
type Stats struct {
	ID                     [20]byte       // IPv4 node ID
	Addr                   netip.AddrPort // IPv4 socket
	Nodes, GoodNodes       int            // IPv4 routing table
	Nodes6, GoodNodes6     int            // IPv6 routing table (0 without Conn6)
	InfoHashes, Peers      int            // in our peer store
	PacketsIn, PacketsOut  uint64         // datagrams, all families
	PacketsDropped         uint64         // inbound datagrams refused (size, malformed KRPC, bogus source)
	Bootstraps             int64          // bootstrap attempts, all families
	Lookups, LookupQueries int64          // lookups started, get_peers queries they sent
	AnnouncesAcked         int64          // announce_peer queries acknowledged
	SkippedContacts        int            // contacts skipped by lookups after repeated timeouts
	OutstandingQueries     int            // library transactions awaiting a reply
}

// Stats returns a snapshot of the node's counters.
func (n *Node) Stats() Stats {
	s := Stats{ID: n.ID(), Addr: n.Addr()}
	for _, f := range n.fams {
		ss := f.srv.Stats()
		if f.four {
			s.Nodes, s.GoodNodes = ss.Nodes, ss.GoodNodes
		} else {
			s.Nodes6, s.GoodNodes6 = ss.Nodes, ss.GoodNodes
		}
		s.OutstandingQueries += ss.OutstandingTransactions
		s.PacketsIn += f.conn.in.Load()
		s.PacketsOut += f.conn.out.Load()
		s.PacketsDropped += f.conn.dropped.Load()
		s.Bootstraps += f.bootstraps.Load()
	}
	s.InfoHashes, s.Peers = n.store.counts()
	s.Lookups, s.LookupQueries, s.AnnouncesAcked = n.lookups.Load(), n.queries.Load(), n.announces.Load()
	s.SkippedContacts = n.health.skipped()
	return s
}
