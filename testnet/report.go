package testnet

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Report is what a run measured. Times are seconds since the scenario start
// (the moment leechers may begin to join) unless named otherwise; bytes are
// payload bytes as the engine counts them, except the AS matrix, which
// counts every byte written on peer connections by the sending side.
type Report struct {
	Scenario    string  `json:"scenario"`
	Proximity   bool    `json:"proximity"`
	Tracker     bool    `json:"tracker"`
	Processes   bool    `json:"processes,omitempty"` // leechers ran as `shoal get` processes
	FileSize    int64   `json:"file_size"`
	PieceLength int64   `json:"piece_length"`
	ASes        int     `json:"ases"`
	Seeds       int     `json:"seeds"`
	SeedServers int     `json:"seed_servers"`
	Leechers    int     `json:"leechers"`
	TookSeconds float64 `json:"took_seconds"`

	// KumarRoss is the minimum distribution time max(F/Us, F/dmin,
	// N·F/(Us+Σui)) in seconds, with Us the seeds' and seed servers'
	// upload caps; 0 when undefined (some rate uncapped so the bound is 0).
	KumarRoss      float64    `json:"kumar_ross_seconds"`
	KumarRossTerms [3]float64 `json:"kumar_ross_terms"` // F/Us, F/dmin, N·F/(Us+Σui)

	Completed        int     `json:"completed"`
	Verified         int     `json:"verified"`
	CompletionMedian float64 `json:"completion_median_seconds"`
	CompletionMax    float64 `json:"completion_max_seconds"`
	MedianOverKR     float64 `json:"median_over_kumar_ross"`
	MaxOverKR        float64 `json:"max_over_kumar_ross"`
	// FirstPieceMedian and FirstPieceMax are over the leechers' first
	// pieces (seconds since each joined): how fast the swarm ramps up.
	FirstPieceMedian float64 `json:"first_piece_median_seconds"`
	FirstPieceMax    float64 `json:"first_piece_max_seconds"`

	// PeerBytes are the wire bytes between peers (seeds included);
	// IntraASShare the part that stayed inside one AS. ASMatrix[a][b] is
	// what AS a sent to AS b (index 0: outside every AS).
	PeerBytes    int64     `json:"peer_bytes"`
	IntraASBytes int64     `json:"intra_as_bytes"`
	IntraASShare float64   `json:"intra_as_share"`
	ASMatrix     [][]int64 `json:"as_matrix"`

	SeedServerBytes    int64   `json:"seed_server_bytes"`
	SeedServerMultiple float64 `json:"seed_server_multiple_of_file"`
	FromSeedServers    int64   `json:"from_seed_servers"` // as the peers counted it
	Downloaded         int64   `json:"downloaded"`        // by leechers, from peers and seed servers
	Wasted             int64   `json:"wasted"`
	WastedShare        float64 `json:"wasted_share"`
	SeedUploaded       []int64 `json:"seed_uploaded"`

	// Share ratios (uploaded/downloaded) of the leechers, and Jain's
	// fairness index of them (1 = all equal).
	ShareMin    float64 `json:"share_ratio_min"`
	ShareMedian float64 `json:"share_ratio_median"`
	ShareMax    float64 `json:"share_ratio_max"`
	ShareJain   float64 `json:"share_ratio_jain"`

	// DHT is set in runs with dht: true.
	DHT *DHTReport `json:"dht,omitempty"`

	Peers    []PeerReport `json:"peers"`
	Timeline []Sample     `json:"timeline"`
	Notes    []string     `json:"notes,omitempty"`
}

