// Package peer is shoal's BitTorrent engine and its embeddable library API.
//
// A Client owns a listening socket, a peer ID and global rate limits; each
// Torrent added to it runs one event-loop goroutine that owns all of that
// torrent's state (picker, choker, connections, storage queue). Everything
// else — connection reader and writer goroutines, tracker announcers, the
// public API — talks to the loop through its inbox. Stats returns immutable
// snapshots of that state, which is what the CLI, TUI and daemon show.
//
//	c, err := peer.NewClient(peer.Config{DataDir: dir})
//	defer c.Close()
//	t, err := c.Add(ctx, "magnet:?xt=urn:btih:...", peer.AddOptions{})
//	err = t.Wait(ctx)
//	s := t.Stats()
package peer
