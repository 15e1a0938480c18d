package dht

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// Limits on the state file, checked before anything is kept.
const (
	maxStateBytes    = 1 << 20
	maxStateContacts = 512
	stateVersion     = 1
	// maxStateRTT: a saved round-trip time above it is dropped as bogus
	// (the contact is kept).
	maxStateRTT = time.Minute
)

// Contact is a routing-table entry: a node ID and its UDP endpoint, with
// the least round-trip time measured to it (its base RTT; 0 if unknown),
// so that a warm restart knows its contacts' latency before measuring.
type Contact struct {
	ID   [20]byte
	Addr netip.AddrPort
	RTT  time.Duration
}

// State is what the state file holds: our node IDs and routing contacts
// for a warm restart.
type State struct {
	ID, ID6   [20]byte
	Contacts  []Contact // IPv4
	Contacts6 []Contact // IPv6
	Saved     time.Time
}

type stateJSON struct {
	Version   int           `json:"version"`
	ID        string        `json:"id,omitempty"`
	ID6       string        `json:"id6,omitempty"`
	Saved     time.Time     `json:"saved"`
	Contacts  []contactJSON `json:"contacts,omitempty"`
	Contacts6 []contactJSON `json:"contacts6,omitempty"`
}

type contactJSON struct {
	ID    string `json:"id"`
	Addr  string `json:"addr"`
	RTTus int64  `json:"rtt_us,omitempty"` // Contact.RTT in microseconds
}

// MarshalState encodes st as the state file's JSON.
func MarshalState(st State) ([]byte, error) {
	j := stateJSON{Version: stateVersion, Saved: st.Saved}
	if st.ID != ([20]byte{}) {
		j.ID = hex.EncodeToString(st.ID[:])
	}
	if st.ID6 != ([20]byte{}) {
		j.ID6 = hex.EncodeToString(st.ID6[:])
	}
	enc := func(cs []Contact) []contactJSON {
		out := make([]contactJSON, 0, min(len(cs), maxStateContacts))
		for _, c := range cs[:min(len(cs), maxStateContacts)] {
			out = append(out, contactJSON{ID: hex.EncodeToString(c.ID[:]), Addr: c.Addr.String(), RTTus: c.RTT.Microseconds()})
		}
		return out
	}
	j.Contacts, j.Contacts6 = enc(st.Contacts), enc(st.Contacts6)
	return json.MarshalIndent(j, "", " ")
}

// UnmarshalState decodes a state file. A file that is not a state file is
// an error; individual bad contacts (bad ID, zero ID, bad or unusable
// address, wrong family, duplicates) are dropped, and at most 512 per family
// are kept; an RTT that is negative or above a minute is dropped.
func UnmarshalState(b []byte) (State, error) {
	var st State
	if len(b) > maxStateBytes {
		return st, fmt.Errorf("dht state: %d bytes exceeds %d", len(b), maxStateBytes)
	}
	var j stateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return st, fmt.Errorf("dht state: %w", err)
	}
	if j.Version != stateVersion {
		return st, fmt.Errorf("dht state: unsupported version %d", j.Version)
	}
	var err error
	if st.ID, err = parseID(j.ID, true); err != nil {
		return st, fmt.Errorf("dht state: id: %w", err)
	}
	if st.ID6, err = parseID(j.ID6, true); err != nil {
		return st, fmt.Errorf("dht state: id6: %w", err)
	}
	st.Saved = j.Saved
	st.Contacts = decodeContacts(j.Contacts, true)
	st.Contacts6 = decodeContacts(j.Contacts6, false)
	return st, nil
}

func parseID(s string, emptyOK bool) (id [20]byte, err error) {
	if s == "" && emptyOK {
		return id, nil
	}
	if len(s) != 40 {
		return id, errors.New("want 40 hex digits")
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, err
	}
	return id, nil
}

func decodeContacts(in []contactJSON, four bool) []Contact {
	var out []Contact
	seen := make(map[netip.AddrPort]bool)
	for _, c := range in {
		if len(out) >= maxStateContacts {
			break
		}
		id, err := parseID(c.ID, false)
		if err != nil || id == ([20]byte{}) {
			continue
		}
		ap, err := netip.ParseAddrPort(c.Addr)
		if err != nil {
			continue
		}
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if !usableAddr(ap) || ap.Addr().Is4() != four || ap.Addr().Zone() != "" || seen[ap] {
			continue
		}
		seen[ap] = true
		var rtt time.Duration
		if c.RTTus > 0 && c.RTTus <= maxStateRTT.Microseconds() {
			rtt = time.Duration(c.RTTus) * time.Microsecond
		}
		out = append(out, Contact{ID: id, Addr: ap, RTT: rtt})
	}
	return out
}

// LoadState reads a state file written by SaveState.
func LoadState(path string) (State, error) {
	f, err := os.Open(path)
	if err != nil {
		return State{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateBytes+1))
	if err != nil {
		return State{}, err
	}
	return UnmarshalState(b)
}

// SaveState writes st to path atomically: a temporary file in the same
// directory, synced, then renamed over path.
func SaveState(path string, st State) error {
	b, err := MarshalState(st)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}
