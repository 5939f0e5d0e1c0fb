package reviews_test

import (
	"context"
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
// one-second schedule: every slot that fires starts one campaign.
func TestSchedulersRunWithCron(t *testing.T) {
	f := newFixture(t)
	f.clock = nil
	seed(f)
	sched := reviews.Schedule{Name: "fast", Spec: "@every 1s", Packages: []string{"agent"}}
	ctx, cancel := context.WithCancel(f.ctx)
	var wg sync.WaitGroup
	for _, h := range []string{"a", "b", "c"} {
		rv := reviews.New(reviews.Deps{Access: f.svc, Store: f.st, Adobe: f.adobe, Marketo: f.mkto, Notifier: f.notes,
			Schedules: []reviews.Schedule{sched}, Clock: approvals.ClockFunc(time.Now), Holder: h})
		s, err := reviews.NewScheduler(rv)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _ = s.Run(ctx) })
	}
	time.Sleep(2500 * time.Millisecond)
	cancel()
	wg.Wait()
	ids, err := f.st.ListReviews(f.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	slots := map[time.Time]int{}
	for _, id := range ids {
		c, err := f.st.Review(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		slots[c.Slot]++
	}
	if len(ids) < 1 || len(ids) > 3 {
		t.Fatalf("%d campaigns in 2.5 s of a 1 s schedule", len(ids))
	}
	for s, n := range slots {
		if n != 1 {
			t.Fatalf("slot %s started %d campaigns", s, n)
		}
	}
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
