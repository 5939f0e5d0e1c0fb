package marketo

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		status    int
		code      string
		reason    Reason
		retryable bool
	}{
		{200, "601", ReasonAuth, false},
		{401, "602", ReasonAuth, false},
		{200, "603", ReasonForbidden, false},
		{200, "604", ReasonUnavailable, true},
		{200, "605", ReasonInvalid, false},
		{200, "606", ReasonRateLimited, true},
		{429, "606", ReasonRateLimited, true},
		{200, "607", ReasonQuota, true},
		{200, "608", ReasonUnavailable, true},
		{200, "609", ReasonInvalid, false},
		{200, "610", ReasonNotFound, false},
		{200, "611", ReasonUnavailable, true},
		{200, "612", ReasonInvalid, false},
		{200, "614", ReasonUnavailable, true},
		{200, "615", ReasonRateLimited, true},
		{200, "616", ReasonForbidden, false},
		{400, "701", ReasonInvalid, false},
		{200, "702", ReasonNotFound, false},
		{400, "709", ReasonInvalid, false},
		{200, "713", ReasonUnavailable, true},
		{400, "1003", ReasonInvalid, false},
		{404, "1004", ReasonNotFound, false},
		{404, "", ReasonNotFound, false},
		{429, "", ReasonRateLimited, true},
		{500, "", ReasonUnavailable, true},
		{502, "", ReasonUnavailable, true},
		{503, "", ReasonUnavailable, true},
		{504, "", ReasonUnavailable, true},
		{401, "", ReasonAuth, false},
		{403, "", ReasonForbidden, false},
		{413, "", ReasonInvalid, false},
		{414, "", ReasonInvalid, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%s", tt.status, tt.code), func(t *testing.T) {
			e := classify("op", tt.status, tt.code, "msg", http.Header{}, now)
			if e.Reason != tt.reason || e.Retryable() != tt.retryable {
				t.Fatalf("got %s retryable=%v, want %s %v", e.Reason, e.Retryable(), tt.reason, tt.retryable)
			}
			if tt.retryable && e.Delay() <= 0 {
				t.Fatalf("retryable error without delay")
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

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "38")
	if e := classify("op", 429, "", "", h, now); e.RetryAfter != 38*time.Second || e.Delay() != 38*time.Second {
		t.Fatalf("seconds: %v", e.RetryAfter)
	}
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if e := classify("op", 503, "", "", h, now); e.RetryAfter != 90*time.Second {
		t.Fatalf("date: %v", e.RetryAfter)
	}
	h.Set("Retry-After", "soon")
	if e := classify("op", 503, "", "", h, now); e.RetryAfter != 0 {
		t.Fatalf("garbage: %v", e.RetryAfter)
	}
	// 606 without Retry-After waits out the documented 20 s window.
	if e := classify("op", 200, "606", "", http.Header{}, now); e.Delay() != 20*time.Second {
		t.Fatalf("606 delay %v", e.Delay())
	}
}

func TestErrorIsAndReason(t *testing.T) {
	err := fmt.Errorf("worker: %w", &Error{Reason: ReasonNotFound, Op: "find user", Target: "a@example.com"})
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrAuth) {
		t.Fatal("errors.Is does not match by reason")
	}
	if ReasonOf(err) != ReasonNotFound || ReasonOf(errors.New("x")) != "" {
		t.Fatal("ReasonOf")
	}
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Human(), "a@example.com") {
		t.Fatalf("Human = %q", e.Human())
	}
	for _, r := range Reasons() {
		if (&Error{Reason: r}).Human() == "" {
			t.Errorf("no Human for %s", r)
		}
	}
	msg := (&Error{Reason: ReasonRateLimited, Op: "add role", Target: "u", Status: 429, Code: "606", Message: "m", RetryAfter: 20 * time.Second}).Error()
	if msg != "marketo: add role u: rate_limited (HTTP 429, code 606): m (retry in 20s)" {
		t.Fatalf("Error() = %q", msg)
	}
}
