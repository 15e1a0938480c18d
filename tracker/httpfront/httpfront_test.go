package httpfront_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/httpfront"
	"github.com/shoal-p2p/shoal/tracker/store/memory"
)

var (
	ih  = strings.Repeat("\x01", 19) + "+"
	pid = "-SH0001-abcdefghijkl"
)

func handler(t testing.TB) http.Handler {
	s := memory.New(memory.Config{})
	t.Cleanup(func() { s.Close() })
	tr, err := tracker.New(tracker.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	return httpfront.New(tr, httpfront.Options{})
}

func esc(s string) string { return url.PathEscape(s) }

func do(t testing.TB, h http.Handler, remote, target string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	path, raw, _ := strings.Cut(target, "?")
	req.URL = &url.URL{Path: path, RawQuery: raw}
	req.RemoteAddr = remote
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var m map[string]any
	if err := bencode.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: body %q is not a bencoded dict: %v", target, w.Body.Bytes(), err)
	}
	return w.Code, m
}

func announceURL(id, port, extra string) string {
	return "/announce?info_hash=" + esc(ih) + "&peer_id=" + esc(id) + "&port=" + port + "&left=10&uploaded=0&downloaded=0" + extra
}

func TestBadInputGetsFixedFailures(t *testing.T) {
	h := handler(t)
	good := "&peer_id=" + esc(pid) + "&port=1"
	for _, c := range []struct{ target, want string }{
		{"/announce?peer_id=" + esc(pid) + "&port=1", "invalid info_hash"},
		{"/announce?info_hash=short" + good, "invalid info_hash"},
		{"/announce?info_hash=" + esc(ih+"x") + good, "invalid info_hash"},
		{"/announce?info_hash=%zz" + good, "invalid info_hash"},
		{"/announce?info_hash=" + esc(ih) + "&info_hash=" + esc(ih) + good, "malformed request"},
		{"/announce?info_hash=" + esc(ih) + "&port=1", "invalid peer_id"},
		{"/announce?info_hash=" + esc(ih) + "&peer_id=abc&port=1", "invalid peer_id"},
		{"/announce?info_hash=" + esc(ih) + "&peer_id=" + esc(pid), "invalid port"},
		{"/announce?info_hash=" + esc(ih) + "&peer_id=" + esc(pid) + "&port=0", "invalid port"},
		{"/announce?info_hash=" + esc(ih) + "&peer_id=" + esc(pid) + "&port=65536", "invalid port"},
		{"/announce?info_hash=" + esc(ih) + "&peer_id=" + esc(pid) + "&port=-1", "invalid port"},
		{announceURL(pid, "1", "&left=-5"), "malformed request"},
		{announceURL(pid, "1", "&numwant=lots"), "malformed request"},
		{announceURL(pid, "1", "&event=exploded"), "malformed request"},
		{announceURL(pid, "1", strings.Repeat("&x=1", 200)), "malformed request"},
		{"/announce?%zz=1&" + announceURL(pid, "1", "")[10:], "malformed request"},
		{"/scrape", "full scrape is not allowed"},
		{"/scrape?info_hash=abc", "invalid info_hash"},
		{"/scrape?" + strings.Repeat("info_hash="+esc(ih)+"&", 75), "too many info_hash values"},
		{"/nothing", "unknown path"},
	} {
		_, m := do(t, h, "192.0.2.1:5000", c.target)
		if m["failure reason"] != c.want {
			t.Errorf("%.80s: failure reason %q, want %q", c.target, m["failure reason"], c.want)
		}
		if len(m) != 1 {
			t.Errorf("%.80s: failure carries more than the reason: %v", c.target, m)
		}
	}
}

