// Package storetest is the one conformance suite and the one benchmark
// suite that every tracker store backend runs: a backend's tests call Run
// and its benchmarks call Bench with a constructor.
package storetest
