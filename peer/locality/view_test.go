package locality

import (
	"slices"
	"testing"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

func bf(n int, set ...int) *bitfield.Bitfield {
	b := bitfield.New(n)
	for _, i := range set {
		b.Set(i)
	}
	return &b
}

func indexes(b *bitfield.Bitfield) []int {
	var out []int
	b.Indexes(func(i int) bool {
		out = append(out, i)
		return true
	})
	return out
}

type change struct {
	piece   int
	outside bool
}

func newView(t *testing.T, n int, wanted func(int) bool) (*View, *[]change) {
	t.Helper()
	if wanted == nil {
		wanted = func(int) bool { return true }
	}
	v := New(n, wanted)
	var got []change
	v.OnChange = func(p int, o bool) { got = append(got, change{p, o}) }
	return v, &got
}

// A piece is outside while wanted, held by no near peer and claimed by
// none; each change is reported once.
func TestOutside(t *testing.T) {
	have := map[int]bool{}
	v, ch := newView(t, 6, func(i int) bool { return !have[i] && i != 5 })
	if v.OutsideCount() != 5 || v.Outside(5) {
		t.Fatalf("start: %d outside, piece 5 (unwanted) outside = %v", v.OutsideCount(), v.Outside(5))
	}
	v.NearHave(0)
	v.NearHave(0)
	v.NearLost(0)
	v.NearBitfield(bf(6, 1, 2))
	v.Claim(3)
	v.Claim(3)
	v.Unclaim(3)
	have[4] = true
	v.Refresh(4)
	want := []change{{0, false}, {1, false}, {2, false}, {3, false}, {4, false}}
	if !slices.Equal(*ch, want) {
		t.Fatalf("changes %v, want %v", *ch, want)
	}
	if v.OutsideCount() != 0 {
		t.Fatalf("%d outside, want 0", v.OutsideCount())
	}
	*ch = nil
	v.NearLost(0)
	v.NearBitfieldLost(bf(6, 1, 2))
	v.Unclaim(3)
	want = []change{{0, true}, {1, true}, {2, true}, {3, true}}
	if !slices.Equal(*ch, want) {
		t.Fatalf("changes %v, want %v", *ch, want)
	}
	if v.NearAvailability(1) != 0 || v.Claims(3) != 0 {
		t.Fatal("counts not back to zero")
	}
}

// A near seed makes nothing outside until it leaves.
func TestNearSeed(t *testing.T) {
	v, ch := newView(t, 3, nil)
	v.NearSeedJoined()
	v.NearSeedJoined()
	if v.OutsideCount() != 0 || len(*ch) != 3 || v.NearAvailability(2) != 2 {
		t.Fatalf("with near seeds: %d outside, %d changes", v.OutsideCount(), len(*ch))
	}
	v.NearSeedLeft()
	if v.OutsideCount() != 0 {
		t.Fatal("one near seed left: pieces came back outside")
	}
	v.NearSeedLeft()
	if v.OutsideCount() != 3 || len(*ch) != 6 {
		t.Fatalf("no near seed: %d outside, %d changes", v.OutsideCount(), len(*ch))
	}
}

func TestMask(t *testing.T) {
	v, _ := newView(t, 10, nil)
	v.NearHave(1)
	v.Claim(2)
	dst := bf(10, 9) // stale content is cleared
	if n := v.Mask(dst, bf(10, 0, 1, 2, 3, 4, 5), nil); n != 4 || !slices.Equal(indexes(dst), []int{0, 3, 4, 5}) {
		t.Fatalf("mask %v (%d), want [0 3 4 5]", indexes(dst), n)
	}
	s := Split{Rank: 1, Of: 2}
	if n := v.Mask(dst, bf(10, 0, 1, 2, 3, 4, 5), &s); n != 2 || !slices.Equal(indexes(dst), []int{3, 5}) {
		t.Fatalf("share mask %v (%d), want [3 5]", indexes(dst), n)
	}
	if n := v.Mask(dst, nil, &s); n != 4 || !slices.Equal(indexes(dst), []int{3, 5, 7, 9}) {
		t.Fatalf("seed share mask %v (%d), want [3 5 7 9]", indexes(dst), n)
	}
	if v.CountIn(bf(10, 1, 2, 3)) != 1 || v.CountIn(nil) != 8 {
		t.Fatalf("CountIn = %d, %d; want 1, 8", v.CountIn(bf(10, 1, 2, 3)), v.CountIn(nil))
	}
}

func TestPanics(t *testing.T) {
	for name, f := range map[string]func(v *View){
		"near lost":      func(v *View) { v.NearLost(0) },
		"unclaim":        func(v *View) { v.Unclaim(0) },
		"seed left":      func(v *View) { v.NearSeedLeft() },
		"range":          func(v *View) { v.NearHave(4) },
		"bitfield":       func(v *View) { v.NearBitfield(bf(5)) },
		"mask bitfield":  func(v *View) { v.Mask(bf(4), bf(3), nil) },
		"count bitfield": func(v *View) { v.CountIn(bf(3)) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f(New(4, func(int) bool { return true }))
		})
	}
}

// Every member of a group computes the same Of and its own rank, and the
// ranks cover 0..Of-1 once.
func TestSplitOf(t *testing.T) {
	ids := [][20]byte{{9}, {3}, {7}, {1}}
	seen := map[int]bool{}
	for i, self := range ids {
		var near [][20]byte
		for j, o := range ids {
			if j != i {
				near = append(near, o)
			}
		}
		near = append(near, near[0], self) // duplicates and self count once
		s := SplitOf(self, near)
		if s.Of != len(ids) || seen[s.Rank] {
			t.Fatalf("%v: split %+v", self, s)
		}
		seen[s.Rank] = true
	}
	if s := SplitOf([20]byte{1}, nil); s != (Split{0, 1}) || !s.Mine(5) {
		t.Fatalf("alone: %+v", s)
	}
	s := Split{Rank: 2, Of: 3}
	var mine []int
	for i := range 9 {
		if s.Mine(i) {
			mine = append(mine, i)
		}
	}
	if !slices.Equal(mine, []int{2, 5, 8}) {
		t.Fatalf("share %v, want [2 5 8]", mine)
	}
}
