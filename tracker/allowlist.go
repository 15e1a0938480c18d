package tracker

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// AllowList is the set of info hashes a private tracker serves. It can be
// reloaded while in use. A nil *AllowList allows everything.
type AllowList struct {
	path string
	set  atomic.Pointer[map[store.InfoHash]struct{}]
}

// LoadAllowList reads path: one info hash per line as 40 hex digits;
// blank lines and lines starting with # are ignored.
func LoadAllowList(path string) (*AllowList, error) {
	a := &AllowList{path: path}
	if err := a.Reload(); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload re-reads the file; on error the old list stays in force.
func (a *AllowList) Reload() error {
	f, err := os.Open(a.path)
	if err != nil {
		return fmt.Errorf("allow list: %w", err)
	}
	defer f.Close()
	set := make(map[store.InfoHash]struct{})
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 20 {
			return fmt.Errorf("allow list %s:%d: %q is not a 40-hex-digit info hash", a.path, line, s)
		}
		set[store.InfoHash(b)] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("allow list %s: %w", a.path, err)
	}
	a.set.Store(&set)
	return nil
}

// Len is the number of hashes on the list.
func (a *AllowList) Len() int {
	if a == nil {
		return 0
	}
	return len(*a.set.Load())
}

// Allowed reports whether h may be tracked.
func (a *AllowList) Allowed(h store.InfoHash) bool {
	if a == nil {
		return true
	}
	_, ok := (*a.set.Load())[h]
	return ok
}
