package peer

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test's clients must stop all their goroutines on Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
