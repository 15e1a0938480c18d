package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// humanBytes prints a byte count in binary units: "512 B", "1.5 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v >= 100 {
		return fmt.Sprintf("%.0f %ciB", v, "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

// humanRate prints bytes/s; zero is blank-ish so that idle columns are quiet.
func humanRate(bps float64) string {
	if bps < 1 {
		return "0"
	}
	return humanBytes(int64(bps)) + "/s"
}

// humanETA prints a remaining time: "45s", "3m04s", "2h05m", "3d04h"; "∞"-like
// "--" when unknown.
func humanETA(d time.Duration) string {
	if d < 0 {
		return "--"
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 72*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// humanAgo prints how long ago t was, relative to now ("never" for zero).
func humanAgo(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return humanETA(now.Sub(t)) + " ago"
}

// humanIn prints how long until t ("now" when past, "--" for zero).
func humanIn(now, t time.Time) string {
	if t.IsZero() {
		return "--"
	}
	if !t.After(now) {
		return "now"
	}
	return "in " + humanETA(t.Sub(now))
}

func pct(f float64) string {
	if f >= 1 {
		return "100%"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

// width is the printed width of s (ANSI escapes ignored).
func width(s string) int { return lipgloss.Width(s) }

// fit truncates s to w cells (with an ellipsis) and pads it with spaces to
// exactly w cells; right aligns to the right.
func fit(s string, w int, right bool, ell string) string {
	if w <= 0 {
		return ""
	}
	if width(s) > w {
		s = ansi.Truncate(s, w, ell)
	}
	pad := w - width(s)
	if pad <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", pad) + s
	}
	return s + strings.Repeat(" ", pad)
}

// clip cuts every line of s to w cells and keeps at most h lines, padding
// to exactly h lines.
func clip(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if width(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// sideBySide joins two blocks of lines, the left padded to lw cells.
func sideBySide(left, right string, lw int, gap string) string {
	l := strings.Split(left, "\n")
	r := strings.Split(right, "\n")
	n := max(len(l), len(r))
	var b strings.Builder
	for i := 0; i < n; i++ {
		var a, c string
		if i < len(l) {
			a = l[i]
		}
		if i < len(r) {
			c = r[i]
		}
		b.WriteString(fit(a, lw, false, ""))
		b.WriteString(gap)
		b.WriteString(c)
		if i < n-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// FormatBytes prints a byte count in binary units ("1.5 MiB"), as the UI does.
func FormatBytes(n int64) string { return humanBytes(n) }

// FormatRate prints a rate in bytes per second ("2.0 MiB/s"), as the UI does.
func FormatRate(bps float64) string { return humanRate(bps) }

// FormatETA prints a remaining time ("3m04s"; "--" when unknown).
func FormatETA(d time.Duration) string { return humanETA(d) }
