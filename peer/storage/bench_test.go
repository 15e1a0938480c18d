package storage

import (
	"bytes"
	"testing"
	"time"
)

// BenchmarkSubmit measures hash+write throughput of 256 KiB pieces through
// the worker pool (page cache, no fsync).
func BenchmarkSubmit(b *testing.B) {
	const pl = 256 << 10
	const n = 64 // 16 MiB torrent, rewritten as needed
	data := randBytes(50, n*pl)
	s := openTest(b, testInfo("t", pl, data, []int64{5 << 20, 5 << 20, 6 << 20}), Options{})
	pieces := make([][]byte, n)
	for i := range pieces {
		pieces[i] = bytes.Clone(data[i*pl : (i+1)*pl])
	}
	b.SetBytes(pl)
	b.ResetTimer()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range b.N {
			if r := <-s.Results(); !r.OK {
				b.Errorf("piece %d: %+v", r.Piece, r)
			}
		}
	}()
	for i := 0; i < b.N; {
		// The pool owns submitted data but never modifies it, so the
		// same buffers can be resubmitted in a benchmark.
		if s.Submit(i%n, pieces[i%n]) {
			i++
		} else {
			time.Sleep(50 * time.Microsecond) // back-pressure: retry
		}
	}
	<-done
}

// BenchmarkReadBlock measures 16 KiB block reads across files (page cache).
func BenchmarkReadBlock(b *testing.B) {
	const pl = 256 << 10
	data := randBytes(51, 64*pl)
	s := openTest(b, testInfo("t", pl, data, []int64{5 << 20, 5 << 20, 6 << 20}), Options{})
	writeAll(b, s, data)
	const block = 16 << 10
	b.SetBytes(block)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, block)
		i := 0
		for pb.Next() {
			piece, begin := (i/16)%64, (i%16)*len(buf)
			if err := s.ReadBlock(piece, begin, buf); err != nil {
				b.Error(err)
				return
			}
			i += 7
		}
	})
}
