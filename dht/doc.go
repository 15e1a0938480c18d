// Package dht is shoal's mainline (BEP 5) Kademlia DHT node.
//
// A [Node] wraps one anacrolix/dht/v2 server per address family (IPv4 and,
// when given a second socket, IPv6 per BEP 32) with an explicit
// configuration: injected sockets, bootstrap nodes taken only from [Config]
// (never the public routers), our own peer store with expiry and per-info-hash
// caps, a per-server send limiter and the library's table maintainer.
//
// On top of the library the package adds:
//
//   - its own iterative get_peers lookup ([Node.GetPeers], [Node.Announce]):
//     a candidate set sorted by XOR distance; one query always goes to the
//     XOR-closest unqueried candidate, so the lookup converges like plain
//     Kademlia, and the other in-flight slots go to whichever of the next few
//     XOR-closest candidates is nearest by [proximity] (same ASN, longest
//     common prefix, measured RTT) — until peers are found, also among any
//     candidates that make about the same progress towards the target
//     (proximity route selection). Besides the routing table, which keeps
//     a few contacts per ID range whatever their latency, such a walk
//     starts from the nearby contacts the node has heard from (a cache of
//     the 256 nearest, with their node IDs). In such a walk, a query that
//     has not answered within the round-trip time expected of its contact
//     plus four deviations (as TCP's retransmission timeout) gives its slot to
//     another, so dead contacts cost little more than a round trip; one
//     whose last query went unanswered gets almost none and is chosen last.
//     Peers are streamed to the caller as they arrive, ranked by proximity
//     with the diversity quota.
//   - round-trip times of every query the node sends (the library's own as
//     well as lookups) matched to their replies; per contact and per class of
//     contacts alike for latency, they give each query its expected RTT and
//     deviation. Queries left unanswered — the library's table upkeep and
//     bootstrap as well as lookups — mark their contacts.
//   - resilience: routing contacts (with their base RTTs, without the
//     configured bootstrap nodes) and node IDs persisted to a state file
//     (atomic rename) for a warm restart; bootstrap retried with jitter and
//     exponential backoff while fewer than 8 good contacts are known;
//     start-up jitter; contacts that timed out twice are skipped by lookups.
//   - input hygiene: every datagram is size-checked and decoded before the
//     library sees it; malformed KRPC, bogus node IDs and bogus peer values
//     are dropped and counted.
//
// Typical use by the engine:
//
//	n, err := dht.New(dht.Config{Conn: conn, Bootstrap: []string{"10.0.0.1:6881"}, StateFile: path})
//	defer n.Close()
//	l := n.Announce(ctx, infoHash, port) // or n.GetPeers(ctx, infoHash)
//	for batch := range l.C {
//		// batch is ranked nearest first; hand the peers to the connection choice
//	}
//	st := l.Stats()
package dht
