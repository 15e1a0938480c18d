package webseed

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
)

func multiInfo() *metainfo.Info {
	return &metainfo.Info{Name: "my data", PieceLength: 16384, Files: []metainfo.FileInfo{
		{Length: 1000, Path: []string{"a b.txt"}},
		{Length: 0, Path: []string{"empty"}},
		{Length: 30000, Path: []string{"sub", "c#.bin"}},
		{Length: 500, Path: []string{"z"}},
	}}
}

func TestFileURL(t *testing.T) {
	single := NewLayout(&metainfo.Info{Name: "file name.iso", Length: 10, PieceLength: 16384})
	if got := single.FileURL("http://127.0.0.1/x/", 0); got != "http://127.0.0.1/x/file%20name.iso" {
		t.Errorf("single, trailing slash: %s", got)
	}
	if got := single.FileURL("http://127.0.0.1/exact.iso", 0); got != "http://127.0.0.1/exact.iso" {
		t.Errorf("single, exact URL: %s", got)
	}
	multi := NewLayout(multiInfo())
	if got := multi.FileURL("http://127.0.0.1/seed", 2); got != "http://127.0.0.1/seed/my%20data/sub/c%23.bin" {
		t.Errorf("multi: %s", got)
	}
	if got := multi.FileURL("http://127.0.0.1/seed/", 0); got != "http://127.0.0.1/seed/my%20data/a%20b.txt" {
		t.Errorf("multi, trailing slash: %s", got)
	}
}

// serveTree writes the torrent's files under dir/name and serves dir with
// Go's file server (which answers Range requests).
func serveTree(t *testing.T, l *Layout) (*httptest.Server, []byte) {
	t.Helper()
	dir := t.TempDir()
	all := make([]byte, l.Total)
	_, _ = rand.Read(all)
	for _, f := range l.Files {
		p := filepath.Join(append([]string{dir, l.Name}, f.Path...)...)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, all[f.Offset:f.Offset+f.Length], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv, all
}

func TestFetchAcrossFiles(t *testing.T) {
	l := NewLayout(multiInfo())
	srv, all := serveTree(t, l)
	c := NewClient(2, 10*time.Second, "test")
	defer c.Close()
	for _, span := range [][2]int64{{0, l.Total}, {990, 20}, {1000, 30000}, {5000, 26000}, {l.Total - 1, 1}} {
		dst := make([]byte, span[1])
		if err := c.Fetch(context.Background(), srv.URL+"/", l, span[0], dst); err != nil {
			t.Fatalf("span %v: %v", span, err)
		}
		if !bytes.Equal(dst, all[span[0]:span[0]+span[1]]) {
			t.Fatalf("span %v: wrong bytes", span)
		}
	}
	if err := c.Fetch(context.Background(), srv.URL+"/", l, l.Total-1, make([]byte, 2)); err == nil {
		t.Fatal("span past the end accepted")
	}
}

func TestPaddingNotRequested(t *testing.T) {
	info := &metainfo.Info{Name: "p", PieceLength: 16384, Files: []metainfo.FileInfo{
		{Length: 100, Path: []string{"a"}},
		{Length: 16284, Path: []string{".pad", "16284"}, ExtendedFileAttrs: metainfo.ExtendedFileAttrs{Attr: "p"}},
		{Length: 50, Path: []string{"b"}},
	}}
	l := NewLayout(info)
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		http.ServeContent(w, r, "x", time.Time{}, bytes.NewReader(make([]byte, 100)))
	}))
	defer srv.Close()
	c := NewClient(1, 10*time.Second, "")
	dst := bytes.Repeat([]byte{1}, int(l.Total))
	if err := c.Fetch(context.Background(), srv.URL, l, 0, dst); err != nil {
		t.Fatal(err)
	}
	for _, p := range asked {
		if strings.Contains(p, ".pad") {
			t.Fatalf("padding file requested: %s", p)
		}
	}
	if !bytes.Equal(dst[100:16384], make([]byte, 16284)) {
		t.Fatal("padding not zero")
	}
}

