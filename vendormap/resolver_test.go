package vendormap_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/vendormap"
)

// fakeMarketo is one instance's roles and workspaces, counting reads.
type fakeMarketo struct {
	mu         sync.Mutex
	roles      []marketo.Role
	workspaces []marketo.Workspace
	roleReads  atomic.Int32
	wsReads    atomic.Int32
	gate       chan struct{} // when set, role reads wait for it
}

func newFakeMarketo() *fakeMarketo {
	return &fakeMarketo{roles: []marketo.Role{{ID: 101, Name: "DC Agent"}}, workspaces: []marketo.Workspace{{ID: 1, Name: "Default"}}}
}

func (f *fakeMarketo) ListRoles(ctx context.Context) ([]marketo.Role, error) {
	f.roleReads.Add(1)
	f.mu.Lock()
	gate := f.gate
	out := slices.Clone(f.roles)
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return out, nil
}

func (f *fakeMarketo) ListWorkspaces(context.Context) ([]marketo.Workspace, error) {
	f.wsReads.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.workspaces), nil
}

func (f *fakeMarketo) setRoles(rs ...marketo.Role) {
	f.mu.Lock()
	f.roles = rs
	f.mu.Unlock()
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newResolver(m *fakeMarketo, mod func(*vendormap.Config)) (*vendormap.Resolver, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	cfg := vendormap.Config{Marketo: map[string]vendormap.Lists{"": m}, Now: clock.Now}
	if mod != nil {
		mod(&cfg)
	}
	return vendormap.New(cfg), clock
}

var (
	agent   = approvals.MarketoRef{Name: "DC Agent"}
	newRole = approvals.MarketoRef{Name: "DC Night Shift"}
	def     = approvals.MarketoRef{Name: "Default"}
)

// TestMissIsReadAgain is the field case: a role created after the first
// lookup is found by the next one, with no restart; hits come from the
// kept listing.
func TestMissIsReadAgain(t *testing.T) {
	ctx := context.Background()
	m := newFakeMarketo()
	r, _ := newResolver(m, nil)
	if _, err := r.Marketo(ctx, "", agent, def); err != nil {
		t.Fatal(err)
	}
	_, err := r.Marketo(ctx, "", newRole, def)
	if !errors.Is(err, vendormap.ErrNotFound) {
		t.Fatalf("missing role: %v", err)
	}
	if n := m.roleReads.Load(); n != 2 {
		t.Fatalf("%d role reads, want 2 (the miss read again)", n)
	}
	m.setRoles(marketo.Role{ID: 101, Name: "DC Agent"}, marketo.Role{ID: 150, Name: "DC Night Shift"})
	a, err := r.Marketo(ctx, "", newRole, def)
	if err != nil || a.Role.ID != 150 || a.Workspace.ID != 1 || a.Instance != vendormap.DefaultInstance {
		t.Fatalf("created role: %+v, %v", a, err)
	}
	for range 5 {
		if _, err := r.Marketo(ctx, "default", newRole, def); err != nil {
			t.Fatal(err)
		}
	}
	if n, w := m.roleReads.Load(), m.wsReads.Load(); n != 3 || w != 1 {
		t.Fatalf("%d role reads and %d workspace reads, want 3 and 1 (hits are kept)", n, w)
	}
}

func TestKeptListingExpires(t *testing.T) {
	ctx := context.Background()
	m := newFakeMarketo()
	r, clock := newResolver(m, func(c *vendormap.Config) { c.TTL = time.Minute })
	for range 3 {
		if _, err := r.Marketo(ctx, "", agent, def); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(time.Minute)
	if _, err := r.Marketo(ctx, "", agent, def); err != nil {
		t.Fatal(err)
	}
	if n := m.roleReads.Load(); n != 2 {
		t.Fatalf("%d role reads, want 2 (one per TTL)", n)
	}
}

func TestLongListingIsNotKept(t *testing.T) {
	ctx := context.Background()
	m := newFakeMarketo()
	m.setRoles(marketo.Role{ID: 101, Name: "DC Agent"}, marketo.Role{ID: 102, Name: "B"}, marketo.Role{ID: 103, Name: "C"})
	r, _ := newResolver(m, func(c *vendormap.Config) { c.MaxItems = 2 })
	for range 3 {
		if _, err := r.Marketo(ctx, "", agent, def); err != nil {
			t.Fatal(err)
		}
	}
	if n, w := m.roleReads.Load(), m.wsReads.Load(); n != 3 || w != 1 {
		t.Fatalf("%d role reads, %d workspace reads; want 3 (over MaxItems) and 1", n, w)
	}
}

// TestContradictionDropsTheListing: the role was deleted and created
// again under a new id after it was listed; Marketo refuses the old id,
// the resolver reads again and the call is repeated with the new id.
func TestContradictionDropsTheListing(t *testing.T) {
	ctx := context.Background()
	m := newFakeMarketo()
	r, _ := newResolver(m, nil)
	if _, err := r.Marketo(ctx, "", agent, def); err != nil {
		t.Fatal(err)
	}
	m.setRoles(marketo.Role{ID: 301, Name: "DC Agent"})
	var used []int
	err := r.WithMarketo(ctx, "", agent, def, func(a vendormap.Assignment) error {
		used = append(used, a.Role.ID)
		if a.Role.ID != 301 {
			return &failure.Error{Vendor: "Marketo", Reason: failure.ReasonInvalid, Op: "add role", Status: 400, Code: "1003", Message: "Invalid data: role 101"}
		}
		return nil
	})
	if err != nil || !slices.Equal(used, []int{101, 301}) {
		t.Fatalf("err %v, ids used %v; want nil and [101 301]", err, used)
	}
	// Deleted for good: the clear sentence, not Marketo's refusal.
	m.setRoles()
	err = r.WithMarketo(ctx, "", agent, def, func(vendormap.Assignment) error {
		return &failure.Error{Vendor: "Marketo", Reason: failure.ReasonInvalid, Op: "add role", Status: 400}
	})
	var me *vendormap.MatchError
	if !errors.As(err, &me) || me.Problem != vendormap.ProblemNotFound {
		t.Fatalf("deleted role: %v", err)
	}
	// Another refusal (the user's, say) with the same ids is returned as is.
	m.setRoles(marketo.Role{ID: 301, Name: "DC Agent"})
	refusal := &failure.Error{Vendor: "Marketo", Reason: failure.ReasonInvalid, Op: "add role", Status: 400, Message: "business rule"}
	calls := 0
	err = r.WithMarketo(ctx, "", agent, def, func(vendormap.Assignment) error { calls++; return refusal })
	if !errors.Is(err, refusal) || calls != 1 {
		t.Fatalf("same ids: %v after %d calls", err, calls)
	}
}

// TestOneReadServesConcurrentLookups: lookups that arrive while a read
// is under way wait for it rather than read again.
func TestOneReadServesConcurrentLookups(t *testing.T) {
	ctx := context.Background()
	m := newFakeMarketo()
	m.gate = make(chan struct{})
	r, _ := newResolver(m, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := r.Marketo(ctx, "", agent, def)
			errs <- err
		})
	}
	for m.roleReads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(m.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := m.roleReads.Load(); n != 1 {
		t.Fatalf("%d role reads for 20 concurrent lookups, want 1", n)
	}
}

// TestCancelledCallerLeavesTheReadToOthers: the read goes on for the
// other callers when the one that started it gives up.
func TestCancelledCallerLeavesTheReadToOthers(t *testing.T) {
	m := newFakeMarketo()
	m.gate = make(chan struct{})
	r, _ := newResolver(m, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Marketo(ctx, "", agent, def)
		done <- err
	}()
	for m.roleReads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	go func() { time.Sleep(10 * time.Millisecond); close(m.gate) }()
	if _, err := r.Marketo(context.Background(), "", agent, def); err != nil {
		t.Fatal(err)
	}
	if n := m.roleReads.Load(); n != 1 {
		t.Fatalf("%d role reads, want 1", n)
	}
}

func TestInstancesAreKeptApart(t *testing.T) {
	ctx := context.Background()
	one, two := newFakeMarketo(), newFakeMarketo()
	two.setRoles(marketo.Role{ID: 900, Name: "DC Agent"})
	r := vendormap.New(vendormap.Config{Marketo: map[string]vendormap.Lists{"default": one, "EMEA": two}})
	a, err := r.Marketo(ctx, "", agent, def)
	b, err2 := r.Marketo(ctx, "emea", agent, def)
	if err != nil || err2 != nil || a.Role.ID != 101 || b.Role.ID != 900 || b.Instance != "emea" {
		t.Fatalf("default %+v %v, emea %+v %v", a, err, b, err2)
	}
	_, err = r.Marketo(ctx, "APAC", agent, def)
	var me *vendormap.MatchError
	if !errors.As(err, &me) || me.Kind != vendormap.KindInstance || me.Human() == "" {
		t.Fatalf("unknown instance: %v", err)
	}
}

// fakeGroups is the Admin Console's group listing, counting reads.
type fakeGroups struct {
	mu     sync.Mutex
	groups []adobe.Group
	reads  atomic.Int32
}

func (f *fakeGroups) EachGroup(_ context.Context, fn func(adobe.Group) error) error {
	f.reads.Add(1)
	f.mu.Lock()
	gs := slices.Clone(f.groups)
	f.mu.Unlock()
	for _, g := range gs {
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeGroups) set(names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = nil
	for _, n := range names {
		f.groups = append(f.groups, adobe.Group{GroupName: n, Type: adobe.GroupTypeProductProfile, ProductName: "Dynamic Chat"})
	}
}

func TestProfiles(t *testing.T) {
	ctx := context.Background()
	g := &fakeGroups{}
	g.set("Live Agent", "Sales Admin")
	r := vendormap.New(vendormap.Config{Adobe: g})
	names, err := r.ProfileNames(ctx, []string{"live  agent", "SALES ADMIN"})
	if err != nil || !slices.Equal(names, []string{"Live Agent", "Sales Admin"}) {
		t.Fatalf("names %q, %v", names, err)
	}
	if _, err := r.ProfileNames(ctx, []string{"Night Agent"}); !errors.Is(err, vendormap.ErrNotFound) {
		t.Fatalf("missing profile: %v", err)
	}
	g.set("Live Agent", "Sales Admin", "Night Agent")
	if _, err := r.ProfileNames(ctx, []string{"Night Agent"}); err != nil {
		t.Fatalf("created profile: %v", err)
	}
	if n := g.reads.Load(); n != 3 {
		t.Fatalf("%d group reads, want 3", n)
	}
	// A removal from every profile always reads.
	all, err := r.AllProfiles(ctx, "dynamic chat")
	if err != nil || len(all) != 3 || g.reads.Load() != 4 {
		t.Fatalf("all profiles %q, %v after %d reads", all, err, g.reads.Load())
	}
	// Adobe renamed a profile after it was listed.
	g.set("Live Agents", "Sales Admin", "Night Agent")
	var sent [][]string
	err = r.WithProfiles(ctx, []string{"Sales Admin"}, func(names []string) error {
		sent = append(sent, names)
		return nil
	})
	if err != nil || len(sent) != 1 {
		t.Fatalf("unaffected profile: %v %v", sent, err)
	}
	reads := g.reads.Load()
	refused := &failure.Error{Vendor: "Adobe", Reason: failure.ReasonInvalid, Code: "error.domain.trust.nonexistent"}
	if err := r.WithProfiles(ctx, []string{"Sales Admin"}, func([]string) error { return refused }); !errors.Is(err, refused) || g.reads.Load() != reads {
		t.Fatalf("a refusal that is not about the group: %v, %d reads", err, g.reads.Load()-reads)
	}
	err = r.WithProfiles(ctx, []string{"Live Agent"}, func([]string) error {
		return &failure.Error{Vendor: "Adobe", Reason: failure.ReasonNotFound, Code: "error.group.not_found"}
	})
	if !errors.Is(err, vendormap.ErrNotFound) {
		t.Fatalf("renamed profile: %v", err)
	}
	if _, err := vendormap.New(vendormap.Config{}).ProfileNames(ctx, []string{"x"}); err == nil {
		t.Fatal("no Adobe client, no error")
	}
}

func TestPackage(t *testing.T) {
	ctx := context.Background()
	g := &fakeGroups{}
	g.set("Live Agent")
	m := newFakeMarketo()
	r := vendormap.New(vendormap.Config{Adobe: g, Marketo: map[string]vendormap.Lists{"": m}})
	pkg := &approvals.Package{Name: "agent", Profiles: []approvals.ProductProfile{{Name: "live agent", Product: "Dynamic Chat"}},
		MarketoRole: approvals.MarketoRef{ID: 101}, MarketoWorkspace: approvals.MarketoRef{Name: "default"}}
	tg, err := r.Package(ctx, pkg)
	if err != nil || tg.Profiles[0].GroupName != "Live Agent" || tg.Marketo == nil || tg.Marketo.Role.Name != "DC Agent" || tg.Marketo.Workspace.ID != 1 {
		t.Fatalf("target %+v, %v", tg, err)
	}
	pkg.MarketoRole = approvals.MarketoRef{}
	if tg, err := r.Package(ctx, pkg); err != nil || tg.Marketo != nil || vendormap.HasRole(pkg) {
		t.Fatalf("no role: %+v, %v", tg, err)
	}
}
