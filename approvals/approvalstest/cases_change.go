package approvalstest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

func testGrants(t *testing.T, st Ledger) {
	ctx := context.Background()
	get := func(email, pkg string) *approvals.Grant {
		t.Helper()
		g, err := st.Grant(ctx, email, pkg)
		if err != nil {
			t.Fatalf("Grant %s/%s: %v", email, pkg, err)
		}
		return g
	}
	bound := approvals.Grant{
		Email: "alice@example.com", Package: "agent", RequestID: "DC-1001", Since: t0, Until: t0.Add(30 * 24 * time.Hour),
		ApprovedBy: []string{"ann@example.com", "ben@example.com"}, Requester: "lead@example.com", Justification: "covering EMEA",
	}
	forever := approvals.Grant{Email: "alice@example.com", Package: "viewer", RequestID: "DC-1002", Since: t0, Adopted: true}
	if err := st.Commit(ctx, approvals.Change{PutGrants: []approvals.Grant{bound, forever}}); err != nil {
		t.Fatal(err)
	}
	if got := get("alice@example.com", "agent"); !reflect.DeepEqual(*got, stored(t, bound)) {
		t.Fatalf("time-bound grant:\n got %+v\nwant %+v", *got, bound)
	}
	if got := get("alice@example.com", "viewer"); !reflect.DeepEqual(*got, stored(t, forever)) || !got.Permanent() {
		t.Fatalf("permanent grant:\n got %+v\nwant %+v", *got, forever)
	}
	renewed := bound
	renewed.RequestID, renewed.Until = "DC-1003", t0.Add(60*24*time.Hour)
	if err := st.Commit(ctx, approvals.Change{PutGrants: []approvals.Grant{renewed}}); err != nil {
		t.Fatal(err)
	}
	if got := get("alice@example.com", "agent"); got.RequestID != "DC-1003" || !got.Until.Equal(renewed.Until) {
		t.Fatalf("put did not replace the grant: %+v", got)
	}
	err := st.Commit(ctx, approvals.Change{DeleteGrants: []approvals.GrantKey{
		{Email: "alice@example.com", Package: "agent"},
		{Email: "nobody@example.com", Package: "agent"}, // absent: not an error
	}})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if g, err := st.Grant(ctx, "alice@example.com", "agent"); !errors.Is(err, approvals.ErrNoGrant) {
		t.Fatalf("deleted grant still there: %+v %v", g, err)
	}
	get("alice@example.com", "viewer") // untouched
}

func testRecords(t *testing.T, st Ledger) {
	ctx := context.Background()
	r := newRequest(t, st, "alice@example.com", "agent")
	v2 := moved(r, approvals.StateApproved)
	batches := [][]approvals.Record{
		{record(r, approvals.EventSubmit, "", approvals.StatePending, "reason: covering EMEA")},
		{record(v2, approvals.EventVote, approvals.StatePending, approvals.StatePending, "1 of 2"),
			record(v2, approvals.EventApprove, approvals.StatePending, approvals.StateApproved, "2 of 2")},
		nil,
		{{RequestID: "", Event: approvals.EventAdopt, Actor: approvals.System, At: t0, Package: "viewer", Target: "zed@example.com"}},
	}
	changes := []approvals.Change{
		{Requests: []approvals.Write{{Next: r}}, Records: batches[0]},
		{Requests: []approvals.Write{{Prev: r, Next: v2}}, Records: batches[1]},
		{PutGrants: []approvals.Grant{{Email: "bob@example.com", Package: "viewer", Since: t0}}},
		{PutGrants: []approvals.Grant{{Email: "zed@example.com", Package: "viewer", Since: t0, Adopted: true}}, Records: batches[3]},
	}
	var want []approvals.Record
	for i, c := range changes {
		if err := st.Commit(ctx, c); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		want = append(want, batches[i]...)
	}
	if got := mustRecords(t, st); !reflect.DeepEqual(got, stored(t, want)) {
		t.Fatalf("records:\n got %+v\nwant %+v", got, want)
	}
}

