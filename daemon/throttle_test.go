package daemon

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/time/rate"
)

// slowFileServer serves dir over HTTP (with Range) at about bps bytes/s,
// so that a download can be interrupted half way.
func slowFileServer(t testing.TB, dir string, bps int) string {
	t.Helper()
	lim := rate.NewLimiter(rate.Limit(bps), 32<<10)
	fs := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.ServeHTTP(&slowWriter{ResponseWriter: w, lim: lim, r: r}, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

type slowWriter struct {
	http.ResponseWriter
	lim *rate.Limiter
	r   *http.Request
}

func (s *slowWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := min(len(p), 32<<10)
		if err := s.lim.WaitN(s.r.Context(), c); err != nil {
			return n, err
		}
		m, err := s.ResponseWriter.Write(p[:c])
		n += m
		if err != nil {
			return n, err
		}
		p = p[c:]
	}
	return n, nil
}
