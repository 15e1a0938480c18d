package testnet

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestDemoSwarm(t *testing.T) {
	var out bytes.Buffer
	err := RunDemo(context.Background(), DemoConfig{Leechers: 3, Size: 6 << 20, SeedRate: 4 << 20, PeerRate: 4 << 20, Timeout: 2 * time.Minute, Dir: t.TempDir(), Out: &out})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "all 3 leechers complete and verified") {
		t.Fatalf("unexpected demo output:\n%s", out.String())
	}
}