func testSeveralRequests(t *testing.T, st Ledger) {
	// A removal completes and ends the add it revokes, in one change.
	add := newRequest(t, st, "alice@example.com", "agent")
	add.State = approvals.StateCompleted
	create(t, st, add)
	rm := newRequest(t, st, "alice@example.com", "agent")
	rm.Kind, rm.State, rm.Revokes = approvals.KindRemove, approvals.StateExecuting, add.ID
	create(t, st, rm)
	addNext, rmNext := moved(add, approvals.StateRevoked), moved(rm, approvals.StateCompleted)
	err := st.Commit(context.Background(), approvals.Change{
		Requests:     []approvals.Write{{Prev: rm, Next: rmNext}, {Prev: add, Next: addNext}},
		DeleteGrants: []approvals.GrantKey{{Email: "alice@example.com", Package: "agent"}},
		Records: []approvals.Record{
			record(rmNext, approvals.EventComplete, approvals.StateExecuting, approvals.StateCompleted, ""),
			record(addNext, approvals.EventRevoke, approvals.StateCompleted, approvals.StateRevoked, rm.ID),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, st, add.ID); got.State != approvals.StateRevoked || got.Version != 2 {
		t.Fatalf("add %+v", got)
	}
	if got := mustGet(t, st, rm.ID); got.State != approvals.StateCompleted || got.Version != 2 {
		t.Fatalf("remove %+v", got)
	}
	if n := len(mustRecords(t, st)); n != 4 {
		t.Fatalf("%d records, want 4", n)
	}
}

func testAllOrNothing(t *testing.T, st Ledger) {
	ctx := context.Background()
	held := newRequest(t, st, "held@example.com", "agent")
	create(t, st, held)
	stale := mustGet(t, st, held.ID)
	update(t, st, stale, moved(stale, approvals.StatePending))
	kept := approvals.Grant{Email: "kept@example.com", Package: "agent", RequestID: "DC-1", Since: t0}
	if err := st.Commit(ctx, approvals.Change{PutGrants: []approvals.Grant{kept}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		bad  func(fresh *approvals.Request) approvals.Write
		want func(error) bool
	}{
		{"stale write last", func(*approvals.Request) approvals.Write {
			return approvals.Write{Prev: stale, Next: moved(stale, approvals.StateDenied)}
		}, func(err error) bool { return errors.Is(err, approvals.ErrConflict) }},
		{"duplicate create last", func(*approvals.Request) approvals.Write {
			return approvals.Write{Next: newRequest(t, st, "held@example.com", "agent")}
		}, func(err error) bool {
			var d *approvals.DuplicateRequestError
			return errors.As(err, &d) && d.ID == held.ID
		}},
		{"malformed write last", func(fresh *approvals.Request) approvals.Write {
			n := moved(fresh, approvals.StateApproved)
			n.Version += 5
			return approvals.Write{Prev: fresh, Next: n}
		}, func(err error) bool { return err != nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh := newRequest(t, st, "fresh@example.com", "agent")
			ids := []string{held.ID, fresh.ID}
			keys := []approvals.GrantKey{{Email: "new@example.com", Package: "agent"}, {Email: "kept@example.com", Package: "agent"}}
			before := snapshot(t, st, ids, keys)
			err := st.Commit(ctx, approvals.Change{
				Requests:     []approvals.Write{{Next: fresh}, tc.bad(fresh)},
				PutGrants:    []approvals.Grant{{Email: "new@example.com", Package: "agent", RequestID: fresh.ID, Since: t0}},
				DeleteGrants: []approvals.GrantKey{{Email: "kept@example.com", Package: "agent"}},
				Records:      []approvals.Record{record(fresh, approvals.EventSubmit, "", approvals.StatePending, "")},
			})
			if !tc.want(err) {
				t.Fatalf("commit: %v", err)
			}
			before.same(t, snapshot(t, st, ids, keys))
		})
	}
}

func testExpiringBefore(t *testing.T, st Ledger) {
	ex, ok := st.(expirer)
	if !ok {
		t.Skipf("%T has no ExpiringBefore", st)
	}
	ctx := context.Background()
	day := 24 * time.Hour
	grants := []approvals.Grant{
		{Email: "late@example.com", Package: "agent", Since: t0, Until: t0.Add(20 * day)},
		{Email: "soon@example.com", Package: "agent", Since: t0, Until: t0.Add(2 * day)},
		{Email: "edge@example.com", Package: "agent", Since: t0, Until: t0.Add(10 * day)},
		{Email: "forever@example.com", Package: "agent", Since: t0},
		{Email: "gone@example.com", Package: "agent", Since: t0, Until: t0.Add(day)},
	}
	if err := st.Commit(ctx, approvals.Change{PutGrants: grants}); err != nil {
		t.Fatal(err)
	}
	// A grant made permanent leaves the expiry list; a deleted one too.
	grants[0].Until = time.Time{}
	err := st.Commit(ctx, approvals.Change{PutGrants: grants[:1], DeleteGrants: []approvals.GrantKey{{Email: "gone@example.com", Package: "agent"}}})
	if err != nil {
		t.Fatal(err)
	}
	emails := func(gs []approvals.Grant) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.Email)
		}
		return out
	}
	for _, tc := range []struct {
		before time.Time
		limit  int
		want   []string
	}{
		{t0.Add(10 * day), 10, []string{"soon@example.com", "edge@example.com"}},
		{t0.Add(10*day - time.Millisecond), 10, []string{"soon@example.com"}},
		{t0.Add(100 * day), 1, []string{"soon@example.com"}},
		{t0, 10, nil},
	} {
		got, err := ex.ExpiringBefore(ctx, tc.before, tc.limit)
		if err != nil || !reflect.DeepEqual(emails(got), tc.want) {
			t.Fatalf("ExpiringBefore(t0+%s, %d) = %v, %v; want %v", tc.before.Sub(t0), tc.limit, emails(got), err, tc.want)
		}
	}
}
