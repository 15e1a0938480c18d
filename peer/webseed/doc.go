// Package webseed fetches torrent data from seed servers over HTTP: BEP 19
// web seeds ("url-list"), which may be a `shoal daemon`, nginx, object
// storage, or any server that answers Range requests.
//
// It knows how a torrent's byte span maps onto the server's files (the BEP 19
// URL rules for single- and multi-file torrents) and issues piece-aligned
// Range requests over keep-alive connections. Deciding when to use a seed
// server, hash-checking its data and dropping bad servers is the engine's
// job. On the serving side, Turns orders a rate-capped seed server's
// responses (shoal daemon, the testnet's servers).
package webseed