// PeerReport is one leecher.
type PeerReport struct {
	Name      string  `json:"name"`
	Addr      string  `json:"addr"`
	AS        int     `json:"as"`
	Join      float64 `json:"join_seconds"`
	Completed float64 `json:"completed_seconds"` // 0 when it never completed
	Took      float64 `json:"took_seconds"`      // Completed - Join
	// FirstPiece is when its first piece was verified, in seconds since it
	// joined (0 when never seen): until then it had nothing to upload.
	FirstPiece float64 `json:"first_piece_seconds,omitempty"`
	Verified   bool    `json:"verified"`
	Restarts   int     `json:"restarts"`

	Downloaded      int64   `json:"downloaded"`
	Uploaded        int64   `json:"uploaded"`
	FromSeedServers int64   `json:"from_seed_servers"`
	Wasted          int64   `json:"wasted"`
	ShareRatio      float64 `json:"share_ratio"`
	Error           string  `json:"error,omitempty"`

	DHT []PeerDHT `json:"dht,omitempty"` // DHT runs: one record per phase it ran in
}

// Sample is the swarm at one moment: leechers complete, the aggregate
// download rate (bytes/s) over the last interval and, in DHT runs, the
// datagrams the bootstrap node has received since the start.
type Sample struct {
	T           float64 `json:"t"`
	Complete    int     `json:"complete"`
	Rate        float64 `json:"rate"`
	BootPackets int64   `json:"boot_packets,omitempty"`
}

type reportInput struct {
	took      time.Duration
	leechers  []*leecher
	want      [32]byte
	seedUp    []int64
	servers   []*seedServer
	matrix    [][]int64
	timeline  []Sample
	bootstrap string // the DHT bootstrap node's address ("" without a DHT)
}

