package failure

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Error is every failure the vendor clients return, alone or wrapped.
// No field ever holds a secret or a token: vendor messages and transport
// errors are scrubbed before they are stored.
type Error struct {
	// Vendor is the name people know: "Adobe", "Marketo".
	Vendor string
	// Op is the operation, e.g. "umapi.action", "ims.token", "add role".
	Op     string
	Reason Reason
	// Status is the HTTP status; 0 when no answer arrived.
	Status int
	// Code is the vendor's code: a UMAPI errorCode or result key, a
	// Marketo code ("606"), an OAuth error ("invalid_client").
	Code string
	// Message is the vendor's message: one line, at most 300 bytes.
	Message string
	// User is the person the call was about (email or vendor user id);
	// "" when the call was about nobody in particular.
	User string
	// Object is what else the call was about, ready for a sentence:
	// `product profile "Live Agent"`, "role 101 in workspace 1008".
	Object string
	// RequestID is the bot's reference the vendor echoed, if any.
	RequestID string

	// RetryAfter is the wait the vendor (or the bot's own limiter) asked
	// for: Retry-After, a quota reset, a documented window.
	RetryAfter time.Duration
	// RetryAfterCapped says the vendor asked for more than the client's
	// cap and RetryAfter was cut down to it.
	RetryAfterCapped bool
	// Attempts counts the HTTP attempts made; 0 when none was.
	Attempts int
	// Waited is how long the call ran before it gave up (timeouts).
	Waited time.Duration

	// Explain is the vendor's sentence for people; nil, or "" from it,
	// falls back to a sentence built from Reason, Vendor, User and Object.
	// It is called lazily, so fields set after construction count.
	Explain func(*Error) string
	// Phrase is the message id and arguments of Explain's sentence, for
	// the catalogs (see Sentence); nil, or "" from it, when the vendor's
	// sentence has none.
	Phrase func(*Error) (string, map[string]string)
	// Err is the underlying cause (transport error, context error), if any.
	Err error
}

// Error renders the failure for logs:
// "adobe: umapi.user alice@example.com: not_found (HTTP 404, code error.user.not_found): User not found".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(strings.ToLower(e.Vendor))
	if e.Vendor != "" {
		b.WriteString(": ")
	}
	b.WriteString(e.Op)
	for _, s := range []string{e.User, e.Object} {
		if s != "" {
			b.WriteString(" ")
			b.WriteString(s)
		}
	}
	b.WriteString(": ")
	b.WriteString(string(e.Reason))
	switch {
	case e.Status != 0 && e.Code != "":
		fmt.Fprintf(&b, " (HTTP %d, code %s)", e.Status, e.Code)
	case e.Status != 0:
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	case e.Code != "":
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
		fmt.Fprintf(&b, " (retry in %s", e.RetryAfter.Round(time.Second))
		if e.RetryAfterCapped {
			b.WriteString(", capped")
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches a target *Error on the fields the target sets among Reason,
// Vendor and Code: errors.Is(err, &failure.Error{Reason: failure.ReasonNotFound}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t.Reason == "" && t.Vendor == "" && t.Code == "" {
		return false
	}
	return (t.Reason == "" || t.Reason == e.Reason) && (t.Vendor == "" || t.Vendor == e.Vendor) &&
		(t.Code == "" || t.Code == e.Code)
}

// Class is the class of the error's Reason.
func (e *Error) Class() Class { return e.Reason.Class() }

// Retryable says whether trying the same call later may succeed: every
// class but Permanent (Unknown only a bounded number of times).
func (e *Error) Retryable() bool { return e.Class() != Permanent }

// Delay is the wait to honour before the next try: RetryAfter for a
// retryable error, 0 for a permanent one (and when the vendor named none).
func (e *Error) Delay() time.Duration {
	if !e.Retryable() {
		return 0
	}
	return e.RetryAfter
}

// Human is one sentence a person understands, for chat cards and alerts.
func (e *Error) Human() string {
	if e.Explain != nil {
		if s := e.Explain(e); s != "" {
			return s
		}
	}
	return e.fallback()
}

