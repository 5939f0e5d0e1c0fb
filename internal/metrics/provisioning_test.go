package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/workers"
)

func TestProvisioningFailuresByReason(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	p := New(reg, Options{}).Provisioning
	p.StepEnded(workers.StepReport{System: workers.SystemAdobe, Step: workers.StepAdobe, Kind: approvals.KindAdd, Result: workers.StepRetried, Reason: failure.ReasonTimeout})
	p.StepEnded(workers.StepReport{System: workers.SystemMarketo, Step: "marketo:emea", Kind: approvals.KindAdd, Result: workers.StepFailedRun, Reason: failure.ReasonNotFound})
	p.StepEnded(workers.StepReport{System: workers.SystemMarketo, Step: workers.StepMarketo, Kind: approvals.KindRemove, Result: workers.StepFailedRun})
	p.ExecutionEnded(approvals.KindAdd, approvals.StateFailed, 90*time.Second)

	want := `
# HELP chataccess_provisioning_step_errors_total Provisioning step runs that failed (retried or for good), by system and failure reason.
# TYPE chataccess_provisioning_step_errors_total counter
chataccess_provisioning_step_errors_total{reason="not_found",system="marketo"} 1
chataccess_provisioning_step_errors_total{reason="other",system="marketo"} 1
chataccess_provisioning_step_errors_total{reason="timeout",system="adobe"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "chataccess_provisioning_step_errors_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.ToFloat64(p.steps.WithLabelValues("adobe", "add", "retried")); got != 1 {
		t.Errorf("adobe retried = %v", got)
	}
	if got := testutil.ToFloat64(p.steps.WithLabelValues("marketo", "remove", "failed")); got != 1 {
		t.Errorf("marketo remove failed = %v", got)
	}
	if got := testutil.ToFloat64(p.executions.WithLabelValues("add", "failed")); got != 1 {
		t.Errorf("failed executions = %v", got)
	}
	// Every system, kind and result exists from the start, so a rate
	// over them is 0, not absent.
	if n := testutil.CollectAndCount(p.steps); n != 2*2*5 {
		t.Errorf("%d step series, want 20", n)
	}
}

// TestLimiterCountsSlotsByBucket: the bucket is the key's last part, not
// the client id or the instance's host before it.
func TestLimiterCountsSlotsByBucket(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	reg := prometheus.NewPedanticRegistry()
	m := New(reg, Options{})
	lim := ratelimit.New(rdb, prefix)
	a, mk := m.Limiter("adobe", lim), m.Limiter("marketo", lim)
	for range 3 {
		if d, err := a.Reserve(ctx, "adobe:secret-client-id:action", ratelimit.Limit{Rate: 2, Period: time.Minute, Burst: 2}); err != nil {
			t.Fatal(err)
		} else if d > 0 {
			t.Logf("third reserve waits %s", d)
		}
	}
	if err := mk.Wait(ctx, "marketo:123-abc-456.mktorest.com:calls", ratelimit.Per(100, 20*time.Second), time.Second); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP chataccess_ratelimit_slots_per_second The bot's share of a vendor rate limit, in slots per second, by vendor and limit.
# TYPE chataccess_ratelimit_slots_per_second gauge
chataccess_ratelimit_slots_per_second{limit="action",vendor="adobe"} 0.03333333333333333
chataccess_ratelimit_slots_per_second{limit="calls",vendor="marketo"} 5
# HELP chataccess_ratelimit_slots_taken_total Slots taken of the bot's share of a vendor rate limit (one per request the vendor sees), by vendor and limit.
# TYPE chataccess_ratelimit_slots_taken_total counter
chataccess_ratelimit_slots_taken_total{limit="action",vendor="adobe"} 2
chataccess_ratelimit_slots_taken_total{limit="calls",vendor="marketo"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "chataccess_ratelimit_slots_taken_total", "chataccess_ratelimit_slots_per_second"); err != nil {
		t.Error(err)
	}
}

// staticQueue is a queue with fixed numbers.
type staticQueue workers.QueueStats

func (q staticQueue) Stats() (workers.QueueStats, error) { return workers.QueueStats(q), nil }

// TestPromlintClean: every family of this package, each with series,
// passes promlint (names, units, _total on counters only, help texts).
func TestPromlintClean(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	reg := prometheus.NewPedanticRegistry()
	m := New(reg, Options{Version: "v1.2.3"})
	m.WatchLedger(store.New(rdb, prefix), LedgerConfig{ApprovalTimeouts: map[string]time.Duration{"agent": time.Hour}, CheckpointInterval: time.Hour})
	m.WatchQueue(staticQueue{Pending: 1, Latency: time.Second})
	m.Vendors.CallEnded("Adobe", "umapi.action", nil, time.Second)
	m.Vendors.Retrying("Adobe", "umapi.action", &failure.Error{Reason: failure.ReasonRateLimited, Status: 429}, time.Second)
	m.Provisioning.StepEnded(workers.StepReport{System: workers.SystemAdobe, Kind: approvals.KindAdd, Result: workers.StepFailedRun})
	m.Provisioning.ExecutionEnded(approvals.KindAdd, approvals.StateCompleted, time.Minute)
	m.limits.taken.WithLabelValues("adobe", "action").Inc()
	m.limits.budget.WithLabelValues("adobe", "action").Set(1)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	if len(mfs) < 30 {
		t.Errorf("%d families; is something not registered?", len(mfs))
	}
	if v := must(t, reg, "chataccess_build_info", "version", "v1.2.3"); v != 1 {
		t.Errorf("build info = %v", v)
	}
}
