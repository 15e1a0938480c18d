package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/shoal-p2p/shoal/peer"
)

// Options tune the UI.
type Options struct {
	// Follow is the info hash (hex) of the torrent the caller waits for;
	// it is selected first and Result reports on it.
	Follow string
	// Tick is how often snapshots are taken (default 500 ms).
	Tick time.Duration
	// Log receives the UI's change events and is shown in the Log tab; give
	// the engine Log.Handler() too so that its logs show there. Default: a
	// new Log.
	Log *Log
	// Plain forces ASCII glyphs and no colour (also chosen by NO_COLOR or
	// TERM=dumb).
	Plain bool
	// Detach labels q "detach": the UI is attached to a daemon, which keeps
	// running after it quits.
	Detach bool
}

// Result is how the UI ended.
type Result struct {
	// Completed: the followed torrent had every wanted piece verified.
	Completed bool
	// Err is the error that stopped the followed torrent, if any.
	Err string
}

type tab int

const (
	tabOverview tab = iota
	tabPeers
	tabPieces
	tabFiles
	tabSources
	tabLog
	numTabs
)

var tabNames = [numTabs]string{"Overview", "Peers", "Pieces", "Files", "Sources", "Log"}

type mode int

const (
	modeNormal mode = iota
	modeAdd
	modeFilter
	modeConfirm
	modeHelp
)

type sortKey int

const (
	sortName sortKey = iota
	sortProgress
	sortDown
	sortUp
	sortSize
	sortETA
	sortRatio
	sortState
	numSorts
)

var sortNames = [numSorts]string{"name", "progress", "down rate", "up rate", "size", "ETA", "ratio", "state"}

// history is the last n samples of a rate, oldest first.
type history struct {
	down, up []float64
}

const histLen = 120 // 60 s at the default 500 ms tick

func (h *history) push(down, up float64) {
	h.down = appendRing(h.down, down)
	h.up = appendRing(h.up, up)
}

func appendRing(s []float64, v float64) []float64 {
	if len(s) >= histLen {
		s = append(s[:0], s[len(s)-histLen+1:]...)
	}
	return append(s, v)
}

// Messages.
type (
	tickMsg struct{}
	snapMsg struct {
		at       time.Time
		torrents []peer.Stats
		dht      int
	}
	doneMsg struct {
		what string
		err  error
	}
)

// Model is the bubbletea model. Use New; drive it with tea messages.
type Model struct {
	b    Backend
	opts Options
	th   theme
	keys keyMap
	help help.Model
	now  func() time.Time
	log  *Log

	width, height int

	torrents []peer.Stats // last snapshot, in backend order
	view     []int        // indexes into torrents after filter and sort
	selected string       // info hash of the selected torrent
	cursor   int          // index into view
	offset   int          // first visible table row
	dht      int
	have     bool // a snapshot has arrived
	fetching bool

	tab       tab
	detail    bool         // focus on the detail pane
	rows      [numTabs]int // cursor per tab (peers, files, trackers, log)
	tops      [numTabs]int // scroll per tab
	sort      sortKey
	reverse   bool
	filter    string
	mode      mode
	input     textinput.Model
	confirmIH string
	withData  bool

	global history
	hists  map[string]*history

	status    string
	statusErr bool
	statusAt  time.Time

	quitting bool
	result   Result
}

// New builds the model over a backend.
func New(b Backend, opts Options) *Model {
	if opts.Tick <= 0 {
		opts.Tick = 500 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = NewLog(0, 0)
	}
	plain := opts.Plain || plainFromEnv()
	m := &Model{
		b:        b,
		opts:     opts,
		th:       newTheme(plain, !plain, nil),
		keys:     newKeyMap(plain, opts.Detach),
		help:     help.New(),
		now:      time.Now,
		log:      opts.Log,
		width:    80,
		height:   24,
		dht:      -1,
		selected: opts.Follow,
		hists:    map[string]*history{},
		input:    textinput.New(),
	}
	m.styleHelp()
	return m
}

func (m *Model) styleHelp() {
	m.help.Styles.ShortKey = m.th.r.NewStyle()
	m.help.Styles.ShortDesc = m.th.dim
	m.help.Styles.ShortSeparator = m.th.dim
	m.help.Styles.FullKey = m.th.accent
	m.help.Styles.FullDesc = m.th.r.NewStyle()
	m.help.Styles.FullSeparator = m.th.dim
	m.help.Styles.Ellipsis = m.th.dim
	m.help.ShortSeparator = " " + m.th.g.dot + " "
	m.help.Ellipsis = m.th.g.ellipsis
	if m.th.ascii {
		m.help.ShortSeparator = "  "
	}
	m.input.Prompt = ""
	if m.th.color {
		m.input.TextStyle = m.th.r.NewStyle()
		m.input.PlaceholderStyle = m.th.dim
		m.input.Cursor.Style = m.th.accent
	} else {
		m.input.TextStyle = m.th.r.NewStyle()
		m.input.PlaceholderStyle = m.th.r.NewStyle()
		m.input.Cursor.Style = m.th.r.NewStyle()
		m.input.Cursor.TextStyle = m.th.r.NewStyle()
	}
}

// Result reports how the session ended (valid after the program exits).
func (m *Model) Result() Result { return m.result }

