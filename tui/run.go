package tui

import (
	"context"
	"errors"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

// Run shows the UI on the terminal until the user quits or ctx is done. The
// Result says whether opts.Follow completed. Run takes no snapshot after it
// returns, and leaves no goroutine behind.
func Run(ctx context.Context, b Backend, opts Options) (Result, error) {
	m := New(b, opts)
	plain := opts.Plain || plainFromEnv()
	color := !plain && termenv.NewOutput(os.Stdout).EnvColorProfile() != termenv.Ascii
	m.th = newTheme(plain, color, os.Stdout)
	m.keys = newKeyMap(plain, opts.Detach)
	m.styleHelp()
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx))
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		m.finish()
		err = nil
	}
	return m.result, err
}
