// Package proximity answers "who is near whom" for shoal's peer choice.
//
// It maps addresses to autonomous system numbers (ASNs) with an immutable,
// allocation-free longest-prefix-match [Table] loaded from an MMDB ASN file
// (GeoLite2-ASN or ipinfo style) or an iptoasn-style TSV file, measures the
// [Distance] between two addresses (same /24 or /48, same ASN, common prefix
// length, round-trip time) and ranks candidate peers with [Rank]: nearest
// first, with a quota of randomly chosen peers from other ASes interleaved
// into the list so that a swarm never splits into islands.
//
// Synthetic tables ([LoopbackTable]) map loopback prefixes 127.A.0.0/16 and
// 10.77.A.0/24 to documentation ASNs (64496–64511), so a multi-AS swarm can
// run on one machine.
//
// The package is pure: it starts no goroutines, never reads the clock, and
// takes its randomness from a caller-supplied *math/rand/v2.Rand.
package proximity
