// Package interop tests shoal against real BitTorrent programs: aria2c,
// transmission-daemon and opentracker from Debian packages, run next to the
// real shoal binary.
//
// The tests run only as root: TestMain re-executes the test binary inside a
// private network namespace (unshare --net) whose loopback carries the
// addresses 10.77.0.1–10.77.0.9, so every program gets an address of its own
// and nothing can leave the machine. Every third-party client runs with DHT,
// local peer discovery, PEX, UPnP/NAT-PMP and default trackers off.
//
// Run them with `make interop` (go test -run Interop ./testnet/...). Set
// SHOAL_BIN to test a prebuilt shoal binary instead of building one.
package interop
