package daemon

import (
	"io"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/peer/webseed"
)

// Web-seed serving (BEP 19). Every complete, unpaused torrent's files are
// served at one layout that `shoal create --web-seed http://HOST:PORT/seed/`
// points at:
//
//	single-file torrent:  /seed/NAME
//	multi-file torrent:   /seed/NAME/PATH/TO/FILE
//
// A URL is never turned into a file name directly: it is matched against
// the file lists of complete torrents, and the match is opened through an
// os.Root on the data dir, so nothing outside the data dir (or outside a
// torrent) can be read, whatever the URL or any symlink says.

// servedTorrent maps URL paths below /seed/ to files below the data dir.
type servedTorrent struct {
	files map[string]string // "NAME" or "NAME/a/b" → relative file path
}

type seedCounters struct {
	requests, bytes, notFound atomic.Int64
}

// servedFiles returns the torrent's file map once it is complete (nil
// before, or while paused).
func (d *Daemon) servedFiles(e *entry) *servedTorrent {
	select {
	case <-e.t.Complete():
	default:
		return nil
	}
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.paused {
		return nil
	}
	if e.served != nil {
		return e.served
	}
	spec := e.t.Spec()
	if spec.Info == nil {
		return nil
	}
	l := webseed.NewLayout(spec.Info)
	st := &servedTorrent{files: map[string]string{}}
	for _, f := range l.Files {
		if f.Padding {
			continue
		}
		parts := append([]string{l.Name}, f.Path...)
		st.files[strings.Join(parts, "/")] = filepath.Join(parts...)
	}
	e.served = st
	return st
}

// resolveSeedPath finds the file for a URL path below /seed/.
func (d *Daemon) resolveSeedPath(urlPath string) (string, bool) {
	rel := strings.TrimPrefix(urlPath, "/seed/")
	if rel == "" || path.Clean("/"+rel) != "/"+rel {
		return "", false // "..", "//", "./" and friends are never a torrent's file
	}
	for _, e := range d.entries() {
		st := d.servedFiles(e)
		if st == nil {
			continue
		}
		if p, ok := st.files[rel]; ok {
			return p, true
		}
	}
	return "", false
}

func (d *Daemon) serveSeed(w http.ResponseWriter, r *http.Request) {
	d.seedStats.requests.Add(1)
	rel, ok := d.resolveSeedPath(r.URL.Path)
	if !ok {
		d.seedStats.notFound.Add(1)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	f, err := d.dataRoot.Open(rel)
	if err != nil {
		d.log.Warn("web seed: cannot open a complete torrent's file", "file", rel, "err", err)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var out http.ResponseWriter = &countingWriter{ResponseWriter: w, n: &d.seedStats.bytes}
	if d.seedLimit.Limit() != rate.Inf {
		// Capped, responses take turns (webseed.Turns) instead of all
		// sharing the rate.
		release, err := d.seedTurns.Wait(r.Context())
		if err != nil {
			return // the client went away while waiting
		}
		defer release()
		out = &limitedWriter{ResponseWriter: w, lim: d.seedLimit, r: r, n: &d.seedStats.bytes}
	}
	http.ServeContent(out, r, path.Base(r.URL.Path), fi.ModTime(), f)
}

// countingWriter counts body bytes and keeps the server's sendfile path
// (io.ReaderFrom).
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingWriter) ReadFrom(src io.Reader) (int64, error) {
	n, err := io.Copy(c.ResponseWriter, src) // uses the server's ReadFrom (sendfile)
	c.n.Add(n)
	return n, err
}

// limitedWriter paces body bytes through the web-seed upload limiter.
type limitedWriter struct {
	http.ResponseWriter
	lim *rate.Limiter
	r   *http.Request
	n   *atomic.Int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		chunk := min(len(p), max(l.lim.Burst(), 1), 64<<10)
		if err := l.lim.WaitN(l.r.Context(), chunk); err != nil {
			return written, err
		}
		n, err := l.ResponseWriter.Write(p[:chunk])
		written += n
		l.n.Add(int64(n))
		if err != nil {
			return written, err
		}
		p = p[chunk:]
	}
	return written, nil
}
