package marketo

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Reason is the closed set of failure classes. It decides retries,
// the sentence shown to people and the metric label.
type Reason string

// Reasons.
const (
	// ReasonRateLimited: the instance rate (606), concurrency (615) or
	// HTTP 429 limit, or the bot's own share of it. Retry after Delay.
	ReasonRateLimited Reason = "rate_limited"
	// ReasonUnavailable: timeouts, 5xx, 604/608/611/614/713, dropped
	// connections, unreadable 200 bodies. Retry with backoff.
	ReasonUnavailable Reason = "unavailable"
	// ReasonAuth: bad client id or secret, or a token refused even after
	// a fresh one (601/602). Permanent until someone fixes credentials.
	ReasonAuth Reason = "auth"
	// ReasonQuota: the daily quota is used up (607). Retry after the
	// quota resets at midnight US Central time.
	ReasonQuota Reason = "quota"
	// ReasonNotFound: the user, invite or resource does not exist (HTTP
	// 404, 610, 702). Permanent.
	ReasonNotFound Reason = "not_found"
	// ReasonInvalid: the request was refused as malformed or against a
	// business rule (4xx, 605, 609, 612, 613, 7xx). Permanent.
	ReasonInvalid Reason = "invalid"
	// ReasonForbidden: the API-only user's role lacks a permission, or
	// an IP allowlist blocks the bot (603, 616, HTTP 403). Permanent.
	ReasonForbidden Reason = "forbidden"
)

// Reasons lists every Reason, for metrics and tests.
func Reasons() []Reason {
	return []Reason{ReasonRateLimited, ReasonUnavailable, ReasonAuth, ReasonQuota, ReasonNotFound, ReasonInvalid, ReasonForbidden}
}

// Error is every failure the client returns after talking to Marketo.
// It never holds the client secret or a token.
type Error struct {
	Reason Reason
	// Op is the operation, e.g. "add role".
	Op string
	// Status is the HTTP status (0 when no response arrived).
	Status int
	// Code is Marketo's error code ("606"), or the OAuth error of the
	// identity endpoint ("invalid_client"); empty when none was given.
	Code string
	// Message is Marketo's message, trimmed.
	Message string
	// RetryAfter is how long to wait before trying again (0 when the
	// error is permanent or the wait is up to the caller's backoff).
	RetryAfter time.Duration
	// Target names what the call was about (a user id or email).
	Target string
	// Err is the underlying transport error, if any.
	Err error
}

// Error renders the failure for logs: op, target, reason, status, code
// and message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("marketo: ")
	b.WriteString(e.Op)
	if e.Target != "" {
		b.WriteString(" ")
		b.WriteString(e.Target)
	}
	b.WriteString(": ")
	b.WriteString(string(e.Reason))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			b.WriteString(", code ")
			b.WriteString(e.Code)
		}
		b.WriteString(")")
	} else if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry in %s)", e.RetryAfter.Round(time.Second))
	}
	return b.String()
}

// Unwrap returns the transport error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the reason sentinels: errors.Is(err, marketo.ErrNotFound).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Reason == e.Reason && t.Code == ""
}

// Retryable says whether trying again later can succeed.
func (e *Error) Retryable() bool {
	switch e.Reason {
	case ReasonRateLimited, ReasonUnavailable, ReasonQuota:
		return true
	}
	return false
}

// Delay is how long to wait before the next try: RetryAfter when known,
// else a default per reason; 0 for permanent errors.
func (e *Error) Delay() time.Duration {
	if !e.Retryable() {
		return 0
	}
	if e.RetryAfter > 0 {
		return e.RetryAfter
	}
	switch e.Reason {
	case ReasonRateLimited:
		// 606 counts calls "in the past 20 seconds" (error-codes.md).
		return InstanceRatePeriod
	case ReasonQuota:
		return time.Hour
	}
	return 30 * time.Second
}

