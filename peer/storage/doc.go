// Package storage keeps a torrent's data on disk: it maps the torrent's
// global byte range onto its files, reads and writes with pread/pwrite
// through a small cache of open files (no mmap), hashes and writes complete
// pieces on a worker pool off the engine's event loop, records resume state
// atomically, verifies existing data and creates .torrent files.
//
// # Layout
//
// A single-file torrent is stored at Options.Dir/<name>; a multi-file
// torrent at Options.Dir/<name>/<path...>. Only the v1 "name" and "path"
// fields are used for file names (never their ".utf-8" variants), after
// [ValidateInfo] has refused absolute paths, "..", "." and empty
// components, separators and NUL bytes. All file access goes through an
// [os.Root] at Options.Dir, so a symlink inside the data directory cannot
// lead a write outside it either.
//
// BEP 47 padding files (attr contains 'p') are never materialised: they
// read as zeros and writes to them are discarded.
//
// # Files on disk
//
// Nothing is created by [Open], [Storage.ReadAt], [Storage.HashPiece] or
// [Storage.Verify]. The first write to a file creates it (and its parent
// directories) and sets its size to the length the torrent says (sparse
// where the file system allows), truncating a longer file. The first write
// to the torrent also creates every zero-length file, so they exist by the
// end of any download.
//
// # Durability
//
// A piece is durable only after [Storage.Sync]. [Storage.Checkpoint] calls
// Sync before it writes the resume file, and callers pass only pieces whose
// writes completed before the call, so a resume file never records a piece
// whose data was not on stable storage first: a crash may lose pieces, never
// produce a wrong "have".
package storage
