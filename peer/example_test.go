package peer_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/peer/storage"
)

// Seed a file from one client and download it with another, both on loopback.
func Example() {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	seedDir, _ := os.MkdirTemp("", "example-seed-")
	leechDir, _ := os.MkdirTemp("", "example-leech-")
	defer os.RemoveAll(seedDir)
	defer os.RemoveAll(leechDir)
	_ = os.WriteFile(filepath.Join(seedDir, "hello.txt"), []byte("hello, swarm\n"), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mi, err := storage.Create(ctx, filepath.Join(seedDir, "hello.txt"), storage.CreateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}

	seeder, err := peer.NewClient(peer.Config{DataDir: seedDir, ListenAddr: "127.0.0.1:0", Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer seeder.Close()
	st, _ := seeder.Add(ctx, mi, peer.AddOptions{Seed: true})
	_ = st.Wait(ctx) // existing data verified: complete at once

	c, err := peer.NewClient(peer.Config{DataDir: leechDir, ListenAddr: "127.0.0.1:0", Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	t, err := c.Add(ctx, mi, peer.AddOptions{Peers: []string{seeder.ListenAddr().String()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := t.Wait(ctx); err != nil {
		fmt.Println(err)
		return
	}
	s := t.Stats()
	got, _ := os.ReadFile(filepath.Join(leechDir, "hello.txt"))
	fmt.Printf("%s: %.0f%% %s", s.Name, 100*s.Progress, got)
	// Output: hello.txt: 100% hello, swarm
}
