package storage

// IsDiskFull reports whether err, or any error it wraps, says the disk is
// full or the user's quota is exhausted (ENOSPC, EDQUOT; ERROR_DISK_FULL
// and ERROR_HANDLE_DISK_FULL on Windows). The engine pauses the torrent
// with the reason instead of failing.
func IsDiskFull(err error) bool {
	return err != nil && isDiskFull(err)
}
