package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIClient talks to a daemon's control API (used by `shoal ctl`).
type APIClient struct {
	Base  string // e.g. http://127.0.0.1:6880
	Token string
	HTTP  *http.Client
}

// NewAPIClient accepts "HOST:PORT" or a full http(s) URL.
func NewAPIClient(api, token string) *APIClient {
	if !strings.Contains(api, "://") {
		api = "http://" + api
	}
	return &APIClient{Base: strings.TrimRight(api, "/"), Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// APIError is a non-2xx answer.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("daemon: %s (HTTP %d)", e.Message, e.Status) }

func (c *APIClient) do(ctx context.Context, method, path, ctype string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the daemon at %s: %w", c.Base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var eb ErrorBody
		if json.Unmarshal(b, &eb) != nil || eb.Error == "" {
			eb.Error = strings.TrimSpace(string(b))
		}
		return &APIError{Status: resp.StatusCode, Message: eb.Error}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	return json.Unmarshal(b, out)
}

// Add adds a torrent.
func (c *APIClient) Add(ctx context.Context, req AddRequest) (TorrentInfo, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return TorrentInfo{}, err
	}
	var out TorrentInfo
	err = c.do(ctx, http.MethodPost, "/api/v1/torrents", "application/json", bytes.NewReader(b), &out)
	return out, err
}

// List lists the torrents.
func (c *APIClient) List(ctx context.Context) ([]TorrentInfo, error) {
	var out []TorrentInfo
	err := c.do(ctx, http.MethodGet, "/api/v1/torrents", "", nil, &out)
	return out, err
}

// Detail describes one torrent.
func (c *APIClient) Detail(ctx context.Context, hash string) (TorrentDetail, error) {
	var out TorrentDetail
	err := c.do(ctx, http.MethodGet, "/api/v1/torrents/"+url.PathEscape(hash), "", nil, &out)
	return out, err
}

// Pause pauses a torrent.
func (c *APIClient) Pause(ctx context.Context, hash string) (TorrentInfo, error) {
	var out TorrentInfo
	err := c.do(ctx, http.MethodPost, "/api/v1/torrents/"+url.PathEscape(hash)+"/pause", "", nil, &out)
	return out, err
}

// Resume resumes a torrent.
func (c *APIClient) Resume(ctx context.Context, hash string) (TorrentInfo, error) {
	var out TorrentInfo
	err := c.do(ctx, http.MethodPost, "/api/v1/torrents/"+url.PathEscape(hash)+"/resume", "", nil, &out)
	return out, err
}

// Remove removes a torrent, and its data with deleteData.
func (c *APIClient) Remove(ctx context.Context, hash string, deleteData bool) error {
	q := ""
	if deleteData {
		q = "?delete_data=true"
	}
	return c.do(ctx, http.MethodDelete, "/api/v1/torrents/"+url.PathEscape(hash)+q, "", nil, nil)
}

// Stats returns the daemon-wide totals.
func (c *APIClient) Stats(ctx context.Context) (GlobalStats, error) {
	var out GlobalStats
	err := c.do(ctx, http.MethodGet, "/api/v1/stats", "", nil, &out)
	return out, err
}

// Resolve turns a unique prefix of an info hash (or a name) into the full
// hash, by listing the torrents.
func (c *APIClient) Resolve(ctx context.Context, ref string) (string, error) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	if len(ref) == 40 {
		return ref, nil
	}
	list, err := c.List(ctx)
	if err != nil {
		return "", err
	}
	var match []string
	for _, t := range list {
		if (ref != "" && strings.HasPrefix(t.InfoHash, ref)) || strings.EqualFold(t.Name, ref) {
			match = append(match, t.InfoHash)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return "", fmt.Errorf("no torrent matches %q", ref)
	}
	return "", fmt.Errorf("%q matches %d torrents; give more of the info hash", ref, len(match))
}
