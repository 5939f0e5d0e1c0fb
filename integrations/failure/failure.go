package failure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Reason is the closed set of failure reasons. It decides the Class,
// the fallback sentence for people and the metric label.
type Reason string

// Reasons. The comment of each gives its Class.
const (
	// ReasonRateLimited: the vendor (HTTP 429, Marketo 606/615, UMAPI
	// error.throttled_by_external_service) or the bot's own share of the
	// vendor's limit says "not now". RateLimited.
	ReasonRateLimited Reason = "rate_limited"
	// ReasonQuota: a daily quota is used up (Marketo 607); Delay runs to
	// its reset. RateLimited.
	ReasonQuota Reason = "quota"
	// ReasonMaintenance: the vendor account accepts no changes for a
	// while (UMAPI error.organization.migrating). RateLimited.
	ReasonMaintenance Reason = "maintenance"
	// ReasonUnavailable: 5xx, dropped connections, documented transient
	// codes (Marketo 604/608/611/713). Transient.
	ReasonUnavailable Reason = "unavailable"
	// ReasonTimeout: the call's deadline passed before the vendor
	// answered. Transient, and never retried inside the same call.
	ReasonTimeout Reason = "timeout"
	// ReasonCanceled: the caller's context was cancelled (shutdown).
	// Transient: the queue runs the work again.
	ReasonCanceled Reason = "canceled"
	// ReasonAuth: the credentials were refused. Permanent.
	ReasonAuth Reason = "auth"
	// ReasonForbidden: the credentials work but lack a permission (HTTP
	// 403, Marketo 603). Permanent.
	ReasonForbidden Reason = "forbidden"
	// ReasonNotFound: the user, group, role or profile the call named does
	// not exist. Permanent.
	ReasonNotFound Reason = "not_found"
	// ReasonConflict: the account exists elsewhere or already exists in a
	// way that conflicts with the change. Permanent.
	ReasonConflict Reason = "conflict"
	// ReasonInvalid: the vendor refused the request as malformed or against
	// a documented rule. Permanent.
	ReasonInvalid Reason = "invalid"
	// ReasonConfig: chataccess's settings or the vendor account's setup
	// are wrong (a base URL that answers 404 for an endpoint, a directory
	// that cannot create the account). Permanent; the sentence names what
	// to fix.
	ReasonConfig Reason = "config"
	// ReasonUnknown: the vendor answered something its documentation does
	// not list: an undocumented code or status, a 200 whose body has not
	// the documented shape. Unknown: a bounded number of tries.
	ReasonUnknown Reason = "unknown"
)

// Reasons lists every Reason, for metrics and tests.
func Reasons() []Reason {
	return []Reason{ReasonRateLimited, ReasonQuota, ReasonMaintenance, ReasonUnavailable, ReasonTimeout,
		ReasonCanceled, ReasonAuth, ReasonForbidden, ReasonNotFound, ReasonConflict, ReasonInvalid,
		ReasonConfig, ReasonUnknown}
}

// Class is what a caller does about a failure.
type Class uint8

// Classes.
const (
	// Permanent: retrying changes nothing; a person must act.
	Permanent Class = iota
	// Transient: try again after a backoff; every try counts against the
	// caller's attempt cap.
	Transient
	// RateLimited: come back after the delay; waiting is not failing, so
	// it does not count against the attempt cap (only a total-time cap).
	RateLimited
	// Unknown: the answer is not understood; at most MaxUnknownAttempts
	// tries, then the failure is final.
	Unknown
)

// MaxUnknownAttempts caps the tries of a failure of Class Unknown: an
// undocumented vendor answer may be a hiccup, so it gets a second and
// third chance, but never the full budget of a transient failure.
const MaxUnknownAttempts = 3

// String names the class for logs.
func (c Class) String() string {
	switch c {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case RateLimited:
		return "rate_limited"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// Class returns the class of r; a Reason outside the closed set is Unknown.
func (r Reason) Class() Class {
	switch r {
	case ReasonRateLimited, ReasonQuota, ReasonMaintenance:
		return RateLimited
	case ReasonUnavailable, ReasonTimeout, ReasonCanceled:
		return Transient
	case ReasonAuth, ReasonForbidden, ReasonNotFound, ReasonConflict, ReasonInvalid, ReasonConfig:
		return Permanent
	}
	return Unknown
}

// Classed is implemented by errors from outside the vendor clients that
// know their own class (e.g. the saga's own "this is final" errors).
type Classed interface {
	error
	FailureClass() Class
}

// Classify is the one retry decision for any error a vendor call or the
// work around it returns:
//
//   - an *Error anywhere in the chain: its reason's class and its Delay;
//   - a Classed error: its class, no delay;
//   - anything else (Redis, network before a vendor was reached, a
//     context that ended): Transient, no delay.
//
// The delay is the wait the vendor asked for (Retry-After, quota reset);
// 0 means "use your own backoff". A nil err is Permanent: nothing to retry.
func Classify(err error) (Class, time.Duration) {
	if err == nil {
		return Permanent, 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Reason.Class(), e.Delay()
	}
	var c Classed
	if errors.As(err, &c) {
		return c.FailureClass(), 0
	}
	return Transient, 0
}

// ReasonOf returns the Reason of the first *Error in err's chain, or "".
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Human returns the sentence for people of the first *Error in err's
// chain, else of any error with a Human() string method, else err.Error().
func Human(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Human()
	}
	var h interface{ Human() string }
	if errors.As(err, &h) {
		return h.Human()
	}
	return err.Error()
}

// FromContext classifies a failure of a call whose context ctx may have
// ended: the deadline passed (ReasonTimeout), the caller cancelled
// (ReasonCanceled), else a transport failure (ReasonUnavailable), unless
// err itself reports a timeout (net/http's Client.Timeout, a dial timeout).
func FromContext(ctx context.Context, err error) Reason {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return ReasonTimeout
	case ctx.Err() != nil:
		return ReasonCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	}
	var t interface{ Timeout() bool }
	if errors.As(err, &t) && t.Timeout() {
		return ReasonTimeout
	}
	return ReasonUnavailable
}

// QuoteList renders names for sentences: `"Live Agent", "Sales Admin"`.
func QuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
