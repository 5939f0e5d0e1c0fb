package failure

import "time"

// Observer hears what a vendor client does with its calls, for metrics.
// A client without one (nil) reports nothing. Methods run on the
// caller's goroutine while the call is under way, so they must be quick
// and safe for concurrent use.
//
// vendor is the client's Vendor ("Adobe", "Marketo") and op one of its
// operation constants ("umapi.action", "add role"): never a user, an
// object or anything else taken from a request.
type Observer interface {
	// CallEnded reports one call after the client's own retries: err is
	// nil on success, else what the call returned (an *Error in its
	// chain gives the Reason and the HTTP status; Status 0 with
	// ReasonRateLimited means no request was sent because the bot's own
	// share of the limit, or an earlier Retry-After, said "not now").
	// took covers every attempt and wait of the call.
	CallEnded(vendor, op string, err error, took time.Duration)
	// Retrying reports an attempt that failed with e, which the client
	// tries again inside the same call after wait (Retry-After, or a
	// backoff after a transient failure).
	Retrying(vendor, op string, e *Error, wait time.Duration)
	// LimitWait reports a call held back for d until a slot of the bot's
	// own share of the vendor's rate limit frees up.
	LimitWait(vendor, op string, d time.Duration)
}
