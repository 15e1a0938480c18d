// Package bench holds shoal's end-to-end benchmarks against real programs:
// the loopback transfer of one large file between shoal and aria2c in every
// pairing, with aria2c→aria2c as the reference. Run through `make bench`.
package bench
