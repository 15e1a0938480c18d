package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The control API. Every path under /api/ and /metrics needs
// "Authorization: Bearer TOKEN"; /seed/ is public.
//
//	GET    /api/v1/torrents                   list (TorrentInfo array)
//	POST   /api/v1/torrents                   add: JSON AddRequest, or raw .torrent bytes
//	                                          with Content-Type application/x-bittorrent
//	GET    /api/v1/torrents/{hash}            TorrentDetail
//	POST   /api/v1/torrents/{hash}/pause      TorrentInfo
//	POST   /api/v1/torrents/{hash}/resume     TorrentInfo
//	DELETE /api/v1/torrents/{hash}[?delete_data=true]
//	GET    /api/v1/stats                      GlobalStats
//	GET    /api/v1/snapshot                   Snapshot (full engine stats; api_ui.go)
//	PUT    /api/v1/torrents/{hash}/files/{index}/priority   FilePriorityRequest
//
// Errors are JSON ErrorBody with 400 (bad input, malformed JSON, body too
// large), 401 (token), 404 (unknown torrent) or 500.

// handler builds the HTTP handler; withAPI=false serves /seed/ only.
func (d *Daemon) handler(withAPI bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /seed/", http.HandlerFunc(d.serveSeed))
	mux.Handle("HEAD /seed/", http.HandlerFunc(d.serveSeed))
	if !withAPI {
		return mux
	}
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/torrents", d.apiList)
	api.HandleFunc("POST /api/v1/torrents", d.apiAdd)
	api.HandleFunc("GET /api/v1/torrents/{hash}", d.apiDetail)
	api.HandleFunc("POST /api/v1/torrents/{hash}/pause", d.apiPause)
	api.HandleFunc("POST /api/v1/torrents/{hash}/resume", d.apiResume)
	api.HandleFunc("DELETE /api/v1/torrents/{hash}", d.apiRemove)
	api.HandleFunc("GET /api/v1/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, d.Stats()) })
	d.registerUIAPI(api) // api_ui.go
	api.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: "+r.Method+" "+r.URL.Path)
	})
	api.Handle("GET /metrics", d.metricsHandler())
	auth := d.requireToken(api)
	mux.Handle("/api/", auth)
	mux.Handle("/metrics", auth)
	return mux
}

func (d *Daemon) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !tokenOK(r.Header.Get("Authorization"), d.token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="shoal"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (d *Daemon) apiList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, d.List())
}

func (d *Daemon) apiAdd(w http.ResponseWriter, r *http.Request) {
	limit := d.Config().APIMaxBody
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("request body larger than %d bytes", limit))
			return
		}
		writeError(w, http.StatusBadRequest, "reading request body: "+err.Error())
		return
	}
	var req AddRequest
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-bittorrent") {
		req.Torrent = body
		req.Paused, _ = strconv.ParseBool(r.URL.Query().Get("paused"))
	} else if err := decodeStrict(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON: "+err.Error())
		return
	}
	info, err := d.Add(r.Context(), req)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, info)
}

func (d *Daemon) apiDetail(w http.ResponseWriter, r *http.Request) {
	det, err := d.Detail(r.PathValue("hash"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, det)
}

func (d *Daemon) apiPause(w http.ResponseWriter, r *http.Request) {
	info, err := d.Pause(r.PathValue("hash"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (d *Daemon) apiResume(w http.ResponseWriter, r *http.Request) {
	info, err := d.Resume(r.PathValue("hash"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (d *Daemon) apiRemove(w http.ResponseWriter, r *http.Request) {
	del := false
	if v := r.URL.Query().Get("delete_data"); v != "" {
		var err error
		if del, err = strconv.ParseBool(v); err != nil {
			writeError(w, http.StatusBadRequest, "delete_data: want true or false")
			return
		}
	}
	if err := d.Remove(r.PathValue("hash"), del); err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body")
		}
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func writeErr(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrBadSource):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, err.Error())
	}
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, ErrorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
