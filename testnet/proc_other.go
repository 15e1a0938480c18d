//go:build !linux

package testnet

import "os/exec"

// setDeathSignal: only Linux can tie a child's life to its parent's; the
// runner stops its children itself.
func setDeathSignal(*exec.Cmd) {}