func TestServerWithoutRangeRefused(t *testing.T) {
	l := NewLayout(&metainfo.Info{Name: "f", Length: 5000, PieceLength: 16384})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, 5000)) // ignores Range: 200 with everything
	}))
	defer srv.Close()
	c := NewClient(1, 10*time.Second, "")
	err := c.Fetch(context.Background(), srv.URL, l, 100, make([]byte, 100))
	if !errors.Is(err, ErrNoRange) {
		t.Fatalf("err = %v, want ErrNoRange", err)
	}
	// Asking for the whole file is fine even without Range support.
	if err := c.Fetch(context.Background(), srv.URL, l, 0, make([]byte, 5000)); err != nil {
		t.Fatalf("whole file: %v", err)
	}
}

func TestBadAnswers(t *testing.T) {
	l := NewLayout(&metainfo.Info{Name: "f", Length: 5000, PieceLength: 16384})
	cases := map[string]http.HandlerFunc{
		"404": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"wrong range": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 0-99/5000")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(make([]byte, 100))
		},
		"short body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 100-199/5000")
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(make([]byte, 10))
		},
	}
	for name, h := range cases {
		srv := httptest.NewServer(h)
		c := NewClient(1, 10*time.Second, "")
		if err := c.Fetch(context.Background(), srv.URL, l, 100, make([]byte, 100)); err == nil {
			t.Errorf("%s: accepted", name)
		}
		srv.Close()
	}
}

func FuzzCheckContentRange(f *testing.F) {
	f.Add("bytes 0-99/100", int64(0), int64(99))
	f.Add("bytes 5-4/*", int64(5), int64(4))
	f.Fuzz(func(t *testing.T, h string, a, b int64) {
		if err := checkContentRange(h, a, b); err == nil && !strings.HasPrefix(h, "bytes ") {
			t.Fatalf("accepted %q", h)
		}
	})
}

// A Reader streams a span across files in reads of any size, requests a
// file only when reading reaches it, and reads padding as zeros.
func TestReaderStreams(t *testing.T) {
	info := multiInfo()
	info.Files = append(info.Files[:2:2], metainfo.FileInfo{Length: 3000, Path: []string{".pad", "3000"},
		ExtendedFileAttrs: metainfo.ExtendedFileAttrs{Attr: "p"}}, info.Files[2], info.Files[3])
	l := NewLayout(info)
	srv, all := serveTree(t, l)
	for _, f := range l.Files {
		if f.Padding {
			clear(all[f.Offset : f.Offset+f.Length])
		}
	}
	requests := 0
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		inner.ServeHTTP(w, r)
	})
	c := NewClient(1, 10*time.Second, "")
	defer c.Close()
	for _, span := range [][2]int64{{0, l.Total}, {990, 3020}, {3500, 3000}} {
		requests = 0
		r, err := c.Open(context.Background(), srv.URL+"/", l, span[0], span[1])
		if err != nil {
			t.Fatal(err)
		}
		if requests != 0 {
			t.Fatalf("span %v: %d requests before the first Read", span, requests)
		}
		var got []byte
		buf := make([]byte, 777)
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("span %v: %v", span, err)
			}
		}
		r.Close()
		if !bytes.Equal(got, all[span[0]:span[0]+span[1]]) {
			t.Fatalf("span %v: wrong bytes", span)
		}
	}
	if _, err := c.Open(context.Background(), srv.URL+"/", l, 1, l.Total); err == nil {
		t.Fatal("span past the end accepted")
	}
}

// A body that ends early is io.ErrUnexpectedEOF, and stays an error.
func TestReaderShortBody(t *testing.T) {
	l := NewLayout(&metainfo.Info{Name: "f", Length: 5000, PieceLength: 16384})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Range", "bytes 0-4999/5000")
		w.Header().Set("Content-Length", "5000")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(make([]byte, 3000))
	}))
	defer srv.Close()
	c := NewClient(1, 10*time.Second, "")
	defer c.Close()
	r, err := c.Open(context.Background(), srv.URL, l, 0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = io.ReadFull(r, make([]byte, 5000))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := r.Read(make([]byte, 10)); err == nil {
		t.Fatal("read after an error succeeded")
	}
}
