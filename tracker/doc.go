// Package tracker is the core of shoal's BitTorrent tracker: the policy
// between the protocol frontends (httpfront for BEP 3/23/7/48, udpfront for
// BEP 15) and the swarm state behind the store.Store interface (memory or
// redis).
//
// The core decides intervals (with jitter), how many peers a client gets
// (numwant default 50, at most 200), which peers (ranked by network
// proximity to the requester with a share of remote peers, or uniformly at
// random), whether a hash is allowed (private mode), and how fast one
// address may ask (per-IP rate limit). It also owns the Prometheus metrics
// and the fixed error strings that are the only text clients ever see.
package tracker
