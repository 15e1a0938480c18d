// Package tui is shoal's terminal user interface, built with bubbletea,
// bubbles and lipgloss.
//
// It shows what the engine is doing from immutable peer.Stats snapshots
// only: a header with torrent counts and global rate sparklines, a torrent
// table, and detail tabs that make shoal's mechanisms visible — the piece map
// tinted by availability (rarest-first), the choke-round countdown with the
// unchoke set and the optimistic slot, each peer's ASN and the proximity
// reason it was chosen, and bytes by source (peers against seed servers).
//
// The UI talks to the engine through Backend, a small interface: ClientBackend
// implements it in-process over a *peer.Client; a daemon client can implement
// it over HTTP. Snapshots are fetched in tea.Cmds at a fixed tick, never in
// View, so rendering never blocks a torrent's event loop.
//
// With TERM=dumb or NO_COLOR set the UI renders plain ASCII: no colour, and
// ASCII glyphs for bars, sparklines and the piece map.
package tui
