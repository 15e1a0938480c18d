// Package testnet is shoal's swarm lab: it runs whole swarms of peers,
// trackers, DHT nodes and seed servers on one machine, each on its own
// loopback address 127.A.B.C (A = synthetic AS), with leechers in this
// process or as separate shoal processes, and reports what happened as
// text, JSON and PNG plots.
//
// Everything here talks only to 127.0.0.0/8 and stops by itself.
package testnet
