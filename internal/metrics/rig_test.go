package metrics

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/vendormap"
	"github.com/chataccess/chataccess/workers"
)

// rig is the provisioning stack on real Redis and the Adobe and Marketo
// emulators, wired to the metrics as serve wires them: the clients
// report to Vendors and take slots through the counting Limiter, the
// saga reports to Provisioning, and the ledger and queue are watched.
type rig struct {
	t   testing.TB
	ctx context.Context
	reg *prometheus.Registry
	st  *store.Store
	svc *approvals.Service
	sb  *sandbox.Sandbox
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(zerolog.Nop().WithContext(context.Background()))
	rdb, prefix := redistest.Client(t)
	sb := sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.01})
	t.Cleanup(sb.Close)
	reg := prometheus.NewPedanticRegistry()
	m := New(reg, Options{MinReadInterval: time.Nanosecond})
	lim := ratelimit.New(rdb, prefix+"rl:")

	acfg := sb.AdobeConfig()
	// The emulator's minute is a second; so is the client's.
	acfg.Limits = adobe.Limits{ActionsPerMinute: 10, UserReadsPerMinute: 25, GroupReadsPerMinute: 5, Period: time.Second}
	acfg.MaxLimitWait = time.Minute
	acl, err := adobe.New(acfg, adobe.WithLimiter(m.Limiter("adobe", lim)), adobe.WithObserver(m.Vendors))
	if err != nil {
		t.Fatal(err)
	}
	batcher := adobe.NewBatcher(acl, adobe.BatcherConfig{Window: 20 * time.Millisecond})
	mcl, err := marketo.New(sb.MarketoConfig(), marketo.WithLimiter(m.Limiter("marketo", lim)), marketo.WithObserver(m.Vendors))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(rdb, prefix)
	clock := approvals.ClockFunc(time.Now)
	svc := approvals.NewService(testPolicy(), st, clock)
	queue := workers.NewQueue(rdb, "q"+redistest.Token())
	mapping := vendormap.New(vendormap.Config{Adobe: acl, Marketo: map[string]vendormap.Lists{vendormap.DefaultInstance: mcl}})
	exec := workers.NewExecutor(svc, st, workers.AdobeConsole{Batcher: batcher, Client: acl, Snapshots: &workers.Snapshots{}, Resolver: mapping},
		&workers.MarketoUsers{Client: mcl, Resolver: mapping, DirectoryTTL: 10 * time.Millisecond}, nil, clock,
		workers.SagaConfig{ConfirmMembership: true, UserPoll: 100 * time.Millisecond})
	exec.WithObserver(m.Provisioning)
	box, err := st.Outbox(ctx, "workers", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m.WatchLedger(st, LedgerConfig{ApprovalTimeouts: map[string]time.Duration{"agent": 48 * time.Hour, "admin": 72 * time.Hour}})
	m.WatchQueue(queue)

	srv := workers.NewServer(rdb, workers.ServerConfig{Queue: queue.Name(), Concurrency: 4, PollInterval: 50 * time.Millisecond, ShutdownTimeout: time.Second},
		workers.Handlers{Executor: exec, Service: svc, Ledger: st, Logger: zerolog.Nop()})
	disp := workers.NewDispatcher(st, box, queue, clock, 0, "c1")
	var wg sync.WaitGroup
	wg.Go(func() { batcher.Run(ctx) })
	wg.Go(func() { _ = srv.Run(ctx) })
	wg.Go(func() { _ = disp.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		batcher.Close()
		_ = queue.Inspector().DeleteQueue(queue.Name(), true)
		_ = queue.Close()
	})
	return &rig{t: t, ctx: ctx, reg: reg, st: st, svc: svc, sb: sb}
}

