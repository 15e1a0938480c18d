package dht

import (
	"testing"

	"go.uber.org/goleak"
)

// Every node must stop all its goroutines on Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
