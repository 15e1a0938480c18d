// Package testnet is shoal's swarm lab: it runs whole swarms of peers (and,
// as they land, trackers, DHT nodes and seed servers) on one machine, each on
// its own loopback address 127.A.B.C, and reports what happened.
//
// Everything here talks only to 127.0.0.0/8 and stops by itself.
package testnet
