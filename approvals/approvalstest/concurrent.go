package approvalstest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/chataccess/chataccess/approvals"
)

// contenders is how many goroutines race in each concurrent case.
const contenders = 16

// race runs fn in n goroutines released at the same moment and returns
// their errors by index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func testNextIDConcurrent(t *testing.T, st Ledger) {
	const each = 20
	ids := make([][]string, contenders)
	errs := race(contenders, func(i int) error {
		for range each {
			id, err := st.NextID(context.Background())
			if err != nil {
				return err
			}
			ids[i] = append(ids[i], id)
		}
		return nil
	})
	seen := map[string]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
		last := int64(-1)
		for _, id := range ids[i] {
			if seen[id] {
				t.Fatalf("id %s handed out twice", id)
			}
			seen[id] = true
			// Each caller still sees its own ids increase.
			n := idNumber(t, id)
			if n <= last {
				t.Fatalf("goroutine %d got %s after %d", i, id, last)
			}
			last = n
		}
	}
}

func testConcurrentUpdates(t *testing.T, st Ledger) {
	ctx := context.Background()
	r := newRequest(t, st, "alice@example.com", "agent")
	create(t, st, r)
	read := mustGet(t, st, r.ID)
	nexts := make([]*approvals.Request, contenders)
	for i := range nexts {
		nexts[i] = moved(read, approvals.StateApproved)
		nexts[i].Decisions = append(nexts[i].Decisions, approvals.Decision{
			Approver: approvals.Actor{Email: "approver" + strconv.Itoa(i) + "@example.com"}, Verdict: approvals.Approve, At: t0,
		})
	}
	errs := race(contenders, func(i int) error {
		return st.Commit(ctx, approvals.Change{
			Requests: []approvals.Write{{Prev: read, Next: nexts[i]}},
			Records:  []approvals.Record{record(nexts[i], approvals.EventApprove, approvals.StatePending, approvals.StateApproved, strconv.Itoa(i))},
		})
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("goroutines %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, approvals.ErrConflict):
			t.Fatalf("goroutine %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no goroutine won")
	}
	got := mustGet(t, st, r.ID)
	if got.Version != 2 || len(got.Decisions) != 1 || got.Decisions[0].Approver.Email != nexts[winner].Decisions[0].Approver.Email {
		t.Fatalf("stored %+v, want the winner's (%d) write", got, winner)
	}
	recs := mustRecords(t, st)
	if len(recs) != 2 || recs[1].Detail != strconv.Itoa(winner) {
		t.Fatalf("records %+v: want the submit and the winner's (%d) only", recs, winner)
	}
}

func testConcurrentCreates(t *testing.T, st Ledger) {
	ctx := context.Background()
	reqs := make([]*approvals.Request, contenders)
	for i := range reqs {
		reqs[i] = newRequest(t, st, "alice@example.com", "agent")
	}
	errs := race(contenders, func(i int) error {
		return st.Commit(ctx, approvals.Change{
			Requests: []approvals.Write{{Next: reqs[i]}},
			Records:  []approvals.Record{record(reqs[i], approvals.EventSubmit, "", approvals.StatePending, "")},
		})
	})
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("%s and %s were both created", reqs[winner].ID, reqs[i].ID)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no create won: %v", errs)
	}
	for i, err := range errs {
		if i == winner {
			continue
		}
		var dup *approvals.DuplicateRequestError
		if !errors.As(err, &dup) || dup.ID != reqs[winner].ID {
			t.Fatalf("loser %d: %v, want a duplicate of %s", i, err, reqs[winner].ID)
		}
		if _, err := st.Get(ctx, reqs[i].ID); !errors.Is(err, approvals.ErrNotFound) {
			t.Fatalf("loser %s was stored: %v", reqs[i].ID, err)
		}
	}
	if recs := mustRecords(t, st); len(recs) != 1 || recs[0].RequestID != reqs[winner].ID {
		t.Fatalf("records %+v: want the winner's only", recs)
	}
}

func testConcurrentDistinct(t *testing.T, st Ledger) {
	ctx := context.Background()
	reqs := make([]*approvals.Request, contenders)
	for i := range reqs {
		reqs[i] = newRequest(t, st, "user"+strconv.Itoa(i)+"@example.com", "agent")
	}
	errs := race(contenders, func(i int) error {
		r := reqs[i]
		c := approvals.Change{
			Requests: []approvals.Write{{Next: r}},
			Records:  []approvals.Record{record(r, approvals.EventSubmit, "", approvals.StatePending, "")},
		}
		if err := st.Commit(ctx, c); err != nil {
			return err
		}
		next := moved(r, approvals.StateCancelled)
		return st.Commit(ctx, approvals.Change{
			Requests:  []approvals.Write{{Prev: r, Next: next}},
			PutGrants: []approvals.Grant{{Email: r.Target.Email, Package: "viewer", RequestID: r.ID, Since: t0}},
			Records:   []approvals.Record{record(next, approvals.EventCancel, approvals.StatePending, approvals.StateCancelled, "")},
		})
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
		if _, err := st.Grant(ctx, "user"+strconv.Itoa(i)+"@example.com", "viewer"); err != nil {
			t.Fatalf("goroutine %d's grant: %v", i, err)
		}
	}
	recs := mustRecords(t, st)
	if len(recs) != 2*contenders {
		t.Fatalf("%d records, want %d", len(recs), 2*contenders)
	}
	// Each request's records keep their commit order.
	submitted := map[string]bool{}
	for _, rec := range recs {
		switch rec.Event {
		case approvals.EventSubmit:
			submitted[rec.RequestID] = true
		case approvals.EventCancel:
			if !submitted[rec.RequestID] {
				t.Fatalf("%s cancelled before it was submitted in the records", rec.RequestID)
			}
			if r := mustGet(t, st, rec.RequestID); r.Version != 2 || r.State != approvals.StateCancelled {
				t.Fatalf("%s: %+v", rec.RequestID, r)
			}
		}
	}
}
