package tracker

import "errors"

// Error is a client-facing error: its text is one of the fixed strings
// below and is the only thing a frontend ever sends back for a failure.
type Error struct {
	Code string // metrics label
	Msg  string // sent to the client
}

func (e *Error) Error() string { return e.Msg }

// The complete list of errors clients can receive.
var (
	ErrMalformed       = &Error{"malformed", "malformed request"}
	ErrInfoHash        = &Error{"bad_info_hash", "invalid info_hash"}
	ErrPeerID          = &Error{"bad_peer_id", "invalid peer_id"}
	ErrPort            = &Error{"bad_port", "invalid port"}
	ErrNotAuthorized   = &Error{"not_authorized", "requested download is not authorized"}
	ErrTooManyHashes   = &Error{"too_many_hashes", "too many info_hash values"}
	ErrFullScrape      = &Error{"full_scrape", "full scrape is not allowed"}
	ErrRateLimited     = &Error{"rate_limited", "rate limit exceeded, slow down"}
	ErrUnknownAction   = &Error{"unknown_action", "unknown action"}
	ErrConnectionID    = &Error{"bad_connection_id", "connection ID expired"}
	ErrNotFound        = &Error{"not_found", "unknown path"}
	ErrInternal        = &Error{"internal", "internal server error"}
	errorsForReference = []*Error{ErrMalformed, ErrInfoHash, ErrPeerID, ErrPort, ErrNotAuthorized,
		ErrTooManyHashes, ErrFullScrape, ErrRateLimited, ErrUnknownAction, ErrConnectionID, ErrNotFound, ErrInternal}
)

// ClientErrors lists every error a client can receive (for documentation
// and tests).
func ClientErrors() []*Error { return append([]*Error(nil), errorsForReference...) }

// AsClientError maps any error to the client error to send: a *Error
// itself, anything else ErrInternal (its text stays in our logs).
func AsClientError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternal
}
