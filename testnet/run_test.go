package testnet

import (
	"bytes"
	"context"
	"testing"
)

func runScenario(t *testing.T, path string, mod func(*Scenario)) *Report {
	t.Helper()
	return runScenarioWith(t, path, mod, RunOptions{})
}

// runScenarioWith runs a scenario file with opts (Dir defaults to a test
// temp dir), logs its text report and fails the test on a run error.
func runScenarioWith(t *testing.T, path string, mod func(*Scenario), opts RunOptions) *Report {
	t.Helper()
	sc, err := LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(sc)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	rep, err := Run(context.Background(), sc, opts)
	if rep != nil {
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		t.Logf("\n%s", b.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
