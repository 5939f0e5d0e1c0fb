package metrics

import (
	"context"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/workers"
)

// TestLedgerGauges reads a real ledger: requests in several states,
// approvals waiting for two hours, an outbox group behind, a dead
// letter, a review campaign with undecided items, a keyed audit chain
// and its checkpoint.
func TestLedgerGauges(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix, store.WithAuditKey(store.NewAuditKey([]byte(strings.Repeat("k", 32)))))
	var mu sync.Mutex
	now := time.Now().Add(-2 * time.Hour)
	svc := approvals.NewService(testPolicy(), st, approvals.ClockFunc(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	submit := func(email, pkg string) *approvals.Request {
		t.Helper()
		r, err := svc.Submit(ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: email},
			Package: pkg, Justification: "covering EMEA", Requester: lead})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	submit("old@example.com", "agent")
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	submit("new@example.com", "agent")
	if _, err := svc.Approve(ctx, submit("approved@example.com", "admin").ID, ann, ""); err != nil {
		t.Fatal(err)
	}

	// The notify group has read one event and not acknowledged it; the
	// workers group gave up on one (a dead letter) and holds the next.
	notify, err := st.Outbox(ctx, "notify", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := notify.Read(ctx, "c1", 1, 0); err != nil || len(recs) != 1 {
		t.Fatalf("read: %v %v", recs, err)
	}
	work, err := st.Outbox(ctx, "workers", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	work.WithMaxDeliveries(1)
	if _, err := work.Read(ctx, "c1", 1, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, err := work.Read(ctx, "c1", 1, 0); err != nil { // hands the first event out again: dead
		t.Fatal(err)
	}

	c := &reviews.Campaign{ID: "R-1", Packages: []string{"agent"}, Status: reviews.StatusOpen, Version: 1, CreatedAt: now}
	items := []reviews.Item{{Index: 1, Package: "agent", Email: "a@example.com"}, {Index: 2, Package: "agent", Email: "b@example.com"},
		{Index: 3, Package: "agent", Email: "c@example.com"}}
	if err := st.CreateReview(ctx, c, items); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, "R-1", 2, reviews.Decision{Verdict: reviews.Keep, By: ann, At: now}); err != nil {
		t.Fatal(err)
	}
	cp, ok, err := st.NewCheckpointer(store.CheckpointConfig{Interval: time.Hour, Holder: "test"}).Once(ctx)
	if err != nil || !ok {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}
	if _, err := svc.Cancel(ctx, submit("later@example.com", "admin").ID, lead); err != nil {
		t.Fatal(err)
	}

	reg := prometheus.NewPedanticRegistry()
	m := New(reg, Options{})
	m.WatchLedger(st, LedgerConfig{ApprovalTimeouts: map[string]time.Duration{"agent": 48 * time.Hour, "admin": 72 * time.Hour},
		CheckpointInterval: time.Hour})

	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"chataccess_redis_up", nil, 1},
		{"chataccess_requests", []string{"state", "pending_approval"}, 2},
		{"chataccess_requests", []string{"state", "approved"}, 1},
		{"chataccess_requests", []string{"state", "cancelled"}, 1},
		{"chataccess_requests", []string{"state", "completed"}, 0},
		{"chataccess_approvals_pending", []string{"package", "agent"}, 2},
		{"chataccess_approvals_pending", []string{"package", "admin"}, 0},
		{"chataccess_approvals_oldest_pending_age_seconds", []string{"package", "admin"}, 0},
		{"chataccess_approvals_timeout_seconds", []string{"package", "agent"}, 48 * 3600},
		{"chataccess_outbox_unacked_events", []string{"group", "notify"}, 1},
		{"chataccess_outbox_unacked_events", []string{"group", "workers"}, 1}, // the next event, handed out after the dead one
		{"chataccess_outbox_dead_letters", nil, 1},
		{"chataccess_reviews_open", nil, 1},
		{"chataccess_review_items_undecided", nil, 2},
		{"chataccess_audit_checkpoint_entries", nil, float64(cp.Count)},
		{"chataccess_audit_checkpoint_timestamp_seconds", nil, float64(cp.At.Unix())},
		{"chataccess_audit_checkpoint_interval_seconds", nil, 3600},
	} {
		if got := must(t, reg, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	if got := must(t, reg, "chataccess_audit_entries"); got <= float64(cp.Count) {
		t.Errorf("audit entries %v, want more than the %d at the checkpoint (a cancel came after)", got, cp.Count)
	}
	if age := must(t, reg, "chataccess_approvals_oldest_pending_age_seconds", "package", "agent"); math.Abs(age-7200) > 60 {
		t.Errorf("oldest pending approval is %vs old, want about two hours", age)
	}
	for _, g := range []string{"notify", "workers"} {
		// Both groups have events they have not finished, written at
		// Redis's time just now.
		if lag := must(t, reg, "chataccess_outbox_lag_seconds", "group", g); lag < 0 || lag > 60 {
			t.Errorf("outbox lag of %s = %vs", g, lag)
		}
	}
	if n, ok := sample(t, reg, "chataccess_outbox_undelivered_events", "group", "workers"); ok && n < 3 {
		t.Errorf("workers group: %v undelivered events, want the rest of the stream", n)
	}
}

// TestLedgerEmpty: a ledger nothing was written to yet (no outbox
// stream, no checkpoint) is all zeros, with no checkpoint series.
func TestLedgerEmpty(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	reg := prometheus.NewPedanticRegistry()
	New(reg, Options{}).WatchLedger(store.New(rdb, prefix), LedgerConfig{ApprovalTimeouts: map[string]time.Duration{"agent": time.Hour}})
	if must(t, reg, "chataccess_redis_up") != 1 || must(t, reg, "chataccess_audit_entries") != 0 || must(t, reg, "chataccess_requests", "state", "pending_approval") != 0 {
		t.Error("an empty ledger reads as zeros")
	}
	for _, name := range []string{"chataccess_audit_checkpoint_timestamp_seconds", "chataccess_audit_checkpoint_interval_seconds", "chataccess_outbox_lag_seconds"} {
		if _, ok := sample(t, reg, name); ok {
			t.Errorf("%s present for an empty, unkeyed ledger", name)
		}
	}
}

// countingLedger counts reads and can block until released.
type countingLedger struct {
	reads atomic.Int32
	block chan struct{}
}

func (c *countingLedger) Stats(ctx context.Context, _ []string) (store.LedgerStats, error) {
	c.reads.Add(1)
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
			return store.LedgerStats{}, ctx.Err()
		}
	}
	return store.LedgerStats{Requests: map[approvals.State]int64{approvals.StatePending: 3}}, nil
}

