package testnet

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel kill the child if the runner dies first, so
// no `shoal get` outlives a crashed or killed run.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
