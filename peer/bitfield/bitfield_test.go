package bitfield

import "testing"

func TestSetClearCount(t *testing.T) {
	bf := New(10)
	if !bf.Set(0) || !bf.Set(9) || bf.Set(9) {
		t.Fatal("Set reported the wrong novelty")
	}
	if bf.Count() != 2 || !bf.Has(9) || bf.Has(8) || bf.Has(10) || bf.Has(-1) {
		t.Fatalf("unexpected state %s count %d", bf.String(), bf.Count())
	}
	if got := bf.Bytes(); got[0] != 0x80 || got[1] != 0x40 {
		t.Fatalf("wire bytes %x", got)
	}
	if !bf.Clear(0) || bf.Clear(0) || bf.Count() != 1 {
		t.Fatal("Clear")
	}
	var seen []int
	bf.Set(3)
	bf.Indexes(func(i int) bool { seen = append(seen, i); return true })
	if len(seen) != 2 || seen[0] != 3 || seen[1] != 9 {
		t.Fatalf("Indexes = %v", seen)
	}
}

func TestFull(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 16, 17} {
		bf := Full(n)
		if !bf.All() || bf.Count() != n {
			t.Fatalf("Full(%d) count %d", n, bf.Count())
		}
		if _, err := FromBytes(bf.Bytes(), n); err != nil {
			t.Fatalf("Full(%d) not reparseable: %v", n, err)
		}
	}
}

func TestFromBytesRejects(t *testing.T) {
	if _, err := FromBytes([]byte{0xff}, 9); err == nil {
		t.Fatal("short payload accepted")
	}
	if _, err := FromBytes([]byte{0xff, 0x80}, 9); err != nil {
		t.Fatalf("valid payload refused: %v", err)
	}
	if _, err := FromBytes([]byte{0xff, 0xc0}, 9); err == nil {
		t.Fatal("spare bit accepted")
	}
}

func FuzzFromBytes(f *testing.F) {
	f.Add([]byte{0xff, 0x80}, 9)
	f.Fuzz(func(t *testing.T, p []byte, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		bf, err := FromBytes(p, n)
		if err != nil {
			return
		}
		c := 0
		for i := 0; i < n; i++ {
			if bf.Has(i) {
				c++
			}
		}
		if c != bf.Count() {
			t.Fatalf("count %d, recount %d", bf.Count(), c)
		}
	})
}
