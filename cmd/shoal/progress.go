package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/peer"
	"github.com/shoal-p2p/shoal/tui"
)

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar draws a one-line bar on a terminal (for `shoal create`).
type progressBar struct {
	mu    sync.Mutex
	w     *os.File
	label string
	on    bool
	last  time.Time
	drawn bool
}

func newProgressBar(w *os.File, label string, enabled bool) *progressBar {
	return &progressBar{w: w, label: label, on: enabled && isTerminal(w)}
}

func (b *progressBar) update(done, total int64) {
	if !b.on || total <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.last) < 100*time.Millisecond && done < total {
		return
	}
	b.last = time.Now()
	const width = 30
	fill := int(float64(width) * float64(done) / float64(total))
	fmt.Fprintf(b.w, "\r%s [%s%s] %5.1f%% %s / %s", b.label, strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		100*float64(done)/float64(total), tui.FormatBytes(done), tui.FormatBytes(total))
	b.drawn = true
}

func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// reporter prints transfer progress: a live line on a terminal, a plain line
// every few seconds otherwise, or JSON event lines for scripts.
type reporter struct {
	w        io.Writer
	mode     string // "live", "plain", "json"
	every    time.Duration
	last     time.Time
	lineOpen bool
}

func newReporter(w io.Writer, asJSON bool, tty bool) *reporter {
	r := &reporter{w: w, mode: "plain", every: 5 * time.Second}
	switch {
	case asJSON:
		r.mode, r.every = "json", time.Second
	case tty:
		r.mode, r.every = "live", 0
	}
	return r
}

type jsonEvent struct {
	Event        string  `json:"event"`
	Time         string  `json:"time"`
	InfoHash     string  `json:"info_hash"`
	Name         string  `json:"name,omitempty"`
	State        string  `json:"state"`
	Progress     float64 `json:"progress"`
	Completed    int64   `json:"completed_bytes"`
	Total        int64   `json:"total_bytes"`
	DownloadRate float64 `json:"download_rate"`
	UploadRate   float64 `json:"upload_rate"`
	Downloaded   int64   `json:"downloaded"`
	Uploaded     int64   `json:"uploaded"`
	FromPeers    int64   `json:"bytes_from_peers"`
	FromSeeds    int64   `json:"bytes_from_seed_servers"`
	Fallback     string  `json:"seed_server_fallback,omitempty"` // why seed servers are in use
	Wasted       int64   `json:"wasted_bytes"`
	HashFailures int     `json:"hash_failures"`
	Peers        int     `json:"peers"`
	Seeds        int     `json:"seeds"`
	ETASeconds   float64 `json:"eta_seconds"`
	Error        string  `json:"error,omitempty"`
}

func (r *reporter) progress(s peer.Stats, force bool) {
	if !force && r.every > 0 && time.Since(r.last) < r.every {
		return
	}
	r.last = time.Now()
	switch r.mode {
	case "json":
		r.event("progress", s)
	case "live":
		fmt.Fprintf(r.w, "\r\033[K%s", progressLine(s))
		r.lineOpen = true
	default:
		fmt.Fprintln(r.w, progressLine(s))
	}
}

func (r *reporter) event(name string, s peer.Stats) {
	if r.mode != "json" {
		r.closeLine()
		switch name {
		case "complete":
			fmt.Fprintf(r.w, "complete: %s (%s) in %s\n", s.Name, tui.FormatBytes(s.TotalLength), s.DownloadingTook.Round(time.Millisecond))
		case "error":
			fmt.Fprintf(r.w, "stopped: %s\n", s.Err)
		case "interrupted":
			fmt.Fprintf(r.w, "interrupted at %.1f%%; resume state saved\n", 100*s.Progress)
		}
		return
	}
	eta := -1.0
	if s.ETA >= 0 {
		eta = s.ETA.Seconds()
	}
	_ = json.NewEncoder(r.w).Encode(jsonEvent{
		Event: name, Time: time.Now().UTC().Format(time.RFC3339Nano), InfoHash: s.InfoHash, Name: s.Name,
		State: string(s.State), Progress: s.Progress, Completed: s.Completed, Total: s.TotalLength,
		DownloadRate: s.DownloadRate, UploadRate: s.UploadRate, Downloaded: s.Downloaded, Uploaded: s.Uploaded,
		FromPeers: s.FromPeers, FromSeeds: s.FromSeeds, Fallback: s.FallbackReason, Wasted: s.Wasted, HashFailures: s.HashFailures,
		Peers: len(s.Peers), Seeds: s.ConnectedSeeds, ETASeconds: eta, Error: s.Err,
	})
}

func (r *reporter) closeLine() {
	if r.lineOpen {
		fmt.Fprintln(r.w)
		r.lineOpen = false
	}
}

func progressLine(s peer.Stats) string {
	if !s.HaveInfo {
		return fmt.Sprintf("%s: fetching metadata, %d peers", s.Name, len(s.Peers))
	}
	line := fmt.Sprintf("%s %5.1f%% %s/%s ↓%s ↑%s ETA %s peers %d (%d seeds) [%s]",
		s.Name, 100*s.Progress, tui.FormatBytes(s.Completed), tui.FormatBytes(s.TotalLength),
		tui.FormatRate(s.DownloadRate), tui.FormatRate(s.UploadRate), tui.FormatETA(s.ETA), len(s.Peers), s.ConnectedSeeds, s.State)
	if s.FromSeeds > 0 || s.FallbackReason != "" {
		line += fmt.Sprintf(" seed servers %s", tui.FormatBytes(s.FromSeeds))
		if s.FallbackReason != "" {
			line += " (" + s.FallbackReason + ")"
		}
	}
	return line
}
