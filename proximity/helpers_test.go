package proximity

import (
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func addr(s string) netip.Addr         { return netip.MustParseAddr(s) }
func prefix(s string) netip.Prefix     { return netip.MustParsePrefix(s) }
func addrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// writeFile writes data to a fresh file in the test's temporary directory.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
