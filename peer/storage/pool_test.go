package storage

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func recv(t *testing.T, s *Storage) Result {
	t.Helper()
	select {
	case r, ok := <-s.Results():
		if !ok {
			t.Fatal("Results closed")
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no Result within 10 s")
	}
	panic("unreachable")
}

func TestSubmitGoodAndCorrupt(t *testing.T) {
	data := randBytes(3, 40_000)
	s := openTest(t, testInfo("t", 16384, data, []int64{30_000, 10_000}), Options{Workers: 2})

	bad := bytes.Clone(data[16384:32768])
	bad[100] ^= 1
	if !s.Submit(1, bad) {
		t.Fatal("Submit(corrupt) refused")
	}
	if r := recv(t, s); r.Piece != 1 || r.OK || r.Err != nil {
		t.Fatalf("corrupt piece: %+v, want OK=false Err=nil", r)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "t")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("corrupt piece wrote something: %v", err)
	}
	if s.QueuedBytes() != 0 {
		t.Fatalf("QueuedBytes = %d after the result, want 0", s.QueuedBytes())
	}

	if !s.Submit(1, bytes.Clone(data[16384:32768])) {
		t.Fatal("Submit(good) refused")
	}
	if r := recv(t, s); r.Piece != 1 || !r.OK || r.Err != nil {
		t.Fatalf("good piece: %+v, want OK", r)
	}
	got := make([]byte, 16384)
	if err := s.ReadBlock(1, 0, got); err != nil || !bytes.Equal(got, data[16384:32768]) {
		t.Fatalf("piece 1 on disk: %v or wrong bytes", err)
	}
	if ok, err := s.HashPiece(1); !ok || err != nil {
		t.Fatalf("HashPiece(1) = %v, %v", ok, err)
	}
	if ok, _ := s.HashPiece(0); ok {
		t.Fatal("HashPiece(0) = true for an unwritten piece")
	}
}

func TestSubmitBadInput(t *testing.T) {
	data := randBytes(3, 40_000)
	s := openTest(t, testInfo("t", 16384, data, nil), Options{Workers: 1})
	for _, c := range []struct {
		piece int
		n     int
		want  string
	}{
		{2, 16384, "submit piece 2: 16384 bytes, want 7232"},
		{3, 10, "submit piece 3: out of range [0,3)"},
		{-1, 10, "submit piece -1: out of range"},
	} {
		if !s.Submit(c.piece, make([]byte, c.n)) {
			t.Fatalf("Submit(%d) refused", c.piece)
		}
		if r := recv(t, s); r.OK || r.Err == nil || !strings.Contains(r.Err.Error(), c.want) {
			t.Fatalf("Submit(%d, %d bytes): %+v, want error %q", c.piece, c.n, r, c.want)
		}
	}
}

// TestSubmitBackPressure blocks the single worker on a full Results channel,
// then checks that Submit refuses pieces past MaxQueuedBytes and accepts
// again once the engine drains results.
func TestSubmitBackPressure(t *testing.T) {
	const pl = 16384
	data := randBytes(4, 40*pl)
	s := openTest(t, testInfo("t", pl, data, nil), Options{Workers: 1, MaxQueuedBytes: 2 * pl})
	piece := func(i int) []byte { return bytes.Clone(data[i*pl : (i+1)*pl]) }

	// Fill Results (capacity 2*1+16) plus the one the worker holds.
	capacity := cap(s.Results())
	next := 0
	deadline := time.Now().Add(10 * time.Second)
	for next < capacity+1 {
		if s.Submit(next, piece(next)) {
			next++
		} else if time.Now().After(deadline) {
			t.Fatal("worker never drained the queue")
		} else {
			time.Sleep(time.Millisecond)
		}
	}
	for len(s.Results()) < capacity || s.QueuedBytes() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("worker not blocked: %d results, %d queued bytes", len(s.Results()), s.QueuedBytes())
		}
		time.Sleep(time.Millisecond)
	}
	// The worker is blocked: queued bytes only grow now.
	if !s.Submit(next, piece(next)) || !s.Submit(next+1, piece(next+1)) {
		t.Fatal("Submit refused below MaxQueuedBytes")
	}
	if s.QueuedBytes() != 2*pl {
		t.Fatalf("QueuedBytes = %d, want %d", s.QueuedBytes(), 2*pl)
	}
	if s.Submit(next+2, piece(next+2)) {
		t.Fatal("Submit accepted past MaxQueuedBytes")
	}
	if s.QueuedBytes() != 2*pl {
		t.Fatalf("refused Submit changed QueuedBytes to %d", s.QueuedBytes())
	}
	// Drain: every accepted piece is written.
	for range next + 2 {
		if r := recv(t, s); !r.OK {
			t.Fatalf("piece %d: %+v", r.Piece, r)
		}
	}
	if s.QueuedBytes() != 0 {
		t.Fatalf("QueuedBytes = %d after draining", s.QueuedBytes())
	}
	if !s.Submit(next+2, piece(next+2)) {
		t.Fatal("Submit refused after draining")
	}
	if r := recv(t, s); !r.OK {
		t.Fatalf("piece %d: %+v", r.Piece, r)
	}
}

