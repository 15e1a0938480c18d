// Package memory is the default tracker store: swarms in a fixed number of
// mutex-guarded shards chosen by info hash, peers packed into flat slices
// (about 48 bytes each plus an index entry), and a janitor that sweeps out
// peers that stopped announcing.
package memory
