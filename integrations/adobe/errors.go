package adobe

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Reason is the closed set of failure classes. It drives retries, the
// sentence shown to people and metrics labels.
type Reason string

// Reasons.
const (
	// ReasonRateLimited: HTTP 429, error.throttled_by_external_service, or
	// the local Redis limiter has no slot soon enough. Retryable.
	ReasonRateLimited Reason = "rate_limited"
	// ReasonUnavailable: 5xx, timeouts, dropped connections, error.internal.*.
	// Retryable.
	ReasonUnavailable Reason = "unavailable"
	// ReasonAuth: IMS refused the credential, or UMAPI still answers 401
	// after one re-authentication, or the org id is wrong.
	ReasonAuth Reason = "auth"
	// ReasonForbidden: 403 (missing or unpermitted API key), error.apikey.invalid.
	ReasonForbidden Reason = "forbidden"
	// ReasonNotFound: the user or group does not exist.
	ReasonNotFound Reason = "not_found"
	// ReasonConflict: the account exists elsewhere or already exists.
	ReasonConflict Reason = "conflict"
	// ReasonInvalid: other 4xx and validation errors (domain not claimed,
	// identity type mismatch, malformed command, too many groups, ...).
	ReasonInvalid Reason = "invalid"
	// ReasonOrgMigrating: error.organization.migrating; no changes possible
	// for a while. Retryable, later.
	ReasonOrgMigrating Reason = "org_migrating"
	// ReasonCanceled: the caller's context ended.
	ReasonCanceled Reason = "canceled"
)

// orgMigratingDelay is how long to wait before retrying a migrating org;
// Adobe gives no figure (umapi-doc:docs/en/api/ErrorRef.md), so it is a guess.
const orgMigratingDelay = 30 * time.Minute

// Error is every failure the package returns, alone or wrapped.
type Error struct {
	Reason  Reason
	Op      string // e.g. "umapi.action", "umapi.user", "ims.token"
	Status  int    // HTTP status, 0 when none
	Code    string // UMAPI errorCode / result key, or IMS "error"
	Message string // Adobe's message, trimmed; never holds secrets

	// RetryAfter is the wait Adobe (or the local limiter) asked for.
	RetryAfter time.Duration
	// RetryAfterCapped says Adobe asked for more than Config.MaxRetryAfter
	// and RetryAfter was cut down to it.
	RetryAfterCapped bool

	// For errors of one command of an action call.
	User      string
	RequestID string
	Index     int // command index within the call, -1 when not a command error
	Step      int // step index within the command, -1 when unknown
	Groups    []string

	Attempts int   // HTTP attempts made
	Err      error // underlying transport error, if any
}

