package approvalstest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
)

// Ledger is a store under test: the approvals.Store port plus a way to
// read back the records Commit writes, which the port never returns.
type Ledger interface {
	approvals.Store
	// Records returns every committed record, oldest first.
	Records(ctx context.Context) ([]approvals.Record, error)
}

// expirer is the optional grant expiry query; when a Ledger has it the
// suite checks it too.
type expirer interface {
	ExpiringBefore(ctx context.Context, t time.Time, limit int) ([]approvals.Grant, error)
}

// RunStore checks every outcome approvals.Store documents. newStore
// returns an empty store and is called once per subtest. Run it from a
// test of each implementation:
//
//	func TestConformance(t *testing.T) {
//		approvalstest.RunStore(t, func(t *testing.T) approvalstest.Ledger { return approvalstest.NewStore() })
//	}
func RunStore(t *testing.T, newStore func(t *testing.T) Ledger) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, newStore(t))
		})
	}
}

type suiteCase struct {
	name string
	run  func(t *testing.T, st Ledger)
}

// cases lists the suite; concurrent cases are in concurrent.go.
var cases = []suiteCase{
	{"NextID/unique and increasing", testNextIDIncreasing},
	{"Get/missing request is ErrNotFound", testGetMissing},
	{"Grant/missing grant is ErrNoGrant", testGrantMissing},
	{"Commit/create then Get returns the request", testCreateRoundTrip},
	{"Commit/values are copies", testValuesAreCopies},
	{"Commit/update at the stored version", testUpdate},
	{"Commit/stale version is ErrConflict and writes nothing", testStaleVersion},
	{"Commit/update of a missing request is ErrConflict", testUpdateMissing},
	{"Commit/create over an existing id is ErrConflict", testCreateExisting},
	{"Commit/malformed writes are refused and write nothing", testMalformed},
	{"Commit/open request blocks a create for the same target and package", testDuplicate},
	{"Commit/open states keep the guard, closed states release it", testOpenSlotLifecycle},
	{"Commit/another target or package is not a duplicate", testNotDuplicate},
	{"Commit/grants are put, overwritten and deleted", testGrants},
	{"Commit/records are kept in commit order", testRecords},
	{"Commit/several requests in one change", testSeveralRequests},
	{"Commit/all or nothing", testAllOrNothing},
	{"Concurrent/NextID never repeats", testNextIDConcurrent},
	{"Concurrent/updates of one request have exactly one winner", testConcurrentUpdates},
	{"Concurrent/creates for one target and package have exactly one winner", testConcurrentCreates},
	{"Concurrent/commits to different requests all land", testConcurrentDistinct},
	{"ExpiringBefore/time-bound grants, soonest first", testExpiringBefore},
}

// t0 is the suite's fixed "now".
var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

var (
	lead = approvals.Actor{ID: "ULEAD", Email: "lead@example.com", Name: "Lee", Platform: approvals.PlatformSlack}
	ann  = approvals.Actor{ID: "UANN", Email: "ann@example.com", Platform: approvals.PlatformSlack}
	ben  = approvals.Actor{ID: "UBEN", Email: "ben@example.com", Platform: approvals.PlatformSlack}
)

// newRequest returns a pending add of pkg for target with a fresh id.
func newRequest(t *testing.T, st Ledger, target, pkg string) *approvals.Request {
	t.Helper()
	id, err := st.NextID(context.Background())
	if err != nil {
		t.Fatalf("NextID: %v", err)
	}
	return &approvals.Request{
		ID: id, Kind: approvals.KindAdd, Target: approvals.Target{Email: target},
		Package: pkg, Justification: "covering EMEA", Duration: 30 * 24 * time.Hour,
		Requester: lead, Origin: approvals.PlatformSlack, State: approvals.StatePending,
		Version: 1, CreatedAt: t0, UpdatedAt: t0, Deadline: t0.Add(72 * time.Hour),
	}
}

