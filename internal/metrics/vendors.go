package metrics

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chataccess/chataccess/integrations/failure"
)

// VendorCalls counts what the Adobe and Marketo clients do: it is their
// failure.Observer.
//
//   - chataccess_vendor_calls_total{vendor,operation,outcome}: calls after
//     the client's own retries; outcome is ok, a failure.Reason
//     (rate_limited, unavailable, timeout, auth, not_found, …), or
//     deferred (not sent: the bot's share of the vendor's limit, or an
//     earlier Retry-After, said "later"; the job comes back).
//   - chataccess_vendor_call_duration_seconds{vendor,operation}: the
//     whole call, waits included.
//   - chataccess_vendor_rate_limited_total{vendor,operation}: answers in
//     which the vendor said "not now" (HTTP 429, Marketo 606/615, UMAPI
//     error.throttled_by_external_service), retried or not.
//   - chataccess_vendor_retries_total{vendor,operation,reason}: attempts
//     tried again inside the same call.
//   - chataccess_vendor_waits_total{vendor,reason} and
//     chataccess_vendor_wait_seconds_total{vendor,reason}: time a call
//     spent waiting: retry_after (the vendor asked), backoff (after a
//     transient failure), rate_limit (a slot of the bot's own share).
type VendorCalls struct {
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	limited  *prometheus.CounterVec
	retries  *prometheus.CounterVec
	waits    *prometheus.CounterVec
	waited   *prometheus.CounterVec
}

var _ failure.Observer = (*VendorCalls)(nil)

// Outcomes of a call besides the failure reasons.
const (
	outcomeOK       = "ok"
	outcomeDeferred = "deferred"
)

// Reasons of a wait.
const (
	waitRetryAfter = "retry_after"
	waitBackoff    = "backoff"
	waitRateLimit  = "rate_limit"
)

// vendors are the vendor label values, for series that exist from the start.
var vendors = []string{"adobe", "marketo"}

func newVendorCalls() *VendorCalls {
	v := &VendorCalls{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_vendor_calls_total",
			Help: "Adobe and Marketo API calls after the client's own retries, by vendor, operation and outcome (ok, a failure reason, or deferred).",
		}, []string{"vendor", "operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chataccess_vendor_call_duration_seconds",
			Help:    "Duration of Adobe and Marketo API calls, waits and retries included.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60},
		}, []string{"vendor", "operation"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_vendor_rate_limited_total",
			Help: "Vendor answers that said not now (HTTP 429, Marketo 606/615, UMAPI throttled), retried or not.",
		}, []string{"vendor", "operation"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_vendor_retries_total",
			Help: "Vendor call attempts tried again inside the same call, by the reason the attempt failed.",
		}, []string{"vendor", "operation", "reason"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_vendor_waits_total",
			Help: "Waits inside vendor calls: retry_after (the vendor asked), backoff (after a transient failure), rate_limit (the bot's own share of the limit).",
		}, []string{"vendor", "reason"}),
		waited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_vendor_wait_seconds_total",
			Help: "Time vendor calls spent waiting, by vendor and reason (retry_after, backoff, rate_limit).",
		}, []string{"vendor", "reason"}),
	}
	for _, vendor := range vendors {
		for _, r := range []string{waitRetryAfter, waitBackoff, waitRateLimit} {
			v.waits.WithLabelValues(vendor, r)
			v.waited.WithLabelValues(vendor, r)
		}
	}
	return v
}

func (v *VendorCalls) register(reg prometheus.Registerer) {
	reg.MustRegister(v.calls, v.duration, v.limited, v.retries, v.waits, v.waited)
}

// CallEnded counts a call by its outcome.
func (v *VendorCalls) CallEnded(vendor, op string, err error, took time.Duration) {
	vendor, op = token(vendor), token(op)
	outcome := outcomeOK
	if err != nil {
		outcome = "other"
		var e *failure.Error
		if errors.As(err, &e) {
			outcome = reasonLabel(e.Reason)
			if e.Reason == failure.ReasonRateLimited && e.Status == 0 {
				outcome = outcomeDeferred
			}
			if vendorSaidNotNow(e) {
				v.limited.WithLabelValues(vendor, op).Inc()
			}
		}
	}
	v.calls.WithLabelValues(vendor, op, outcome).Inc()
	v.duration.WithLabelValues(vendor, op).Observe(took.Seconds())
}

// Retrying counts a retry inside a call and its wait.
func (v *VendorCalls) Retrying(vendor, op string, e *failure.Error, wait time.Duration) {
	vendor, op = token(vendor), token(op)
	reason, why := "other", waitBackoff
	if e != nil {
		reason = reasonLabel(e.Reason)
		if e.RetryAfter > 0 {
			why = waitRetryAfter
		}
		if vendorSaidNotNow(e) {
			v.limited.WithLabelValues(vendor, op).Inc()
		}
	}
	v.retries.WithLabelValues(vendor, op, reason).Inc()
	v.wait(vendor, why, wait)
}

// LimitWait counts a wait for a slot of the bot's own share.
func (v *VendorCalls) LimitWait(vendor, _ string, d time.Duration) {
	v.wait(token(vendor), waitRateLimit, d)
}

func (v *VendorCalls) wait(vendor, why string, d time.Duration) {
	v.waits.WithLabelValues(vendor, why).Inc()
	v.waited.WithLabelValues(vendor, why).Add(max(d, 0).Seconds())
}

// vendorSaidNotNow reports an answer from the vendor (a status) that
// is a rate limit: a 429 or its equivalent code.
func vendorSaidNotNow(e *failure.Error) bool {
	return e.Reason == failure.ReasonRateLimited && e.Status != 0
}