func TestSubmitPieceLargerThanCap(t *testing.T) {
	data := randBytes(5, 16384)
	s := openTest(t, testInfo("t", 16384, data, nil), Options{MaxQueuedBytes: 100})
	if !s.Submit(0, bytes.Clone(data)) {
		t.Fatal("Submit refused a piece larger than the cap on an empty queue")
	}
	if r := recv(t, s); !r.OK {
		t.Fatalf("%+v", r)
	}
}

func TestSubmitAllThenVerify(t *testing.T) {
	const pl = 16384
	data := randBytes(6, 30*pl+123)
	lens := []int64{100_000, 0, 200_000, int64(len(data)) - 300_000}
	s := openTest(t, testInfo("t", pl, data, lens), Options{Workers: 3, MaxQueuedBytes: 4 * pl})
	n := s.NumPieces()
	done := make(chan struct{})
	oks := 0
	go func() {
		defer close(done)
		for range n {
			if r := <-s.Results(); r.OK {
				oks++
			}
		}
	}()
	for i := 0; i < n; {
		if s.Submit(i, bytes.Clone(data[i*pl:min((i+1)*pl, len(data))])) {
			i++
		} else {
			time.Sleep(100 * time.Microsecond) // back-pressure: retry
		}
	}
	<-done
	if oks != n {
		t.Fatalf("%d of %d pieces OK", oks, n)
	}
	bf, err := s.Verify(t.Context(), nil)
	if err != nil || !bf.All() {
		t.Fatalf("Verify = %s, %v", bf.String(), err)
	}
	checkFilesOnDisk(t, s, nil, data)
}

func TestCloseStopsPool(t *testing.T) {
	data := randBytes(5, 16384)
	s, err := Open(testInfo("t", 16384, data, nil), Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Submit(0, data) {
		t.Fatal("Submit accepted after Close")
	}
	if _, ok := <-s.Results(); ok {
		t.Fatal("Results open after Close")
	}
	if s.QueuedBytes() != 0 {
		t.Fatalf("QueuedBytes = %d after Close", s.QueuedBytes())
	}
}

// TestCloseWithUndrainedResults checks that Close returns while workers
// wait on a full Results channel and pieces are still queued.
func TestCloseWithUndrainedResults(t *testing.T) {
	const pl = 16384
	data := randBytes(15, 64*pl)
	s, err := Open(testInfo("t", pl, data, nil), Options{Dir: t.TempDir(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 64 {
		s.Submit(i, bytes.Clone(data[i*pl:(i+1)*pl]))
	}
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked with undrained results")
	}
	n := 0
	for r := range s.Results() {
		if !r.OK {
			t.Fatalf("%+v", r)
		}
		n++
	}
	if s.QueuedBytes() != 0 {
		t.Fatalf("QueuedBytes = %d after Close", s.QueuedBytes())
	}
	t.Logf("%d of 64 results delivered before Close", n)
}
