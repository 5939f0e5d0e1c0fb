package reviews_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/marketo"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/reviews"
	"github.com/chataccess/chataccess/reviews/inventory"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/vendormap"
)

// The inherited-access benchmark: a profile reached by 10 user groups of
// 1,000 members each plus 2,000 direct members.
const (
	inhGroups     = 10
	inhPerGroup   = 1000
	inhDirect     = 2000
	inhHolders    = inhGroups*inhPerGroup + inhDirect
	inhMarketo    = 20
	umapiPageSize = 2000
)

// inhUserReads is what paging allows at best: one walk of the direct
// members and one of every holder, 2,000 a page.
const inhUserReads = (inhDirect+umapiPageSize-1)/umapiPageSize + (inhHolders+umapiPageSize-1)/umapiPageSize

type inhRig struct {
	sb *sandbox.Sandbox
	rv *reviews.Reviews
	st *store.Store
}

func newInhRig(tb testing.TB) *inhRig {
	tb.Helper()
	rdb, prefix := redistest.Client(tb)
	sb := sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.01})
	tb.Cleanup(sb.Close)
	all := make([]string, 0, inhHolders)
	for i := range inhHolders {
		all = append(all, fmt.Sprintf("h%05d@example.com", i))
	}
	sb.Adobe.AddUsers(all)
	for g := range inhGroups {
		name := fmt.Sprintf("Chat Team %02d", g)
		sb.Adobe.AddUserGroup(name)
		if err := sb.Adobe.AddMembers(name, all[g*inhPerGroup:(g+1)*inhPerGroup]); err != nil {
			tb.Fatal(err)
		}
		if err := sb.Adobe.AssignProfile(name, "Live Agent"); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sb.Adobe.AddMembers("Live Agent", all[inhGroups*inhPerGroup:]); err != nil {
		tb.Fatal(err)
	}
	for i := range inhMarketo {
		if err := sb.Marketo.AddUser(marketofake.User{EmailAddress: all[i*500], Roles: []marketofake.Assignment{{RoleID: sb.RoleID("DC Agent"), WorkspaceID: sb.WorkspaceID()}}}); err != nil {
			tb.Fatal(err)
		}
	}
	acfg := sb.AdobeConfig()
	acfg.Limits = adobe.Limits{ActionsPerMinute: 10, UserReadsPerMinute: 25, GroupReadsPerMinute: 5, Period: time.Second}
	acfg.MaxLimitWait = time.Minute
	acl, err := adobe.New(acfg, adobe.WithLimiter(ratelimit.New(rdb, prefix+"rl:")))
	if err != nil {
		tb.Fatal(err)
	}
	mcl, err := marketo.New(sb.MarketoConfig())
	if err != nil {
		tb.Fatal(err)
	}
	st := store.New(rdb, prefix)
	pol := &approvals.Policy{
		Requesters: approvals.Audience{Everyone: true},
		Admins:     approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UROOT"}}},
		Packages: map[string]*approvals.Package{"agent": {
			Name: "agent", Profiles: []approvals.ProductProfile{{Name: "Live Agent", Product: "Dynamic Chat"}},
			MarketoRole: approvals.MarketoRef{Name: "DC Agent"}, MarketoWorkspace: approvals.MarketoRef{Name: "Default"},
			Approvers: approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UANN"}}}, MinApprovals: 1, AllowPermanent: true,
		}},
	}
	svc := approvals.NewService(pol, st, approvals.ClockFunc(time.Now))
	mapping := vendormap.New(vendormap.Config{Adobe: acl, Marketo: map[string]vendormap.Lists{vendormap.DefaultInstance: mcl}})
	rv := reviews.New(reviews.Deps{Access: svc, Store: st, Notifier: &notes{sent: map[string]int{}},
		Adobe: &inventory.Adobe{Client: acl, Resolver: mapping}, Marketo: &inventory.Marketo{Client: mcl, Resolver: mapping}})
	return &inhRig{sb: sb, rv: rv, st: st}
}

// BenchmarkInheritedReview builds a campaign of a profile reached by 10
// user groups of 1,000 members each plus 2,000 direct members. It
// reports reads per system per campaign: UMAPI user reads (paging allows
// no fewer than 1 + 6 = 7), UMAPI group reads (the listing, kept across
// campaigns), Marketo calls (allusers.json pages plus one user.json per
// Marketo user: Marketo gives roles only per user), and the peak in-use
// heap sampled every 2 ms.
func BenchmarkInheritedReview(b *testing.B) {
	rig := newInhRig(b)
	ctx := context.Background()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	users, groups, mkto := rig.sb.Adobe.Calls(adobefake.KindUsers), rig.sb.Adobe.Calls(adobefake.KindGroups), rig.sb.Marketo.Stats().Calls
	b.ResetTimer()
	for b.Loop() {
		c, err := rig.rv.Start(ctx, reviews.Schedule{Name: "bench"}, approvals.System, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if c.Items != inhHolders {
			b.Fatalf("%d items, want %d", c.Items, inhHolders)
		}
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	n := float64(b.N)
	userReads := float64(rig.sb.Adobe.Calls(adobefake.KindUsers)-users) / n
	b.ReportMetric(userReads, "adobe-user-reads")
	b.ReportMetric(float64(rig.sb.Adobe.Calls(adobefake.KindGroups)-groups)/n, "adobe-group-reads")
	b.ReportMetric(float64(rig.sb.Marketo.Stats().Calls-mkto)/n, "marketo-calls")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	if userReads != inhUserReads {
		b.Fatalf("%.1f UMAPI user reads a campaign, want %d (pages only)", userReads, inhUserReads)
	}
}

// TestInheritedReviewReadsArePages is the benchmark's claim as a test:
// the campaign has one item per holder, each inherited holder names its
// group, and UMAPI is read page by page (7 user reads, 1 group read),
// never once per member.
func TestInheritedReviewReadsArePages(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 12,000 users")
	}
	rig := newInhRig(t)
	c, err := rig.rv.Start(context.Background(), reviews.Schedule{Name: "once"}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if n := rig.sb.Adobe.Calls(adobefake.KindUsers); n != inhUserReads {
		t.Fatalf("%d user reads, want %d", n, inhUserReads)
	}
	if n := rig.sb.Adobe.Calls(adobefake.KindGroups); n != 1 {
		t.Fatalf("%d group reads, want 1", n)
	}
	items, err := rig.st.ReviewItems(context.Background(), c.ID)
	if err != nil || len(items) != inhHolders {
		t.Fatalf("%d items, %v", len(items), err)
	}
	inherited := 0
	for _, it := range items {
		if it.Inherited {
			inherited++
			if len(it.Via) != 1 || it.Via[0][:10] != "Chat Team " {
				t.Fatalf("item %s via %v", it.Email, it.Via)
			}
		}
	}
	if inherited != inhGroups*inhPerGroup {
		t.Fatalf("%d inherited holders, want %d", inherited, inhGroups*inhPerGroup)
	}
}