// add submits and approves an add and waits for it to complete.
func (r *rig) add(email, pkg string) string {
	r.t.Helper()
	req, err := r.svc.Submit(r.ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: email, FirstName: "New", LastName: "Hire"},
		Package: pkg, Justification: "covering EMEA", Requester: lead})
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.svc.Approve(r.ctx, req.ID, ann, ""); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := r.st.Get(r.ctx, req.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		if got.State == approvals.StateCompleted {
			return req.ID
		}
		if got.State == approvals.StateFailed || time.Now().After(deadline) {
			r.t.Fatalf("%s is %s (steps %+v), want completed", req.ID, got.State, got.Steps)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAddMovesTheCounters drives a real add through the worker stack and
// checks every family moved, with the right labels.
func TestAddMovesTheCounters(t *testing.T) {
	r := newRig(t)
	const email = "new.hire@example.com"
	id := r.add(email, "agent")

	for _, tc := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"chataccess_provisioning_steps_total", []string{"system", "adobe", "kind", "add", "result", "succeeded"}, 2}, // the add and its read-back
		{"chataccess_provisioning_steps_total", []string{"system", "marketo", "kind", "add", "result", "succeeded"}, 1},
		{"chataccess_provisioning_executions_total", []string{"kind", "add", "outcome", "completed"}, 1},
		{"chataccess_provisioning_execution_duration_seconds", []string{"kind", "add", "outcome", "completed"}, 1},
		{"chataccess_vendor_calls_total", []string{"vendor", "adobe", "operation", "umapi.action", "outcome", "ok"}, 1},
		{"chataccess_vendor_calls_total", []string{"vendor", "adobe", "operation", "umapi.users", "outcome", "ok"}, 1}, // the read-back
		{"chataccess_vendor_calls_total", []string{"vendor", "marketo", "operation", "add_role", "outcome", "ok"}, 1},
		{"chataccess_vendor_call_duration_seconds", []string{"vendor", "marketo", "operation", "add_role"}, 1},
		{"chataccess_ratelimit_slots_taken_total", []string{"vendor", "adobe", "limit", "action"}, 1},
		{"chataccess_ratelimit_slots_taken_total", []string{"vendor", "adobe", "limit", "user_read"}, 1},
		{"chataccess_ratelimit_slots_taken_total", []string{"vendor", "marketo", "limit", "calls"}, 1},
		{"chataccess_requests", []string{"state", "completed"}, 1},
		{"chataccess_queue_processed_tasks_total", nil, 1},
	} {
		if got := must(t, r.reg, tc.name, tc.labels...); got < tc.min {
			t.Errorf("%s%v = %v, want at least %v", tc.name, tc.labels, got, tc.min)
		}
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"chataccess_provisioning_executions_total", []string{"kind", "add", "outcome", "failed"}, 0},
		{"chataccess_provisioning_steps_total", []string{"system", "adobe", "kind", "add", "result", "failed"}, 0},
		{"chataccess_ratelimit_slots_per_second", []string{"vendor", "adobe", "limit", "action"}, 10},
		{"chataccess_approvals_pending", []string{"package", "agent"}, 0},
	} {
		if got := must(t, r.reg, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if _, ok := sample(t, r.reg, "chataccess_vendor_rate_limited_total"); ok {
		t.Error("rate-limited answers counted without a 429")
	}
	assertBounded(t, r.reg, email, id)
}

// TestVendor429sShow: a 429 from the Admin Console emulator and a 606
// from the Marketo emulator are counted as rate-limited answers,
// retries and waits, and the request still completes.
func TestVendor429sShow(t *testing.T) {
	r := newRig(t)
	r.sb.Adobe.ThrottleNext(adobefake.KindAction, 1, "1")
	r.sb.Marketo.FailNext(1, marketofake.Fault{Code: 606})
	id := r.add("throttled@example.com", "agent")

	if got := must(t, r.reg, "chataccess_vendor_rate_limited_total", "vendor", "adobe", "operation", "umapi.action"); got != 1 {
		t.Errorf("adobe rate-limited answers = %v, want the one 429", got)
	}
	if got := must(t, r.reg, "chataccess_vendor_rate_limited_total", "vendor", "marketo"); got != 1 {
		t.Errorf("marketo rate-limited answers = %v, want the one 606", got)
	}
	if got := must(t, r.reg, "chataccess_vendor_retries_total", "vendor", "adobe", "operation", "umapi.action", "reason", "rate_limited"); got != 1 {
		t.Errorf("adobe retries after a 429 = %v, want 1", got)
	}
	if got := must(t, r.reg, "chataccess_vendor_waits_total", "vendor", "adobe", "reason", "retry_after"); got < 1 {
		t.Errorf("adobe waits for Retry-After = %v", got)
	}
	if got := must(t, r.reg, "chataccess_vendor_wait_seconds_total", "vendor", "adobe", "reason", "retry_after"); got < 0.9 {
		t.Errorf("adobe waited %vs for a Retry-After of 1 s", got)
	}
	if got := must(t, r.reg, "chataccess_vendor_calls_total", "vendor", "adobe", "operation", "umapi.action", "outcome", "ok"); got < 1 {
		t.Errorf("the throttled action was not retried to success: %v", got)
	}
	assertBounded(t, r.reg, "throttled@example.com", id)
}

// assertBounded checks every label of every series the registry
// exposes: no person (an email or the target's name), no request id, no
// free text; and at most 200 series a family.
func assertBounded(t testing.TB, g prometheus.Gatherer, email, requestID string) {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	local, _, _ := strings.Cut(email, "@")
	for _, mf := range mfs {
		if n := len(mf.GetMetric()); n > 200 {
			t.Errorf("%s has %d series", mf.GetName(), n)
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				v := lp.GetValue()
				bad := strings.Contains(v, "@") || strings.Contains(v, " ") || len(v) > 48 ||
					strings.Contains(strings.ToLower(v), strings.ToLower(local)) || strings.Contains(v, requestID) || strings.HasPrefix(v, "DC-")
				if bad && lp.GetName() != "goversion" && lp.GetName() != "version" {
					t.Errorf("%s{%s=%q}: a label that names a person, a request or free text", mf.GetName(), lp.GetName(), v)
				}
			}
		}
	}
}
