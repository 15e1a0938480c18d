package testnet

import (
	"bytes"
	"context"
	"testing"
)

func runScenario(t *testing.T, path string, mod func(*Scenario)) *Report {
	t.Helper()
	sc, err := LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(sc)
	}
	rep, err := Run(context.Background(), sc, RunOptions{Dir: t.TempDir()})
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
