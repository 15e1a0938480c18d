package webseed

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Responses take turns in arrival order, n at a time; a turn held past
// hold passes to the next in line.
func TestTurnsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		turns := NewTurns(1, 2*time.Second)
		var mu sync.Mutex
		var got []string
		releases := map[string]func(){}
		wait := func(name string) {
			go func() {
				rel, err := turns.Wait(context.Background())
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				mu.Lock()
				got = append(got, name)
				releases[name] = rel
				mu.Unlock()
			}()
			synctest.Wait()
		}
		turnsSoFar := func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), got...)
		}
		wait("a")
		wait("b")
		wait("c")
		if g := turnsSoFar(); len(g) != 1 || g[0] != "a" {
			t.Fatalf("turns %v, want [a]", g)
		}
		mu.Lock()
		releases["a"]()
		releases["a"]() // twice is harmless
		mu.Unlock()
		synctest.Wait()
		if g := turnsSoFar(); len(g) != 2 || g[1] != "b" {
			t.Fatalf("turns %v after a's release, want [a b]", g)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if g := turnsSoFar(); len(g) != 2 {
			t.Fatalf("turns %v 1 s into b's turn, want [a b]", g)
		}
		time.Sleep(time.Second + time.Millisecond) // b holds past 2 s
		synctest.Wait()
		if g := turnsSoFar(); len(g) != 3 || g[2] != "c" {
			t.Fatalf("turns %v after b held its turn 2 s, want [a b c]", g)
		}
		mu.Lock()
		releases["b"]() // late: must not free c's turn
		mu.Unlock()
		wait("d")
		if g := turnsSoFar(); len(g) != 3 {
			t.Fatalf("turns %v: b's late release freed a turn", g)
		}
		mu.Lock()
		releases["c"]()
		mu.Unlock()
		synctest.Wait()
		if g := turnsSoFar(); len(g) != 4 || g[3] != "d" {
			t.Fatalf("turns %v, want [a b c d]", g)
		}
	})
}

// Two at once; a waiter whose context ends leaves the line.
func TestTurnsConcurrentAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		turns := NewTurns(2, time.Minute)
		r1, _ := turns.Wait(context.Background())
		r2, _ := turns.Wait(context.Background())
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := turns.Wait(ctx)
			errc <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-errc; err != context.Canceled {
			t.Fatalf("cancelled wait: %v", err)
		}
		r1()
		r3, err := turns.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		r2()
		r3()
	})
}
