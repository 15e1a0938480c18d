// Package daemon is `shoal daemon`: a long-running, headless seeder and seed
// server built on the peer engine.
//
// A Daemon owns one peer.Client and adds to it:
//
//   - a configuration from a key=value file, SHOAL_* environment variables
//     and command-line overrides (every option has all three), reloaded on
//     SIGHUP;
//   - persistence: every torrent's .torrent (or magnet until its metadata
//     arrives) and paused flag live under DataDir/.shoal/daemon/, so a
//     restart re-adds them and the engine's resume state avoids
//     re-downloading;
//   - a watch directory: .torrent and .magnet files dropped there are added,
//     anything unreadable is moved aside to NAME.bad;
//   - an HTTP JSON control API (bearer token in a 0600 file) with a Go
//     client (APIClient) used by `shoal ctl`;
//   - Prometheus metrics at /metrics;
//   - BEP 19 web-seed serving of every complete torrent's files under
//     /seed/, with Range support, so the daemon is a seed server for any
//     BitTorrent client (`shoal create --web-seed http://HOST:PORT/seed/`).
//
// The daemon never reaches into the engine: everything it shows comes from
// peer.Torrent.Stats snapshots.
package daemon
