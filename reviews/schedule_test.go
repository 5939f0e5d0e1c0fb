package reviews_test

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/reviews"
)

// TestThreeSchedulersOneCampaignPerSlot: three replicas fire the same
// slot at once against one Redis; exactly one campaign starts.
func TestThreeSchedulersOneCampaignPerSlot(t *testing.T) {
	f := newFixture(t)
	seed(f)
	sched := reviews.Schedule{Name: "quarterly", Spec: "0 9 1 1,4,7,10 *", Location: mustLoad(t, "Europe/Berlin"), Deadline: 14 * 24 * time.Hour}
	var schedulers []*reviews.Scheduler
	for _, h := range []string{"a", "b", "c"} {
		s, err := reviews.NewScheduler(f.replica(h, sched))
		if err != nil {
			t.Fatal(err)
		}
		schedulers = append(schedulers, s)
	}
	slot, err := schedulers[0].Next("quarterly", t0)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 1, 1, 9, 0, 0, 0, mustLoad(t, "Europe/Berlin")); !slot.Equal(want) {
		t.Fatalf("next slot %s, want %s", slot, want)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	started := 0
	for _, s := range schedulers {
		for range 3 {
			wg.Go(func() {
				_, ok, err := s.Fire(f.ctx, "quarterly", slot)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					started++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	ids, err := f.st.ListReviews(f.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if started != 1 || len(ids) != 1 {
		t.Fatalf("started %d, campaigns %v", started, ids)
	}
	c, _ := f.st.Review(f.ctx, ids[0])
	if c.Schedule != "quarterly" || !c.Slot.Equal(slot) || !c.StartedBy.IsSystem() {
		t.Fatalf("campaign %+v", c)
	}
	if _, _, err := schedulers[0].Fire(f.ctx, "nope", slot); err == nil {
		t.Fatal("unknown schedule fired")
	}
}

// TestSchedulersRunWithCron runs three replicas' robfig/cron loops on a
// one-second schedule until two slots have been tried by all three and
// started: each such slot started exactly one campaign, and no slot
// started two.
func TestSchedulersRunWithCron(t *testing.T) {
	f := newFixture(t)
	f.clock = nil
	seed(f)
	sched := reviews.Schedule{Name: "fast", Spec: "@every 1s", Packages: []string{"agent"}}
	claims := &claimCounter{Store: f.st, calls: map[string]int{}}
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	stop := func() { cancel(); wg.Wait() }
	defer stop()
	replicas := []string{"a", "b", "c"}
	for _, h := range replicas {
		rv := reviews.New(reviews.Deps{Access: f.svc, Store: claims, Adobe: f.adobe, Marketo: f.mkto, Notifier: f.notes,
			Schedules: []reviews.Schedule{sched}, Clock: approvals.ClockFunc(time.Now), Holder: h})
		s, err := reviews.NewScheduler(rv)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = s.Run(ctx) })
	}
	// campaigns counts campaigns per slot ("fast@<RFC 3339>", the claim's
	// name).
	campaigns := func() map[string]int {
		t.Helper()
		ids, err := f.st.ListReviews(f.ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, id := range ids {
			c, err := f.st.Review(f.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			out[sched.Name+"@"+c.Slot.UTC().Format(time.RFC3339)]++
		}
		return out
	}
	// contested lists the slots every replica tried that have started.
	contested := func() []string {
		t.Helper()
		var out []string
		started := campaigns()
		for _, slot := range claims.triedBy(len(replicas)) {
			if started[slot] > 0 {
				out = append(out, slot)
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(contested()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s of a 1 s schedule: claims %v, campaigns %v", claims.snapshot(), campaigns())
		}
		time.Sleep(50 * time.Millisecond)
	}
	done := contested()
	stop()
	got := campaigns()
	for _, slot := range done {
		if got[slot] != 1 {
			t.Fatalf("slot %s, tried by %d replicas, started %d campaigns", slot, len(replicas), got[slot])
		}
	}
	for slot, n := range got {
		if n != 1 {
			t.Fatalf("slot %s started %d campaigns", slot, n)
		}
	}
}

// claimCounter counts Claim calls per name, so a test knows when every
// replica has tried a slot.
type claimCounter struct {
	reviews.Store
	mu    sync.Mutex
	calls map[string]int
}

func (c *claimCounter) Claim(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	ok, err := c.Store.Claim(ctx, name, holder, ttl)
	c.mu.Lock()
	c.calls[name]++
	c.mu.Unlock()
	return ok, err
}

// triedBy lists the names claimed at least n times.
func (c *claimCounter) triedBy(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for name, k := range c.calls {
		if k >= n {
			out = append(out, name)
		}
	}
	return out
}

func (c *claimCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestClaimedSlotRetriesThroughAnOutage: Adobe is down when the slot
// fires; the replica that claimed the slot keeps trying and starts the
// campaign once Adobe answers, instead of losing the quarter's review.
func TestClaimedSlotRetriesThroughAnOutage(t *testing.T) {
	f := newFixture(t)
	seed(f)
	f.adobe.mu.Lock()
	f.adobe.failNext = 2
	f.adobe.mu.Unlock()
	sched := reviews.Schedule{Name: "quarterly", Spec: "0 9 1 1,4,7,10 *", Location: time.UTC, Deadline: 14 * 24 * time.Hour}
	s, err := reviews.NewScheduler(f.replica("a", sched))
	if err != nil {
		t.Fatal(err)
	}
	s.RetryBase = 10 * time.Millisecond
	slot := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	c, started, err := s.Fire(f.ctx, "quarterly", slot)
	if err != nil || !started || c == nil {
		t.Fatalf("fire through an outage: %v %v %v", c, started, err)
	}
	// A slot that never gets through says so after its tries.
	f.adobe.mu.Lock()
	f.adobe.failNext = 100
	f.adobe.mu.Unlock()
	s.RetryAttempts = 3
	if _, started, err := s.Fire(f.ctx, "quarterly", slot.AddDate(0, 3, 0)); !started || err == nil || !strings.Contains(err.Error(), "after 3 tries") {
		t.Fatalf("persistent outage: started %v, err %v", started, err)
	}
}
