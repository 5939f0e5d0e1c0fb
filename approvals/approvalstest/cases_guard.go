package approvalstest

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/chataccess/chataccess/approvals"
)

func testDuplicate(t *testing.T, st Ledger) {
	ctx := context.Background()
	first := newRequest(t, st, "alice@example.com", "agent")
	create(t, st, first)
	second := newRequest(t, st, "alice@example.com", "agent")
	keys := []approvals.GrantKey{{Email: "bob@example.com", Package: "agent"}}
	before := snapshot(t, st, []string{first.ID, second.ID}, keys)
	err := st.Commit(ctx, approvals.Change{
		Requests:  []approvals.Write{{Next: second}},
		PutGrants: []approvals.Grant{{Email: "bob@example.com", Package: "agent", RequestID: "DC-1", Since: t0}},
		Records:   []approvals.Record{record(second, approvals.EventSubmit, "", approvals.StatePending, "")},
	})
	var dup *approvals.DuplicateRequestError
	if !errors.As(err, &dup) || dup.ID != first.ID || !errors.Is(err, approvals.ErrDuplicateRequest) {
		t.Fatalf("second open request: %v, want *DuplicateRequestError naming %s", err, first.ID)
	}
	before.same(t, snapshot(t, st, []string{first.ID, second.ID}, keys))
}

func testOpenSlotLifecycle(t *testing.T, st Ledger) {
	ctx := context.Background()
	// Each target walks one path; the guard must hold at every open
	// state and be gone after the closing one.
	paths := [][]approvals.State{
		{approvals.StateDenied},
		{approvals.StateCancelled},
		{approvals.StateExpired},
		{approvals.StateApproved, approvals.StateFailed},
		{approvals.StateApproved, approvals.StateExecuting, approvals.StateFailed},
		{approvals.StateApproved, approvals.StateExecuting, approvals.StateCompleted},
	}
	for i, path := range paths {
		target := "user" + strconv.Itoa(i) + "@example.com"
		r := newRequest(t, st, target, "agent")
		create(t, st, r)
		cur := r
		for _, to := range path {
			blocked := newRequest(t, st, target, "agent")
			err := st.Commit(ctx, approvals.Change{Requests: []approvals.Write{{Next: blocked}}})
			var dup *approvals.DuplicateRequestError
			if !errors.As(err, &dup) || dup.ID != r.ID {
				t.Fatalf("%v: create while %s is %s: %v, want duplicate of %s", path, r.ID, cur.State, err, r.ID)
			}
			next := moved(cur, to)
			update(t, st, cur, next)
			cur = next
		}
		free := newRequest(t, st, target, "agent")
		if err := st.Commit(ctx, approvals.Change{Requests: []approvals.Write{{Next: free}}}); err != nil {
			t.Fatalf("%v: create after %s became %s: %v", path, r.ID, cur.State, err)
		}
	}
}

func testNotDuplicate(t *testing.T, st Ledger) {
	create(t, st, newRequest(t, st, "alice@example.com", "agent"))
	create(t, st, newRequest(t, st, "alice@example.com", "viewer"))
	create(t, st, newRequest(t, st, "bob@example.com", "agent"))
}