func TestCompactNonCompactAndPeers6(t *testing.T) {
	h := handler(t)
	do(t, h, "192.0.2.1:5000", announceURL("-SH0001-aaaaaaaaaaa1", "6881", "&left=0"))
	do(t, h, "[2001:db8::1]:5000", announceURL("-SH0001-aaaaaaaaaaa2", "6882", ""))
	do(t, h, "[2001:db8::2]:5000", announceURL("-SH0001-aaaaaaaaaaa4", "6884", ""))

	_, m := do(t, h, "192.0.2.9:5000", announceURL("-SH0001-aaaaaaaaaaa3", "6883", ""))
	if m["peers"] != "\xc0\x00\x02\x01\x1a\xe1" || m["complete"] != int64(1) || m["incomplete"] != int64(3) {
		t.Fatalf("IPv4 compact answer: %q", m)
	}
	if _, ok := m["peers6"]; ok {
		t.Fatal("IPv4 requester got peers6")
	}
	if m["interval"].(int64) < 1800 || m["min interval"] != int64(300) {
		t.Fatalf("intervals: %v %v", m["interval"], m["min interval"])
	}
	_, m = do(t, h, "192.0.2.9:5000", announceURL("-SH0001-aaaaaaaaaaa3", "6883", "&compact=0"))
	list, _ := m["peers"].([]any)
	if len(list) != 1 {
		t.Fatalf("non-compact peers: %v", m["peers"])
	}
	p := list[0].(map[string]any)
	if p["ip"] != "192.0.2.1" || p["port"] != int64(6881) || p["peer id"] != "-SH0001-aaaaaaaaaaa1" {
		t.Fatalf("non-compact peer: %v", p)
	}
	_, m = do(t, h, "192.0.2.9:5000", announceURL("-SH0001-aaaaaaaaaaa3", "6883", "&compact=0&no_peer_id=1"))
	if _, has := m["peers"].([]any)[0].(map[string]any)["peer id"]; has {
		t.Fatal("no_peer_id=1 still sent peer ids")
	}
	_, m = do(t, h, "[2001:db8::2]:5000", announceURL("-SH0001-aaaaaaaaaaa4", "6884", ""))
	want := "\x20\x01\x0d\xb8" + strings.Repeat("\x00", 11) + "\x01\x1a\xe2"
	if m["peers6"] != want || m["peers"] != "" {
		t.Fatalf("IPv6 answer: peers %q peers6 %q, want peers6 %q", m["peers"], m["peers6"], want)
	}
}

func TestScrapeSeveralHashes(t *testing.T) {
	h := handler(t)
	do(t, h, "192.0.2.1:5000", announceURL(pid, "1", "&left=0"))
	other := strings.Repeat("\x02", 20)
	_, m := do(t, h, "192.0.2.1:5000", "/scrape?info_hash="+esc(other)+"&info_hash="+esc(ih)+"&info_hash="+esc(ih))
	files := m["files"].(map[string]any)
	if len(files) != 2 {
		t.Fatalf("files: %v", files)
	}
	f := files[ih].(map[string]any)
	if f["complete"] != int64(1) || f["incomplete"] != int64(0) || f["downloaded"] != int64(0) {
		t.Fatalf("scrape of the seeded hash: %v", f)
	}
	if g := files[other].(map[string]any); g["complete"] != int64(0) {
		t.Fatalf("unknown hash: %v", g)
	}
}

func FuzzParseAnnounce(f *testing.F) {
	f.Add(announceURL(pid, "6881", "&event=started&numwant=80&compact=0")[10:])
	f.Add("info_hash=%00%01&&&=&port=99999999999999999999")
	f.Add("event=paused&left=18446744073709551615")
	f.Fuzz(func(t *testing.T, q string) {
		a, err := httpfront.ParseAnnounce(q)
		if err != nil {
			if tracker.AsClientError(err) == tracker.ErrInternal {
				t.Fatalf("parse error %v is not a fixed client error", err)
			}
			return
		}
		if a.Port == 0 || a.Left < -1 || a.Uploaded < 0 || a.NumWant < -1 {
			t.Fatalf("accepted out-of-range values: %+v", a)
		}
	})
}

func FuzzParseScrape(f *testing.F) {
	f.Add("info_hash=" + esc(ih) + "&info_hash=" + esc(ih))
	f.Add("info_hash=%")
	f.Fuzz(func(t *testing.T, q string) {
		hs, err := httpfront.ParseScrape(q, 74)
		if err == nil && len(hs) > 74 {
			t.Fatalf("%d hashes accepted, cap 74", len(hs))
		}
		if err != nil && tracker.AsClientError(err) == tracker.ErrInternal {
			t.Fatalf("parse error %v is not a fixed client error", err)
		}
	})
}

// FuzzHandler drives the whole handler: never a panic, always a bencoded
// dictionary.
func FuzzHandler(f *testing.F) {
	f.Add(announceURL(pid, "6881", "&event=started"))
	f.Add("/scrape?info_hash=" + esc(ih))
	h := handler(f)
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL = u
		req.RemoteAddr = "192.0.2.1:5000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var m map[string]any
		if err := bencode.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%q: answer %q is not a bencoded dict", target, w.Body.Bytes())
		}
	})
}
