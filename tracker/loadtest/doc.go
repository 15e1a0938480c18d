// Package loadtest holds the tracker load benchmark (`make bench`): a
// bounded loopback load generator that fills 10,000 swarms × 100 peers,
// then announces over UDP and HTTP for a fixed time against `shoal tracker`
// (memory and Redis stores) and opentracker in the same run, and reports
// announces/s, errors, peers per answer, ratios and resident memory with
// 1,000,000 peers stored. Its test runs only when SHOAL_TRACKER_LOAD=1.
package loadtest
