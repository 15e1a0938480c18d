//go:build !race

package udpfront

const raceEnabled = false
