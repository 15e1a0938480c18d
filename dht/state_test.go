package dht

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dht.json")
	st := State{ID: [20]byte{1, 2, 3}, ID6: [20]byte{4}, Saved: time.Unix(1e9, 0).UTC(),
		Contacts:  []Contact{{ID: [20]byte{9}, Addr: netip.MustParseAddrPort("127.1.0.2:4000"), RTT: 1500 * time.Microsecond}},
		Contacts6: []Contact{{ID: [20]byte{8}, Addr: netip.MustParseAddrPort("[::1]:4000")}},
	}
	if err := SaveState(path, st); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != st.ID || got.ID6 != st.ID6 || len(got.Contacts) != 1 || got.Contacts[0] != st.Contacts[0] ||
		len(got.Contacts6) != 1 || got.Contacts6[0] != st.Contacts6[0] || !got.Saved.Equal(st.Saved) {
		t.Fatalf("round trip: got %+v", got)
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("directory holds %d entries", len(ents))
	}
}

func TestStateDropsBadContacts(t *testing.T) {
	in := `{"version":1,"id":"0102030405060708090a0b0c0d0e0f1011121314","contacts":[
	 {"id":"0000000000000000000000000000000000000000","addr":"127.0.0.1:1"},
	 {"id":"zz","addr":"127.0.0.1:1"},
	 {"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"127.0.0.1:0"},
	 {"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"[::1]:5"},
	 {"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"0.0.0.0:5"},
	 {"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"127.0.0.9:5","rtt_us":-3},
	 {"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"127.0.0.9:5"},
	 {"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"127.0.0.8:5","rtt_us":60000001},
	 {"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"127.0.0.7:5","rtt_us":2500}]}`
	st, err := UnmarshalState([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Contacts) != 3 || st.Contacts[0].Addr.String() != "127.0.0.9:5" || st.Contacts[0].RTT != 0 ||
		st.Contacts[1].RTT != 0 || st.Contacts[2].RTT != 2500*time.Microsecond {
		t.Fatalf("contacts: %+v", st.Contacts)
	}
	for _, bad := range []string{"", "{", `{"version":2}`, `{"version":1,"id":"12"}`, "[]"} {
		if _, err := UnmarshalState([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzState: any bytes either fail to parse or give a state whose contacts
// are all usable, of the right family, and that survives a round trip.
func FuzzState(f *testing.F) {
	b, _ := MarshalState(State{ID: [20]byte{1}, Contacts: []Contact{{ID: [20]byte{2}, Addr: netip.MustParseAddrPort("127.0.0.1:9")}}})
	f.Add(b)
	f.Add([]byte(`{"version":1,"contacts6":[{"id":"0102030405060708090a0b0c0d0e0f1011121314","addr":"[::1%eth0]:5"}]}`))
	f.Add([]byte(`{"version":1,"id":"` + "00000000000000000000000000000000000000zz" + `"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := UnmarshalState(b)
		if err != nil {
			return
		}
		check := func(cs []Contact, four bool) {
			if len(cs) > maxStateContacts {
				t.Fatalf("%d contacts kept", len(cs))
			}
			for _, c := range cs {
				if !usableAddr(c.Addr) || c.Addr.Addr().Is4() != four || c.ID == ([20]byte{}) || c.RTT < 0 || c.RTT > maxStateRTT {
					t.Fatalf("bad contact kept: %+v", c)
				}
			}
		}
		check(st.Contacts, true)
		check(st.Contacts6, false)
		again, err := MarshalState(st)
		if err != nil {
			t.Fatal(err)
		}
		st2, err := UnmarshalState(again)
		if err != nil || len(st2.Contacts) != len(st.Contacts) || len(st2.Contacts6) != len(st.Contacts6) || st2.ID != st.ID {
			t.Fatalf("round trip changed the state: %v", err)
		}
	})
}

// The state file leaves out the bootstrap nodes: given as literal
// addresses, or as names once resolved.
func TestBootstrapAddrs(t *testing.T) {
	n := &Node{cfg: Config{Bootstrap: []string{"127.0.0.5:1", "[::ffff:127.0.0.6]:2", "router.invalid:7"}}}
	n.noteBootstrap([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.7:7")})
	got := n.bootstrapAddrs()
	for _, s := range []string{"127.0.0.5:1", "127.0.0.6:2", "127.0.0.7:7"} {
		if !got[netip.MustParseAddrPort(s)] {
			t.Errorf("%s missing from %v", s, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("got %v", got)
	}
	many := make([]netip.AddrPort, maxBootSeen)
	for i := range many {
		many[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 0, byte(i)}), 7)
	}
	n.noteBootstrap(many)
	if got := n.bootstrapAddrs(); got[netip.MustParseAddrPort("127.0.0.7:7")] || len(got) != maxBootSeen+2 {
		t.Errorf("after %d more: %d addresses, the oldest kept: %v", maxBootSeen, len(got), got[netip.MustParseAddrPort("127.0.0.7:7")])
	}
}
