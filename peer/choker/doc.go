// Package choker decides which peers we upload to. It is pure and
// deterministic: the caller passes the time and the peer list in, no
// goroutines run, and all randomness comes from the *rand.Rand in Config.
//
// # Rounds
//
// Choke state changes only in Round (every RoundInterval, default 10 s), in
// OnInterested (a newly interested peer takes a free slot at once) and in
// Forget (a disconnected peer frees its slot). Round called before Due
// changes nothing and returns the current state, so callers may call it on
// every tick. The first round is due at the time given to New. Rounds stay
// on a fixed grid (New's time + n×RoundInterval); a caller that falls more
// than one interval behind re-anchors the grid at the late round. All
// internal accounting uses the grid time of a round, not the exact time the
// caller called it.
//
// # Leecher mode
//
// RegularSlots go first to the interested, non-snubbed peers that sent us the
// most payload over the last RateWindow (computed from snapshots of the
// cumulative Downloaded counter taken at past rounds; a connection younger
// than the window counts from zero). Ties prefer a peer that already holds a
// regular slot, then any other unchoked peer, then the least served one.
//
// Peers that sent nothing in the window have not earned a slot by
// reciprocation, but leaving a slot empty wastes upload capacity. Regular
// slots left free are therefore lent: they go to the interested, non-snubbed
// peers with the least accumulated unchoked time ("service time"), and a
// borrower keeps its slot for at least OptimisticInterval unless a peer
// earns the slot by rate (or it stops being interested, gets snubbed or
// disconnects). A borrower that starts sending to us earns its slot. A peer that (re)joins the set of interested peers starts with at
// least the service time of the least served peer that was already there,
// so a newcomer cannot monopolise lent slots while it "catches up".
//
// # Optimistic unchoke
//
// OptimisticSlots (default 1) go to interested peers without a regular slot;
// snubbed peers are eligible here and only here. A holder keeps its slot for
// OptimisticInterval (default 30 s) and then the slot rotates. The pick is a
// deterministic fair queue: every interested peer that is choked earns
// credit equal to the time it waits, NewPeerWeight times as fast (default
// 3×) while its connection is younger than NewPeerWindow; the peer with the
// most credit wins (ties broken by Config.Rand) and any unchoke resets a
// peer's credit to zero. Equal peers are therefore served in strict rotation,
// and a peer with weight w reaches the head of the queue w times as fast, so
// it is unchoked roughly w times as often while it is new (the tests measure
// 2–4× for w = 3). A peer seen for the
// first time enters the queue at a random position (credit drawn uniformly
// between zero and the largest credit of the peers already waiting), like
// the rotation of the original BitTorrent client.
//
// # Seed mode
//
// When seeding, what peers send us is meaningless and snubbing does not
// apply. With RoundRobin every regular slot is lent as above (least service
// time first, held for at least OptimisticInterval), which gives every
// interested leecher the same unchoked time. With FastestUpload, regular
// slots go to the peers we uploaded the most to over RateWindow and free
// slots are lent as in leecher mode. The optimistic slot works as in
// leecher mode in both policies.
//
// Rotate shortens the turns: the engine calls it between rounds, and a peer
// that has been sent a quantum of bytes (one piece) since it was unchoked
// gives its slot to the least served waiting peer. In a flash crowd this
// spreads the seed's pieces over the swarm instead of giving four peers ten
// seconds each of pieces they will pass to one another anyway.
//
// Peers that are not interested are never unchoked by a round.
//
// # Between rounds
//
// OnInterested unchokes a newly interested peer at once when fewer than
// RegularSlots+OptimisticSlots peers are unchoked; it then holds a lent
// regular slot, counted from that moment, and is re-evaluated like any
// borrower at the next round. Forget drops a disconnected peer, freeing its
// slot. Every Result and Snapshot holds fresh slices.
//
// # Remote slots
//
// With Config.RemoteShare > 0 (the engine sets it to the proximity
// diversity quota when its locality rules are on) and while leeching,
// peers flagged Remote may hold that share of the slots, rounded up,
// against near peers: when
// no slot is free, OnRemoteInterested gives a newly interested remote peer
// the lent or optimistic slot of the near peer served longest (never a
// slot earned by rate), and a round gives its empty optimistic slots to
// remote waiters first while fewer remote peers than that hold one.
//
// # Allowed-fast set
//
// AllowedFast computes the BEP 6 allowed-fast set of a peer.
package choker