// TestScrapeCostIsBounded: scrapes within MinReadInterval share one
// read, concurrent scrapes too; a read that does not answer within
// ReadTimeout gives chataccess_redis_up 0 and no ledger numbers, and
// counts a read error.
func TestScrapeCostIsBounded(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	l := &countingLedger{}
	reg := prometheus.NewPedanticRegistry()
	m := New(reg, Options{Now: now, MinReadInterval: 5 * time.Second})
	m.WatchLedger(l, LedgerConfig{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = reg.Gather() })
	}
	wg.Wait()
	if n := l.reads.Load(); n != 1 {
		t.Errorf("8 scrapes at once read the ledger %d times, want 1", n)
	}
	clock.Add(int64(6 * time.Second))
	if must(t, reg, "chataccess_requests", "state", "pending_approval") != 3 || l.reads.Load() != 2 {
		t.Errorf("a scrape after the interval reads again: %d reads", l.reads.Load())
	}

	slow := &countingLedger{block: make(chan struct{})}
	defer close(slow.block)
	reg = prometheus.NewPedanticRegistry()
	m = New(reg, Options{ReadTimeout: 50 * time.Millisecond})
	m.WatchLedger(slow, LedgerConfig{ApprovalTimeouts: map[string]time.Duration{"agent": time.Hour}})
	start := time.Now()
	if up := must(t, reg, "chataccess_redis_up"); up != 0 {
		t.Errorf("redis_up = %v for a read that timed out", up)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the scrape took %s with a 50ms read timeout", took)
	}
	if _, ok := sample(t, reg, "chataccess_requests"); ok {
		t.Error("ledger numbers sent without a read")
	}
	if _, ok := sample(t, reg, "chataccess_approvals_timeout_seconds", "package", "agent"); !ok {
		t.Error("the policy's timeouts do not need Redis")
	}
	if got := testutil.ToFloat64(m.readErrors.WithLabelValues(sourceLedger)); got != 1 {
		t.Errorf("read errors = %v, want 1", got)
	}
}

// TestQueueGauges reads a real queue with work in it.
func TestQueueGauges(t *testing.T) {
	ctx := context.Background()
	rdb, _ := redistest.Client(t)
	q := workers.NewQueue(rdb, "q"+redistest.Token())
	t.Cleanup(func() { _ = q.Inspector().DeleteQueue(q.Name(), true); _ = q.Close() })
	reg := prometheus.NewPedanticRegistry()
	New(reg, Options{MinReadInterval: time.Nanosecond}).WatchQueue(q)
	if must(t, reg, "chataccess_queue_tasks", "state", "pending") != 0 {
		t.Error("a queue never used is empty")
	}
	for _, id := range []string{"DC-1", "DC-2"} {
		if err := q.EnqueueExecute(ctx, &approvals.Request{ID: id, State: approvals.StateApproved}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond) // asynq's latency has a one-second resolution
	if got := must(t, reg, "chataccess_queue_tasks", "state", "pending"); got != 2 {
		t.Errorf("pending tasks = %v, want 2", got)
	}
	if lat := must(t, reg, "chataccess_queue_latency_seconds"); lat < 1 || lat > 30 {
		t.Errorf("queue latency = %vs", lat)
	}
	if must(t, reg, "chataccess_queue_processed_tasks_total") != 0 || must(t, reg, "chataccess_queue_paused") != 0 {
		t.Error("nothing ran yet and nobody paused the queue")
	}
}

// TestReady: chataccess_ready follows the check, within the timeout.
func TestReady(t *testing.T) {
	var failing atomic.Bool
	reg := prometheus.NewPedanticRegistry()
	m := New(reg, Options{MinReadInterval: time.Nanosecond, ReadTimeout: 50 * time.Millisecond})
	block := make(chan struct{})
	defer close(block)
	var hang atomic.Bool
	m.WatchReady(func(ctx context.Context) error {
		if hang.Load() {
			select {
			case <-block:
			case <-ctx.Done():
			}
			return ctx.Err()
		}
		if failing.Load() {
			return context.DeadlineExceeded
		}
		return nil
	})
	if must(t, reg, "chataccess_ready") != 1 {
		t.Error("ready check passed, gauge is not 1")
	}
	failing.Store(true)
	if must(t, reg, "chataccess_ready") != 0 {
		t.Error("ready check failed, gauge is not 0")
	}
	failing.Store(false)
	hang.Store(true)
	if must(t, reg, "chataccess_ready") != 0 {
		t.Error("a check that does not answer within the timeout is not ready")
	}
}
