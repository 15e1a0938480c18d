package interop

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// netnsEnv is set in the environment of the test binary re-executed inside
// its private network namespace.
const netnsEnv = "SHOAL_INTEROP_NETNS"

// The namespace's loopback addresses, one per program.
const (
	ipTracker      = "10.77.0.1" // opentracker
	ipAria2        = "10.77.0.2" // aria2c
	ipTransmission = "10.77.0.3" // transmission-daemon
	ipShoalSeed    = "10.77.0.4" // shoal seed
	ipShoalGet     = "10.77.0.5" // shoal get
	ipShoalGet2    = "10.77.0.6" // a second shoal get
	nsAddrs        = 9           // 10.77.0.1 … 10.77.0.9 exist in the namespace
)

var (
	// shoalBin is the shoal binary under test.
	shoalBin string
	// skipReason, when set, makes every test skip with it.
	skipReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv(netnsEnv) != "" {
		os.Exit(insideNamespace(m))
	}
	switch {
	case testing.Short():
		skipReason = "interop tests run real programs; skipped with -short"
	case os.Geteuid() != 0:
		skipReason = "interop tests need root to create a private network namespace (unshare --net); run as root (CI does)"
	}
	if skipReason == "" {
		for _, tool := range []string{"unshare", "ip"} {
			if _, err := exec.LookPath(tool); err != nil {
				skipReason = fmt.Sprintf("interop tests need %q (util-linux, iproute2) to create a network namespace: %v", tool, err)
			}
		}
	}
	if skipReason != "" {
		os.Exit(m.Run())
	}
	os.Exit(reexecInNamespace())
}

// reexecInNamespace builds shoal (unless SHOAL_BIN is set), then runs this
// test binary again, with the same arguments, inside a new network namespace
// whose loopback has the 10.77.0.x addresses, and returns its exit code.
func reexecInNamespace() int {
	bin := os.Getenv("SHOAL_BIN")
	if bin == "" {
		tmp, err := os.MkdirTemp("", "shoal-interop-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "interop:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		bin = filepath.Join(tmp, "shoal")
		args := []string{"build", "-o", bin}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "github.com/shoal-p2p/shoal/cmd/shoal")
		fmt.Fprintf(os.Stderr, "interop: go %s\n", strings.Join(args, " "))
		build := exec.Command("go", args...)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "interop: go %s: %v\n", strings.Join(args, " "), err)
			return 1
		}
	} else if abs, err := filepath.Abs(bin); err == nil {
		bin = abs
	}

	script := "ip link set lo up"
	for i := 1; i <= nsAddrs; i++ {
		script += fmt.Sprintf(" && ip addr add 10.77.0.%d/32 dev lo", i)
	}
	script += ` && exec "$0" "$@"`
	args := append([]string{"--net", "--", "/bin/sh", "-c", script}, os.Args...)
	cmd := exec.Command("unshare", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(cleanEnv(os.Environ()), netnsEnv+"=1", "SHOAL_BIN="+bin)
	// If we die, the re-executed tests die too (and take their programs with them).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "interop: running the tests in a network namespace:", err)
		return 1
	}
}

func insideNamespace(m *testing.M) int {
	shoalBin = os.Getenv("SHOAL_BIN")
	if shoalBin == "" {
		skipReason = "SHOAL_BIN is not set inside the network namespace"
		return m.Run()
	}
	// Make sure we really are in the namespace TestMain made: its addresses
	// must be ours, and the host's interfaces must be absent.
	ln, err := net.Listen("tcp", ipTracker+":0")
	if err != nil {
		skipReason = fmt.Sprintf("%s=1 but %s is not a local address (%v); unset it and let TestMain create the namespace", netnsEnv, ipTracker, err)
		return m.Run()
	}
	ln.Close()
	ifs, _ := net.Interfaces()
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback == 0 {
			fmt.Fprintf(os.Stderr, "interop: refusing to run: interface %s exists, so this is not a private network namespace\n", ifc.Name)
			return 1
		}
	}
	return m.Run()
}

// cleanEnv drops proxy settings so that no program sends tracker requests
// anywhere but to the tracker we name.
func cleanEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(strings.ToLower(k), "_proxy") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