// Human is a sentence a person understands, for chat cards.
func (e *Error) Human() string {
	wait := ""
	if d := e.Delay(); d > 0 {
		wait = " chataccess will try again in " + humanDuration(d) + "."
	}
	switch e.Reason {
	case ReasonRateLimited:
		return "Marketo is busy: the API call limit shared by every integration on this instance was reached." + wait
	case ReasonUnavailable:
		return "Marketo did not answer properly (it may be down or slow)." + wait
	case ReasonQuota:
		return "The Marketo daily API quota is used up; it resets at midnight US Central time." + wait
	case ReasonAuth:
		return "chataccess could not sign in to Marketo: check the LaunchPoint client id and secret of the API-only user."
	case ReasonForbidden:
		return "Marketo refused the call: the API-only user's role needs the permissions \"Access Users\" and \"Access User Management Api\", and the IP allowlist must let chataccess in."
	case ReasonNotFound:
		if e.Target != "" && strings.HasSuffix(e.Op, " user") {
			return "Marketo has no user " + e.Target + " (yet): a user added in the Adobe Admin Console can take a while to appear in Marketo."
		}
		if e.Target != "" {
			return "Marketo could not find " + e.Target + "."
		}
		return "Marketo could not find what chataccess asked for."
	case ReasonInvalid:
		if e.Message != "" {
			return "Marketo refused the change: " + e.Message + "."
		}
		return "Marketo refused the change as invalid."
	}
	return "Marketo failed."
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int((d+time.Second-1)/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " min"
	}
	h := d / time.Hour
	m := (d - h*time.Hour + time.Minute - 1) / time.Minute
	if m == 60 {
		h, m = h+1, 0
	}
	return fmt.Sprintf("%d h %02d min", h, m)
}

// Sentinels for errors.Is; they match any *Error of that Reason.
var (
	ErrRateLimited = &Error{Reason: ReasonRateLimited}
	ErrUnavailable = &Error{Reason: ReasonUnavailable}
	ErrAuth        = &Error{Reason: ReasonAuth}
	ErrQuota       = &Error{Reason: ReasonQuota}
	ErrNotFound    = &Error{Reason: ReasonNotFound}
	ErrInvalid     = &Error{Reason: ReasonInvalid}
	ErrForbidden   = &Error{Reason: ReasonForbidden}
)

// ReasonOf returns the Reason of err, or "" when err is not an *Error.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// isTokenCode says whether code asks for a new token (601 invalid, 602
// expired; mkto-dev:help/rest-api/authentication.md).
func isTokenCode(code string) bool { return code == "601" || code == "602" }

// classifyCode maps a Marketo response-level code to a Reason. The
// table follows mkto-dev:help/rest-api/error-codes.md. ok is false for
// codes it does not know.
func classifyCode(code string) (r Reason, ok bool) {
	switch code {
	case "601", "602":
		return ReasonAuth, true
	case "603", "616":
		return ReasonForbidden, true
	case "604", "608", "611", "614", "713", "719":
		// 614 "usually indicates temporary inaccessibility", 719 is a lock wait timeout.
		return ReasonUnavailable, true
	case "606", "615":
		return ReasonRateLimited, true
	case "607":
		return ReasonQuota, true
	case "610", "702":
		return ReasonNotFound, true
	case "605", "609", "612", "613":
		return ReasonInvalid, true
	}
	if n, err := strconv.Atoi(code); err == nil && n >= 700 && n < 800 {
		return ReasonInvalid, true
	}
	return "", false
}

// classifyStatus maps an HTTP status without a known code to a Reason.
func classifyStatus(status int) Reason {
	switch {
	case status == http.StatusTooManyRequests:
		return ReasonRateLimited
	case status == http.StatusUnauthorized:
		return ReasonAuth
	case status == http.StatusForbidden:
		return ReasonForbidden
	case status == http.StatusNotFound || status == http.StatusGone:
		return ReasonNotFound
	case status == http.StatusRequestTimeout || status >= 500:
		return ReasonUnavailable
	}
	return ReasonInvalid
}

// classify builds the *Error for a failed response. now is used for the
// 607 quota reset.
func classify(op string, status int, code, msg string, header http.Header, now time.Time) *Error {
	e := &Error{Op: op, Status: status, Code: code, Message: trimMessage(msg)}
	if r, ok := classifyCode(code); ok {
		e.Reason = r
	} else {
		e.Reason = classifyStatus(status)
	}
	// A 404 status always means "not there", whatever the code says.
	if status == http.StatusNotFound {
		e.Reason = ReasonNotFound
	}
	if ra, ok := parseRetryAfter(header.Get("Retry-After"), now); ok {
		e.RetryAfter = ra
	}
	if e.Reason == ReasonQuota {
		e.RetryAfter = max(e.RetryAfter, UntilQuotaReset(now))
	}
	return e
}

// parseRetryAfter reads delta-seconds or an HTTP-date (RFC 9110).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, 7*24*3600)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// trimMessage keeps vendor messages to one short line.
func trimMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
