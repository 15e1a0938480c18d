package testnet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/shoal-p2p/shoal/peer/webseed"
)

// seedServer is an HTTP server holding the payload for BEP 19 web seeds,
// optionally rate-capped, counting what it serves.
type seedServer struct {
	url    string
	srv    *http.Server
	served atomic.Int64
	done   chan struct{}
}

func startSeedServer(ip, dir string, rateCap int64) (*seedServer, error) {
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		return nil, err
	}
	ss := &seedServer{url: fmt.Sprintf("http://%s/seed/", ln.Addr()), done: make(chan struct{})}
	var lim *rate.Limiter
	if rateCap > 0 {
		lim = rate.NewLimiter(rate.Limit(rateCap), int(max(rateCap/4, 64<<10)))
	}
	turns := webseed.NewTurns(webseed.TurnsAtOnce, webseed.TurnHold)
	files := http.StripPrefix("/seed/", http.FileServer(http.Dir(dir)))
	ss.srv = &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/seed/") {
				http.NotFound(w, r)
				return
			}
			if lim != nil {
				// Capped, responses take turns like shoal daemon's.
				release, err := turns.Wait(r.Context())
				if err != nil {
					return
				}
				defer release()
			}
			files.ServeHTTP(&countWriter{ResponseWriter: w, n: &ss.served, lim: lim, ctx: r.Context()}, r)
		}),
	}
	go func() { defer close(ss.done); _ = ss.srv.Serve(ln) }()
	return ss, nil
}

func (ss *seedServer) close() {
	ss.srv.Close()
	<-ss.done
}

type countWriter struct {
	http.ResponseWriter
	n   *atomic.Int64
	lim *rate.Limiter
	ctx context.Context
}

func (w *countWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		k := len(p)
		if w.lim != nil {
			k = min(k, w.lim.Burst())
			if err := w.lim.WaitN(w.ctx, k); err != nil {
				return total, err
			}
		}
		n, err := w.ResponseWriter.Write(p[:k])
		total += n
		w.n.Add(int64(n))
		if err != nil {
			return total, err
		}
		p = p[k:]
	}
	return total, nil
}
