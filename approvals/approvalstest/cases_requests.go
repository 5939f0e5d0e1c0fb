package approvalstest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

func testNextIDIncreasing(t *testing.T, st Ledger) {
	last := int64(-1)
	for range 50 {
		id, err := st.NextID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := idNumber(t, id)
		if n <= last {
			t.Fatalf("id %s after %d: ids must increase", id, last)
		}
		last = n
	}
}

func testGetMissing(t *testing.T, st Ledger) {
	if r, err := st.Get(context.Background(), "DC-999999"); !errors.Is(err, approvals.ErrNotFound) {
		t.Fatalf("Get missing = %+v, %v; want ErrNotFound", r, err)
	}
}

func testGrantMissing(t *testing.T, st Ledger) {
	if g, err := st.Grant(context.Background(), "alice@example.com", "agent"); !errors.Is(err, approvals.ErrNoGrant) {
		t.Fatalf("Grant missing = %+v, %v; want ErrNoGrant", g, err)
	}
}

func testCreateRoundTrip(t *testing.T, st Ledger) {
	r := newRequest(t, st, "alice@example.com", "agent")
	r.Target = approvals.Target{Email: "alice@example.com", FirstName: "Alice", LastName: "Liddell", PlatformID: "UALICE", Platform: approvals.PlatformSlack}
	r.Requester.Groups = []string{"SLEADS"} // not persisted
	r.Decisions = []approvals.Decision{{Approver: ann, Verdict: approvals.Approve, Comment: "ok", At: t0.Add(time.Second)}}
	r.Steps = []approvals.Step{{Name: "adobe", Status: approvals.StepWaiting, Detail: "queued", NextCheck: t0.Add(time.Hour), At: t0, Attempts: 2}}
	r.Reason, r.Revokes, r.DryRun = "review R-1", "DC-1", true
	r.GrantedAt, r.GrantedUntil, r.StartedAt = t0.Add(time.Hour), t0.Add(31*24*time.Hour), t0.Add(30*time.Minute)
	create(t, st, r)
	got := mustGet(t, st, r.ID)
	if want := stored(t, r); !reflect.DeepEqual(got, want) {
		t.Fatalf("Get after create:\n got %+v\nwant %+v", got, want)
	}
	if len(got.Requester.Groups) != 0 {
		t.Fatalf("groups persisted: %v", got.Requester.Groups)
	}
}

func testValuesAreCopies(t *testing.T, st Ledger) {
	ctx := context.Background()
	r := newRequest(t, st, "alice@example.com", "agent")
	want := stored(t, r)
	create(t, st, r)
	r.State, r.Justification = approvals.StateDenied, "changed after commit"
	got := mustGet(t, st, r.ID)
	got.State, got.Justification = approvals.StateCancelled, "changed after get"
	if again := mustGet(t, st, r.ID); !reflect.DeepEqual(again, want) {
		t.Fatalf("stored request changed through a caller's value: %+v", again)
	}
	g := approvals.Grant{Email: "alice@example.com", Package: "agent", RequestID: r.ID, Since: t0, ApprovedBy: []string{"ann@example.com"}}
	if err := st.Commit(ctx, approvals.Change{PutGrants: []approvals.Grant{g}}); err != nil {
		t.Fatal(err)
	}
	g.ApprovedBy[0] = "mallory@example.com"
	got1, err := st.Grant(ctx, "alice@example.com", "agent")
	if err != nil {
		t.Fatal(err)
	}
	got1.ApprovedBy[0] = "eve@example.com"
	got2, err := st.Grant(ctx, "alice@example.com", "agent")
	if err != nil || got2.ApprovedBy[0] != "ann@example.com" {
		t.Fatalf("stored grant changed through a caller's value: %+v %v", got2, err)
	}
}

func testUpdate(t *testing.T, st Ledger) {
	r := newRequest(t, st, "alice@example.com", "agent")
	create(t, st, r)
	v2 := moved(r, approvals.StatePending)
	v2.Decisions = append(v2.Decisions, approvals.Decision{Approver: ann, Verdict: approvals.Approve, At: v2.UpdatedAt})
	update(t, st, mustGet(t, st, r.ID), v2)
	v3 := moved(v2, approvals.StateApproved)
	v3.Decisions = append(v3.Decisions, approvals.Decision{Approver: ben, Verdict: approvals.Approve, At: v3.UpdatedAt})
	update(t, st, mustGet(t, st, r.ID), v3)
	got := mustGet(t, st, r.ID)
	if want := stored(t, v3); !reflect.DeepEqual(got, want) || got.Version != 3 {
		t.Fatalf("after two updates:\n got %+v\nwant %+v", got, want)
	}
}

