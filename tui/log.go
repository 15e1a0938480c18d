package tui

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Entry is one line of the Log tab.
type Entry struct {
	Time    time.Time
	Level   slog.Level
	Torrent string // info hash or its prefix; empty for client-wide lines
	Msg     string
}

// Log is a bounded ring of recent entries, safe for concurrent use. It is
// fed by the UI (changes seen between snapshots) and, through Handler, by
// the engine's slog logger, so that engine logs show in the Log tab instead
// of scribbling over the screen.
type Log struct {
	mu    sync.Mutex
	buf   []Entry
	next  int
	full  bool
	level slog.Level
	seq   uint64 // entries ever added
}

// NewLog keeps the last capacity entries (default 500) at level and above
// for engine logs.
func NewLog(capacity int, level slog.Level) *Log {
	if capacity <= 0 {
		capacity = 500
	}
	return &Log{buf: make([]Entry, capacity), level: level}
}

// Add appends an entry, dropping the oldest when full.
func (l *Log) Add(e Entry) {
	l.mu.Lock()
	l.buf[l.next] = e
	l.next = (l.next + 1) % len(l.buf)
	if l.next == 0 {
		l.full = true
	}
	l.seq++
	l.mu.Unlock()
}

// Entries copies the entries, oldest first.
func (l *Log) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		return append([]Entry(nil), l.buf[:l.next]...)
	}
	out := make([]Entry, 0, len(l.buf))
	out = append(out, l.buf[l.next:]...)
	return append(out, l.buf[:l.next]...)
}

// Handler is a slog.Handler that adds records to the log.
func (l *Log) Handler() slog.Handler { return &logHandler{log: l} }

type logHandler struct {
	log    *Log
	attrs  []slog.Attr
	groups string
}

func (h *logHandler) Enabled(_ context.Context, lvl slog.Level) bool { return lvl >= h.log.level }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	e := Entry{Time: r.Time, Level: r.Level}
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) {
		if a.Key == "torrent" && h.groups == "" {
			e.Torrent = a.Value.String()
			return
		}
		if a.Equal(slog.Attr{}) {
			return
		}
		fmt.Fprintf(&b, " %s%s=%v", h.groups, a.Key, a.Value.Resolve())
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool { add(a); return true })
	e.Msg = b.String()
	h.log.Add(e)
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &n
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.groups += name + "."
	return &n
}
