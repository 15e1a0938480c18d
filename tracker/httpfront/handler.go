package httpfront

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/shoal-p2p/shoal/tracker"
)

// Options tune the handler.
type Options struct {
	// RealIPHeader names a header (such as X-Forwarded-For or X-Real-IP)
	// that carries the client's address, for a tracker behind a reverse
	// proxy; its last address is used. Empty: the connection's address.
	RealIPHeader string
	// TrustIPParam honours the announce's ip= parameter (only for trackers
	// whose clients are all trusted; off by default).
	TrustIPParam bool
}

// Handler serves /announce and /scrape.
type Handler struct {
	t    *tracker.Tracker
	opts Options
}

// New returns the HTTP frontend for t.
func New(t *tracker.Tracker, opts Options) *Handler { return &Handler{t: t, opts: opts} }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	start := time.Now()
	action := "announce"
	switch r.URL.Path {
	case "/announce", "/announce.php":
	case "/scrape", "/scrape.php":
		action = "scrape"
	default:
		h.fail(w, action, tracker.ErrNotFound, start)
		return
	}
	src, ok := h.source(r)
	if !ok {
		h.fail(w, action, tracker.ErrMalformed, start)
		return
	}
	if !h.t.Allow(tracker.ProtoHTTP, src) {
		_, _ = w.Write(failure(tracker.ErrRateLimited.Msg))
		return
	}
	if action == "scrape" {
		h.scrape(w, r, start)
		return
	}
	a, err := ParseAnnounce(r.URL.RawQuery)
	if err != nil {
		h.fail(w, action, err, start)
		return
	}
	ip := src
	if h.opts.TrustIPParam && a.IP != "" {
		if p, err := netip.ParseAddr(a.IP); err == nil {
			ip = p.Unmap()
		}
	}
	resp, err := h.t.Announce(r.Context(), tracker.AnnounceRequest{
		Proto: tracker.ProtoHTTP, InfoHash: a.InfoHash, PeerID: a.PeerID,
		Addr: netip.AddrPortFrom(ip, a.Port), Left: a.Left, Uploaded: a.Uploaded, Downloaded: a.Downloaded,
		Event: a.Event, NumWant: a.NumWant, NoPeerIDs: a.Compact || a.NoPeerID,
	})
	if err != nil {
		_, _ = w.Write(failure(tracker.AsClientError(err).Msg))
		return
	}
	_, _ = w.Write(encodeAnnounce(resp, a.Compact, a.NoPeerID, is6(ip)))
}

func (h *Handler) scrape(w http.ResponseWriter, r *http.Request, start time.Time) {
	hs, err := ParseScrape(r.URL.RawQuery, h.t.MaxScrape())
	if err != nil {
		h.fail(w, "scrape", err, start)
		return
	}
	cs, err := h.t.Scrape(r.Context(), tracker.ProtoHTTP, hs)
	if err != nil {
		_, _ = w.Write(failure(tracker.AsClientError(err).Msg))
		return
	}
	_, _ = w.Write(encodeScrape(hs, cs))
}

// fail answers a request refused before the core saw it, and counts it.
func (h *Handler) fail(w http.ResponseWriter, action string, err error, start time.Time) {
	e := tracker.AsClientError(err)
	h.t.Rejected(tracker.ProtoHTTP, action, e, time.Since(start))
	if e == tracker.ErrNotFound {
		w.WriteHeader(http.StatusNotFound)
	}
	_, _ = w.Write(failure(e.Msg))
}

// source is the client's IP (unmapped).
func (h *Handler) source(r *http.Request) (netip.Addr, bool) {
	if h.opts.RealIPHeader != "" {
		if v := r.Header.Get(h.opts.RealIPHeader); v != "" {
			parts := strings.Split(v, ",")
			a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1]))
			return a.Unmap(), err == nil
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, herr := net.SplitHostPort(r.RemoteAddr)
		a, aerr := netip.ParseAddr(host)
		if herr != nil || aerr != nil {
			return netip.Addr{}, false
		}
		return a.Unmap(), true
	}
	return ap.Addr().Unmap(), true
}
