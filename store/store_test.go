package store_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/store"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func policy(approvers []string, minApprovals int) *approvals.Policy {
	return &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Emails: []string{"root@example.com"}},
		Packages: map[string]*approvals.Package{
			"agent": {
				Name: "agent", Approvers: approvals.Audience{Emails: approvers},
				MinApprovals: minApprovals, AllowPermanent: true, ApprovalTimeout: time.Hour,
			},
		},
	}
}

func actor(email string) approvals.Actor {
	return approvals.Actor{ID: "U" + email[:3], Email: email, Platform: "slack"}
}

func submit(t testing.TB, svc *approvals.Service, target string) *approvals.Request {
	t.Helper()
	r, err := svc.Submit(context.Background(), approvals.SubmitInput{
		Kind: approvals.KindAdd, Package: "agent", Target: approvals.Target{Email: target},
		Justification: "covering EMEA", Requester: actor("lead@example.com"), Permanent: true,
	})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return r
}

// TestConcurrentApprovals: 100 goroutines (20 per approver) approve one
// request that needs 2 of 5 approvals. Exactly two distinct approvers
// win, the request moves to approved exactly once, and exactly one
// "approved" event reaches the outbox and the audit trail.
func TestConcurrentApprovals(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	approvers := []string{"a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com", "a5@example.com"}
	svc := approvals.NewService(policy(approvers, 2), st, approvals.ClockFunc(func() time.Time { return t0 }))
	ctx := context.Background()
	r := submit(t, svc, "alice@example.com")

	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	outcomes := map[string]int{}
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Each goroutine uses its own store instance, as replicas would.
			svc := approvals.NewService(policy(approvers, 2), store.New(rdb, prefix), approvals.ClockFunc(func() time.Time { return t0 }))
			_, err := svc.Approve(ctx, r.ID, actor(approvers[i%5]), "")
			key := "ok"
			switch {
			case errors.Is(err, approvals.ErrAlreadyDecided):
				key = "already decided"
			case errors.Is(err, approvals.ErrRequestClosed):
				key = "closed"
			case err != nil:
				key = err.Error()
			}
			mu.Lock()
			outcomes[key]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()

	got, err := st.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approvals.StateApproved {
		t.Fatalf("state %s", got.State)
	}
	if len(got.Decisions) != 2 || got.Decisions[0].Approver.Same(got.Decisions[1].Approver) {
		t.Fatalf("decisions %+v", got.Decisions)
	}
	if outcomes["ok"] != 2 || outcomes["ok"]+outcomes["already decided"]+outcomes["closed"] != 100 {
		t.Fatalf("outcomes %v", outcomes)
	}
	actions := map[string]int{}
	if err := st.AuditEntries(ctx, func(e store.AuditEntry) error { actions[e.Action]++; return nil }); err != nil {
		t.Fatal(err)
	}
	if actions[string(approvals.EventApprove)] != 1 || actions[string(approvals.EventVote)] != 1 || actions[string(approvals.EventSubmit)] != 1 {
		t.Fatalf("audit actions %v", actions)
	}
	box, err := st.Outbox(ctx, "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := box.Read(ctx, "c1", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	approved := 0
	for _, m := range msgs {
		if m.Record.Event == approvals.EventApprove {
			approved++
		}
	}
	if len(msgs) != 3 || approved != 1 {
		t.Fatalf("outbox: %d events, %d approved", len(msgs), approved)
	}
	if res, err := st.VerifyAudit(ctx); err != nil || !res.OK() {
		t.Fatalf("audit chain after concurrency: %+v %v", res, err)
	}
}

// TestCommitRefusesStaleVersion proves the compare-and-swap directly.
func TestCommitRefusesStaleVersion(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	svc := approvals.NewService(policy([]string{"a1@example.com"}, 1), st, approvals.ClockFunc(func() time.Time { return t0 }))
	ctx := context.Background()
	r := submit(t, svc, "alice@example.com")
	stale := r.Clone()
	if _, err := svc.Cancel(ctx, r.ID, actor("lead@example.com")); err != nil {
		t.Fatal(err)
	}
	next := stale.Clone()
	next.Version++
	next.State = approvals.StateApproved
	err := st.Commit(ctx, approvals.Change{Requests: []approvals.Write{{Prev: stale, Next: next}}})
	if !errors.Is(err, approvals.ErrConflict) {
		t.Fatalf("stale commit: %v", err)
	}
	got, _ := st.Get(ctx, r.ID)
	if got.State != approvals.StateCancelled {
		t.Fatalf("stale write landed: %s", got.State)
	}
}

// TestRestartSeesEverything: a new store instance on the same Redis
// reads every request, index, grant and the audit chain.
func TestRestartSeesEverything(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	clock := approvals.ClockFunc(func() time.Time { return t0 })
	svc := approvals.NewService(policy([]string{"a1@example.com"}, 1), store.New(rdb, prefix), clock)
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		r := submit(t, svc, fmt.Sprintf("user%d@example.com", i))
		ids = append(ids, r.ID)
	}
	for _, id := range ids[:2] {
		if _, err := svc.Approve(ctx, id, actor("a1@example.com"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.StartExecution(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Complete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}

	// "Restart": a new client and a new store.
	opt, _ := redis.ParseURL(redistest.URL())
	rdb2 := redis.NewClient(opt)
	defer rdb2.Close()
	st2 := store.New(rdb2, prefix)
	for _, id := range ids {
		if _, err := st2.Get(ctx, id); err != nil {
			t.Fatalf("after restart: %v", err)
		}
	}
	pending, _ := st2.List(ctx, approvals.PendingByPackage("agent"), 100)
	completed, _ := st2.List(ctx, approvals.ByState(approvals.StateCompleted), 100)
	mine, _ := st2.List(ctx, approvals.ByRequester(actor("lead@example.com")), 100)
	decided, _ := st2.List(ctx, approvals.ByApprover(actor("a1@example.com")), 100)
	byTarget, _ := st2.List(ctx, approvals.ByTarget("user0@example.com"), 100)
	grants, _ := st2.Grants(ctx, "agent")
	if len(pending) != 3 || len(completed) != 2 || len(mine) != 5 || len(decided) != 2 || len(byTarget) != 1 || len(grants) != 2 {
		t.Fatalf("indexes after restart: pending %d completed %d mine %d decided %d target %d grants %d",
			len(pending), len(completed), len(mine), len(decided), len(byTarget), len(grants))
	}
	if res, err := st2.VerifyAudit(ctx); err != nil || !res.OK() || res.Entries != 5+2*3 {
		t.Fatalf("audit after restart: %+v %v", res, err)
	}
	// The new instance continues the chain.
	svc2 := approvals.NewService(policy([]string{"a1@example.com"}, 1), st2, clock)
	if _, err := svc2.Deny(ctx, ids[4], actor("a1@example.com"), "no"); err != nil {
		t.Fatal(err)
	}
	if res, _ := st2.VerifyAudit(ctx); !res.OK() {
		t.Fatalf("chain broken after restart: %+v", res)
	}
}

// TestAuditTamperDetected rewrites the audit stream with one field of one
// entry changed, deletes an entry, and drops the newest one: each is
// found and the first bad entry is named.
func TestAuditTamperDetected(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*store.Store, redis.UniversalClient, string, []redis.XMessage) {
		rdb, prefix := redistest.Client(t)
		st := store.New(rdb, prefix)
		svc := approvals.NewService(policy([]string{"a1@example.com"}, 1), st, approvals.ClockFunc(func() time.Time { return t0 }))
		for i := range 4 {
			r := submit(t, svc, fmt.Sprintf("u%d@example.com", i))
			if _, err := svc.Approve(ctx, r.ID, actor("a1@example.com"), ""); err != nil {
				t.Fatal(err)
			}
		}
		key := prefix + "{ledger}:audit"
		msgs, err := rdb.XRange(ctx, key, "-", "+").Result()
		if err != nil || len(msgs) != 8 {
			t.Fatalf("audit entries: %d %v", len(msgs), err)
		}
		return st, rdb, key, msgs
	}
	t.Run("edited entry", func(t *testing.T) {
		st, rdb, key, msgs := setup(t)
		rdb.Del(ctx, key)
		for i, m := range msgs {
			vals := m.Values
			if i == 3 {
				vals["actor"] = "mallory@example.com"
			}
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: m.ID, Values: flatten(vals)}).Err(); err != nil {
				t.Fatal(err)
			}
		}
		res, err := st.VerifyAudit(ctx)
		if err != nil || res.OK() || res.BadEntry != msgs[3].ID {
			t.Fatalf("verify = %+v, %v; want bad entry %s", res, err, msgs[3].ID)
		}
	})
	t.Run("deleted entry", func(t *testing.T) {
		st, rdb, key, msgs := setup(t)
		rdb.XDel(ctx, key, msgs[5].ID)
		res, _ := st.VerifyAudit(ctx)
		if res.OK() || res.BadEntry != msgs[6].ID {
			t.Fatalf("verify = %+v; want bad entry %s", res, msgs[6].ID)
		}
	})
	t.Run("truncated tail", func(t *testing.T) {
		st, rdb, key, msgs := setup(t)
		rdb.XDel(ctx, key, msgs[7].ID)
		res, _ := st.VerifyAudit(ctx)
		if res.OK() || res.Problem == "" {
			t.Fatalf("verify = %+v; want a missing-tail problem", res)
		}
	})
}

