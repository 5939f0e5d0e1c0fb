package reviews_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/vendormap"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// people is the chat directory of the tests: id → email.
var people = map[string]string{
	"UANN": "ann@example.com", "UBEN": "ben@example.com", "UROOT": "root@example.com",
	"ULEAD": "lead@example.com", "UALICE": "alice@example.com",
}

func actor(id string) approvals.Actor {
	return approvals.Actor{ID: id, Email: people[id], Platform: "slack"}
}

func slackUsers(ids ...string) []approvals.PlatformID {
	var out []approvals.PlatformID
	for _, id := range ids {
		out = append(out, approvals.PlatformID{Platform: approvals.PlatformSlack, ID: id})
	}
	return out
}

func testPolicy() *approvals.Policy {
	pkg := func(name, profile, role string, approvers ...string) *approvals.Package {
		return &approvals.Package{
			Name: name, Profiles: []approvals.ProductProfile{{Name: profile, Product: "Dynamic Chat"}},
			MarketoRole: approvals.MarketoRef{Name: role}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"},
			Approvers: approvals.Audience{Users: slackUsers(approvers...)}, MinApprovals: 1,
			DefaultDuration: 30 * 24 * time.Hour, MaxDuration: 90 * 24 * time.Hour, AllowPermanent: true,
		}
	}
	return &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UROOT"}}},
		Packages: map[string]*approvals.Package{
			"agent": pkg("agent", "Live Agent", "DC Agent", "UANN", "UBEN"),
			// ann is the only approver of admin, and holds it herself.
			"admin": pkg("admin", "Marketing Admin", "DC Admin", "UANN"),
		},
	}
}

// fakeAdobe is the Admin Console in memory.
type fakeAdobe struct {
	mu       sync.Mutex
	profiles map[string][]reviews.Member
	reads    int
	failNext int // the next reads fail, as during an outage
}

var errAdobeDown = errors.New("adobe: unavailable: 503")

func (f *fakeAdobe) ProfileMembers(_ context.Context, profile string, fn func(reviews.Member) error) error {
	f.mu.Lock()
	f.reads++
	if f.failNext > 0 {
		f.failNext--
		f.mu.Unlock()
		return errAdobeDown
	}
	ms := append([]reviews.Member(nil), f.profiles[strings.ToLower(profile)]...)
	f.mu.Unlock()
	for _, m := range ms {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeAdobe) add(profile string, emails ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range emails {
		f.profiles[strings.ToLower(profile)] = append(f.profiles[strings.ToLower(profile)], reviews.Member{Email: e})
	}
}

type fakeMarketo struct {
	users []reviews.MarketoUser
	roles []marketo.Role // nil: fakeRoles
}

func (f *fakeMarketo) Users(context.Context) ([]reviews.MarketoUser, error) { return f.users, nil }

// fakeRoles and fakeWorkspaces are the fake instance's listings.
var (
	fakeRoles      = []marketo.Role{{ID: 1, Name: "Admin"}, {ID: 101, Name: "DC Agent"}, {ID: 102, Name: "DC Admin"}}
	fakeWorkspaces = []marketo.Workspace{{ID: 1, Name: "Default"}}
)

// PackageRole resolves with the real rule over the fake listings.
func (f *fakeMarketo) PackageRole(_ context.Context, p *approvals.Package) (reviews.RoleAssignment, error) {
	roles := f.roles
	if roles == nil {
		roles = fakeRoles
	}
	r, err := vendormap.MatchRole(roles, p.MarketoRole)
	if err != nil {
		return reviews.RoleAssignment{}, err
	}
	w, err := vendormap.MatchWorkspace(fakeWorkspaces, p.MarketoWorkspace)
	if err != nil {
		return reviews.RoleAssignment{}, err
	}
	return reviews.RoleAssignment{RoleID: r.ID, RoleName: r.Name, WorkspaceID: w.ID, WorkspaceName: w.Name}, nil
}

func role(name string) reviews.RoleAssignment {
	r, _ := vendormap.MatchRole(fakeRoles, approvals.MarketoRef{Name: name})
	return reviews.RoleAssignment{RoleID: r.ID, RoleName: name, WorkspaceName: "Default", WorkspaceID: 1}
}

// notes records what the notifier was asked to send.
type notes struct {
	mu       sync.Mutex
	sent     map[string]int // campaign id → SendReview calls
	reminded []map[int]int
	closed   []reviews.Summary
}

func (n *notes) Resolve(_ context.Context, a approvals.Audience) ([]approvals.Actor, error) {
	var out []approvals.Actor
	for _, id := range approvals.On(a.Users, approvals.PlatformSlack) {
		out = append(out, actor(id))
	}
	for _, e := range a.Emails {
		for id, pe := range people {
			if pe == e {
				out = append(out, actor(id))
			}
		}
	}
	return out, nil
}

func (n *notes) SendReview(_ context.Context, c *reviews.Campaign, _ []reviews.Item) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent[c.ID]++
	return nil
}

func (n *notes) Remind(_ context.Context, _ *reviews.Campaign, pending map[int]int) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reminded = append(n.reminded, pending)
	return nil
}

func (n *notes) Closed(_ context.Context, _ *reviews.Campaign, s reviews.Summary) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = append(n.closed, s)
	return nil
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *clock
	st    *store.Store
	svc   *approvals.Service
	adobe *fakeAdobe
	mkto  *fakeMarketo
	notes *notes
	rv    *reviews.Reviews
}

func newFixture(t *testing.T, schedules ...reviews.Schedule) *fixture {
	t.Helper()
	rdb, prefix := redistest.Client(t)
	st := store.New(rdb, prefix)
	c := &clock{t: t0}
	svc := approvals.NewService(testPolicy(), st, c)
	f := &fixture{t: t, ctx: context.Background(), clock: c, st: st, svc: svc,
		adobe: &fakeAdobe{profiles: map[string][]reviews.Member{}}, mkto: &fakeMarketo{}, notes: &notes{sent: map[string]int{}}}
	f.rv = f.replica("r1", schedules...)
	return f
}

// replica returns another Reviews over the same Redis, as a second
// process would have.
func (f *fixture) replica(holder string, schedules ...reviews.Schedule) *reviews.Reviews {
	return reviews.New(reviews.Deps{Access: f.svc, Store: f.st, Adobe: f.adobe, Marketo: f.mkto, Notifier: f.notes,
		Schedules: schedules, Clock: f.clock, Holder: holder})
}

// grant gives email the package through the ledger (submit, approve,
// execute, complete), as the workers would.
func (f *fixture) grant(email, pkg string) {
	f.t.Helper()
	r, err := f.svc.Submit(f.ctx, approvals.SubmitInput{Kind: approvals.KindAdd, Target: approvals.Target{Email: email},
		Package: pkg, Justification: "covering EMEA", Requester: actor("ULEAD")})
	if err != nil {
		f.t.Fatal(err)
	}
	approver := actor("UANN")
	if email == people["UANN"] {
		approver = actor("UBEN")
	}
	if _, err := f.svc.Approve(f.ctx, r.ID, approver, ""); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.StartExecution(f.ctx, r.ID); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.Complete(f.ctx, r.ID); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) items(id string) []reviews.Item {
	f.t.Helper()
	items, err := f.st.ReviewItems(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

func itemOf(items []reviews.Item, email, pkg string) *reviews.Item {
	for i := range items {
		if items[i].Email == email && items[i].Package == pkg {
			return &items[i]
		}
	}
	return nil
}
