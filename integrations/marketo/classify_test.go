package marketo

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		status    int
		code      string
		reason    failure.Reason
		retryable bool
	}{
		{200, "601", failure.ReasonAuth, false},
		{401, "602", failure.ReasonAuth, false},
		{200, "603", failure.ReasonForbidden, false},
		{200, "604", failure.ReasonUnavailable, true},
		{200, "605", failure.ReasonInvalid, false},
		{200, "606", failure.ReasonRateLimited, true},
		{429, "606", failure.ReasonRateLimited, true},
		{200, "607", failure.ReasonQuota, true},
		{200, "608", failure.ReasonUnavailable, true},
		{200, "609", failure.ReasonInvalid, false},
		{200, "610", failure.ReasonNotFound, false},
		{200, "611", failure.ReasonUnavailable, true},
		{200, "612", failure.ReasonInvalid, false},
		{200, "614", failure.ReasonUnavailable, true},
		{200, "615", failure.ReasonRateLimited, true},
		{200, "616", failure.ReasonForbidden, false},
		{400, "701", failure.ReasonInvalid, false},
		{200, "702", failure.ReasonNotFound, false},
		{400, "709", failure.ReasonInvalid, false},
		{200, "713", failure.ReasonUnavailable, true},
		{400, "1003", failure.ReasonInvalid, false},
		{404, "1004", failure.ReasonNotFound, false},
		{404, "", failure.ReasonNotFound, false},
		{429, "", failure.ReasonRateLimited, true},
		{500, "", failure.ReasonUnavailable, true},
		{502, "", failure.ReasonUnavailable, true},
		{503, "", failure.ReasonUnavailable, true},
		{504, "", failure.ReasonUnavailable, true},
		{401, "", failure.ReasonAuth, false},
		{403, "", failure.ReasonForbidden, false},
		{413, "", failure.ReasonInvalid, false},
		{414, "", failure.ReasonInvalid, false},
		// Answers nobody documents: a few tries, then a person.
		{400, "799", failure.ReasonUnknown, true},
		{200, "6666", failure.ReasonUnknown, true},
		{418, "", failure.ReasonUnknown, true},
		{409, "", failure.ReasonUnknown, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%s", tt.status, tt.code), func(t *testing.T) {
			e := classifyT("op", tt.status, tt.code, "msg", http.Header{}, now)
			if e.Reason != tt.reason || e.Retryable() != tt.retryable {
				t.Fatalf("got %s retryable=%v, want %s %v", e.Reason, e.Retryable(), tt.reason, tt.retryable)
			}
			if e.Class() == failure.RateLimited && e.Delay() <= 0 {
				t.Fatalf("rate limit without delay")
			}
			if !tt.retryable && e.Delay() != 0 {
				t.Fatalf("permanent error with delay %s", e.Delay())
			}
			if h := e.Human(); h == "" || strings.Contains(h, "%") {
				t.Fatalf("Human = %q", h)
			}
		})
	}
}