func buildReport(sc *Scenario, in reportInput) *Report {
	F := float64(sc.FileSize)
	r := &Report{
		Scenario: sc.Name, Proximity: sc.ProximityOn(), Tracker: sc.Tracker, Processes: sc.Processes,
		FileSize: int64(sc.FileSize), PieceLength: int64(sc.PieceLength), ASes: sc.ASes,
		Seeds: len(sc.Seeds), SeedServers: len(sc.SeedServers), Leechers: len(in.leechers),
		TookSeconds: in.took.Seconds(), ASMatrix: in.matrix, Timeline: in.timeline, SeedUploaded: in.seedUp,
	}
	// Kumar–Ross; an uncapped rate is infinite.
	rateOf := func(s Size) float64 {
		if s <= 0 {
			return math.Inf(1)
		}
		return float64(s)
	}
	us, sumU, dmin := 0.0, 0.0, math.Inf(1)
	for _, s := range sc.Seeds {
		us += rateOf(s.Upload)
	}
	for _, s := range sc.SeedServers {
		us += rateOf(s.Upload)
	}
	for _, g := range sc.Peers {
		sumU += float64(g.Count) * rateOf(g.Upload)
		dmin = math.Min(dmin, rateOf(g.Download))
	}
	n := float64(len(in.leechers))
	r.KumarRossTerms = [3]float64{F / us, F / dmin, n * F / (us + sumU)}
	r.KumarRoss = math.Max(r.KumarRossTerms[0], math.Max(r.KumarRossTerms[1], r.KumarRossTerms[2]))
	if r.KumarRoss <= 0 || math.IsNaN(r.KumarRoss) {
		r.KumarRoss = 0
		r.Notes = append(r.Notes, "Kumar–Ross bound undefined: some source or peer rate is uncapped")
	}
	if sc.Processes {
		r.Notes = append(r.Notes, "leechers ran as separate shoal processes: latency and the AS matrix cover only connections with an in-process end (seeds), and leecher numbers come from their JSON events (1 s resolution)")
	}
	if sc.leecherJoinSpread() > 0 {
		r.Notes = append(r.Notes, "peers join over time: the Kumar–Ross bound assumes a flash crowd and is only indicative")
	}

	var times, ratios, firsts []float64
	for _, l := range in.leechers {
		p := PeerReport{Name: l.name, Addr: l.ip, AS: l.as, Join: l.join.Seconds(), Restarts: l.restarts}
		if l.err != nil {
			p.Error = l.err.Error()
		}
		s := l.acc
		p.Downloaded = s.Downloaded + s.FromSeeds
		p.Uploaded = s.Uploaded
		p.FromSeedServers = s.FromSeeds
		p.Wasted = s.Wasted
		if l.first > 0 {
			p.FirstPiece = (l.first - l.join).Seconds()
			firsts = append(firsts, p.FirstPiece)
		}
		if l.complete.Load() {
			r.Completed++
			p.Completed = l.done.Seconds()
			p.Took = (l.done - l.join).Seconds()
			times = append(times, p.Completed)
			if h, err := fileHash(filepath.Join(l.dir, payloadName)); err == nil && h == in.want {
				p.Verified = true
				r.Verified++
			}
		}
		if p.Downloaded > 0 {
			p.ShareRatio = float64(p.Uploaded) / float64(p.Downloaded)
			ratios = append(ratios, p.ShareRatio)
		}
		r.Downloaded += p.Downloaded
		r.FromSeedServers += p.FromSeedServers
		r.Wasted += p.Wasted
		if sc.DHT {
			p.DHT = l.dht
		}
		r.Peers = append(r.Peers, p)
	}
	if sc.DHT {
		r.DHT = buildDHTReport(sc, in.bootstrap, r.Peers, in.timeline)
	}
	if len(times) > 0 {
		r.CompletionMedian = median(times)
		r.CompletionMax = maxOf(times)
		if r.KumarRoss > 0 {
			r.MedianOverKR = r.CompletionMedian / r.KumarRoss
			r.MaxOverKR = r.CompletionMax / r.KumarRoss
		}
	}
	if len(firsts) > 0 {
		r.FirstPieceMedian, r.FirstPieceMax = median(firsts), maxOf(firsts)
	}
	for a := 1; a < len(in.matrix); a++ {
		for b := 1; b < len(in.matrix[a]); b++ {
			r.PeerBytes += in.matrix[a][b]
			if a == b {
				r.IntraASBytes += in.matrix[a][b]
			}
		}
	}
	if r.PeerBytes > 0 {
		r.IntraASShare = float64(r.IntraASBytes) / float64(r.PeerBytes)
	}
	for _, ss := range in.servers {
		r.SeedServerBytes += ss.served.Load()
	}
	r.SeedServerMultiple = float64(r.SeedServerBytes) / F
	if r.Downloaded > 0 {
		r.WastedShare = float64(r.Wasted) / float64(r.Downloaded)
	}
	if len(ratios) > 0 {
		r.ShareMin, r.ShareMedian, r.ShareMax = minOf(ratios), median(ratios), maxOf(ratios)
		var s, s2 float64
		for _, x := range ratios {
			s += x
			s2 += x * x
		}
		if s2 > 0 {
			r.ShareJain = s * s / (float64(len(ratios)) * s2)
		}
	}
	return r
}