// moved returns r one version on, in state to.
func moved(r *approvals.Request, to approvals.State) *approvals.Request {
	n := r.Clone()
	n.Version++
	n.State = to
	n.UpdatedAt = n.UpdatedAt.Add(time.Minute)
	return n
}

func record(r *approvals.Request, ev approvals.Event, from, to approvals.State, detail string) approvals.Record {
	return approvals.Record{
		RequestID: r.ID, Event: ev, Actor: lead, At: r.UpdatedAt, From: from, To: to,
		Package: r.Package, Target: r.Target.Email, Detail: detail,
	}
}

// create commits r as a new request with a submit record.
func create(t *testing.T, st Ledger, r *approvals.Request) {
	t.Helper()
	err := st.Commit(context.Background(), approvals.Change{
		Requests: []approvals.Write{{Next: r}},
		Records:  []approvals.Record{record(r, approvals.EventSubmit, "", r.State, "")},
	})
	if err != nil {
		t.Fatalf("create %s: %v", r.ID, err)
	}
}

// update commits prev → next.
func update(t *testing.T, st Ledger, prev, next *approvals.Request) {
	t.Helper()
	if err := st.Commit(context.Background(), approvals.Change{Requests: []approvals.Write{{Prev: prev, Next: next}}}); err != nil {
		t.Fatalf("update %s to v%d: %v", next.ID, next.Version, err)
	}
}

func mustGet(t *testing.T, st Ledger, id string) *approvals.Request {
	t.Helper()
	r, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get %s: %v", id, err)
	}
	return r
}

func mustRecords(t *testing.T, st Ledger) []approvals.Record {
	t.Helper()
	recs, err := st.Records(context.Background())
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	return recs
}

// stored returns v as a store returns it: through JSON, which drops what
// is not persisted (Actor.Groups) and normalises times.
func stored[T any](t *testing.T, v T) T {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func idNumber(t *testing.T, id string) int64 {
	t.Helper()
	canon, err := approvals.ParseRequestID(id)
	if err != nil || canon != id || !strings.HasPrefix(id, approvals.IDPrefix) {
		t.Fatalf("id %q is not a canonical request id (%v)", id, err)
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(id, approvals.IDPrefix), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

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

// view is what the suite can observe of a ledger: some requests, some
// grants and every record.
type view struct {
	requests map[string]*approvals.Request
	grants   map[approvals.GrantKey]*approvals.Grant
	records  []approvals.Record
}

func snapshot(t *testing.T, st Ledger, ids []string, grants []approvals.GrantKey) view {
	t.Helper()
	ctx := context.Background()
	v := view{requests: map[string]*approvals.Request{}, grants: map[approvals.GrantKey]*approvals.Grant{}}
	for _, id := range ids {
		r, err := st.Get(ctx, id)
		if err != nil && !errors.Is(err, approvals.ErrNotFound) {
			t.Fatalf("Get %s: %v", id, err)
		}
		v.requests[id] = r
	}
	for _, k := range grants {
		g, err := st.Grant(ctx, k.Email, k.Package)
		if err != nil && !errors.Is(err, approvals.ErrNoGrant) {
			t.Fatalf("Grant %v: %v", k, err)
		}
		v.grants[k] = g
	}
	v.records = mustRecords(t, st)
	return v
}

// same fails the test unless after equals v: nothing was written.
func (v view) same(t *testing.T, after view) {
	t.Helper()
	for id, r := range v.requests {
		if !reflect.DeepEqual(after.requests[id], r) {
			t.Errorf("request %s changed:\n was %+v\n now %+v", id, r, after.requests[id])
		}
	}
	for k, g := range v.grants {
		if !reflect.DeepEqual(after.grants[k], g) {
			t.Errorf("grant %s/%s changed:\n was %+v\n now %+v", k.Email, k.Package, g, after.grants[k])
		}
	}
	if !reflect.DeepEqual(after.records, v.records) {
		t.Errorf("records changed: %d -> %d", len(v.records), len(after.records))
	}
}
