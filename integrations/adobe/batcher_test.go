package adobe

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
)

func startBatcher(t *testing.T, c *Client, cfg BatcherConfig) *Batcher {
	t.Helper()
	b := NewBatcher(c, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx) }()
	t.Cleanup(func() { b.Close(); cancel(); <-done })
	return b
}

func newPerson(i int) UserSpec {
	return UserSpec{Email: fmt.Sprintf("person%03d@example.com", i), Type: FederatedID, Country: "US", FirstName: "P", LastName: fmt.Sprint(i)}
}

func TestBatcher95AddsTenCalls(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	e.fake.FailUser("person007@example.com", "error.user.belongs_to_another_org", "")
	b := startBatcher(t, e.client, BatcherConfig{Window: 300 * time.Millisecond})

	const n = 95
	errs := make([]error, n)
	results := make([]Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = b.EnsureMember(context.Background(), newPerson(i), []string{"Live Agent"}, fmt.Sprintf("req%03d/adobe", i), false)
		}()
	}
	wg.Wait()
	if got := e.fake.Calls(adobefake.KindAction); got != 10 {
		t.Errorf("action calls = %d, want 10", got)
	}
	for i, err := range errs {
		if i == 7 {
			ae := asErr(t, err)
			if ae.Code != "error.user.belongs_to_another_org" || ae.User != "person007@example.com" || ae.RequestID != "req007/adobe" || ae.Reason != failure.ReasonConflict {
				t.Errorf("caller 7 got %+v", ae)
			}
			continue
		}
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
		if results[i].RequestID != fmt.Sprintf("req%03d/adobe", i) {
			t.Errorf("caller %d got result %+v", i, results[i])
		}
	}
	// Every change took effect exactly once.
	seen := map[string]int{}
	for _, ch := range e.fake.Applied() {
		seen[ch.RequestID]++
		if ch.Op != adobefake.OpAdd || ch.Profile != "Live Agent" {
			t.Errorf("unexpected change %+v", ch)
		}
	}
	if len(seen) != n-1 {
		t.Errorf("distinct applied changes = %d, want %d", len(seen), n-1)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s applied %d times", id, k)
		}
	}
}

func TestBatcherWholeCallFailureReachesItsCallers(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	e.fake.FailNext(adobefake.KindAction, 1, 500)
	b := startBatcher(t, e.client, BatcherConfig{Window: 300 * time.Millisecond})
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.EnsureMember(context.Background(), newPerson(i), []string{"Calendar Agent"}, fmt.Sprint("r", i), false)
			if err != nil {
				if ae := asErr(t, err); ae.Reason != failure.ReasonUnavailable || ae.Status != 500 {
					t.Errorf("caller %d: %v", i, err)
				}
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != 10 {
		t.Errorf("%d callers failed, want the 10 of the failed call", failed)
	}
	if got := e.fake.Calls(adobefake.KindAction); got != 2 {
		t.Errorf("action calls = %d, want 2", got)
	}
}

func TestBatcherSameUserNeverSharesACall(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	b := startBatcher(t, e.client, BatcherConfig{Window: 300 * time.Millisecond})
	ctx := context.Background()
	queued := func(n int) func() bool {
		return func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.queue) == n }
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if _, err := b.EnsureMember(ctx, UserSpec{Email: "ana.admin@example.com"}, []string{"Live Agent"}, "add", false); err != nil {
			t.Error(err)
		}
	}()
	waitUntil(t, "the add is queued", queued(1))
	go func() {
		defer wg.Done()
		if _, err := b.RemoveMember(ctx, "ana.admin@example.com", []string{"Live Agent"}, "remove", false); err != nil {
			t.Error(err)
		}
	}()
	// Both wait together, so one call could carry both; it must not.
	waitUntil(t, "the add and the remove are queued together", queued(2))
	wg.Wait()
	if got := e.fake.Calls(adobefake.KindAction); got != 2 {
		t.Errorf("action calls = %d, want 2", got)
	}
	if ok, _ := e.client.IsMember(ctx, "ana.admin@example.com", "Live Agent"); ok {
		t.Error("the remove ran before the add")
	}
}

// waitUntil polls cond until it holds, failing the test after five
// seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBatcherRateLimitedInRedis(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	lim := ratelimit.New(rdb, prefix)
	e := newEnv(t, noLimits(), func(c *Config) {
		c.Limits = Limits{ActionsPerMinute: 1, Period: time.Minute}
		c.MaxLimitWait = 100 * time.Millisecond
	}, WithLimiter(lim))
	b := startBatcher(t, e.client, BatcherConfig{Window: 20 * time.Millisecond})
	ctx := context.Background()
	if _, err := b.EnsureMember(ctx, newPerson(1), []string{"Live Agent"}, "a", false); err != nil {
		t.Fatal(err)
	}
	_, err := b.EnsureMember(ctx, newPerson(2), []string{"Live Agent"}, "b", false)
	ae := asErr(t, err)
	if ae.Reason != failure.ReasonRateLimited || ae.Delay() < 30*time.Second || ae.Status != 0 {
		t.Errorf("second change: %+v", ae)
	}
	if got := e.fake.Calls(adobefake.KindAction); got != 1 {
		t.Errorf("action calls = %d, want 1", got)
	}
}

func TestBatcherTestOnlyAndClose(t *testing.T) {
	e := newEnv(t, noLimits(), nil)
	b := NewBatcher(e.client, BatcherConfig{Window: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	res, err := b.EnsureMember(ctx, newPerson(3), []string{"Live Agent"}, "dry", true)
	if err != nil || !res.TestOnly {
		t.Fatalf("testOnly: %+v %v", res, err)
	}
	if len(e.fake.Applied()) != 0 {
		t.Error("testOnly applied a change")
	}
	b.Close()
	<-done
	if _, err := b.EnsureMember(ctx, newPerson(4), []string{"Live Agent"}, "late", false); err != ErrBatcherClosed {
		t.Errorf("after Close: %v", err)
	}
}