func (sc *Scenario) leecherJoinSpread() time.Duration {
	var lo, hi time.Duration = -1, 0
	for _, g := range sc.Peers {
		first, last := g.Join.D(), g.Join.D()+time.Duration(g.Count-1)*g.JoinEvery.D()
		if lo < 0 || first < lo {
			lo = first
		}
		hi = max(hi, last)
	}
	return hi - lo
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

// WriteText writes the human summary.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	onoff := map[bool]string{true: "on", false: "off"}
	procs := ""
	if r.Processes {
		procs = ", leechers as shoal processes"
	}
	fmt.Fprintf(&b, "scenario %s (proximity %s, tracker %s%s)\n", r.Scenario, onoff[r.Proximity], onoff[r.Tracker], procs)
	fmt.Fprintf(&b, "  file %s in %d pieces of %s; %d ASes, %d seeds, %d seed servers, %d leechers; ran %.1fs\n",
		mib(r.FileSize), (r.FileSize+r.PieceLength-1)/r.PieceLength, kib(r.PieceLength), r.ASes, r.Seeds, r.SeedServers, r.Leechers, r.TookSeconds)
	fmt.Fprintf(&b, "  complete %d/%d, verified %d/%d\n", r.Completed, r.Leechers, r.Verified, r.Leechers)
	if r.KumarRoss > 0 {
		fmt.Fprintf(&b, "  Kumar–Ross minimum %.2fs (F/Us %.2fs, F/dmin %.2fs, N·F/(Us+Σu) %.2fs)\n",
			r.KumarRoss, r.KumarRossTerms[0], r.KumarRossTerms[1], r.KumarRossTerms[2])
		fmt.Fprintf(&b, "  completion median %.2fs (%.2f× KR), max %.2fs (%.2f× KR)\n",
			r.CompletionMedian, r.MedianOverKR, r.CompletionMax, r.MaxOverKR)
	} else {
		fmt.Fprintf(&b, "  completion median %.2fs, max %.2fs (Kumar–Ross bound undefined)\n", r.CompletionMedian, r.CompletionMax)
	}
	if r.FirstPieceMax > 0 {
		fmt.Fprintf(&b, "  first piece after joining: median %.2fs, max %.2fs\n", r.FirstPieceMedian, r.FirstPieceMax)
	}
	fmt.Fprintf(&b, "  peer bytes %s, %.1f%% inside an AS\n", mib(r.PeerBytes), 100*r.IntraASShare)
	fmt.Fprintf(&b, "  seed servers served %s (%.2f× the file; peers counted %s)\n", mib(r.SeedServerBytes), r.SeedServerMultiple, mib(r.FromSeedServers))
	fmt.Fprintf(&b, "  wasted (duplicate, unrequested, hash-failed) %s = %.2f%% of %s downloaded\n", mib(r.Wasted), 100*r.WastedShare, mib(r.Downloaded))
	fmt.Fprintf(&b, "  share ratios min %.2f median %.2f max %.2f, Jain index %.3f\n", r.ShareMin, r.ShareMedian, r.ShareMax, r.ShareJain)
	if len(r.SeedUploaded) > 0 {
		fmt.Fprintf(&b, "  seeds uploaded:")
		for _, u := range r.SeedUploaded {
			fmt.Fprintf(&b, " %s", mib(u))
		}
		b.WriteString("\n")
	}
	b.WriteString("  bytes by AS pair (row sends to column), MiB:\n        ")
	for j := 1; j < len(r.ASMatrix); j++ {
		fmt.Fprintf(&b, "%8s", fmt.Sprintf("AS%d", j))
	}
	b.WriteString("\n")
	for i := 1; i < len(r.ASMatrix); i++ {
		fmt.Fprintf(&b, "  %-6s", fmt.Sprintf("AS%d", i))
		for j := 1; j < len(r.ASMatrix[i]); j++ {
			fmt.Fprintf(&b, "%8.1f", float64(r.ASMatrix[i][j])/(1<<20))
		}
		b.WriteString("\n")
	}
	if r.DHT != nil {
		r.DHT.writeText(&b)
	}
	b.WriteString("  peer          AS  join  first   done    took  ratio  restarts  verified\n")
	for _, p := range r.Peers {
		done, first := "     -", "    -"
		if p.Completed > 0 {
			done = fmt.Sprintf("%6.2f", p.Completed)
		}
		if p.FirstPiece > 0 {
			first = fmt.Sprintf("%5.2f", p.FirstPiece)
		}
		fmt.Fprintf(&b, "  %-12s %3d %5.1f %s %s %7.2f %6.2f %9d  %v\n", p.Name, p.AS, p.Join, first, done, p.Took, p.ShareRatio, p.Restarts, p.Verified)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFiles writes NAME.txt, NAME.json and the PNG plots (see WritePlots)
// into dir.
func (r *Report) WriteFiles(dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, name+".txt"))
	if err != nil {
		return err
	}
	if err := r.WriteText(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	_, err = r.WritePlots(dir, name)
	return err
}

// LoadReport reads a report written by WriteFiles (NAME.json), for
// example to draw its plots again.
func LoadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("report %s: %w", path, err)
	}
	return &r, nil
}

func kib(n int64) string { return fmt.Sprintf("%d KiB", n>>10) }
