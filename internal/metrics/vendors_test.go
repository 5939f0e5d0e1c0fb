package metrics

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chataccess/chataccess/integrations/failure"
)

func TestVendorCallsByOutcome(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	v := New(reg, Options{}).Vendors
	v.CallEnded("Adobe", "umapi.action", nil, 200*time.Millisecond)
	v.CallEnded("Adobe", "umapi.action", &failure.Error{Vendor: "Adobe", Op: "umapi.action", Reason: failure.ReasonRateLimited, Status: 429}, time.Second)
	// Not sent: the bot's own share said later.
	v.CallEnded("Adobe", "umapi.user", &failure.Error{Vendor: "Adobe", Reason: failure.ReasonRateLimited, RetryAfter: time.Second}, 0)
	v.CallEnded("Marketo", "add role", fmt.Errorf("saga: %w", &failure.Error{Vendor: "Marketo", Reason: failure.ReasonNotFound, Status: 200, Code: "1004"}), time.Second)
	v.CallEnded("Marketo", "find user", errors.New("not a vendor failure"), time.Second)

	want := `
# HELP chataccess_vendor_calls_total Adobe and Marketo API calls after the client's own retries, by vendor, operation and outcome (ok, a failure reason, or deferred).
# TYPE chataccess_vendor_calls_total counter
chataccess_vendor_calls_total{operation="add_role",outcome="not_found",vendor="marketo"} 1
chataccess_vendor_calls_total{operation="find_user",outcome="other",vendor="marketo"} 1
chataccess_vendor_calls_total{operation="umapi.action",outcome="ok",vendor="adobe"} 1
chataccess_vendor_calls_total{operation="umapi.action",outcome="rate_limited",vendor="adobe"} 1
chataccess_vendor_calls_total{operation="umapi.user",outcome="deferred",vendor="adobe"} 1
# HELP chataccess_vendor_rate_limited_total Vendor answers that said not now (HTTP 429, Marketo 606/615, UMAPI throttled), retried or not.
# TYPE chataccess_vendor_rate_limited_total counter
chataccess_vendor_rate_limited_total{operation="umapi.action",vendor="adobe"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "chataccess_vendor_calls_total", "chataccess_vendor_rate_limited_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(v.duration); n != 4 {
		t.Errorf("%d duration series, want one per vendor and operation (4)", n)
	}
}

func TestVendorRetriesAndWaits(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	v := New(reg, Options{}).Vendors
	v.Retrying("Adobe", "umapi.action", &failure.Error{Reason: failure.ReasonRateLimited, Status: 429, RetryAfter: 2 * time.Second}, 2*time.Second)
	v.Retrying("Marketo", "add role", &failure.Error{Reason: failure.ReasonRateLimited, Status: 200, Code: "606"}, 500*time.Millisecond)
	v.Retrying("Marketo", "add role", &failure.Error{Reason: failure.ReasonUnavailable, Status: 503}, 250*time.Millisecond)
	v.LimitWait("Adobe", "umapi.action", 3*time.Second)

	want := `
# HELP chataccess_vendor_rate_limited_total Vendor answers that said not now (HTTP 429, Marketo 606/615, UMAPI throttled), retried or not.
# TYPE chataccess_vendor_rate_limited_total counter
chataccess_vendor_rate_limited_total{operation="add_role",vendor="marketo"} 1
chataccess_vendor_rate_limited_total{operation="umapi.action",vendor="adobe"} 1
# HELP chataccess_vendor_retries_total Vendor call attempts tried again inside the same call, by the reason the attempt failed.
# TYPE chataccess_vendor_retries_total counter
chataccess_vendor_retries_total{operation="add_role",reason="rate_limited",vendor="marketo"} 1
chataccess_vendor_retries_total{operation="add_role",reason="unavailable",vendor="marketo"} 1
chataccess_vendor_retries_total{operation="umapi.action",reason="rate_limited",vendor="adobe"} 1
# HELP chataccess_vendor_wait_seconds_total Time vendor calls spent waiting, by vendor and reason (retry_after, backoff, rate_limit).
# TYPE chataccess_vendor_wait_seconds_total counter
chataccess_vendor_wait_seconds_total{reason="backoff",vendor="adobe"} 0
chataccess_vendor_wait_seconds_total{reason="backoff",vendor="marketo"} 0.75
chataccess_vendor_wait_seconds_total{reason="rate_limit",vendor="adobe"} 3
chataccess_vendor_wait_seconds_total{reason="rate_limit",vendor="marketo"} 0
chataccess_vendor_wait_seconds_total{reason="retry_after",vendor="adobe"} 2
chataccess_vendor_wait_seconds_total{reason="retry_after",vendor="marketo"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"chataccess_vendor_rate_limited_total", "chataccess_vendor_retries_total", "chataccess_vendor_wait_seconds_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.ToFloat64(v.waits.WithLabelValues("marketo", waitBackoff)); got != 2 {
		t.Errorf("marketo backoff waits = %v, want 2 (a 606 without Retry-After backs off too)", got)
	}
}

func TestLabelTokens(t *testing.T) {
	for in, want := range map[string]string{
		"Adobe": "adobe", "umapi.action": "umapi.action", "add role": "add_role", "delete invited user": "delete_invited_user",
		"marketo:emea": "other", "alice@example.com": "other", "": "other",
		strings.Repeat("x", 40): "other",
	} {
		if got := token(in); got != want {
			t.Errorf("token(%q) = %q, want %q", in, got, want)
		}
	}
	if reasonLabel("made up") != "other" || reasonLabel(failure.ReasonQuota) != "quota" {
		t.Error("reasonLabel keeps only failure.Reasons")
	}
}
