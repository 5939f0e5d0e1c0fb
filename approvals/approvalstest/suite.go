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

// cases lists the suite; the cases live in cases_*.go and concurrent.go.
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
