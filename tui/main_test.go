package tui

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the UI leaves no goroutine behind. teatest itself
// parks one goroutine per test program waiting for SIGINT; it is ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest.NewTestModel.func2"))
}
