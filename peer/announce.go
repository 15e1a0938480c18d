package peer

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/anacrolix/torrent/tracker"
	trHttp "github.com/anacrolix/torrent/tracker/http"
)

const (
	announceTimeout    = 20 * time.Second
	stoppedTimeout     = 3 * time.Second
	minAnnounceEvery   = 30 * time.Second
	lonelyAnnounceWait = 60 * time.Second // re-announce sooner while we have no peers
)

// trackerState is what the loop knows of one tracker; the announcer
// goroutine updates it through the inbox.
type trackerState struct {
	url          string
	kick         chan struct{}
	status       string
	lastErr      string
	seeders      int
	leechers     int
	peersGot     int
	lastAnnounce time.Time
	nextAnnounce time.Time
	client       tracker.Client
	closed       bool
	sentComplete bool       // a "completed" event reached this tracker (loop-owned)
	mu           sync.Mutex // guards client and closed between the announcer and shutdown
}

func (t *torrent) startAnnouncers() {
	if t.cfg.DisableTrackers {
		return
	}
	key := make([]byte, 4)
	_, _ = rand.Read(key)
	for _, tier := range t.spec.Trackers {
		for _, u := range tier {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "udp://") {
				t.log.Warn("skipping tracker with unsupported scheme", "url", u)
				continue
			}
			ts := &trackerState{url: u, kick: make(chan struct{}, 1), status: "starting"}
			t.trackers = append(t.trackers, ts)
			go t.announceLoop(ts, int32(binary.BigEndian.Uint32(key)))
		}
	}
}

func (t *torrent) kickAnnouncers() {
	for _, ts := range t.trackers {
		select {
		case ts.kick <- struct{}{}:
		default:
		}
	}
}

func (t *torrent) newTrackerClient(u string) (tracker.Client, error) {
	local := t.cl.localIP()
	return tracker.NewClient(u, tracker.NewClientOpts{
		Http: trHttp.NewClientOpts{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				d := net.Dialer{}
				if local.IsValid() {
					d.LocalAddr = &net.TCPAddr{IP: local.AsSlice()}
				}
				return d.DialContext(ctx, network, addr)
			},
		},
		ListenPacket: func(network, _ string) (net.PacketConn, error) {
			addr := ":0"
			if local.IsValid() {
				addr = netip.AddrPortFrom(local, 0).String()
			}
			return net.ListenPacket(network, addr)
		},
		Slogger: t.log.With("tracker", u),
	})
}

// announceReq builds a request from the loop's current totals.
func (t *torrent) announceReq(ev tracker.AnnounceEvent, key int32) tracker.AnnounceRequest {
	left := int64(-1)
	if t.info != nil {
		left = t.bytesLeft()
	}
	req := tracker.AnnounceRequest{
		InfoHash:   t.ih,
		PeerId:     t.cl.peerID,
		Downloaded: t.downloadedTotal(),
		Uploaded:   t.uploadedTotal(),
		Left:       left,
		Event:      ev,
		Key:        key,
		NumWant:    50,
		Port:       t.cl.ListenAddr().Port(),
	}
	if ip := t.cfg.AnnounceIP; ip.Is4() {
		req.IPAddress = binary.BigEndian.Uint32(ip.AsSlice())
	}
	return req
}

func (t *torrent) announceOpt() tracker.AnnounceOpt {
	opt := tracker.AnnounceOpt{UserAgent: Version}
	if ip := t.cfg.AnnounceIP; ip.IsValid() {
		if ip.Is4() {
			opt.ClientIp4 = ip.AsSlice()
		} else {
			opt.ClientIp6 = ip.AsSlice()
		}
	}
	return opt
}

func (t *torrent) announceLoop(ts *trackerState, key int32) {
	cl, err := t.newTrackerClient(ts.url)
	if err != nil {
		t.post(event{kind: evCmd, fn: func(*torrent) { ts.status = "error"; ts.lastErr = err.Error() }})
		return
	}
	ts.mu.Lock()
	if ts.closed {
		ts.mu.Unlock()
		cl.Close()
		return
	}
	ts.client = cl
	ts.mu.Unlock()
	ev := tracker.Started
	for {
		var req tracker.AnnounceRequest
		var lonely bool
		if !t.call(func(tt *torrent) { req = tt.announceReq(ev, key); lonely = len(tt.conns) == 0 }) {
			return
		}
		ctx, cancel := context.WithTimeout(t.ctx, announceTimeout)
		resp, err := cl.Announce(ctx, req, t.announceOpt())
		cancel()
		if t.ctx.Err() != nil {
			return
		}
		wait := time.Duration(resp.Interval) * time.Second
		if err != nil {
			wait = minAnnounceEvery * 2
		}
		wait = max(wait, minAnnounceEvery)
		if lonely && req.Left != 0 {
			wait = min(wait, lonelyAnnounceWait)
		}
		var peers []netip.AddrPort
		for _, p := range resp.Peers {
			if ap, ok := p.ToNetipAddrPort(); ok {
				peers = append(peers, ap)
			}
		}
		next := time.Now().Add(wait)
		t.post(event{kind: evCmd, fn: func(tt *torrent) {
			ts.lastAnnounce = time.Now()
			ts.nextAnnounce = next
			if err != nil {
				ts.status = "error"
				ts.lastErr = err.Error()
				tt.log.Warn("announce failed", "tracker", ts.url, "err", err)
				return
			}
			ts.status = "ok"
			ts.lastErr = ""
			if req.Event == tracker.Completed {
				ts.sentComplete = true
			}
			ts.seeders, ts.leechers, ts.peersGot = int(resp.Seeders), int(resp.Leechers), len(peers)
			for _, a := range peers {
				tt.cands.add(a, SourceTracker)
			}
			tt.connectMore(time.Now())
		}})
		if err == nil && ev == tracker.Started {
			ev = tracker.None
		}
		timer := time.NewTimer(wait)
		select {
		case <-t.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-ts.kick:
			timer.Stop()
			if req.Left != 0 {
				ev = tracker.Completed
			}
		}
		if ev == tracker.Completed && req.Left == 0 {
			ev = tracker.None
		}
	}
}

// announceStopped tells every tracker we leave, bounded in time; then closes
// the tracker clients.
func (t *torrent) announceStopped() {
	var wg sync.WaitGroup
	for _, ts := range t.trackers {
		ts.mu.Lock()
		cl := ts.client
		ts.closed = true
		ts.mu.Unlock()
		if cl == nil {
			continue
		}
		// A download that completed in this session but whose "completed"
		// announce has not gone out yet (the program is exiting right after
		// completion) reports it first, so the tracker's counts are right.
		var completed *tracker.AnnounceRequest
		if !t.completedAt.IsZero() && !ts.sentComplete {
			r := t.announceReq(tracker.Completed, 0)
			completed = &r
		}
		req := t.announceReq(tracker.Stopped, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), stoppedTimeout)
			defer cancel()
			if completed != nil {
				_, _ = cl.Announce(ctx, *completed, t.announceOpt())
			}
			_, _ = cl.Announce(ctx, req, t.announceOpt())
			cl.Close()
		}()
	}
	wg.Wait()
}

func (t *torrent) bytesLeft() int64 {
	if t.info == nil {
		return -1
	}
	left := int64(0)
	for i := 0; i < t.numPieces; i++ {
		if !t.have.Has(i) && t.pk.Wanted(i) {
			left += int64(t.pk.PieceSize(i))
		}
	}
	return left
}