func flatten(m map[string]any) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, 2*len(m))
	for _, k := range keys {
		out = append(out, k, m[k])
	}
	return out
}

// TestOutboxRedeliversToAnotherConsumer: an event read but never acked
// by a consumer that died is handed to another after minIdle.
func TestOutboxRedeliversToAnotherConsumer(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	svc := approvals.NewService(policy([]string{"a1@example.com"}, 1), st, approvals.ClockFunc(func() time.Time { return t0 }))
	ctx := context.Background()
	submit(t, svc, "alice@example.com")
	box, err := st.Outbox(ctx, "notify", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	first, err := box.Read(ctx, "dies", 10, 0)
	if err != nil || len(first) != 1 {
		t.Fatalf("first read: %v %v", first, err)
	}
	time.Sleep(80 * time.Millisecond)
	again, err := box.Read(ctx, "survivor", 10, 0)
	if err != nil || len(again) != 1 || again[0].ID != first[0].ID {
		t.Fatalf("redelivery: %v %v", again, err)
	}
	if err := box.Ack(ctx, again[0].ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	if rest, _ := box.Read(ctx, "third", 10, 10*time.Millisecond); len(rest) != 0 {
		t.Fatalf("acked event delivered again: %v", rest)
	}
}

func TestMessageRefs(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()
	refs := []approvals.MessageRef{
		{Platform: "slack", Channel: "C1", ID: "1.1", Kind: "card"},
		{Platform: "slack", Channel: "D2", ID: "2.2", Kind: "card", User: "U2"},
		{Platform: "slack", Channel: "C1", ID: "1.1", Kind: "card"}, // same message again
	}
	for _, r := range refs {
		if err := st.AddMessageRef(ctx, "DC-1001", r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.MessageRefs(ctx, "DC-1001")
	if err != nil || len(got) != 2 {
		t.Fatalf("refs = %v, %v", got, err)
	}
}

func TestLocksAndClaims(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	ctx := context.Background()
	unlock, ok, err := st.TryLock(ctx, "exec:DC-1", "w1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if _, ok, _ := st.TryLock(ctx, "exec:DC-1", "w2", time.Minute); ok {
		t.Fatal("second holder got the lock")
	}
	if _, ok, _ := st.TryLock(ctx, "exec:DC-1", "w1", time.Minute); !ok {
		t.Fatal("the same holder could not re-take its lock")
	}
	unlock()
	if _, ok, _ := st.TryLock(ctx, "exec:DC-1", "w2", time.Minute); !ok {
		t.Fatal("lock not released")
	}
	var wins int
	for range 10 {
		if ok, _ := st.Claim(ctx, "review:q1@2026-12-01T09:00", "r", time.Hour); ok {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("claim won %d times", wins)
	}
}