func testStaleVersion(t *testing.T, st Ledger) {
	ctx := context.Background()
	r := newRequest(t, st, "alice@example.com", "agent")
	create(t, st, r)
	stale := mustGet(t, st, r.ID)
	update(t, st, stale, moved(stale, approvals.StateCancelled))
	before := snapshot(t, st, []string{r.ID}, nil)
	next := moved(stale, approvals.StateApproved)
	err := st.Commit(ctx, approvals.Change{
		Requests:  []approvals.Write{{Prev: stale, Next: next}},
		PutGrants: []approvals.Grant{{Email: "alice@example.com", Package: "agent", RequestID: r.ID, Since: t0}},
		Records:   []approvals.Record{record(next, approvals.EventApprove, approvals.StatePending, approvals.StateApproved, "")},
	})
	if !errors.Is(err, approvals.ErrConflict) {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
	before.same(t, snapshot(t, st, []string{r.ID}, nil))
}

func testUpdateMissing(t *testing.T, st Ledger) {
	ghost := newRequest(t, st, "alice@example.com", "agent")
	err := st.Commit(context.Background(), approvals.Change{Requests: []approvals.Write{{Prev: ghost, Next: moved(ghost, approvals.StateApproved)}}})
	if !errors.Is(err, approvals.ErrConflict) {
		t.Fatalf("update of a request that was never created: %v, want ErrConflict", err)
	}
	if _, err := st.Get(context.Background(), ghost.ID); !errors.Is(err, approvals.ErrNotFound) {
		t.Fatalf("refused update created the request: %v", err)
	}
}

func testCreateExisting(t *testing.T, st Ledger) {
	r := newRequest(t, st, "alice@example.com", "agent")
	create(t, st, r)
	before := snapshot(t, st, []string{r.ID}, nil)
	again := newRequest(t, st, "bob@example.com", "viewer")
	again.ID = r.ID
	err := st.Commit(context.Background(), approvals.Change{Requests: []approvals.Write{{Next: again}}})
	if !errors.Is(err, approvals.ErrConflict) {
		t.Fatalf("second create of %s: %v, want ErrConflict", r.ID, err)
	}
	before.same(t, snapshot(t, st, []string{r.ID}, nil))
}

func testMalformed(t *testing.T, st Ledger) {
	r := newRequest(t, st, "alice@example.com", "agent")
	r.Decisions = []approvals.Decision{{Approver: ann, Verdict: approvals.Approve, At: t0}}
	create(t, st, r)
	cur := mustGet(t, st, r.ID)
	noID := newRequest(t, st, "bob@example.com", "agent")
	noID.ID = ""
	for _, tc := range []struct {
		name string
		w    approvals.Write
	}{
		{"no next", approvals.Write{Prev: cur}},
		{"no id", approvals.Write{Next: noID}},
		{"create at version 2", approvals.Write{Next: func() *approvals.Request {
			n := newRequest(t, st, "carol@example.com", "agent")
			n.Version = 2
			return n
		}()}},
		{"same version", approvals.Write{Prev: cur, Next: func() *approvals.Request { n := moved(cur, approvals.StateApproved); n.Version--; return n }()}},
		{"version skipped", approvals.Write{Prev: cur, Next: func() *approvals.Request { n := moved(cur, approvals.StateApproved); n.Version++; return n }()}},
		{"decision removed", approvals.Write{Prev: cur, Next: func() *approvals.Request { n := moved(cur, approvals.StatePending); n.Decisions = nil; return n }()}},
		{"decision rewritten", approvals.Write{Prev: cur, Next: func() *approvals.Request {
			n := moved(cur, approvals.StateDenied)
			n.Decisions[0].Verdict = approvals.Deny
			return n
		}()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, st, []string{r.ID}, nil)
			err := st.Commit(context.Background(), approvals.Change{
				Requests: []approvals.Write{tc.w},
				Records:  []approvals.Record{record(cur, approvals.EventProgress, cur.State, cur.State, tc.name)},
			})
			if err == nil {
				t.Fatal("malformed write accepted")
			}
			before.same(t, snapshot(t, st, []string{r.ID}, nil))
		})
	}
}
