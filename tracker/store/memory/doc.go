// Package memory is the default tracker store: swarms in a fixed number of
// mutex-guarded shards chosen by info hash, peers packed into flat slices
// (32 bytes each for IPv4, address and seeder flag apart from id and last
// announce, plus 6–16 bytes of id index), and a janitor that sweeps out
// peers that stopped announcing.
package memory
