package daemon

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/shoal-p2p/shoal/peer"
)

// The endpoints `shoal tui` needs to be as informative attached to a daemon
// as it is in-process (registered by handler, behind the token check):
//
//	GET /api/v1/snapshot                                  Snapshot: every torrent's full engine
//	                                                      snapshot (peer.Stats, engine field names)
//	PUT /api/v1/torrents/{hash}/files/{index}/priority    FilePriorityRequest; 204

// Snapshot is the engine's view of every torrent, as the terminal UI draws
// it. Torrents are peer.Stats encoded with the engine's field names
// (durations in nanoseconds, addresses as "ip:port"), ordered by info hash.
type Snapshot struct {
	// Now is the daemon's clock when the snapshot was taken, so that a
	// client on another machine can correct the choke-round countdown.
	Now time.Time `json:"now"`
	// DHTNodes is the DHT routing table size (good contacts), or -1 when
	// the daemon runs without a DHT.
	DHTNodes int          `json:"dht_nodes"`
	Torrents []peer.Stats `json:"torrents"`
}

// FilePriorityRequest sets one file's priority: 0 skips it, 1..7 (1 is the
// default; higher is fetched first).
type FilePriorityRequest struct {
	Priority *int `json:"priority"`
}

// ErrBadRequest marks input the engine refused (an index or priority out of
// range, metadata not known yet); the API answers 400.
var ErrBadRequest = errors.New("bad request")

func (d *Daemon) registerUIAPI(api *http.ServeMux) {
	api.HandleFunc("GET /api/v1/snapshot", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, d.Snapshot())
	})
	api.HandleFunc("PUT /api/v1/torrents/{hash}/files/{index}/priority", d.apiFilePriority)
}

// Snapshot takes every torrent's full engine snapshot. A torrent the daemon
// keeps paused reports paused, as in List.
func (d *Daemon) Snapshot() Snapshot {
	snap := Snapshot{Now: time.Now(), DHTNodes: -1, Torrents: []peer.Stats{}}
	if n := d.cl.DHT(); n != nil {
		snap.DHTNodes = n.Stats().GoodNodes
	}
	for _, e := range d.entries() {
		s := e.t.Stats()
		s.State = peer.State(e.state(s))
		sanitizeStats(&s)
		snap.Torrents = append(snap.Torrents, s)
	}
	sort.Slice(snap.Torrents, func(i, j int) bool { return snap.Torrents[i].InfoHash < snap.Torrents[j].InfoHash })
	return snap
}

// sanitizeStats replaces NaN and infinities, which encoding/json refuses,
// with 0 so that one odd number cannot truncate the whole answer.
func sanitizeStats(s *peer.Stats) {
	for _, f := range []*float64{&s.Progress, &s.DownloadRate, &s.UploadRate, &s.Ratio} {
		finite(f)
	}
	for i := range s.Peers {
		p := &s.Peers[i]
		finite(&p.Progress)
		finite(&p.DownloadRate)
		finite(&p.UploadRate)
	}
	for i := range s.SeedServers {
		finite(&s.SeedServers[i].DownloadRate)
	}
}

func finite(f *float64) {
	if math.IsNaN(*f) || math.IsInf(*f, 0) {
		*f = 0
	}
}

// SetFilePriority sets one file's priority (0 = skip, 1..7). It is not
// saved: a restarted daemon fetches every file again.
func (d *Daemon) SetFilePriority(hash string, file, prio int) error {
	e, _, err := d.lookup(hash)
	if err != nil {
		return err
	}
	if err := e.t.SetFilePriority(file, prio); err != nil {
		if errors.Is(err, peer.ErrClosed) {
			return fmt.Errorf("%w: %s", ErrNotFound, hash)
		}
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	d.log.Info("file priority set", "info_hash", hash, "file", file, "priority", prio)
	return nil
}

func (d *Daemon) apiFilePriority(w http.ResponseWriter, r *http.Request) {
	idx, err := strconv.Atoi(r.PathValue("index"))
	if err != nil || idx < 0 {
		writeError(w, http.StatusBadRequest, "file index: want a number from 0")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<10))
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading request body: "+err.Error())
		return
	}
	var req FilePriorityRequest
	if err := decodeStrict(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return
	}
	if req.Priority == nil {
		writeError(w, http.StatusBadRequest, "priority is required (0 = skip, 1..7)")
		return
	}
	if err := d.SetFilePriority(r.PathValue("hash"), idx, *req.Priority); err != nil {
		if errors.Is(err, ErrBadRequest) {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
