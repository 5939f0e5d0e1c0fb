package marketo

import (
	"net/http"
	"strings"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

// Vendor is the name failures carry (failure.Error.Vendor).
const Vendor = "Marketo"

// codeReasons sorts every code mkto-dev:help/rest-api/error-codes.md
// documents (response-level 6xx and 7xx, record-level 1xxx) into a
// failure.Reason; codes not listed are ReasonUnknown. 601 and 602 ask for
// a new token first (the client refreshes once); if the new token is
// refused too the credentials are wrong. 610 on an endpoint that always
// exists means MARKETO_BASE_URL is wrong (see classify).
var codeReasons = map[string]failure.Reason{
	"601": failure.ReasonAuth, "602": failure.ReasonAuth, // token invalid / expired
	"603": failure.ReasonForbidden,   // access denied: role permission or IP allowlist
	"604": failure.ReasonUnavailable, // request time-out inside Marketo
	"605": failure.ReasonInvalid,     // HTTP method not supported
	"606": failure.ReasonRateLimited, // 100 calls / 20 s exceeded
	"607": failure.ReasonQuota,       // daily quota reached
	"608": failure.ReasonUnavailable, // API temporarily unavailable
	"609": failure.ReasonInvalid,     // invalid JSON
	"610": failure.ReasonNotFound,    // requested resource not found
	"611": failure.ReasonUnavailable, // system error ("retried" per the guidance)
	"612": failure.ReasonInvalid,     // invalid content type
	"613": failure.ReasonInvalid,     // invalid multipart request
	"614": failure.ReasonUnavailable, // invalid subscription, "usually ... temporary"
	"615": failure.ReasonRateLimited, // 10 concurrent calls exceeded
	"616": failure.ReasonForbidden,   // invalid subscription type

	"701": failure.ReasonInvalid, "702": failure.ReasonNotFound, "703": failure.ReasonInvalid, "704": failure.ReasonInvalid,
	"709": failure.ReasonInvalid, "710": failure.ReasonNotFound, "711": failure.ReasonInvalid, "712": failure.ReasonInvalid,
	"713": failure.ReasonUnavailable, // transient error: wait and retry
	"714": failure.ReasonInvalid, "718": failure.ReasonNotFound,
	"719": failure.ReasonUnavailable, // lock wait timeout

	"1001": failure.ReasonInvalid, "1002": failure.ReasonInvalid, "1003": failure.ReasonInvalid,
	"1004": failure.ReasonNotFound, "1005": failure.ReasonConflict, "1006": failure.ReasonInvalid,
	"1007": failure.ReasonConflict, "1008": failure.ReasonForbidden, "1009": failure.ReasonInvalid,
	"1010": failure.ReasonConflict, "1011": failure.ReasonInvalid, "1012": failure.ReasonInvalid,
	"1013": failure.ReasonNotFound, "1014": failure.ReasonUnknown, "1015": failure.ReasonNotFound,
	"1016": failure.ReasonRateLimited, // too many imports queued
	"1017": failure.ReasonConflict, "1018": failure.ReasonInvalid,
	"1019": failure.ReasonRateLimited, // import in progress
	"1020": failure.ReasonQuota,       // clones per day used up
	"1021": failure.ReasonInvalid, "1022": failure.ReasonConflict, "1025": failure.ReasonNotFound,
	"1026": failure.ReasonInvalid, "1027": failure.ReasonInvalid, "1028": failure.ReasonInvalid,
	"1029": failure.ReasonRateLimited, // bulk queue full or export quota
	"1035": failure.ReasonInvalid, "1036": failure.ReasonInvalid, "1037": failure.ReasonConflict,
	"1042": failure.ReasonInvalid, "1048": failure.ReasonUnknown, "1049": failure.ReasonInvalid,
	"1076": failure.ReasonConflict, "1077": failure.ReasonInvalid, "1078": failure.ReasonInvalid,
	"1079": failure.ReasonConflict,

	// OAuth errors of the identity endpoint (RFC 6749 §5.2).
	"invalid_client": failure.ReasonAuth, "unauthorized_client": failure.ReasonAuth,
	"invalid_grant": failure.ReasonAuth, "access_denied": failure.ReasonAuth,
	"invalid_request": failure.ReasonInvalid, "unsupported_grant_type": failure.ReasonInvalid,
	"invalid_scope": failure.ReasonAuth,
}

// DocumentedCodes lists every code codeReasons knows, for tests and docs.
func DocumentedCodes() []string {
	out := make([]string, 0, len(codeReasons))
	for c := range codeReasons {
		out = append(out, c)
	}
	return out
}

// isTokenCode says whether code asks for a new token (601 invalid, 602
// expired; mkto-dev:help/rest-api/authentication.md).
func isTokenCode(code string) bool { return code == "601" || code == "602" }

// reasonForStatus maps an HTTP status without a code. The user
// management API documents 200, 201, 401, 403 and 404; error-codes.md
// adds 413, 414, 500 and 502. Other statuses are unknown answers.
func reasonForStatus(status int) failure.Reason {
	switch {
	case status == http.StatusTooManyRequests:
		return failure.ReasonRateLimited
	case status == http.StatusUnauthorized:
		return failure.ReasonAuth
	case status == http.StatusForbidden:
		return failure.ReasonForbidden
	case status == http.StatusNotFound || status == http.StatusGone:
		return failure.ReasonNotFound
	case status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge || status == http.StatusRequestURITooLong:
		return failure.ReasonInvalid
	case status == http.StatusRequestTimeout || status >= 500:
		return failure.ReasonUnavailable
	}
	return failure.ReasonUnknown
}

// newError is a failure of op with Marketo's sentences.
func newError(op string, r failure.Reason) *failure.Error {
	return &failure.Error{Vendor: Vendor, Op: op, Reason: r, Explain: explain, Phrase: phrase}
}

// classify builds the failure of an answer (classifyAnswer) and fills
// the documented waits (defaultWaits).
func classify(op string, status int, code, msg string, header http.Header, now time.Time, perUser bool, maxRetryAfter time.Duration) *failure.Error {
	return defaultWaits(classifyAnswer(op, status, code, msg, header, now, perUser, maxRetryAfter), now)
}

// classifyAnswer sorts an answer into a reason: the code decides when
// Marketo gave one it documents, an undocumented code is unknown, else
// the status decides. A "not found" (404 or 610) on an endpoint that
// always exists (perUser false) means the base URL is wrong. RetryAfter
// is the Retry-After header only, capped at maxRetryAfter.
func classifyAnswer(op string, status int, code, msg string, header http.Header, now time.Time, perUser bool, maxRetryAfter time.Duration) *failure.Error {
	e := newError(op, reasonForStatus(status))
	e.Status, e.Code, e.Message = status, failure.Clip(code, 60), failure.Clip(msg, failure.MessageLen)
	if code != "" {
		r, ok := codeReasons[code]
		if !ok {
			r = failure.ReasonUnknown
		}
		e.Reason = r
	}
	if status == http.StatusNotFound && e.Reason != failure.ReasonUnknown {
		e.Reason = failure.ReasonNotFound // a 404 status is "not there", whatever the code
	}
	if e.Reason == failure.ReasonNotFound && !perUser && (code == "610" || code == "" && status == http.StatusNotFound) {
		e.Reason = failure.ReasonConfig
	}
	if header != nil {
		if d, capped, ok := failure.ParseRetryAfter(header.Get("Retry-After"), now, maxRetryAfter); ok {
			e.RetryAfter, e.RetryAfterCapped = d, capped
		}
	}
	return e
}

// defaultWaits fills the waits Marketo documents when it sent no
// Retry-After: 606/615 wait out the 20 s window ("calls in the past 20
// seconds", error-codes.md), 607 runs to the quota reset at midnight US
// Central. It returns e.
func defaultWaits(e *failure.Error, now time.Time) *failure.Error {
	switch e.Reason {
	case failure.ReasonRateLimited:
		if e.RetryAfter == 0 {
			e.RetryAfter = InstanceRatePeriod
		}
	case failure.ReasonQuota:
		e.RetryAfter = max(e.RetryAfter, UntilQuotaReset(now))
	}
	return e
}

// opUser says whether op is about finding a user, for the sentence that
// a user added in the Admin Console can take a while to show up.
func opUser(op string) bool { return strings.HasSuffix(op, " user") }