// Init starts the snapshot tick.
func (m *Model) Init() tea.Cmd {
	m.fetching = true
	return tea.Batch(m.fetch(), m.tick())
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(m.opts.Tick, func(time.Time) tea.Msg { return tickMsg{} })
}

// fetch takes a snapshot off the UI goroutine.
func (m *Model) fetch() tea.Cmd {
	b, now := m.b, m.now
	return func() tea.Msg {
		ts := b.Torrents()
		return snapMsg{at: now(), torrents: ts, dht: b.DHTNodes()}
	}
}

// act runs a backend action off the UI goroutine.
func (m *Model) act(what string, fn func() error) tea.Cmd {
	return func() tea.Msg { return doneMsg{what: what, err: fn()} }
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		return m, nil
	case tickMsg:
		if m.quitting {
			return m, nil
		}
		cmds := []tea.Cmd{m.tick()}
		if !m.fetching {
			m.fetching = true
			cmds = append(cmds, m.fetch())
		}
		return m, tea.Batch(cmds...)
	case snapMsg:
		m.fetching = false
		m.applySnapshot(msg)
		return m, nil
	case doneMsg:
		m.flash(msg.what, msg.err)
		if !m.fetching && !m.quitting {
			m.fetching = true
			return m, m.fetch()
		}
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	if m.mode == modeAdd || m.mode == modeFilter {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) flash(text string, err error) {
	m.status, m.statusErr, m.statusAt = text, err != nil, m.now()
	if err != nil {
		m.status = text + ": " + err.Error()
	}
}

func (m *Model) applySnapshot(s snapMsg) {
	for _, e := range changes(m.torrents, s.torrents, s.at, !m.have) {
		m.log.Add(e)
	}
	m.have = true
	m.torrents = s.torrents
	m.dht = s.dht
	var down, up float64
	alive := map[string]bool{}
	for _, t := range s.torrents {
		down += t.DownloadRate
		up += t.UploadRate
		h := m.hists[t.InfoHash]
		if h == nil {
			h = &history{}
			m.hists[t.InfoHash] = h
		}
		h.push(t.DownloadRate, t.UploadRate)
		alive[t.InfoHash] = true
	}
	for ih := range m.hists {
		if !alive[ih] {
			delete(m.hists, ih)
		}
	}
	m.global.push(down, up)
	m.refresh()
}

// refresh recomputes the filtered, sorted view and keeps the selection on
// the same torrent when it is still visible.
func (m *Model) refresh() {
	m.view = m.view[:0]
	f := strings.ToLower(m.filter)
	for i, t := range m.torrents {
		if f == "" || strings.Contains(strings.ToLower(t.Name), f) || strings.HasPrefix(t.InfoHash, f) {
			m.view = append(m.view, i)
		}
	}
	slices.SortStableFunc(m.view, func(a, b int) int {
		x, y := &m.torrents[a], &m.torrents[b]
		c := compareBy(m.sort, x, y)
		if m.reverse {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)), strings.Compare(x.InfoHash, y.InfoHash))
	})
	m.cursor = 0
	for i, ti := range m.view {
		if m.torrents[ti].InfoHash == m.selected {
			m.cursor = i
		}
	}
	if len(m.view) > 0 {
		m.selected = m.torrents[m.view[m.cursor]].InfoHash
	}
}

func compareBy(k sortKey, x, y *peer.Stats) int {
	switch k {
	case sortProgress:
		return cmp.Compare(y.Progress, x.Progress)
	case sortDown:
		return cmp.Compare(y.DownloadRate, x.DownloadRate)
	case sortUp:
		return cmp.Compare(y.UploadRate, x.UploadRate)
	case sortSize:
		return cmp.Compare(y.TotalLength, x.TotalLength)
	case sortETA:
		ex, ey := x.ETA, y.ETA
		if ex < 0 {
			ex = 1 << 62
		}
		if ey < 0 {
			ey = 1 << 62
		}
		return cmp.Compare(ex, ey)
	case sortRatio:
		return cmp.Compare(y.Ratio, x.Ratio)
	case sortState:
		return strings.Compare(string(x.State), string(y.State))
	}
	return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
}

// current is the selected torrent's snapshot, or nil.
func (m *Model) current() *peer.Stats {
	if len(m.view) == 0 || m.cursor >= len(m.view) {
		return nil
	}
	return &m.torrents[m.view[m.cursor]]
}

// Selected is the info hash of the selected torrent ("" when none).
func (m *Model) Selected() string {
	if t := m.current(); t != nil {
		return t.InfoHash
	}
	return ""
}

// Visible lists the names in the table, in display order.
func (m *Model) Visible() []string {
	out := make([]string, len(m.view))
	for i, ti := range m.view {
		out[i] = m.torrents[ti].Name
	}
	return out
}

func (m *Model) finish() tea.Cmd {
	m.quitting = true
	if m.opts.Follow != "" {
		for _, t := range m.torrents {
			if t.InfoHash == m.opts.Follow {
				m.result.Completed = isComplete(t)
				m.result.Err = t.Err
			}
		}
	}
	return tea.Quit
}

// isComplete: every wanted piece is verified.
func isComplete(t peer.Stats) bool {
	return t.HaveInfo && t.TotalLength > 0 && t.Completed >= t.TotalLength
}
