package tui

import (
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// glyphs are the characters bars, sparklines and maps are drawn with.
type glyphs struct {
	barFull, barEmpty string
	barParts          []string // partial cells, smallest first
	spark             []string // sparkline levels, lowest first
	chart             []string // area chart levels, lowest first
	pieceHave         string
	pieceLevels       []string // missing pieces by availability 1, 2, ...
	pieceNone         string   // missing, nobody has it
	up, down          string
	hline, vline      string
	cursor            string
	ellipsis          string
	badge             string // seed servers are feeding this torrent
	star              string
	dot               string
	times             string
}

var unicodeGlyphs = glyphs{
	barFull: "█", barEmpty: "░",
	barParts:    []string{"▏", "▎", "▍", "▌", "▋", "▊", "▉"},
	spark:       []string{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"},
	chart:       []string{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"},
	pieceHave:   "█",
	pieceLevels: []string{"▁", "▂", "▃", "▄", "▅", "▆", "▇"},
	pieceNone:   "×",
	up:          "↑", down: "↓",
	hline: "─", vline: "│",
	cursor:   "▶",
	ellipsis: "…",
	badge:    "⛁",
	star:     "★",
	dot:      "·",
	times:    "×",
}

var asciiGlyphs = glyphs{
	barFull: "#", barEmpty: "-",
	spark:       []string{" ", ".", "_", "-", "=", "+", "*", "#", "@"},
	chart:       []string{" ", ".", ":", "|"},
	pieceHave:   "#",
	pieceLevels: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "+"},
	pieceNone:   "0",
	up:          "^", down: "v",
	hline: "-", vline: "|",
	cursor:   ">",
	ellipsis: "~",
	badge:    "$",
	star:     "*",
	dot:      ".",
	times:    "x",
}

// theme is the glyph set and the styles. With color off every style renders
// its text unchanged.
type theme struct {
	g     glyphs
	ascii bool
	color bool
	r     *lipgloss.Renderer

	title, dim, bold, sel, selDim, tabOn, tabOff, header lipgloss.Style
	ok, warn, bad, accent, down, up, seedsrv             lipgloss.Style
	heat                                                 []lipgloss.Style // rarest (index 0) to common
	haveStyle, noneStyle                                 lipgloss.Style
	box                                                  lipgloss.Style
}

// plainFromEnv says whether the environment asks for plain ASCII output.
func plainFromEnv() bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return true
	}
	t := os.Getenv("TERM")
	return t == "dumb" || t == ""
}

func newTheme(ascii, color bool, out io.Writer) theme {
	if out == nil {
		out = io.Discard
	}
	r := lipgloss.NewRenderer(out)
	if color {
		r.SetColorProfile(termenv.TrueColor)
		r.SetHasDarkBackground(true)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	th := theme{g: unicodeGlyphs, ascii: ascii, color: color, r: r}
	if ascii {
		th.g = asciiGlyphs
	}
	fg := func(c string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(c)) }
	th.title = r.NewStyle().Bold(true).Foreground(lipgloss.Color("#0b1f2a")).Background(lipgloss.Color("#5fd7d7"))
	th.dim = fg("#6c7a89")
	th.bold = r.NewStyle().Bold(true)
	th.sel = r.NewStyle().Background(lipgloss.Color("#1f3b4d")).Bold(true)
	th.selDim = r.NewStyle().Background(lipgloss.Color("#263238"))
	th.tabOn = r.NewStyle().Bold(true).Foreground(lipgloss.Color("#0b1f2a")).Background(lipgloss.Color("#87d7ff"))
	th.tabOff = fg("#8aa4b8")
	th.header = fg("#87afd7").Bold(true)
	th.ok = fg("#87d787")
	th.warn = fg("#ffd75f")
	th.bad = fg("#ff5f5f")
	th.accent = fg("#5fd7d7")
	th.down = fg("#5fafff")
	th.up = fg("#d787ff")
	th.seedsrv = fg("#ffaf5f")
	th.haveStyle = fg("#5faf5f")
	th.noneStyle = fg("#ff5f5f").Bold(true)
	// Rarest (red) to most common (blue): the picker eats the warm end first.
	for _, c := range []string{"#ff5f00", "#ff8700", "#ffaf00", "#d7d700", "#87d75f", "#5fd7af", "#5fafd7", "#5f87d7", "#5f5fd7", "#8787ff"} {
		th.heat = append(th.heat, fg(c))
	}
	th.box = r.NewStyle()
	return th
}

// s renders text in a style (a no-op when color is off).
func (th theme) s(st lipgloss.Style, text string) string {
	if !th.color || text == "" {
		return text
	}
	return st.Render(text)
}
