package marketo

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
)

// TestLimiterKeepsBurstInsideShare fires 200 calls at once through the
// Redis-counted limiter at the default share (50 per 20 s), scaled by
// 1/100 so the window is 200 ms, against an emulator enforcing the
// instance limit (100 per 20 s) at the same scale. No call may be
// refused, and no 200 ms window may see more than 50 calls.
func TestLimiterKeepsBurstInsideShare(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	const scale = 0.01
	window := time.Duration(float64(InstanceRatePeriod) * scale)
	p := newPair(t, marketofake.Options{TimeScale: scale, Clock: time.Now}, Config{
		MaxWait: 5 * time.Second,
	}, WithClock(time.Now), WithLimiter(ratelimit.New(rdb, prefix)))
	// Validate refuses rates above the instance's per-20 s budget, so the
	// scaled default is set after New.
	p.client.cfg.Rate = ratelimit.Limit{Rate: DefaultRate, Period: window, Burst: 1}
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if _, err := p.client.ListRoles(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	s := p.fake.Stats()
	if s.RateLimited != 0 || s.ConcurrencyLimited != 0 || s.Admitted != 200 {
		t.Fatalf("stats %+v", s)
	}
	var times []time.Time
	for _, r := range p.fake.Requests() {
		if r.Path != "/identity/oauth/token" {
			times = append(times, r.Time)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	worst := 0
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < window {
			j++
		}
		worst = max(worst, j-i)
	}
	// Arrival jitter on a shared machine can squeeze a call or two.
	if worst > DefaultRate+2 {
		t.Fatalf("%d calls inside one %s window, want at most %d", worst, window, DefaultRate)
	}
	// 200 calls at 50 per window need at least 199 emission intervals.
	if min := time.Duration(199) * window / DefaultRate; elapsed < min*9/10 {
		t.Fatalf("200 calls took %s, faster than the limit allows (%s)", elapsed, min)
	}
	t.Logf("200 calls in %s, worst window %d calls", elapsed, worst)
}

// TestFarSlotReturnsRateLimited: when the next slot is further than
// MaxWait the client returns at once with a rate_limited *failure.Error.
func TestFarSlotReturnsRateLimited(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	p := newPair(t, marketofake.Options{}, Config{
		Rate: ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 1}, MaxWait: 100 * time.Millisecond,
	}, WithLimiter(ratelimit.New(rdb, prefix)))
	ctx := context.Background()
	if _, err := p.client.ListRoles(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := p.client.ListRoles(ctx)
	var e *failure.Error
	if !errors.As(err, &e) || e.Reason != failure.ReasonRateLimited || e.RetryAfter < 50*time.Second || !e.Retryable() {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("slept %s instead of returning", time.Since(start))
	}
	if p.fake.Stats().Calls != 1 {
		t.Fatalf("calls %d", p.fake.Stats().Calls)
	}
}

// TestSemaphoreAcrossClients: two clients (two replicas) sharing one
// Redis semaphore of 3 slots never have more than 3 calls in flight.
func TestSemaphoreAcrossClients(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	p := newPair(t, marketofake.Options{Latency: 20 * time.Millisecond}, Config{})
	cfg := p.client.cfg
	cfg.MaxInFlight = 3
	cfg.MaxWait = 10 * time.Second
	sem := ratelimit.NewSemaphore(rdb, cfg.SemaphoreKey(prefix), cfg.MaxInFlight, cfg.SemaphoreLease())
	var clients []*Client
	for range 2 {
		c, err := New(cfg, WithInFlight(sem), WithClock(p.clock.Now))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if _, err := clients[i%2].ListRoles(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if s := p.fake.Stats(); s.MaxInFlight > 3 || s.ConcurrencyLimited != 0 || s.Admitted != 30 {
		t.Fatalf("stats %+v", s)
	}
}

// TestBusySemaphoreReturnsRateLimited: a semaphore that stays full
// longer than MaxWait gives a rate_limited *failure.Error.
func TestBusySemaphoreReturnsRateLimited(t *testing.T) {
	p := newPair(t, marketofake.Options{Latency: 500 * time.Millisecond}, Config{MaxInFlight: 1, MaxWait: 50 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			_, err := p.client.ListRoles(context.Background())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var limited int
	for err := range errs {
		if errors.Is(err, errRateLimited) {
			limited++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if limited != 1 {
		t.Fatalf("%d rate_limited errors, want 1", limited)
	}
}