// Error renders the error for logs: op, reason, status, code, message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(string(e.Reason))
	if e.User != "" {
		fmt.Fprintf(&b, " user %s", e.User)
	}
	if e.Index >= 0 && e.Op == opAction {
		fmt.Fprintf(&b, " (command %d step %d)", e.Index, e.Step)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s", e.RetryAfter.Round(time.Millisecond))
		if e.RetryAfterCapped {
			b.WriteString(", capped")
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is matches a target *Error by Reason, and by Code when the target sets
// one: errors.Is(err, &adobe.Error{Reason: adobe.ReasonNotFound}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Reason == e.Reason && (t.Code == "" || t.Code == e.Code)
}

// Retryable says whether trying the same call later may succeed.
func (e *Error) Retryable() bool {
	switch e.Reason {
	case ReasonRateLimited, ReasonUnavailable, ReasonOrgMigrating:
		return true
	}
	return false
}

// Delay is the wait to honour before retrying (Retry-After or the local
// limiter's next slot); 0 when Adobe gave none.
func (e *Error) Delay() time.Duration {
	if e.RetryAfter > 0 {
		return e.RetryAfter
	}
	if e.Reason == ReasonOrgMigrating {
		return orgMigratingDelay
	}
	return 0
}

// Human is one sentence a person understands.
func (e *Error) Human() string {
	who := e.User
	if who == "" {
		who = "the user"
	}
	switch e.Code {
	case "error.domain.trust.nonexistent":
		return fmt.Sprintf("Adobe says the domain %s is not claimed by this organization, so it cannot change %s.", domainOf(who), who)
	case "error.user.type_mismatch":
		return fmt.Sprintf("Adobe says %s has a different identity type (Enterprise vs Federated) than the domain %s allows.", who, domainOf(who))
	case "error.user.type_not_available":
		return "Adobe says this organization cannot create users of the configured identity type."
	case "error.user.domain_enforcement":
		return fmt.Sprintf("Adobe blocks %s because of the organization's domain enforcement settings.", who)
	case "error.user.belongs_to_another_org":
		return fmt.Sprintf("Adobe says %s is owned by another organization and cannot be changed from here.", who)
	case "error.user.not_in_org":
		return fmt.Sprintf("Adobe says %s is not a member of this organization.", who)
	case "error.group.not_found", "error.usergroup.not_found":
		return fmt.Sprintf("Adobe cannot find the product profile %s; check the package configuration.", quoteList(e.Groups, "named in the request"))
	case "error.country.invalid":
		return "Adobe rejected the country code for the new user."
	case "error.user.email.invalid":
		return fmt.Sprintf("Adobe says the email address %s is not valid (at most 60 characters).", who)
	case "error.update.adobeid.no":
		return fmt.Sprintf("%s is a personal Adobe ID, which the organization cannot edit.", who)
	case "error.apikey.invalid":
		return "Adobe rejected the API key (ADOBE_CLIENT_ID)."
	case "error.organization.invalid_id", "error.organization.invalid":
		return "Adobe does not recognise the organization id (ADOBE_ORG_ID)."
	}
	switch e.Reason {
	case ReasonRateLimited:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("Adobe is rate limiting the bot; it will try again in about %s.", roundHuman(e.RetryAfter))
		}
		return "Adobe is rate limiting the bot; it will try again shortly."
	case ReasonUnavailable:
		return "The Adobe User Management API is not answering right now; the bot will try again."
	case ReasonAuth:
		return "Adobe refused the bot's credentials; an admin must check ADOBE_CLIENT_ID, ADOBE_CLIENT_SECRET and ADOBE_ORG_ID."
	case ReasonForbidden:
		return "Adobe refused the request (HTTP 403): the API key is missing or not allowed for this organization."
	case ReasonNotFound:
		if len(e.Groups) > 0 && e.User == "" {
			return fmt.Sprintf("Adobe cannot find the product profile %s.", quoteList(e.Groups, ""))
		}
		return fmt.Sprintf("Adobe has no user %s in this organization.", who)
	case ReasonConflict:
		return fmt.Sprintf("Adobe says %s already exists in a way that conflicts with this change.", who)
	case ReasonOrgMigrating:
		return "The Adobe organization is being migrated and accepts no changes right now; the bot will try again later."
	case ReasonCanceled:
		return "The Adobe request was cancelled."
	}
	if e.Message != "" {
		return fmt.Sprintf("Adobe rejected the change: %s.", strings.TrimRight(e.Message, "."))
	}
	return "Adobe rejected the change."
}

func domainOf(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return email
}

func quoteList(xs []string, fallback string) string {
	if len(xs) == 0 {
		return fallback
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

func roundHuman(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int((d+time.Second-1)/time.Second)) + " seconds"
	case d < 2*time.Hour:
		return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " minutes"
	}
	return strconv.Itoa(int((d+time.Hour-1)/time.Hour)) + " hours"
}

// ReasonOf returns the Reason of the first *Error in err's chain, or "".
func ReasonOf(err error) Reason {
	var e *Error
	if asError(err, &e) {
		return e.Reason
	}
	return ""
}

// reasonForCode maps a UMAPI errorCode or result key (umapi-doc:docs/en/api/ErrorRef.md).
func reasonForCode(code string) Reason {
	switch code {
	case "error.user.nonexistent", "error.user.not_found", "error.group.not_found",
		"error.usergroup.not_found", "error.user.not_in_org", "error.command.product.not_found",
		"error.user.nonexistent_or_has_conflicting_parameters", "plc.not_found":
		return ReasonNotFound
	case "error.user.already_in_org", "error.user.already_invited", "error.user.belongs_to_another_org",
		"error.user.name_in_use", "error.user.email.name_in_use", "error.usergroup.already_exists":
		return ReasonConflict
	case "error.organization.migrating":
		return ReasonOrgMigrating
	case "error.throttled_by_external_service":
		return ReasonRateLimited
	case "error.apikey.invalid":
		return ReasonForbidden
	case "error.organization.invalid_id", "error.organization.invalid", "error.organization.invalid_name":
		return ReasonAuth
	case "error.api.not_available":
		return ReasonUnavailable
	}
	if strings.HasPrefix(code, "error.internal.") {
		return ReasonUnavailable
	}
	return ReasonInvalid
}

// reasonForStatus maps an HTTP status (umapi-doc partials/unauthorized.md,
// forbidden.md, throttling.md; umapi-client retries 429/502/503/504).
func reasonForStatus(status int) Reason {
	switch {
	case status == 429:
		return ReasonRateLimited
	case status == 401:
		return ReasonAuth
	case status == 403:
		return ReasonForbidden
	case status == 404:
		return ReasonNotFound
	case status >= 500:
		return ReasonUnavailable
	}
	return ReasonInvalid
}