// fallback builds the sentence from the reason and the fields that are
// set, never from placeholders: a missing user or object leaves its
// clause out rather than saying "the user" where a name belongs.
func (e *Error) fallback() string {
	v := e.Vendor
	if v == "" {
		v = "The vendor"
	}
	switch e.Reason {
	case ReasonRateLimited:
		return v + " is rate limiting chataccess; it will try again " + e.When() + "."
	case ReasonQuota:
		return v + "'s daily API quota is used up; chataccess will try again " + e.When() + "."
	case ReasonMaintenance:
		return v + " accepts no changes right now; chataccess will try again " + e.When() + "."
	case ReasonUnavailable:
		return v + " is not answering properly right now; chataccess will try again."
	case ReasonTimeout:
		return e.TimeoutSentence("")
	case ReasonCanceled:
		return "The " + v + " call was cancelled before it finished; it will run again."
	case ReasonAuth:
		return v + " refused chataccess's credentials."
	case ReasonForbidden:
		return v + " refused the call: chataccess's account lacks a permission."
	case ReasonNotFound:
		return v + " could not find " + e.about("what chataccess asked for") + "."
	case ReasonConflict:
		return v + " says " + e.about("the account") + " conflicts with this change."
	case ReasonConfig:
		return "chataccess's " + v + " settings need fixing" + e.colonMessage() + "."
	case ReasonUnknown:
		return e.UnknownSentence()
	}
	return v + " refused the change" + e.colonMessage() + "."
}

// about names what the call was about: Object, else User, else dflt.
func (e *Error) about(dflt string) string {
	switch {
	case e.Object != "" && e.User != "":
		return e.Object + " for " + e.User
	case e.Object != "":
		return e.Object
	case e.User != "":
		return e.User
	}
	return dflt
}

func (e *Error) colonMessage() string {
	if e.Message == "" {
		return ""
	}
	return ": " + strings.TrimRight(e.Message, ". ")
}

// When says when the next try comes: "in about 38 seconds", or "shortly".
func (e *Error) When() string {
	if e.RetryAfter <= 0 {
		return "shortly"
	}
	return "in about " + HumanDuration(e.RetryAfter)
}

// TimeoutSentence says what the call waited for and for how long:
// "Adobe did not answer within 30 seconds (changing product profiles);
// chataccess will try again." what defaults to Op.
func (e *Error) TimeoutSentence(what string) string {
	if what == "" {
		what = e.Op
	}
	v := e.Vendor
	if v == "" {
		v = "The vendor"
	}
	s := v + " did not answer"
	if e.Waited > 0 {
		s += " within " + HumanDuration(e.Waited)
	}
	if what != "" {
		s += " (" + what + ")"
	}
	return s + "; chataccess will try again."
}

// UnknownSentence describes an undocumented answer with what identifies
// it (code or HTTP status, and the vendor's message), so an admin can
// search for it.
func (e *Error) UnknownSentence() string {
	v := e.Vendor
	if v == "" {
		v = "The vendor"
	}
	id := e.Code
	if id == "" && e.Status != 0 {
		id = "HTTP " + strconv.Itoa(e.Status)
	}
	s := v + " gave an answer chataccess does not recognise"
	if id != "" {
		s += " (" + id + e.colonMessage() + ")"
	}
	return s + "; it is tried a few times, then an admin must look at it."
}

// HumanDuration rounds d up for people: "38 seconds", "12 minutes",
// "2 hours 5 minutes".
func HumanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	switch {
	case d < time.Minute:
		return plural(int64((d+time.Second-1)/time.Second), "second")
	case d < 2*time.Hour:
		return plural(int64((d+time.Minute-1)/time.Minute), "minute")
	}
	mins := int64((d + time.Minute - 1) / time.Minute)
	h, m := mins/60, mins%60
	if m == 0 {
		return plural(h, "hour")
	}
	return plural(h, "hour") + " " + plural(m, "minute")
}
