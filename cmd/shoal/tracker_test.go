package main

import (
	"context"
	"strings"
	"testing"
)

func TestTrackerUsageErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"tracker", "--proximity", "maybe"},
		{"tracker", "--http", "", "--udp", ""},
		{"tracker", "--numwant", "0"},
		{"tracker", "--max-numwant", "500"},
		{"tracker", "--remote-share", "1.5"},
		{"tracker", "--log-format", "xml"},
		{"tracker", "--interval", "-1s"},
		{"tracker", "extra-arg"},
	} {
		if got := run(ctx, args); got != 2 {
			t.Errorf("shoal %s: exit %d, want 2", strings.Join(args, " "), got)
		}
	}
	// A missing allow list or ASN database is a failure, not a usage error.
	for _, args := range [][]string{
		{"tracker", "--http", "127.0.0.1:0", "--udp", "", "--allow-list", t.TempDir() + "/none"},
		{"tracker", "--http", "127.0.0.1:0", "--udp", "", "--asn-db", t.TempDir() + "/none"},
	} {
		if got := run(ctx, args); got != 1 {
			t.Errorf("shoal %s: exit %d, want 1", strings.Join(args, " "), got)
		}
	}
}

// TestTrackerRunsAndStops: with its context cancelled (as SIGTERM does),
// the command returns 0.
func TestTrackerRunsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"tracker", "--http", "127.0.0.1:0", "--udp", "127.0.0.1:0", "--log-level", "error"})
	}()
	cancel()
	if got := <-done; got != 0 {
		t.Fatalf("exit %d after a graceful stop, want 0", got)
	}
}
