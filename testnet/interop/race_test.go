//go:build race

package interop

// raceEnabled makes TestMain build the shoal binary with -race as well, so a
// data race inside shoal during an interop run fails the test.
const raceEnabled = true
