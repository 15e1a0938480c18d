package daemon

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/shoal-p2p/shoal/peer"
)

// seedDaemon starts a daemon holding a complete single-file and a complete
// multi-file torrent, and returns it with the two MetaInfos.
func seedDaemon(t *testing.T, extra map[string]string) (*testDaemon, string, *metainfo.MetaInfo, *metainfo.MetaInfo) {
	t.Helper()
	dir := t.TempDir()
	single, smi := makePayload(t, dir, "single.bin", 3<<20+4321, 64<<10)
	makePayload(t, dir, "tree/a.bin", 700<<10+1, 64<<10)
	makePayload(t, dir, "tree/sub dir/b #1.bin", 1<<20+3, 64<<10)
	multi, mmi := createTorrent(t, filepath.Join(dir, "tree"), 64<<10)
	td := startDaemon(t, dir, extra)
	for _, b := range [][]byte{single, multi} {
		if _, err := td.api.Add(context.Background(), AddRequest{Torrent: b}); err != nil {
			t.Fatal(err)
		}
	}
	waitComplete(t, td, infoHash(smi), 30*time.Second)
	waitComplete(t, td, infoHash(mmi), 30*time.Second)
	return td, dir, smi, mmi
}

// getStatus is a GET's status code (0 when nothing answers).
func getStatus(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func get(t *testing.T, url, rng string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// BEP 19 layout with Range: /seed/NAME and /seed/NAME/PATH, escaped names,
// 206 with the right bytes; nothing else is reachable.
func TestSeedServing(t *testing.T) {
	td, dir, _, _ := seedDaemon(t, nil)
	whole, _ := os.ReadFile(filepath.Join(dir, "single.bin"))
	code, b := get(t, td.base+"/seed/single.bin", "bytes=1000-70999")
	if code != http.StatusPartialContent || !bytes.Equal(b, whole[1000:71000]) {
		t.Fatalf("range of single file: %d, %d bytes", code, len(b))
	}
	sub, _ := os.ReadFile(filepath.Join(dir, "tree", "sub dir", "b #1.bin"))
	code, b = get(t, td.base+"/seed/tree/sub%20dir/b%20%231.bin", "bytes=-10")
	if code != http.StatusPartialContent || !bytes.Equal(b, sub[len(sub)-10:]) {
		t.Fatalf("range of multi-file member: %d %q", code, b)
	}
	if code, b = get(t, td.base+"/seed/tree/a.bin", ""); code != 200 || len(b) != 700<<10+1 {
		t.Fatalf("whole file: %d, %d bytes", code, len(b))
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/seed/", "/seed/secret.txt", "/seed/tree", "/seed/tree/", "/seed/tree/nope",
		"/seed/../secret.txt", "/seed/%2e%2e/secret.txt", "/seed/tree/..%2fsecret.txt", "/seed/tree/../secret.txt",
		"/seed/.shoal/api-token", "/seed/single.bin/",
		"/seed/tree/sub%20dir/..%2F..%2Fsecret.txt"} {
		if code, b := get(t, td.base+p, ""); code != http.StatusNotFound || bytes.Contains(b, []byte("secret")) {
			t.Errorf("GET %s: %d, %d bytes", p, code, len(b))
		}
	}
	// Raw request paths that net/http's client would clean first.
	for _, p := range []string{"/seed/../secret.txt", "/seed/tree/../../secret.txt", "/seed/tree/a.bin/../../secret.txt"} {
		if status := rawGet(t, td.APIAddr().String(), p); strings.Contains(status, " 200 ") || strings.Contains(status, " 206 ") {
			t.Errorf("raw GET %s: %s", p, status)
		}
	}
}

// rawGet sends a request line as given and returns the status line.
func rawGet(t *testing.T, addr, path string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	status, _, _ := strings.Cut(string(b), "\r\n")
	return status
}

// A file of a complete torrent replaced by a symlink that leads out of the
// data dir is not served (os.Root), nor are incomplete or paused torrents.
func TestSeedServingRefuses(t *testing.T) {
	td, dir, smi, _ := seedDaemon(t, nil)
	outside := filepath.Join(t.TempDir(), "outside.txt")
	if err := os.WriteFile(outside, []byte("outside secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "tree", "a.bin")
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, a); err != nil {
		t.Fatal(err)
	}
	if code, b := get(t, td.base+"/seed/tree/a.bin", ""); code == 200 || bytes.Contains(b, []byte("secret")) {
		t.Fatalf("symlink out of the data dir served: %d, %d bytes", code, len(b))
	}
	if _, err := td.api.Pause(context.Background(), infoHash(smi)); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, td.base+"/seed/single.bin", ""); code != http.StatusNotFound {
		t.Fatalf("paused torrent served: %d", code)
	}
	// A torrent whose data is not there is incomplete: never served.
	missingDir := t.TempDir()
	mb, mmi := makePayload(t, missingDir, "missing.bin", 100<<10, 16<<10)
	if _, err := td.api.Add(context.Background(), AddRequest{Torrent: mb}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "missing torrent checked", func() bool {
		d, err := td.Detail(infoHash(mmi))
		return err == nil && d.State == "downloading"
	})
	if err := os.WriteFile(filepath.Join(dir, "missing.bin"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, td.base+"/seed/missing.bin", ""); code != http.StatusNotFound {
		t.Fatalf("incomplete torrent served: %d", code)
	}
}

// With no peers at all, a shoal leecher downloads both torrents entirely
// from the daemon's web seed; the extra /seed/-only listener works and
// does not expose the API.
func TestDownloadFromDaemonWebSeed(t *testing.T) {
	td, dir, smi, mmi := seedDaemon(t, map[string]string{"seed-listen": "127.0.0.1:0"})
	seedBase := "http://" + td.seedLn.Addr().String()
	if code, _ := get(t, seedBase+"/api/v1/stats", ""); code != http.StatusNotFound {
		t.Fatalf("API on the seed listener: %d", code)
	}
	cl := leecher(t)
	for _, mi := range []*metainfo.MetaInfo{smi, mmi} {
		c := *mi
		c.UrlList = []string{seedBase + "/seed/"}
		lt, err := cl.Add(context.Background(), &c, peer.AddOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = lt.Wait(ctx)
		cancel()
		if err != nil {
			t.Fatalf("download from the daemon's web seed: %v (%+v)", err, lt.Stats().SeedServers)
		}
		s := lt.Stats()
		if s.FromSeeds < s.TotalLength || s.FromPeers != 0 || len(s.Peers) != 0 {
			t.Fatalf("bytes by source: seed servers %d, peers %d, size %d", s.FromSeeds, s.FromPeers, s.TotalLength)
		}
		for _, f := range s.Files {
			sameFile(t, filepath.Join(dir, f.Path), filepath.Join(lt.DataDir(), f.Path))
		}
	}
	if g := td.Stats(); g.WebSeedBytes < int64(3<<20) || g.WebSeedRequests == 0 {
		t.Fatalf("web seed counters %+v", g)
	}
}

// Capped, web-seed responses take turns (webseed.Turns): a third request
// made while two are being sent gets its answer only after one of them is
// done, instead of all three sharing the rate.
func TestSeedServingTakesTurns(t *testing.T) {
	td, _, _, _ := seedDaemon(t, map[string]string{"seed-up-rate": "1MiB"})
	type resp struct {
		header, done time.Time
		err          error
	}
	fetch := func(rng string) <-chan resp {
		ch := make(chan resp, 2)
		go func() {
			req, _ := http.NewRequest("GET", td.base+"/seed/single.bin", nil)
			req.Header.Set("Range", rng)
			c := &http.Client{Timeout: 30 * time.Second}
			r, err := c.Do(req)
			if err != nil {
				ch <- resp{err: err}
				return
			}
			defer r.Body.Close()
			header := time.Now()
			ch <- resp{header: header}
			_, err = io.Copy(io.Discard, r.Body)
			ch <- resp{header: header, done: time.Now(), err: err}
		}()
		return ch
	}
	first, second := fetch("bytes=0-1048575"), fetch("bytes=1048576-2097151")
	for _, ch := range []<-chan resp{first, second} {
		if r := <-ch; r.err != nil {
			t.Fatal(r.err)
		}
	}
	third := fetch("bytes=2097152-2162687")
	r3 := <-third
	if r3.err != nil {
		t.Fatal(r3.err)
	}
	r1, r2 := <-first, <-second
	if r1.err != nil || r2.err != nil {
		t.Fatalf("responses: %v, %v", r1.err, r2.err)
	}
	if done := min(r1.done.UnixNano(), r2.done.UnixNano()); r3.header.UnixNano() < done {
		t.Fatalf("third response began %v before either of the first two was done", time.Unix(0, done).Sub(r3.header))
	}
}
