// Package redis is the tracker store that lets several tracker instances
// serve one swarm view: every swarm is a few Redis keys (seeders and
// leechers as sorted sets scored by last announce, one hash of addresses per
// address family, a completed counter), updated and sampled by one Lua
// script per announce so that each announce is a single atomic round trip.
//
// Keys of one swarm share a {hash tag}; the swarm index key does not, so the
// store expects a single Redis server (or a primary with replicas), not a
// Redis Cluster.
package redis
