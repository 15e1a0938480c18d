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
	r, err := c.Open(ctx, base, l, off, int64(len(dst)))
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.ReadFull(r, dst)
	return err
}

// Open returns a Reader of the torrent's bytes [off, off+n) from the seed
// server at base. Nothing is requested until the first Read.
func (c *Client) Open(ctx context.Context, base string, l *Layout, off, n int64) (*Reader, error) {
	if off < 0 || n < 0 || off+n > l.Total {
		return nil, fmt.Errorf("span [%d,%d) outside the torrent's %d bytes", off, off+n, l.Total)
	}
	r := &Reader{c: c, ctx: ctx, base: base, l: l, segs: l.segments(off, n)}
	if len(r.segs) > 0 {
		r.left = r.segs[0].length
	}
	return r, nil
}

// Reader streams a span of a torrent's bytes from a seed server, in order:
// one Range request per file the span touches, each sent when reading
// reaches that file, so the caller can consume (hash, store) the data
// while the rest is still arriving and read it straight into its own
// buffers. Padding files read as zeros without a request. A body shorter
// than asked for is an error wrapping io.ErrUnexpectedEOF; errors are
// sticky. Close the Reader to release its connection.
type Reader struct {
	c    *Client
	ctx  context.Context
	base string
	l    *Layout
	segs []segment     // still to read; segs[0] is the current one
	left int64         // bytes of segs[0] not read yet
	body io.ReadCloser // segs[0]'s response body, once requested
	url  string
	err  error
}

// Read reads the next bytes of the span; io.EOF after the last.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for len(r.segs) > 0 && r.left == 0 {
		r.next()
	}
	if len(r.segs) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	s := r.segs[0]
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	var n int
	if r.l.Files[s.file].Padding {
		clear(p)
		n = len(p)
	} else {
		if r.body == nil {
			// A body is opened at the start of its segment (errors are
			// sticky), so the request is for the whole segment.
			r.url = r.l.FileURL(r.base, s.file)
			body, err := r.c.openRange(r.ctx, r.url, s.off, s.length, r.l.Files[s.file].Length)
			if err != nil {
				r.err = err
				return 0, err
			}
			r.body = body
		}
		var err error
		n, err = r.body.Read(p)
		switch {
		case err == io.EOF && int64(n) < r.left:
			err = fmt.Errorf("GET %s: body: %w", r.url, io.ErrUnexpectedEOF)
		case err == io.EOF:
			err = nil
		case err != nil:
			err = fmt.Errorf("GET %s: body: %w", r.url, err)
		}
		if err != nil {
			r.err = err
			r.closeBody()
			return n, err
		}
	}
	r.left -= int64(n)
	if r.left == 0 {
		r.next()
	}
	return n, nil
}

// next moves to the following segment.
func (r *Reader) next() {
	r.closeBody()
	r.segs = r.segs[1:]
	if len(r.segs) > 0 {
		r.left = r.segs[0].length
	}
}

func (r *Reader) closeBody() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

// Close releases the connection of a request still being read (it cannot
// be reused then). Further reads fail.
func (r *Reader) Close() error {
	r.closeBody()
	if r.err == nil {
		r.err = errors.New("webseed: read after Close")
	}
	return nil
}

// openRange requests n bytes at off of the file at u and returns the body
// once the answer is known to be exactly that range.
func (c *Client) openRange(ctx context.Context, u string, off, n int64, fileLen int64) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("seed server URL %q: %w", u, err)
	}
	end := off + n - 1
	req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-"+strconv.FormatInt(end, 10))
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if err := checkContentRange(resp.Header.Get("Content-Range"), off, end); err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %w", u, err)
		}
	case http.StatusOK:
		// Only acceptable when we asked for the whole file.
		if off != 0 || n != fileLen {
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %w", u, ErrNoRange)
		}
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, &StatusError{URL: u, Status: resp.StatusCode}
	}
	return resp.Body, nil
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
