package webseed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrNoRange means the server ignored a Range request (answered 200 with
// the whole file). Such a server cannot be used as a seed server.
var ErrNoRange = errors.New("server does not support Range requests")

// StatusError is an HTTP answer other than 206 Partial Content.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP status %d", e.URL, e.Status)
}

// Client fetches byte ranges from seed servers. Its zero value is not
// usable: call NewClient.
type Client struct {
	http      *http.Client
	userAgent string
}

// NewClient returns a client with keep-alive connections, at most
// perHost concurrent connections to one server, and a per-request timeout.
func NewClient(perHost int, timeout time.Duration, userAgent string) *Client {
	if perHost <= 0 {
		perHost = 4
	}
	tr := &http.Transport{
		Proxy:               nil, // seed servers are reached directly
		MaxConnsPerHost:     perHost,
		MaxIdleConnsPerHost: perHost,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true, // byte ranges of the raw file, not gzip
	}
	return &Client{http: &http.Client{Transport: tr, Timeout: timeout}, userAgent: userAgent}
}

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Fetch fills dst with the torrent's bytes [off, off+len(dst)) from the
// seed server at base: one Range request per file the span touches.
// Padding files are zeros and are not requested.
func (c *Client) Fetch(ctx context.Context, base string, l *Layout, off int64, dst []byte) error {
	if off < 0 || off+int64(len(dst)) > l.Total {
		return fmt.Errorf("span [%d,%d) outside the torrent's %d bytes", off, off+int64(len(dst)), l.Total)
	}
	pos := 0
	for _, s := range l.segments(off, int64(len(dst))) {
		part := dst[pos : pos+int(s.length)]
		pos += int(s.length)
		if l.Files[s.file].Padding {
			clear(part)
			continue
		}
		if err := c.fetchRange(ctx, l.FileURL(base, s.file), s.off, part, l.Files[s.file].Length); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) fetchRange(ctx context.Context, u string, off int64, dst []byte, fileLen int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("seed server URL %q: %w", u, err)
	}
	end := off + int64(len(dst)) - 1
	req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-"+strconv.FormatInt(end, 10))
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if err := checkContentRange(resp.Header.Get("Content-Range"), off, end); err != nil {
			return fmt.Errorf("GET %s: %w", u, err)
		}
	case http.StatusOK:
		// Only acceptable when we asked for the whole file.
		if off != 0 || int64(len(dst)) != fileLen {
			return fmt.Errorf("GET %s: %w", u, ErrNoRange)
		}
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return &StatusError{URL: u, Status: resp.StatusCode}
	}
	if _, err := io.ReadFull(resp.Body, dst); err != nil {
		return fmt.Errorf("GET %s: body: %w", u, err)
	}
	return nil
}

// checkContentRange verifies "bytes FIRST-LAST/TOTAL" names exactly the
// range we asked for.
func checkContentRange(h string, first, last int64) error {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return fmt.Errorf("Content-Range %q: not a byte range", h)
	}
	span, _, ok := strings.Cut(rest, "/")
	if !ok {
		return fmt.Errorf("Content-Range %q: no total", h)
	}
	a, b, ok := strings.Cut(span, "-")
	if !ok {
		return fmt.Errorf("Content-Range %q: malformed", h)
	}
	x, err1 := strconv.ParseInt(a, 10, 64)
	y, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || x != first || y != last {
		return fmt.Errorf("Content-Range %q: asked for %d-%d", h, first, last)
	}
	return nil
}
