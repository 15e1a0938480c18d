// Package httpfront is the tracker's HTTP frontend: it parses announce
// (BEP 3) and scrape (BEP 48) query strings, asks the tracker core, and
// writes bencoded answers — compact peers (BEP 23) by default, the
// dictionary form when a client sends compact=0, IPv6 peers in peers6
// (BEP 7). Failures are bencoded "failure reason" dictionaries carrying only
// the core's fixed error strings.
package httpfront
