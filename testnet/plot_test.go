package testnet

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// syntheticReport is a finished three-AS run: six leechers, two of them
// helped by a seed server, one that never completed.
func syntheticReport() *Report {
	r := &Report{
		Scenario: "synthetic", Proximity: true, FileSize: 8 << 20, PieceLength: 256 << 10,
		ASes: 3, Seeds: 1, SeedServers: 1, Leechers: 6, TookSeconds: 20,
		KumarRoss: 6, Completed: 5, Verified: 5, CompletionMedian: 9, CompletionMax: 14,
		IntraASShare: 0.6, SeedServerMultiple: 0.4,
		ASMatrix: [][]int64{
			{0, 0, 0, 0},
			{0, 20 << 20, 3 << 20, 1 << 20},
			{0, 2 << 20, 12 << 20, 4 << 20},
			{0, 0, 5 << 20, 9 << 20},
		},
	}
	for i := range 6 {
		p := PeerReport{Name: "as1-p" + string(rune('1'+i)), AS: 1 + i%3, Join: float64(i), Downloaded: 8 << 20}
		if i < 5 {
			p.Completed = 6 + 1.6*float64(i)
			p.Took = p.Completed - p.Join
		} else {
			p.Downloaded = 3 << 20
		}
		if i%3 == 2 {
			p.FromSeedServers = 2 << 20
		}
		r.Downloaded += p.Downloaded
		r.FromSeedServers += p.FromSeedServers
		r.Peers = append(r.Peers, p)
	}
	for i := range 81 {
		t := float64(i) / 4
		c := 0
		for _, p := range r.Peers {
			if p.Completed > 0 && p.Completed <= t {
				c++
			}
		}
		r.Timeline = append(r.Timeline, Sample{T: t, Complete: c, Rate: float64(i%13) * (1 << 20)})
	}
	return r
}

// checkPNGs decodes every file and checks its size.
func checkPNGs(t *testing.T, paths []string) {
	t.Helper()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 600 {
			t.Errorf("%s: %v, want 1000×600", filepath.Base(p), b)
		}
	}
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	paths, err := syntheticReport().WritePlots(dir, "synthetic")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{PlotCDF, PlotRate, PlotASMatrix, PlotSources}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v", paths)
	}
	for i, s := range want {
		if filepath.Base(paths[i]) != "synthetic"+s {
			t.Errorf("plot %d is %s, want synthetic%s", i, paths[i], s)
		}
	}
	checkPNGs(t, paths)

	r := syntheticReport()
	syntheticDHT(r)
	paths, err = r.WritePlots(dir, "dht")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 5 || filepath.Base(paths[4]) != "dht"+PlotDHT {
		t.Fatalf("DHT run wrote %v", paths)
	}
	checkPNGs(t, paths)
}

// A run where nothing happened — no completions, no bytes, one AS, no
// samples — and a report with no AS matrix at all still get their plots.
func TestWritePlotsDegenerate(t *testing.T) {
	empty := &Report{Scenario: "empty", FileSize: 1 << 20, PieceLength: 16 << 10, ASes: 1, Leechers: 2,
		ASMatrix: [][]int64{{0, 0}, {0, 0}},
		Peers:    []PeerReport{{Name: "as1-p1", AS: 1}, {Name: "as1-p2", AS: 1}}}
	bare := &Report{Scenario: "bare"}
	dhtBare := &Report{Scenario: "dht-bare", DHT: &DHTReport{}}
	for _, r := range []*Report{empty, bare, dhtBare} {
		paths, err := r.WritePlots(t.TempDir(), r.Scenario)
		if err != nil {
			t.Fatalf("%s: %v", r.Scenario, err)
		}
		checkPNGs(t, paths)
	}
}

func TestWriteCDFComparison(t *testing.T) {
	on, off := syntheticReport(), syntheticReport()
	off.Proximity = false
	for i := range off.Peers {
		off.Peers[i].Completed *= 1.3
	}
	p := filepath.Join(t.TempDir(), "cmp.png")
	if err := WriteCDFComparison(p, "synthetic: proximity on vs off", []*Report{on, off}, []string{"on", "off"}); err != nil {
		t.Fatal(err)
	}
	checkPNGs(t, []string{p})
}
