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
)

const benchMembers = 10000

// benchRig is a campaign stack on the emulators and real Redis: a
// 10,000-member "Live Agent" profile, a few Marketo users, 200 grants.
type benchRig struct {
	sb *sandbox.Sandbox
	rv *reviews.Reviews
	st *store.Store
}

func newBenchRig(tb testing.TB) *benchRig {
	tb.Helper()
	ctx := context.Background()
	rdb, prefix := redistest.Client(tb)
	// Adobe's minute becomes a second in the emulator and in the
	// client's Redis-counted limits alike, so the limits bind.
	sb := sandbox.Start(sandbox.Options{AdobeTimeScale: 1.0 / 60, MarketoTimeScale: 0.01})
	tb.Cleanup(sb.Close)
	for i := range benchMembers {
		email := fmt.Sprintf("user%05d@example.com", i)
		if err := sb.Adobe.AddUser(adobefake.UserSeed{Email: email, FirstName: "User", LastName: fmt.Sprint(i), Groups: []string{"Live Agent"}}); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range 20 {
		u := marketofake.User{EmailAddress: fmt.Sprintf("user%05d@example.com", i), FirstName: "User", LastName: fmt.Sprint(i),
			LastLoginAt: time.Now().Add(-time.Duration(i) * 24 * time.Hour),
			Roles:       []marketofake.Assignment{{RoleID: sb.RoleID("DC Agent"), WorkspaceID: sb.WorkspaceID()}}}
		if err := sb.Marketo.AddUser(u); err != nil {
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
			Approvers: approvals.Audience{Users: []approvals.PlatformID{{Platform: approvals.PlatformSlack, ID: "UANN"}, {Platform: approvals.PlatformSlack, ID: "UBEN"}}}, MinApprovals: 1, AllowPermanent: true,
		}},
	}
	svc := approvals.NewService(pol, st, approvals.ClockFunc(time.Now))
	for i := range 200 {
		if _, err := svc.Adopt(ctx, fmt.Sprintf("user%05d@example.com", i*7), "agent", actor("UROOT"), time.Time{}, "bench"); err != nil {
			tb.Fatal(err)
		}
	}
	rv := reviews.New(reviews.Deps{Access: svc, Store: st, Notifier: &notes{sent: map[string]int{}},
		Adobe: &inventory.Adobe{Client: acl}, Marketo: &inventory.Marketo{Client: mcl}})
	return &benchRig{sb: sb, rv: rv, st: st}
}

// BenchmarkCampaign builds a campaign of a 10,000-member profile. It
// reports the UMAPI reads per campaign (adobe-reads; paging allows no
// fewer than 10,000/2000 = 5), 429s seen (adobe-429s) and the peak
// in-use heap sampled every 2 ms (peak-heap-MB).
func BenchmarkCampaign(b *testing.B) {
	rig := newBenchRig(b)
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
	before := rig.sb.Adobe.Calls(adobefake.KindUsers)
	b.ResetTimer()
	for b.Loop() {
		c, err := rig.rv.Start(ctx, reviews.Schedule{Name: "bench"}, approvals.System, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if c.Items != benchMembers {
			b.Fatalf("%d items", c.Items)
		}
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	reads := float64(rig.sb.Adobe.Calls(adobefake.KindUsers)-before) / float64(b.N)
	throttled := 0
	for _, r := range rig.sb.Adobe.Requests() {
		if r.Status == 429 {
			throttled++
		}
	}
	b.ReportMetric(reads, "adobe-reads")
	b.ReportMetric(float64(throttled), "adobe-429s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	if reads != benchMembers/2000 || throttled != 0 {
		b.Fatalf("adobe reads %.1f a campaign, %d throttled", reads, throttled)
	}
}

// TestCampaignFewestReads is the benchmark's claim as a test: one
// campaign of a 10,000-member profile costs exactly 5 UMAPI reads and
// no 429, and every member becomes an item with its evidence.
func TestCampaignFewestReads(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 users")
	}
	rig := newBenchRig(t)
	c, err := rig.rv.Start(context.Background(), reviews.Schedule{Name: "once"}, approvals.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if n := rig.sb.Adobe.Calls(adobefake.KindUsers); n != benchMembers/2000 {
		t.Fatalf("%d user reads, want %d", n, benchMembers/2000)
	}
	for _, r := range rig.sb.Adobe.Requests() {
		if r.Status == 429 {
			t.Fatalf("throttled: %s", r.Path)
		}
	}
	items, err := rig.st.ReviewItems(context.Background(), c.ID)
	if err != nil || len(items) != benchMembers {
		t.Fatalf("%d items, %v", len(items), err)
	}
	outside, withRole := 0, 0
	for _, it := range items {
		if it.Has(reviews.OutsideBot) {
			outside++
		}
		if it.InMarketo {
			withRole++
		}
	}
	if outside != benchMembers-200 || withRole != 20 {
		t.Fatalf("outside %d, with role %d", outside, withRole)
	}
}