// TestEveryDocumentedMarketoCode has one row per code of
// mkto-dev:help/rest-api/error-codes.md (and the identity endpoint's
// OAuth errors) with the class the workers act on. The rows are written
// out here, so a change to the table shows up as a failing row.
func TestEveryDocumentedMarketoCode(t *testing.T) {
	P, T, R, U := failure.Permanent, failure.Transient, failure.RateLimited, failure.Unknown
	rows := map[string]failure.Class{
		"601": P, "602": P, "603": P, "604": T, "605": P, "606": R, "607": R, "608": T, "609": P, "610": P,
		"611": T, "612": P, "613": P, "614": T, "615": R, "616": P,
		"701": P, "702": P, "703": P, "704": P, "709": P, "710": P, "711": P, "712": P, "713": T, "714": P,
		"718": P, "719": T,
		"1001": P, "1002": P, "1003": P, "1004": P, "1005": P, "1006": P, "1007": P, "1008": P, "1009": P,
		"1010": P, "1011": P, "1012": P, "1013": P, "1014": U, "1015": P, "1016": R, "1017": P, "1018": P,
		"1019": R, "1020": R, "1021": P, "1022": P, "1025": P, "1026": P, "1027": P, "1028": P, "1029": R,
		"1035": P, "1036": P, "1037": P, "1042": P, "1048": U, "1049": P, "1076": P, "1077": P, "1078": P, "1079": P,
		"invalid_client": P, "unauthorized_client": P, "invalid_grant": P, "access_denied": P,
		"invalid_request": P, "unsupported_grant_type": P, "invalid_scope": P,
		// Undocumented.
		"617": U, "720": U, "1080": U, "server_error": U,
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for code, class := range rows {
		e := classifyT("add role", 200, code, "", nil, now)
		e.User, e.Object = "alice@example.com", "role 101 in workspace 1008"
		if e.Class() != class {
			t.Errorf("%s: %s (%s), want %s", code, e.Class(), e.Reason, class)
		}
		if h := e.Human(); h == "" || strings.Contains(h, "%") {
			t.Errorf("%s: Human() = %q", code, h)
		}
	}
	for _, c := range DocumentedCodes() {
		if _, ok := rows[c]; !ok {
			t.Errorf("%s is in the code table but has no test row", c)
		}
	}
}

// TestNotFoundOnAnEndpointIsConfig: a 404 or 610 for a user's path is
// about the user; for a path that always exists it is about the base URL.
func TestNotFoundOnAnEndpointIsConfig(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		status  int
		code    string
		perUser bool
		want    failure.Reason
	}{
		{404, "610", true, failure.ReasonNotFound},
		{404, "", true, failure.ReasonNotFound},
		{404, "610", false, failure.ReasonConfig},
		{200, "610", false, failure.ReasonConfig},
		{404, "", false, failure.ReasonConfig},
		{200, "702", false, failure.ReasonNotFound},
	} {
		e := classify("list roles", tt.status, tt.code, "", nil, now, tt.perUser, time.Hour)
		if e.Reason != tt.want {
			t.Errorf("%d %q perUser=%v: %s, want %s", tt.status, tt.code, tt.perUser, e.Reason, tt.want)
		}
		if e.Reason == failure.ReasonConfig && !strings.Contains(e.Human(), "MARKETO_BASE_URL") {
			t.Errorf("config sentence %q does not name MARKETO_BASE_URL", e.Human())
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "38")
	if e := classifyT("op", 429, "", "", h, now); e.RetryAfter != 38*time.Second || e.Delay() != 38*time.Second {
		t.Fatalf("seconds: %v", e.RetryAfter)
	}
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if e := classifyT("op", 503, "", "", h, now); e.RetryAfter != 90*time.Second {
		t.Fatalf("date: %v", e.RetryAfter)
	}
	h.Set("Retry-After", "soon")
	if e := classifyT("op", 503, "", "", h, now); e.RetryAfter != 0 {
		t.Fatalf("garbage: %v", e.RetryAfter)
	}
	h.Set("Retry-After", "86400")
	if e := classify("op", 429, "", "", h, now, true, time.Hour); e.RetryAfter != time.Hour || !e.RetryAfterCapped {
		t.Fatalf("cap: %v capped=%v", e.RetryAfter, e.RetryAfterCapped)
	}
	// 606 without Retry-After waits out the documented 20 s window.
	if e := classifyT("op", 200, "606", "", http.Header{}, now); e.Delay() != 20*time.Second {
		t.Fatalf("606 delay %v", e.Delay())
	}
}

func TestErrorIsAndReason(t *testing.T) {
	nf := newError("find user", failure.ReasonNotFound)
	nf.User = "a@example.com"
	err := fmt.Errorf("worker: %w", nf)
	if !errors.Is(err, errNotFound) || errors.Is(err, errAuth) {
		t.Fatal("errors.Is does not match by reason")
	}
	if failure.ReasonOf(err) != failure.ReasonNotFound || failure.ReasonOf(errors.New("x")) != "" {
		t.Fatal("ReasonOf")
	}
	var e *failure.Error
	if !errors.As(err, &e) || e.Human() != "Marketo has no user a@example.com (yet): a user added in the Adobe Admin Console can take a while to appear in Marketo." {
		t.Fatalf("Human = %q", e.Human())
	}
	for _, r := range failure.Reasons() {
		if h := newError("add role", r).Human(); h == "" || strings.Contains(h, "the user") {
			t.Errorf("Human for %s = %q", r, h)
		}
	}
	rl := newError("add role", failure.ReasonRateLimited)
	rl.User, rl.Status, rl.Code, rl.Message, rl.RetryAfter = "u", 429, "606", "m", 20*time.Second
	if msg := rl.Error(); msg != "marketo: add role u: rate_limited (HTTP 429, code 606): m (retry in 20s)" {
		t.Fatalf("Error() = %q", msg)
	}
}
