// Package memory is the default tracker store: swarms in a fixed number of
// mutex-guarded shards chosen by info hash, peers packed into flat slices
// (32 bytes each for IPv4, address and seeder flag apart from id and last
// announce, plus 6–16 bytes of id index), and a janitor that sweeps out
// peers that stopped announcing. A swarm's IPv4 peers are kept sorted by
// address while there are at most 1024 of them, so that a
// store.SortedPicker4 ranks them without work per peer.
package memory
