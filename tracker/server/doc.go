// Package server runs a whole tracker: it builds the store (memory or
// Redis), the core and its metrics, binds the HTTP and UDP listeners
// (several of each, IPv4 and IPv6), serves Prometheus metrics, reloads the
// allow list on SIGHUP and shuts everything down gracefully when its
// context ends. `shoal tracker` is a thin command line over it.
package server
